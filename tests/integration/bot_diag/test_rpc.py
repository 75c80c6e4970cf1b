"""The JSON-RPC client against anvil, and against a real HTTP server that misbehaves on
purpose: every failure is a clear ChainUnavailable / RpcError that never names the key."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.integration.bot_diag.conftest import ADDR_0, ADDR_1, GWEI, KEY_0, Anvil
from trustdesk.chains.rpc import Block, ChainUnavailable, EthRpc, RpcError

KEY = "k3y-0f-the-provider"


class _Misbehaving(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the http.server naming
        length = int(self.headers.get("content-length", 0))
        request = json.loads(self.rfile.read(length))
        kind = self.path.split("/")[1]
        if kind == "slow":
            time.sleep(1.0)
        if kind == "500":
            self._reply(500, b"internal error", "text/plain")
            return
        answers: dict[str, object] = {
            "html": "<html>hello</html>",
            "error": {"error": {"code": -32601, "message": "Method not found"}},
            "revert": {"error": {"code": 3, "message": "execution reverted", "data": "0x08c379a0"}},
            "bare-revert": {"error": {"code": 3, "message": "execution reverted"}},
            "bad-hex": {"result": "0xzz"},
            "slow": {"result": "0x1"},
        }
        body = answers[kind]
        if isinstance(body, dict):
            body = json.dumps({"jsonrpc": "2.0", "id": request["id"]} | body)
        self._reply(200, str(body).encode(), "application/json")

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError):  # the client gave up (timeout test)
            self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Misbehaving)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.mark.parametrize(
    ("kind", "error", "message"),
    [
        ("500", ChainUnavailable, "the node at {host} answered eth_chainId with HTTP 500"),
        ("html", ChainUnavailable, "the node at {host} did not answer eth_chainId in JSON-RPC"),
        (
            "error",
            RpcError,
            "the node at {host} refused eth_chainId: Method not found (code -32601)",
        ),
        ("bad-hex", RpcError, "expected a hex quantity from the node, got '0xzz'"),
    ],
)
def test_failures_are_clear_and_keep_the_key_out(
    server: str, kind: str, error: type[Exception], message: str
) -> None:
    with EthRpc(f"{server}/{kind}/{KEY}") as rpc, pytest.raises(error) as caught:
        rpc.chain_id()
    assert str(caught.value) == message.format(host=server)
    assert KEY not in repr(caught.value)
    assert caught.value.__suppress_context__ or caught.value.__context__ is None


def test_a_timeout(server: str) -> None:
    with EthRpc(f"{server}/slow/{KEY}", timeout=0.2) as rpc, pytest.raises(ChainUnavailable) as e:
        rpc.block_number()
    assert e.value.message == f"the node at {server} did not answer eth_blockNumber within 0.2 s"
    assert e.value.code == "chains.rpc_unavailable"


def test_a_missing_method_is_none_where_it_is_optional(server: str) -> None:
    with EthRpc(f"{server}/error/{KEY}") as rpc:
        assert rpc.max_priority_fee() is None


def test_revert_data_from_the_error_object(server: str) -> None:
    with EthRpc(f"{server}/revert/{KEY}") as rpc:
        assert rpc.revert_data({"to": ADDR_1}, 5) == bytes.fromhex("08c379a0")
    with EthRpc(f"{server}/bare-revert/{KEY}") as rpc:
        assert rpc.revert_data({"to": ADDR_1}, 5) == b""


def test_the_calls_against_anvil(anvil: Anvil) -> None:
    tx = anvil.send(KEY_0, nonce=0, to=ADDR_1, value=5)
    with EthRpc(anvil.url) as rpc:
        assert rpc.chain_id() == 1
        assert rpc.block_number() == 0
        assert rpc.block("latest").base_fee_per_gas == 20 * GWEI
        assert rpc.gas_price() == 21 * GWEI  # anvil: base fee + its 1 gwei suggested tip
        assert rpc.max_priority_fee() == GWEI
        pending = rpc.transaction(tx)
        assert pending is not None
        assert (pending.sender, pending.to, pending.value, pending.nonce) == (
            ADDR_0.lower(),
            ADDR_1.lower(),
            5,
            0,
        )
        assert (pending.block_number, pending.max_fee, pending.type) == (None, 100 * GWEI, 2)
        assert rpc.receipt(tx) is None
        anvil.mine()
        receipt = rpc.receipt(tx)
        assert receipt is not None
        assert (receipt.status, receipt.block_number, receipt.gas_used) == (1, 1, 21_000)
        assert rpc.transaction_count(ADDR_0, "latest") == 1
        assert rpc.transaction_count(ADDR_0, 0) == 0
        assert rpc.code(ADDR_1) == b""
        assert rpc.transaction("0x" + "00" * 32) is None
        # anvil mines block 1 at the configured 20 gwei. Block 2 follows EIP-1559: block 1
        # used 21,000 gas against a target of 15 M (half the 30 M limit), so the fee falls
        # by 20 gwei * (15,000,000 - 21,000) / 15,000,000 / 8 = 2.4965 gwei.
        anvil.mine()
        assert rpc.block(1).base_fee_per_gas == 20 * GWEI
        block = rpc.block(2)
        assert block == Block(2, 17_503_500_000, block.timestamp)
        with pytest.raises(RpcError) as caught:
            rpc.block(99)
        assert caught.value.message == f"the node at {anvil.url} has no block 99"
