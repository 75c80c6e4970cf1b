"""anvil, a real local Ethereum node, from tests/peers (``npm ci --prefix tests/peers``).

Each test gets its own node: it starts in about 0.2 s, and a fresh chain keeps block
numbers and base fees exact. The node runs without automatic mining (blocks come only
from ``mine``), on chain id 1 so that it passes for Ethereum, with a genesis base fee
of 20 gwei.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from eth_account import Account
from eth_utils import to_checksum_address

from tests.conftest import need

PEERS = Path(__file__).resolve().parents[2] / "peers"
GWEI = 10**9
GENESIS_BASE_FEE = 20 * GWEI

# anvil's default dev accounts (from the public "test test … junk" mnemonic); their
# keys are published test keys that hold nothing anywhere else.
KEY_0 = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
KEY_1 = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
ADDR_0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
ADDR_1 = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
ADDR_2 = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


def anvil_binary() -> Path | None:
    """The native binary of the platform package, else npm's node wrapper."""
    candidates = sorted(PEERS.glob("node_modules/@foundry-rs/anvil-*/bin/anvil"))
    candidates.append(PEERS / "node_modules" / ".bin" / "anvil")
    return next((c for c in candidates if c.is_file() and os.access(c, os.X_OK)), None)


@dataclass
class Anvil:
    url: str
    process: subprocess.Popen[bytes]

    def rpc(self, method: str, *params: Any) -> Any:
        answer = httpx.post(
            self.url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}
        ).json()
        if "error" in answer:
            raise AssertionError(f"{method}: {answer['error']}")
        return answer["result"]

    def send(
        self,
        key: str,
        *,
        nonce: int,
        to: str | None,
        value: int = 0,
        data: bytes = b"",
        gas: int = 21_000,
        max_fee: int = 100 * GWEI,
        tip: int = GWEI,
    ) -> str:
        """Sign an EIP-1559 transaction with ``key`` and broadcast it; its hash."""
        tx: dict[str, Any] = {
            "type": 2,
            "chainId": 1,
            "nonce": nonce,
            "maxFeePerGas": max_fee,
            "maxPriorityFeePerGas": tip,
            "gas": gas,
            "value": value,
            "data": data,
        }
        if to is not None:
            tx["to"] = to_checksum_address(to)
        signed = Account.from_key(key).sign_transaction(tx)
        tx_hash: str = self.rpc("eth_sendRawTransaction", "0x" + signed.raw_transaction.hex())
        assert tx_hash == "0x" + signed.hash.hex()
        return tx_hash

    def mine(self, blocks: int = 1) -> None:
        self.rpc("anvil_mine", hex(blocks))

    def head(self) -> int:
        return int(self.rpc("eth_blockNumber"), 16)

    def deploy(self, key: str, nonce: int, init_code: bytes) -> str:
        """Deploy and mine; the new contract's address (lower case)."""
        tx_hash = self.send(key, nonce=nonce, to=None, data=init_code, gas=200_000)
        self.mine()
        receipt = self.rpc("eth_getTransactionReceipt", tx_hash)
        assert receipt["status"] == "0x1"
        return str(receipt["contractAddress"]).lower()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(binary: Path) -> Anvil:
    port = _free_port()
    args = [
        str(binary),
        "--host", "127.0.0.1",
        "--port", str(port),
        "--silent",
        "--no-mining",
        "--chain-id", "1",
        "--block-base-fee-per-gas", str(GENESIS_BASE_FEE),
    ]  # fmt: skip
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    node = Anvil(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            node.rpc("eth_chainId")
            return node
        except httpx.TransportError:
            time.sleep(0.02)
    _stop(process)
    error = process.stderr.read().decode(errors="replace") if process.stderr else ""
    raise RuntimeError(f"anvil did not start on port {port}: {error[-500:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stderr:
        process.stderr.close()


@pytest.fixture
def anvil() -> Iterator[Anvil]:
    binary = anvil_binary()
    need(
        binary is not None,
        f"anvil is not installed under {PEERS}/node_modules (run: npm ci --prefix tests/peers)",
    )
    assert binary is not None
    try:
        node = _start(binary)
    except RuntimeError:
        node = _start(binary)  # the free port was taken in between: once more
    try:
        yield node
    finally:
        _stop(node.process)
