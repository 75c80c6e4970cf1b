"""Fault scripts: from facts gathered on chain, decide what happened to a transaction.

Pure: no I/O. ``chain_facts`` gathers the facts through the RPC client; this module
turns them into findings (a code plus the numbers the answer needs) and decides whether
the bot answers or hands the case to the blockchain queue. ``diagnosis_text`` words the
findings for people.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType
from typing import Any

from trustdesk.bot.extract import Extracted
from trustdesk.chains.addresses import Address
from trustdesk.chains.registry import get_chain

QUEUE = "blockchain"
# A hash the node does not know is normal for a few minutes (not yet broadcast, or a
# slow mempool); after this long it needs a person.
NOT_FOUND_ESCALATE_AFTER = timedelta(minutes=30)
# Nodes replace a pending transaction only when both fee caps rise by at least 10%
# (geth's default price bump); suggestions below that would be refused.
PRICE_BUMP_PERCENT = 10


@dataclass(frozen=True, slots=True)
class ConfirmationPolicy:
    confirmations: int  # blocks on top of (and including) the transaction's block
    block_time_ms: int  # the chain's target block interval, for the wait estimate


# Policy data: confirmations we tell users to wait for before funds count as arrived,
# in line with what exchanges ask; operators may tune them. EVM chains only, as only
# they are diagnosed over JSON-RPC.
CONFIRMATIONS: Mapping[str, ConfirmationPolicy] = MappingProxyType(
    {
        "ethereum": ConfirmationPolicy(12, 12_000),
        "ethereum-classic": ConfirmationPolicy(120, 13_000),
        "bsc": ConfirmationPolicy(15, 750),
        "polygon": ConfirmationPolicy(128, 2_000),
        "arbitrum": ConfirmationPolicy(20, 250),
        "optimism": ConfirmationPolicy(20, 2_000),
        "base": ConfirmationPolicy(20, 2_000),
        "avalanche": ConfirmationPolicy(12, 2_000),
    }
)

# Problems with the gathering itself that a person must take over.
_ESCALATE = frozenset({"chain_unavailable", "chain_not_checked"})

ERROR_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)
PANIC_SELECTOR = bytes.fromhex("4e487b71")  # Panic(uint256)
TRANSFER_SELECTOR = bytes.fromhex("a9059cbb")  # transfer(address,uint256)
_MAX_REASON = 120  # revert strings are shown to users: keep them short


@dataclass(frozen=True, slots=True)
class NetworkFacts:
    chain: str  # our name of the chain the node serves
    chain_id: int
    head: int  # latest block number
    base_fee: int | None  # wei; the latest block's base fee (None without EIP-1559)
    priority_fee: int  # wei; the node's suggested tip


@dataclass(frozen=True, slots=True)
class TxFacts:
    """What the node says about one hash. Only ``hash`` is set when it is not found."""

    hash: str
    found: bool = False
    sender: str | None = None
    to: str | None = None
    nonce: int | None = None
    value: int = 0
    input: bytes = b""
    gas: int | None = None
    max_fee: int | None = None  # maxFeePerGas, or gasPrice for legacy transactions
    max_priority_fee: int | None = None  # None for legacy transactions
    block_number: int | None = None  # None while pending
    status: int | None = None  # receipt status: 1 success, 0 reverted
    gas_used: int | None = None
    latest_nonce: int | None = None  # the sender's confirmed transaction count
    pending_nonce: int | None = None  # ... counting the node's executable pending ones
    destination_has_code: bool | None = None  # see ``destination``
    revert_data: bytes | None = None  # from replaying a reverted transaction

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in self.__slots__:
            value = getattr(self, name)
            out[name] = "0x" + value.hex() if isinstance(value, bytes) else value
        return out


@dataclass(frozen=True, slots=True)
class Facts:
    network: NetworkFacts | None = None
    transactions: tuple[TxFacts, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        network = None
        if self.network is not None:
            network = {k: getattr(self.network, k) for k in self.network.__slots__}
        return {"network": network, "transactions": [t.to_dict() for t in self.transactions]}


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    tx_hash: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    escalate: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "tx_hash": self.tx_hash, "data": dict(self.data)}


@dataclass(frozen=True, slots=True)
class Diagnosis:
    items: Extracted
    chain: str | None  # the chain diagnosed: named in the message, else the hint
    findings: tuple[Finding, ...]
    facts: Facts
    escalate: bool
    queue: str | None  # where a person picks it up, when escalated

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(f.code for f in self.findings)

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": self.items.to_dict(),
            "chain": self.chain,
            "facts": self.facts.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
            "escalate": self.escalate,
            "queue": self.queue,
        }


@dataclass(frozen=True, slots=True)
class RevertReason:
    kind: str  # error | panic | custom | out_of_gas | unknown
    message: str | None = None  # Error(string)
    code: int | None = None  # Panic(uint256)
    selector: str | None = None  # a custom error's 4-byte selector, 0x-hex


def decode_revert(data: bytes | None, *, out_of_gas: bool = False) -> RevertReason:
    """Solidity's revert data: Error(string), Panic(uint256) or a custom error, whose
    arguments cannot be read without the contract's ABI."""
    if data and data[:4] == ERROR_SELECTOR:
        message = _abi_string(data[4:])
        if message is not None:
            return RevertReason("error", message=message)
    if data and data[:4] == PANIC_SELECTOR and len(data) == 36:
        return RevertReason("panic", code=int.from_bytes(data[4:], "big"))
    if data and len(data) >= 4:
        return RevertReason("custom", selector="0x" + data[:4].hex())
    if out_of_gas:
        return RevertReason("out_of_gas")
    return RevertReason("unknown")


