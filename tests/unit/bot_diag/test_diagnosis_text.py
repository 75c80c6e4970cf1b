"""The localized answers, exactly."""

from __future__ import annotations

import string

import pytest

from trustdesk.bot.diagnosis_text import (
    LANGUAGES,
    TEMPLATES,
    chain_name,
    grouped,
    gwei,
    language,
    render,
    render_finding,
)
from trustdesk.bot.diagnostics import Diagnosis, Facts, Finding
from trustdesk.bot.extract import Extracted

H1 = "0x" + "ab" * 31 + "1234"
H2 = "0x" + "cd" * 31 + "5678"


def diagnosis(*findings: Finding) -> Diagnosis:
    escalate = any(f.escalate for f in findings)
    return Diagnosis(
        Extracted(), "ethereum", findings, Facts(), escalate, "blockchain" if escalate else None
    )


@pytest.mark.parametrize(
    ("wei", "en", "id_"),
    [
        (20 * 10**9, "20", "20"),
        (41_100_000_000, "41.1", "41,1"),
        (1, "0.000000001", "0,000000001"),
        (1_234_500_000_000, "1,234.5", "1.234,5"),
        (0, "0", "0"),
    ],
)
def test_gwei(wei: int, en: str, id_: str) -> None:
    assert gwei(wei, "en") == en
    assert gwei(wei, "zh") == en
    assert gwei(wei, "id") == id_


def test_grouped_amounts() -> None:
    assert grouped(10**18, "en") == "1,000,000,000,000,000,000"
    assert grouped(1000, "id") == "1.000"


@pytest.mark.parametrize(
    ("given", "lang"),
    [
        ("zh", "zh"),
        ("zh-CN", "zh"),
        ("zh_Hans", "zh"),
        ("ID", "id"),
        ("id-ID", "id"),
        ("en-GB", "en"),
        ("fr", "en"),
        ("", "en"),
    ],
)
def test_language(given: str, lang: str) -> None:
    assert language(given) == lang


def test_chain_names_per_language() -> None:
    assert chain_name("ethereum", "zh") == "以太坊"
    assert chain_name("solana", "zh") == " Solana "  # Latin set off by spaces in Chinese
    assert chain_name("bsc", "zh") == " BNB 智能链"
    assert chain_name("ethereum", "id") == "Ethereum"
    assert chain_name(None, "en") == "the blockchain"


def test_every_language_has_every_template_with_the_same_placeholders() -> None:
    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    english = TEMPLATES["en"]
    for lang in LANGUAGES:
        assert set(TEMPLATES[lang]) == set(english), lang
        for key, text in TEMPLATES[lang].items():
            plural = {f for f in fields(english[key]) if f.endswith("_s")}
            assert fields(text) == fields(english[key]) - (plural if lang != "en" else set()), key


def test_awaiting_confirmations_in_three_languages() -> None:
    finding = Finding(
        "awaiting_confirmations",
        H1,
        {"confirmations": 1, "required": 12, "chain": "ethereum", "remaining": 11, "minutes": 3},
    )
    assert render_finding(finding, "en") == (
        "Your transaction is in a block and has 1 confirmation; it needs 11 more "
        "(about 3 minutes) before the funds arrive."
    )
    assert render_finding(finding, "zh") == (
        "您的交易已被打包，目前有 1 个确认，还需要 11 个确认（约 3 分钟）后到账。"
    )
    assert render_finding(finding, "id") == (
        "Transaksi Anda sudah masuk ke blok dan memiliki 1 konfirmasi; masih perlu 11 "
        "konfirmasi lagi (sekitar 3 menit) sebelum dana masuk."
    )


def test_singular_minute_in_english() -> None:
    finding = Finding(
        "awaiting_confirmations",
        H1,
        {"confirmations": 11, "required": 12, "chain": "ethereum", "remaining": 1, "minutes": 1},
    )
    assert "has 11 confirmations; it needs 1 more (about 1 minute) before" in render_finding(
        finding
    )


@pytest.mark.parametrize(
    ("data", "en", "zh"),
    [
        (
            {"reason_kind": "panic", "panic_code": 0x11},
            "the contract hit an internal error (panic 0x11)",
            "合约发生内部错误（panic 0x11）",
        ),
        (
            {"reason_kind": "custom", "selector": "0xcf479181"},
            "the contract rejected it with the custom error 0xcf479181",
            "合约以自定义错误 0xcf479181 拒绝了该交易",
        ),
        (
            {"reason_kind": "out_of_gas", "gas": 30000},
            "it ran out of gas (its gas limit of 30000 was used up); send it again with a "
            "higher gas limit",
            "Gas 不足（Gas 上限 30000 已用完），请提高 Gas 上限后重新发送",
        ),
        ({"reason_kind": "unknown"}, "the contract gave no reason", "合约没有给出原因"),
    ],
)
def test_revert_reasons(data: dict[str, object], en: str, zh: str) -> None:
    full = {"block": 7, "reason": None, "panic_code": None, "selector": None, "gas": 1} | data
    finding = Finding("reverted", H1, full)
    assert render_finding(finding, "en") == (
        f"Your transaction failed on-chain (it was reverted in block 7): {en}. No funds were "
        "moved; only the network fee was spent."
    )
    assert render_finding(finding, "zh") == (
        f"您的交易在链上执行失败（在区块 7 中被回滚）：{zh}。资金没有转出，只消耗了网络手续费。"
    )


