"""A small Ethereum JSON-RPC client (over httpx) for transaction status.

Provider URLs often carry an API key in the path or query (``…/v2/<key>``), so nothing
this module raises or prints names more than the scheme, host and port: see
``redact_url``. Exceptions are raised ``from None`` so the httpx error (whose text may
hold the full URL) is not chained into a traceback.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import count
from typing import Any
from urllib.parse import urlsplit

import httpx

from trustdesk.core.errors import DomainError, InvalidInput

BlockTag = int | str  # a block number, or "latest" / "pending" / "earliest"

# JSON-RPC error code for "execution reverted" (EIP-1474 leaves it open; geth, anvil,
# Erigon and Nethermind use 3 and put the revert data in ``error.data``).
_EXECUTION_REVERTED = 3
_METHOD_NOT_FOUND = -32601


class ChainUnavailable(DomainError):
    """The node could not be reached or did not answer JSON-RPC."""

    code = "chains.rpc_unavailable"
    status = 503
    title = "Chain node unavailable"


class RpcError(DomainError):
    """The node answered with a JSON-RPC error object."""

    code = "chains.rpc_error"
    status = 502
    title = "Chain node error"

    def __init__(
        self, message: str, *, rpc_code: int | None = None, data: bytes | None = None
    ) -> None:
        super().__init__(message)
        self.rpc_code = rpc_code
        self.data = data  # error.data as bytes: the revert data for "execution reverted"


def redact_url(url: str) -> str:
    """``scheme://host[:port]``: no user info, path, query or fragment, which is where
    providers put API keys."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return "<unparseable URL>"
    if not parts.scheme or not host:
        return "<unparseable URL>"
    shown = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{shown}" + (f":{port}" if port is not None else "")


@dataclass(frozen=True, slots=True)
class Transaction:
    hash: str
    sender: str
    to: str | None  # None for a contract creation
    nonce: int
    value: int
    input: bytes
    gas: int
    type: int
    gas_price: int | None  # legacy/2930 price; for 1559 nodes report the effective price
    max_fee_per_gas: int | None
    max_priority_fee_per_gas: int | None
    block_number: int | None  # None while pending

    @property
    def max_fee(self) -> int:
        """The most it may pay per gas: maxFeePerGas for EIP-1559, else gasPrice."""
        if self.max_fee_per_gas is not None:
            return self.max_fee_per_gas
        return self.gas_price or 0


@dataclass(frozen=True, slots=True)
class Receipt:
    status: int | None  # None on pre-Byzantium receipts (state root instead)
    block_number: int
    gas_used: int


@dataclass(frozen=True, slots=True)
class Block:
    number: int
    base_fee_per_gas: int | None  # None before London or on chains without EIP-1559
    timestamp: int