def _abi_string(args: bytes) -> str | None:
    """The one ``string`` argument: a 32-byte offset, then at that offset a 32-byte
    length and the UTF-8 bytes. None when the encoding does not hold together."""
    if len(args) < 64:
        return None
    offset = int.from_bytes(args[:32], "big")
    if offset + 32 > len(args):
        return None
    length = int.from_bytes(args[offset : offset + 32], "big")
    start = offset + 32
    if start + length > len(args):
        return None
    text = args[start : start + length].decode("utf-8", errors="replace")
    # Shown to users: no control characters, bounded length.
    text = "".join(ch if ch.isprintable() else " " for ch in text).strip()
    return text[:_MAX_REASON] + ("…" if len(text) > _MAX_REASON else "")


def decode_transfer(data: bytes) -> tuple[str, int] | None:
    """(recipient, amount) of an ERC-20 ``transfer(address,uint256)`` call, else None."""
    if len(data) != 68 or data[:4] != TRANSFER_SELECTOR or any(data[4:16]):
        return None
    return "0x" + data[16:36].hex(), int.from_bytes(data[36:68], "big")


def destination(to: str | None, data: bytes) -> str | None:
    """Where the value goes: the recipient of a token transfer, else ``to``."""
    transfer = decode_transfer(data)
    return transfer[0] if transfer is not None and to is not None else to


def bump(wei: int) -> int:
    """The smallest fee a replacement may offer: +10%, rounded up."""
    return (wei * (100 + PRICE_BUMP_PERCENT) + 99) // 100


