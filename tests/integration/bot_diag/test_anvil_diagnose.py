"""Fault scripts against a real Ethereum node (anvil): each situation is made on chain,
then diagnosed from a user's message; findings and answers are checked exactly."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.bot_diag.conftest import (
    ADDR_0,
    ADDR_1,
    ADDR_2,
    GENESIS_BASE_FEE,
    GWEI,
    KEY_0,
    KEY_1,
    Anvil,
    _free_port,
)
from tests.integration.bot_diag.contracts import (
    ALWAYS_REVERTS,
    NOPE_REVERT_DATA,
    RETURNS_TRUE,
    init_code,
    transfer_call,
)
from trustdesk.bot.chain_facts import diagnose_message
from trustdesk.bot.diagnosis_text import render
from trustdesk.bot.diagnostics import Diagnosis, Finding, NetworkFacts
from trustdesk.chains.rpc import EthRpc

# Contracts created by ADDR_0's nonces 0 and 1: keccak(rlp([sender, nonce]))[12:].
FIRST_CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
SECOND_CONTRACT = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"


def diagnose(
    node: Anvil, text: str, chain: str | None = None, waited: timedelta | None = None
) -> Diagnosis:
    with EthRpc(node.url) as rpc:
        return diagnose_message(text, chain, rpc, waited=waited)


def test_pending_below_the_base_fee(anvil: Anvil) -> None:
    # anvil refuses a max fee below the fee of the block it would go into next, so that
    # block's fee is lowered to 5 gwei first; the latest block keeps its 20 gwei.
    anvil.rpc("anvil_setNextBlockBaseFeePerGas", hex(5 * GWEI))
    tx = anvil.send(KEY_0, nonce=0, to=ADDR_1, value=1, max_fee=10 * GWEI, tip=GWEI)

    diagnosis = diagnose(anvil, f"my transfer {tx} is stuck", "ethereum")

    assert diagnosis.facts.network == NetworkFacts("ethereum", 1, 0, GENESIS_BASE_FEE, GWEI)
    # tip: max(node 1 gwei, 1 gwei + 10%) = 1.1 gwei; max fee: 2 * 20 + 1.1 = 41.1 gwei.
    assert diagnosis.findings == (
        Finding(
            "pending_low_fee",
            tx,
            {
                "nonce": 0,
                "max_fee": 10 * GWEI,
                "base_fee": 20 * GWEI,
                "suggested_priority_fee": 1_100_000_000,
                "suggested_max_fee": 41_100_000_000,
            },
        ),
    )
    assert (diagnosis.escalate, diagnosis.queue) == (False, None)
    assert render(diagnosis, "en") == (
        "Your transaction is still pending: its max fee of 10 gwei is below the network's "
        "current base fee of 20 gwei, so it cannot be included in a block until fees fall. "
        "To speed it up, send a replacement with the same nonce (0) and a max fee of at least "
        "41.1 gwei (priority fee 1.1 gwei); to cancel it, send 0 to your own address with that "
        "nonce and those fees."
    )
    assert render(diagnosis, "zh") == (
        "您的交易仍在等待中：其最高手续费 10 gwei 低于当前网络基础费用 20 gwei，在网络费用回落之前"
        "无法被打包。如需加速，请用相同的 nonce（0）重新发送交易，最高手续费至少 41.1 gwei"
        "（优先费 1.1 gwei）；如需取消，请用该 nonce 和上述手续费向您自己的地址发送一笔 0 金额的"
        "交易。"
    )
    assert render(diagnosis, "id") == (
        "Transaksi Anda masih tertunda: biaya maksimumnya 10 gwei lebih rendah dari biaya dasar "
        "jaringan saat ini 20 gwei, sehingga belum bisa masuk ke blok sampai biaya turun. Untuk "
        "mempercepat, kirim transaksi pengganti dengan nonce yang sama (0) dan biaya maksimum "
        "minimal 41,1 gwei (biaya prioritas 1,1 gwei); untuk membatalkan, kirim 0 ke alamat "
        "Anda sendiri dengan nonce dan biaya tersebut."
    )

    # The advice works: the node takes the suggested replacement and mines it.
    replacement = anvil.send(KEY_0, nonce=0, to=ADDR_0, max_fee=41_100_000_000, tip=1_100_000_000)
    anvil.mine()
    assert anvil.rpc("eth_getTransactionReceipt", replacement)["status"] == "0x1"
    assert diagnose(anvil, tx, "ethereum").codes == ("tx_not_found",)


def test_pending_with_a_fee_that_covers_the_base_fee(anvil: Anvil) -> None:
    tx = anvil.send(KEY_0, nonce=0, to=ADDR_1, value=1, max_fee=100 * GWEI)

    diagnosis = diagnose(anvil, f"where is {tx}?")

    assert diagnosis.chain == "ethereum"  # none named: the node's chain
    assert diagnosis.findings == (
        Finding("pending", tx, {"max_fee": 100 * GWEI, "base_fee": 20 * GWEI}),
    )
    (facts,) = diagnosis.facts.transactions
    assert (facts.nonce, facts.latest_nonce, facts.block_number) == (0, 0, None)
    assert render(diagnosis, "zh") == (
        "您的交易正在等待打包。其最高手续费（100 gwei）不低于当前基础费用（20 gwei），"
        "应很快会被打包，无需任何操作。"
    )


def test_the_issue_acceptance_case(anvil: Anvil) -> None:
    tx = anvil.send(KEY_0, nonce=0, to=ADDR_1, value=10**17)
    anvil.mine()  # block 1 holds it
    anvil.mine(2)  # head 3: 3 confirmations, 12 - 2 - 1 = 9 to go, 9 * 12 s = 1.8 -> 2 min

    diagnosis = diagnose(anvil, f"我的提现已经两个小时了还没到账 {tx}")

    assert render(diagnosis, "zh") == (
        "您的交易已被打包，目前有 3 个确认，还需要 9 个确认（约 2 分钟）后到账。"
    )
    assert diagnosis.findings == (
        Finding(
            "awaiting_confirmations",
            tx,
            {"confirmations": 3, "required": 12, "chain": "ethereum", "remaining": 9, "minutes": 2},
        ),
    )
    assert (diagnosis.escalate, diagnosis.queue) == (False, None)
    (facts,) = diagnosis.facts.transactions
    assert (facts.block_number, facts.status, facts.value) == (1, 1, 10**17)
    assert render(diagnosis, "en") == (
        "Your transaction is in a block and has 3 confirmations; it needs 9 more (about 2 "
        "minutes) before the funds arrive."
    )
    assert render(diagnosis, "id") == (
        "Transaksi Anda sudah masuk ke blok dan memiliki 3 konfirmasi; masih perlu 9 konfirmasi "
        "lagi (sekitar 2 menit) sebelum dana masuk."
    )


@pytest.mark.parametrize(
    ("k", "remaining", "minutes"),
    [(0, 11, 3), (5, 6, 2), (10, 1, 1)],  # 132 s, 72 s, 12 s rounded up to minutes
)
def test_confirmations_remaining_after_k_blocks(
    anvil: Anvil, k: int, remaining: int, minutes: int
) -> None:
    tx = anvil.send(KEY_0, nonce=0, to=ADDR_1, value=1)
    anvil.mine()
    if k:
        anvil.mine(k)
    (finding,) = diagnose(anvil, tx, "eth").findings
    assert finding.code == "awaiting_confirmations"
    assert (finding.data["confirmations"], finding.data["remaining"]) == (k + 1, remaining)
    assert finding.data["minutes"] == minutes


def test_confirmed_points_at_the_receiving_side(anvil: Anvil) -> None:
    tx = anvil.send(KEY_0, nonce=0, to=ADDR_1, value=1)
    anvil.mine()
    anvil.mine(11)

    diagnosis = diagnose(anvil, f"not received {tx}", "ethereum")

    assert diagnosis.findings == (
        Finding(
            "confirmed",
            tx,
            {"confirmations": 12, "required": 12, "chain": "ethereum", "destination": ADDR_1},
        ),
    )
    assert render(diagnosis, "en") == (
        "Your transaction is confirmed (12 confirmations; 12 are required), so the funds have "
        f"been delivered to {ADDR_1} on Ethereum. If they do not show up, the receiving side "
        "needs checking: make sure that address belongs to the intended wallet or exchange "
        "account, that the wallet shows Ethereum, and, for tokens, that the token is added to "
        "the wallet."
    )
    assert render(diagnosis, "zh") == (
        f"您的交易已确认（12 个确认，要求 12 个），资金已在以太坊上到达 {ADDR_1}。如果仍未看到，"
        "请检查收款方：确认该地址属于您要转入的钱包或交易所账户，钱包已切换到以太坊网络；如果是"
        "代币，请确认钱包中已添加该代币。"
    )


def test_reverted_with_error_string(anvil: Anvil) -> None:
    contract = anvil.deploy(KEY_0, 0, init_code(ALWAYS_REVERTS))  # block 1
    assert contract == FIRST_CONTRACT.lower()
    assert anvil.rpc("eth_getCode", contract, "latest") == "0x" + ALWAYS_REVERTS.hex()
    tx = anvil.send(KEY_0, nonce=1, to=contract, gas=100_000)
    anvil.mine()  # block 2
    assert anvil.rpc("eth_getTransactionReceipt", tx)["status"] == "0x0"

    diagnosis = diagnose(anvil, f"failed? {tx}", "ethereum")

    assert diagnosis.findings == (
        Finding(
            "reverted",
            tx,
            {
                "block": 2,
                "reason_kind": "error",
                "reason": "nope",
                "panic_code": None,
                "selector": None,
                "gas": 100_000,
            },
        ),
    )
    assert diagnosis.facts.transactions[0].revert_data == NOPE_REVERT_DATA
    assert not diagnosis.escalate
    assert render(diagnosis, "en") == (
        'Your transaction failed on-chain (it was reverted in block 2): the contract said "nope". '
        "No funds were moved; only the network fee was spent."
    )
    assert render(diagnosis, "zh") == (
        "您的交易在链上执行失败（在区块 2 中被回滚）：合约返回“nope”。资金没有转出，只消耗了网络"
        "手续费。"
    )
    assert render(diagnosis, "id") == (
        'Transaksi Anda gagal di jaringan (di-revert di blok 2): kontrak membalas "nope". Tidak '
        "ada dana yang berpindah; hanya biaya jaringan yang terpakai."
    )


def test_reverted_out_of_gas(anvil: Anvil) -> None:
    contract = anvil.deploy(KEY_0, 0, init_code(RETURNS_TRUE))
    # 21,000 intrinsic gas leaves 10 for code that needs 18: it runs out.
    tx = anvil.send(KEY_0, nonce=1, to=contract, gas=21_010)
    anvil.mine()

    diagnosis = diagnose(anvil, tx, "ethereum")

    (finding,) = diagnosis.findings
    assert (finding.code, finding.data["reason_kind"], finding.escalate) == (
        "reverted",
        "out_of_gas",
        False,
    )
    assert diagnosis.facts.transactions[0].gas_used == 21_010
    assert render(diagnosis, "en") == (
        "Your transaction failed on-chain (it was reverted in block 2): it ran out of gas (its "
        "gas limit of 21010 was used up); send it again with a higher gas limit. No funds were "
        "moved; only the network fee was spent."
    )


def test_nonce_gap(anvil: Anvil) -> None:
    # ADDR_1 has sent nothing: nonce 1 waits for a nonce 0 that never came.
    tx = anvil.send(KEY_1, nonce=1, to=ADDR_2, value=1)

    diagnosis = diagnose(anvil, f"stuck {tx}", "ethereum")

    assert diagnosis.findings == (
        Finding("nonce_gap", tx, {"nonce": 1, "missing_nonce": 0, "sender": ADDR_1}),
    )
    (facts,) = diagnosis.facts.transactions
    assert (facts.latest_nonce, facts.pending_nonce) == (0, 0)
    assert render(diagnosis, "en") == (
        "Your transaction (nonce 1) is waiting for an earlier one: the network has no "
        f"transaction with nonce 0 from {ADDR_1}, and transactions from one account go through "
        "strictly in nonce order. Send a transaction with nonce 0 (for example 0 to your own "
        "address), or resend the missing one, and this one will follow."
    )
    assert render(diagnosis, "zh") == (
        f"您的交易（nonce 1）在等待一笔更早的交易：网络上没有来自 {ADDR_1}、nonce 为 0 的交易，而"
        "同一账户的交易必须按 nonce 顺序依次执行。请发送一笔 nonce 为 0 的交易（例如向您自己的地址"
        "转 0），或重新发送缺失的那笔交易，之后这笔交易就会继续执行。"
    )

    # Following the advice fills the gap and both go through.
    anvil.send(KEY_1, nonce=0, to=ADDR_1, value=0)
    anvil.mine()
    assert diagnose(anvil, tx, "ethereum").codes == ("awaiting_confirmations",)


def test_token_transfers_to_the_token_contract_and_to_a_contract(anvil: Anvil) -> None:
    token = anvil.deploy(KEY_0, 0, init_code(RETURNS_TRUE))  # block 1
    other = anvil.deploy(KEY_0, 1, init_code(ALWAYS_REVERTS))  # block 2
    assert (token, other) == (FIRST_CONTRACT.lower(), SECOND_CONTRACT.lower())
    to_itself = anvil.send(KEY_0, nonce=2, to=token, data=transfer_call(token, 2500), gas=60_000)
    to_contract = anvil.send(KEY_0, nonce=3, to=token, data=transfer_call(other, 7), gas=60_000)
    anvil.mine()  # block 3, head 3: one confirmation each

    diagnosis = diagnose(anvil, f"USDT ERC20 {to_itself} and {to_contract}")

    waiting = {"confirmations": 1, "required": 12, "chain": "ethereum", "remaining": 11}
    assert diagnosis.findings == (
        Finding("awaiting_confirmations", to_itself, waiting | {"minutes": 3}),
        Finding(
            "erc20_to_token_contract",
            to_itself,
            {"token": FIRST_CONTRACT, "amount": 2500},
            escalate=True,
        ),
        Finding("awaiting_confirmations", to_contract, waiting | {"minutes": 3}),
        Finding("contract_destination", to_contract, {"address": SECOND_CONTRACT}),
    )
    assert (diagnosis.escalate, diagnosis.queue) == (True, "blockchain")
    a, b = f"{to_itself[:6]}…{to_itself[-4:]}", f"{to_contract[:6]}…{to_contract[-4:]}"
    assert render(diagnosis, "en") == (
        f"{a}: Your transaction is in a block and has 1 confirmation; it needs 11 more (about 3 "
        "minutes) before the funds arrive.\n"
        f"{a}: This token transfer names the token contract itself ({FIRST_CONTRACT}) as the "
        "recipient of 2,500 units, instead of a wallet. Most token contracts cannot send such "
        "tokens back, so they are usually lost; if the transaction is still pending, cancel it "
        "now.\n"
        f"{b}: Your transaction is in a block and has 1 confirmation; it needs 11 more (about 3 "
        "minutes) before the funds arrive.\n"
        f"{b}: The destination {SECOND_CONTRACT} is a smart contract, not a personal wallet. "
        "Funds sent there are handled by the contract's code; if you meant to pay a person or "
        "an exchange, check the address with them.\n"
        "We have passed this to our blockchain team, and a specialist will follow up with you."
    )


def test_unknown_hash(anvil: Anvil) -> None:
    unknown = "0x" + "11" * 32
    diagnosis = diagnose(anvil, f"where is {unknown}", "ethereum")
    assert diagnosis.findings == (
        Finding("tx_not_found", unknown, {"chain": "ethereum", "waited_minutes": None}),
    )
    assert render(diagnosis, "en") == (
        "We could not find the transaction 0x1111…1111 on Ethereum. Please check that the hash "
        "is complete and that the transaction was sent on Ethereum: a transaction that never "
        "reached the network, or was dropped from it, does not appear."
    )
    assert render(diagnosis, "id") == (
        "Kami tidak menemukan transaksi 0x1111…1111 di jaringan Ethereum. Pastikan hash "
        "transaksi lengkap dan transaksi dikirim di jaringan Ethereum: transaksi yang tidak "
        "pernah sampai ke jaringan, atau sudah dibuang darinya, tidak akan muncul."
    )

    late = diagnose(anvil, f"where is {unknown}", "ethereum", waited=timedelta(hours=2))
    assert (late.codes, late.escalate, late.queue) == (("tx_not_found",), True, "blockchain")
    assert render(late, "zh") == (
        "我们在以太坊上没有找到交易 0x1111…1111。请确认交易哈希完整，并且交易是在以太坊网络上"
        "发送的：未成功广播或已被网络丢弃的交易是查询不到的。\n"
        "我们已将此问题转交区块链团队，专员会尽快跟进。"
    )


def test_address_of_another_chain_with_a_pending_transaction(anvil: Anvil) -> None:
    tx = anvil.send(KEY_0, nonce=0, to=ADDR_1, value=1)
    message = f"I sent USDT on Ethereum to TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t, tx {tx}"

    diagnosis = diagnose(anvil, message)

    assert diagnosis.codes == ("address_other_chain", "pending")
    assert diagnosis.findings[0].data == {
        "address": "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
        "address_family": "tron",
        "chain": "ethereum",
    }


def test_a_chain_the_node_does_not_serve_goes_to_a_person(anvil: Anvil) -> None:
    tx = anvil.send(KEY_0, nonce=0, to=ADDR_1, value=1)
    diagnosis = diagnose(anvil, f"sent via BSC {tx}", "ethereum")
    assert diagnosis.findings == (
        Finding(
            "chain_not_checked", data={"chain": "bsc", "node_chain": "ethereum"}, escalate=True
        ),
    )
    assert render(diagnosis, "en") == (
        "We cannot check transactions on BNB Smart Chain automatically.\n"
        "We have passed this to our blockchain team, and a specialist will follow up with you."
    )


def test_a_node_of_an_unknown_chain_is_unavailable(anvil: Anvil) -> None:
    anvil.rpc("anvil_setChainId", 31337)
    diagnosis = diagnose(anvil, "0x" + "22" * 32, "ethereum")
    (finding,) = diagnosis.findings
    assert (finding.code, finding.escalate) == ("chain_unavailable", True)
    assert finding.data["detail"] == (
        f"the node at {anvil.url} serves chain id 31337, which trustdesk does not know"
    )


def test_a_node_that_is_down() -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    with EthRpc(url + "/v2/SECRETKEY", timeout=2) as rpc:
        diagnosis = diagnose_message("0x" + "33" * 32, "ethereum", rpc)
    assert diagnosis.findings == (
        Finding(
            "chain_unavailable",
            data={
                "chain": "ethereum",
                "error": "chains.rpc_unavailable",
                "detail": f"the node at {url} cannot be reached "
                "(connection refused or host not found)",
            },
            escalate=True,
        ),
    )
    assert "SECRETKEY" not in str(diagnosis.to_dict())
    assert render(diagnosis, "id") == (
        "Saat ini kami tidak dapat terhubung ke jaringan Ethereum untuk memeriksa transaksi "
        "Anda.\nKami telah meneruskan ini ke tim blockchain kami, dan seorang spesialis akan "
        "segera menindaklanjuti."
    )
