"""Gather on-chain facts for a support message through the JSON-RPC client, then let
``diagnostics`` decide.

A node that is down or misbehaves does not make the diagnosis fail: it becomes a
``chain_unavailable`` finding that hands the case to a person, so the bot can still
answer ("we cannot check right now; a specialist will follow up").
"""

from __future__ import annotations

from datetime import timedelta

from trustdesk.bot.diagnostics import (
    Diagnosis,
    Facts,
    NetworkFacts,
    TxFacts,
    decide,
    destination,
    problem,
)
from trustdesk.bot.extract import extract
from trustdesk.chains.registry import CHAINS, get_chain
from trustdesk.chains.rpc import ChainUnavailable, EthRpc, RpcError

MAX_HASHES = 3  # a message listing more is pasted history, not one question


def diagnose_message(
    text: str,
    chain_hint: str | None = None,
    rpc: EthRpc | None = None,
    *,
    waited: timedelta | None = None,
) -> Diagnosis:
    """Diagnose what ``text`` asks about. ``chain_hint`` is the chain the channel or the
    user's account implies, used when the message names none; ``rpc`` is a node of an
    EVM chain (None: no node configured); ``waited`` is how long the user has waited,
    where the caller knows it (it decides when an unknown hash goes to a person)."""
    items = extract(text)
    chain = items.chain or (get_chain(chain_hint).name if chain_hint else None)
    if not items.tx_hashes:
        return decide(items, chain, Facts(), waited=waited)
    if rpc is None:
        missing = problem("chain_unavailable", chain=chain, detail="no RPC node is configured")
        return decide(items, chain, Facts(), problems=[missing])
    try:
        network = network_facts(rpc)
        if chain is not None and chain != network.chain:
            other = problem("chain_not_checked", chain=chain, node_chain=network.chain)
            return decide(items, chain, Facts(network), problems=[other])
        txs = tuple(tx_facts(rpc, tx_hash) for tx_hash in items.tx_hashes[:MAX_HASHES])
    except (ChainUnavailable, RpcError) as exc:
        down = problem("chain_unavailable", chain=chain, error=exc.code, detail=exc.message)
        return decide(items, chain, Facts(), problems=[down])
    return decide(items, network.chain, Facts(network, txs), waited=waited)


def network_facts(rpc: EthRpc) -> NetworkFacts:
    chain_id = rpc.chain_id()
    chain = next((c.name for c in CHAINS.values() if c.evm_chain_id == chain_id), None)
    if chain is None:
        raise ChainUnavailable(
            f"the node at {rpc.host} serves chain id {chain_id}, which trustdesk does not know"
        )
    # One block read gives the head and its base fee together, so they agree.
    latest = rpc.block("latest")
    tip = rpc.max_priority_fee()
    if tip is None:
        tip = max(0, rpc.gas_price() - (latest.base_fee_per_gas or 0))
    return NetworkFacts(chain, chain_id, latest.number, latest.base_fee_per_gas, tip)


def tx_facts(rpc: EthRpc, tx_hash: str) -> TxFacts:
    tx = rpc.transaction(tx_hash)
    if tx is None:
        return TxFacts(tx_hash)
    receipt = rpc.receipt(tx_hash) if tx.block_number is not None else None
    pending = receipt is None
    target = destination(tx.to, tx.input)
    revert: bytes | None = None
    if receipt is not None and receipt.status == 0:
        revert = _replay(rpc, tx.sender, tx.to, tx.input, tx.value, tx.gas, receipt.block_number)
    return TxFacts(
        hash=tx_hash,
        found=True,
        sender=tx.sender,
        to=tx.to,
        nonce=tx.nonce,
        value=tx.value,
        input=tx.input,
        gas=tx.gas,
        max_fee=tx.max_fee,
        max_priority_fee=tx.max_priority_fee_per_gas,
        block_number=None if pending else tx.block_number,
        status=None if receipt is None else receipt.status,
        gas_used=None if receipt is None else receipt.gas_used,
        # Nonces matter only while the transaction waits.
        latest_nonce=rpc.transaction_count(tx.sender, "latest") if pending else None,
        pending_nonce=rpc.transaction_count(tx.sender, "pending") if pending else None,
        destination_has_code=None if target is None else bool(rpc.code(target)),
        revert_data=revert,
    )


def _replay(
    rpc: EthRpc, sender: str, to: str | None, data: bytes, value: int, gas: int, block: int
) -> bytes | None:
    """The revert data of the transaction run again on the state its block started
    from (transactions before it in the same block are not replayed, which changes
    the outcome only when one of them changed what it depended on)."""
    call = {"from": sender, "data": "0x" + data.hex(), "value": hex(value), "gas": hex(gas)}
    if to is not None:
        call["to"] = to
    try:
        return rpc.revert_data(call, max(block - 1, 0))
    except RpcError:
        return None  # e.g. a pruned node without that state: the reason stays unknown