def expected_minutes(blocks: int, policy: ConfirmationPolicy) -> int:
    """Whole minutes, rounded up, at least one."""
    return max(1, -(-blocks * policy.block_time_ms // 60_000))


# --- deciding ----------------------------------------------------------------------


def decide(
    items: Extracted,
    chain: str | None,
    facts: Facts,
    *,
    waited: timedelta | None = None,
    problems: Sequence[Finding] = (),
) -> Diagnosis:
    """Findings for everything the message named, and whether a person takes over.
    ``problems`` are findings the fact gathering already made (node down, a chain the
    node does not serve)."""
    findings: list[Finding] = list(problems)
    if chain is not None:
        findings += address_findings(chain, items.addresses)
    network = facts.network
    for tx in facts.transactions:
        findings += tx_findings(tx, network, waited=waited) if network else []
    if not items.tx_hashes and not findings:
        findings.append(Finding("need_tx_hash"))
    escalate = any(f.escalate for f in findings)
    return Diagnosis(items, chain, tuple(findings), facts, escalate, QUEUE if escalate else None)


def address_findings(chain: str, addresses: Sequence[Address]) -> list[Finding]:
    family = get_chain(chain).family
    return [
        Finding(
            "address_other_chain",
            data={"address": a.display, "address_family": a.family, "chain": chain},
        )
        for a in addresses
        if a.family != family
    ]


def tx_findings(
    tx: TxFacts, network: NetworkFacts, *, waited: timedelta | None = None
) -> list[Finding]:
    if not tx.found:
        late = waited is not None and waited >= NOT_FOUND_ESCALATE_AFTER
        minutes = None if waited is None else int(waited.total_seconds() // 60)
        data = {"chain": network.chain, "waited_minutes": minutes}
        return [Finding("tx_not_found", tx.hash, data, escalate=late)]
    if tx.block_number is None:
        findings = _pending(tx, network)
    elif tx.status == 0:
        return [_reverted(tx)]
    else:
        findings = [_mined(tx, network)]
    return findings + _destination(tx)


def _pending(tx: TxFacts, network: NetworkFacts) -> list[Finding]:
    findings: list[Finding] = []
    nonce, known = tx.nonce, tx.pending_nonce
    if nonce is not None and known is not None and nonce > known:
        # Nonces below ``known`` are confirmed or waiting in the pool; ``known`` itself
        # is absent, and nothing from this account can be mined past it.
        data = {"nonce": nonce, "missing_nonce": known, "sender": _display(tx.sender)}
        findings.append(Finding("nonce_gap", tx.hash, data))
    max_fee, base_fee = tx.max_fee or 0, network.base_fee
    if base_fee is not None and max_fee < base_fee:
        old_tip = tx.max_priority_fee if tx.max_priority_fee is not None else max_fee
        tip = max(network.priority_fee, bump(old_tip))
        data = {
            "nonce": nonce,
            "max_fee": max_fee,
            "base_fee": base_fee,
            "suggested_priority_fee": tip,
            "suggested_max_fee": max(2 * base_fee + tip, bump(max_fee)),
        }
        findings.append(Finding("pending_low_fee", tx.hash, data))
    elif not findings:
        findings.append(Finding("pending", tx.hash, {"max_fee": max_fee, "base_fee": base_fee}))
    return findings


def _mined(tx: TxFacts, network: NetworkFacts) -> Finding:
    policy = CONFIRMATIONS.get(network.chain, CONFIRMATIONS["ethereum"])
    confirmations = network.head - (tx.block_number or 0) + 1
    remaining = policy.confirmations - confirmations
    data: dict[str, Any] = {
        "confirmations": confirmations,
        "required": policy.confirmations,
        "chain": network.chain,
    }
    if remaining > 0:
        data |= {"remaining": remaining, "minutes": expected_minutes(remaining, policy)}
        return Finding("awaiting_confirmations", tx.hash, data)
    data["destination"] = _display(destination(tx.to, tx.input))
    return Finding("confirmed", tx.hash, data)


def _reverted(tx: TxFacts) -> Finding:
    out_of_gas = tx.gas is not None and tx.gas_used == tx.gas
    reason = decode_revert(tx.revert_data, out_of_gas=out_of_gas)
    data = {
        "block": tx.block_number,
        "reason_kind": reason.kind,
        "reason": reason.message,
        "panic_code": reason.code,
        "selector": reason.selector,
        "gas": tx.gas,
    }
    # A reason the bot cannot explain (none, or a custom error without its ABI) needs a
    # person who can read the contract.
    return Finding("reverted", tx.hash, data, escalate=reason.kind in ("custom", "unknown"))


def _destination(tx: TxFacts) -> list[Finding]:
    if not tx.destination_has_code or tx.to is None:
        return []
    transfer = decode_transfer(tx.input)
    if transfer is not None and transfer[0] == tx.to:
        data = {"token": _display(tx.to), "amount": transfer[1]}
        return [Finding("erc20_to_token_contract", tx.hash, data, escalate=True)]
    address = _display(destination(tx.to, tx.input))
    return [Finding("contract_destination", tx.hash, {"address": address})]


def problem(code: str, **data: Any) -> Finding:
    """A finding about the gathering itself (node down, chain not served)."""
    return Finding(code, data=data, escalate=code in _ESCALATE)


def _display(address: str | None) -> str | None:
    return None if address is None else Address("evm", address, "account").display