class EthRpc:
    """Synchronous JSON-RPC over HTTP; one pooled connection per instance."""

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidInput(
                f"the RPC URL must be http(s)://host…, not {redact_url(url)}", field="rpc"
            )
        self._url = url
        self.host = redact_url(url)
        self.timeout = timeout
        self._ids = count(1)
        self._client = httpx.Client(timeout=timeout, follow_redirects=False)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> EthRpc:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"EthRpc({self.host!r})"

    # --- the calls -------------------------------------------------------------------

    def chain_id(self) -> int:
        return _int(self.request("eth_chainId"))

    def block_number(self) -> int:
        return _int(self.request("eth_blockNumber"))

    def block(self, tag: BlockTag = "latest") -> Block:
        raw = self.request("eth_getBlockByNumber", [_tag(tag), False])
        if not isinstance(raw, Mapping):
            raise RpcError(f"the node at {self.host} has no block {tag}")
        base_fee = raw.get("baseFeePerGas")
        return Block(
            number=_int(raw["number"]),
            base_fee_per_gas=None if base_fee is None else _int(base_fee),
            timestamp=_int(raw["timestamp"]),
        )

    def transaction(self, tx_hash: str) -> Transaction | None:
        raw = self.request("eth_getTransactionByHash", [tx_hash])
        if raw is None:
            return None
        return _transaction(raw)

    def receipt(self, tx_hash: str) -> Receipt | None:
        raw = self.request("eth_getTransactionReceipt", [tx_hash])
        if raw is None:
            return None
        status = raw.get("status")
        return Receipt(
            status=None if status is None else _int(status),
            block_number=_int(raw["blockNumber"]),
            gas_used=_int(raw["gasUsed"]),
        )

    def transaction_count(self, address: str, tag: BlockTag = "latest") -> int:
        return _int(self.request("eth_getTransactionCount", [address, _tag(tag)]))

    def code(self, address: str, tag: BlockTag = "latest") -> bytes:
        return _bytes(self.request("eth_getCode", [address, _tag(tag)]))

    def gas_price(self) -> int:
        return _int(self.request("eth_gasPrice"))

    def max_priority_fee(self) -> int | None:
        """The node's suggested tip; None where the method does not exist (pre-1559)."""
        try:
            return _int(self.request("eth_maxPriorityFeePerGas"))
        except RpcError as exc:
            if exc.rpc_code == _METHOD_NOT_FOUND:
                return None
            raise

    def call(self, call: Mapping[str, Any], tag: BlockTag = "latest") -> bytes:
        return _bytes(self.request("eth_call", [dict(call), _tag(tag)]))

    def revert_data(self, call: Mapping[str, Any], tag: BlockTag) -> bytes | None:
        """Run ``call`` at ``tag``: the revert data (``b""`` for a bare revert) when it
        reverts, None when it succeeds."""
        try:
            self.call(call, tag)
        except RpcError as exc:
            if exc.rpc_code == _EXECUTION_REVERTED or "execution reverted" in exc.message:
                return exc.data or b""
            raise
        return None

    # --- the wire --------------------------------------------------------------------

    def request(self, method: str, params: list[Any] | None = None) -> Any:
        body = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params or []}
        try:
            response = self._client.post(self._url, json=body)
        except httpx.TimeoutException:
            raise ChainUnavailable(
                f"the node at {self.host} did not answer {method} within {self.timeout:g} s"
            ) from None
        except httpx.HTTPError as exc:
            raise ChainUnavailable(
                f"the node at {self.host} cannot be reached ({_reason(exc)})"
            ) from None
        if response.status_code != 200:
            raise ChainUnavailable(
                f"the node at {self.host} answered {method} with HTTP {response.status_code}"
            )
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if not isinstance(answer, Mapping) or ("result" not in answer and "error" not in answer):
            raise ChainUnavailable(f"the node at {self.host} did not answer {method} in JSON-RPC")
        error = answer.get("error")
        if error is not None:
            raise _rpc_error(self.host, method, error)
        return answer["result"]


def _rpc_error(host: str, method: str, error: Any) -> RpcError:
    fields: Mapping[str, Any] = error if isinstance(error, Mapping) else {"message": error}
    code = fields.get("code")
    text = str(fields.get("message", ""))[:200]
    raw = fields.get("data")
    data: bytes | None = None
    if isinstance(raw, str) and raw[:2] == "0x":
        try:
            data = bytes.fromhex(raw[2:])
        except ValueError:
            data = None
    return RpcError(
        f"the node at {host} refused {method}: {text} (code {code})",
        rpc_code=code if isinstance(code, int) else None,
        data=data,
    )


def _reason(exc: httpx.HTTPError) -> str:
    # Our words, not str(exc): httpx messages can quote the URL.
    if isinstance(exc, httpx.ConnectError):
        return "connection refused or host not found"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the connection broke off"
    return type(exc).__name__


def _transaction(raw: Mapping[str, Any]) -> Transaction:
    def opt(key: str) -> int | None:
        value = raw.get(key)
        return None if value is None else _int(value)

    block = raw.get("blockNumber")
    return Transaction(
        hash=str(raw["hash"]).lower(),
        sender=str(raw["from"]).lower(),
        to=None if raw.get("to") is None else str(raw["to"]).lower(),
        nonce=_int(raw["nonce"]),
        value=_int(raw["value"]),
        input=_bytes(raw.get("input", "0x")),
        gas=_int(raw["gas"]),
        type=_int(raw.get("type", "0x0")),
        gas_price=opt("gasPrice"),
        max_fee_per_gas=opt("maxFeePerGas"),
        max_priority_fee_per_gas=opt("maxPriorityFeePerGas"),
        block_number=None if block is None else _int(block),
    )


def _tag(tag: BlockTag) -> str:
    return hex(tag) if isinstance(tag, int) else tag


def _int(value: Any) -> int:
    if isinstance(value, str) and value[:2] in ("0x", "0X"):
        try:
            return int(value, 16)
        except ValueError:
            pass
    raise RpcError(f"expected a hex quantity from the node, got {str(value)[:40]!r}")


def _bytes(value: Any) -> bytes:
    if isinstance(value, str) and value[:2] in ("0x", "0X"):
        try:
            return bytes.fromhex(value[2:])
        except ValueError:
            pass
    raise RpcError(f"expected hex data from the node, got {str(value)[:40]!r}")