def test_pending_without_a_base_fee() -> None:
    finding = Finding("pending", H1, {"max_fee": 5 * 10**9, "base_fee": None})
    assert render_finding(finding, "en") == (
        "Your transaction is pending and should be included in a block shortly; no action is "
        "needed."
    )


def test_several_transactions_are_named_and_a_hand_off_is_announced() -> None:
    text = render(
        diagnosis(
            Finding("tx_not_found", H1, {"chain": "ethereum", "waited_minutes": 120}, True),
            Finding("pending", H2, {"max_fee": 30 * 10**9, "base_fee": 20 * 10**9}),
        ),
        "zh",
    )
    assert text == (
        "0xabab…1234: 我们在以太坊上没有找到交易 0xabab…1234。请确认交易哈希完整，并且交易是在"
        "以太坊网络上发送的：未成功广播或已被网络丢弃的交易是查询不到的。\n"
        "0xcdcd…5678: 您的交易正在等待打包。其最高手续费（30 gwei）不低于当前基础费用（20 gwei），"
        "应很快会被打包，无需任何操作。\n"
        "我们已将此问题转交区块链团队，专员会尽快跟进。"
    )


def test_address_on_another_network() -> None:
    finding = Finding(
        "address_other_chain",
        data={
            "address": "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t",
            "address_family": "tron",
            "chain": "ethereum",
        },
    )
    assert render(diagnosis(finding), "en") == (
        "The address TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t belongs to TRON, not Ethereum. "
        "Transfers on Ethereum cannot reach it: make sure the sender and the receiver use the "
        "same network before sending."
    )
    assert render(diagnosis(finding), "zh") == (
        "地址 TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t 属于波场网络，不是以太坊地址。在以太坊上转账无法"
        "到达该地址：发送前请确认发送方和接收方使用同一网络。"
    )
    assert render(diagnosis(finding), "id") == (
        "Alamat TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t milik jaringan TRON, bukan Ethereum. "
        "Transfer di jaringan Ethereum tidak bisa sampai ke alamat ini: pastikan pengirim dan "
        "penerima memakai jaringan yang sama sebelum mengirim."
    )


def test_chain_unavailable_without_a_known_chain() -> None:
    finding = Finding("chain_unavailable", data={"chain": None, "detail": "x"}, escalate=True)
    assert render(diagnosis(finding), "en") == (
        "We cannot reach the blockchain right now to check your transaction.\n"
        "We have passed this to our blockchain team, and a specialist will follow up with you."
    )


SAMPLES = [
    Finding("tx_not_found", H1, {"chain": "arbitrum", "waited_minutes": 5}),
    Finding(
        "pending_low_fee",
        H1,
        {
            "nonce": 3,
            "max_fee": 1,
            "base_fee": 2,
            "suggested_priority_fee": 3,
            "suggested_max_fee": 7,
        },
    ),
    Finding("pending", H1, {"max_fee": 1, "base_fee": 1}),
    Finding(
        "awaiting_confirmations",
        H1,
        {"confirmations": 2, "required": 12, "chain": "base", "remaining": 10, "minutes": 2},
    ),
    Finding(
        "confirmed",
        H1,
        {"confirmations": 12, "required": 12, "chain": "polygon", "destination": "0xAbC"},
    ),
    Finding(
        "reverted",
        H1,
        {
            "block": 1,
            "reason_kind": "error",
            "reason": "x",
            "panic_code": None,
            "selector": None,
            "gas": 1,
        },
    ),
    Finding("nonce_gap", H1, {"nonce": 2, "missing_nonce": 1, "sender": "0xAbC"}),
    Finding("erc20_to_token_contract", H1, {"token": "0xAbC", "amount": 5}, escalate=True),
    Finding(
        "address_other_chain", data={"address": "a", "address_family": "evm", "chain": "solana"}
    ),
    Finding("contract_destination", H1, {"address": "0xAbC"}),
    Finding("need_tx_hash"),
    Finding("chain_unavailable", data={"chain": "optimism", "detail": "x"}, escalate=True),
    Finding("chain_not_checked", data={"chain": "litecoin", "node_chain": "ethereum"}),
]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("finding", SAMPLES, ids=[f.code for f in SAMPLES])
def test_every_finding_renders_in_every_language(finding: Finding, lang: str) -> None:
    text = render_finding(finding, lang)
    assert text and "{" not in text and "}" not in text
    assert text.strip() == text
