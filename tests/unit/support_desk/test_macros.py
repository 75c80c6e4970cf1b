"""Macros as data: the shipped set, rendering in en/zh/id exactly, placeholders that are
unknown or without a value, the English fallback, operators' texts laid over the shipped."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from trustdesk.core.errors import InvalidInput
from trustdesk.support.macros import (
    Macro,
    MacroInvalid,
    MissingValue,
    StoredText,
    UnknownPlaceholder,
    check_text,
    check_values,
    combine,
    default_macros,
    parse_macros,
    placeholders,
    render,
)

SHIPPED = default_macros().macros
VALUES = {"customer_name": "Budi", "ticket_id": "TD-7K3QX9", "agent_name": "Sari"}

ASK_EN = """Hello Budi,

Thank you for contacting us about ticket TD-7K3QX9. To trace your transaction we need its \
transaction hash (also called TxID). You can find it in the wallet's transaction history: open \
the transaction and copy the long string that starts with 0x (Ethereum, BNB Chain, Polygon) or \
the 64-character ID (Bitcoin, TRON).

Please reply with the hash and the network you used. We will never ask for your recovery \
phrase or private key.

Best regards,
Sari"""

ASK_ZH = (
    "Budi，您好：\n\n"
    "感谢您就工单 TD-7K3QX9 联系我们。为了追踪您的交易，"
    "我们需要该笔交易的交易哈希（也称 TxID）。"
    "您可以在钱包的交易记录中找到它：打开该笔交易，"
    "复制以 0x 开头的长字符串（以太坊、BNB Chain、Polygon），"
    "或 64 位字符的交易 ID（比特币、TRON）。\n\n"
    "请回复交易哈希以及您使用的网络。我们绝不会向您索要助记词或私钥。\n\n"
    "此致\nSari"
)

ASK_ID = """Halo Budi,

Terima kasih telah menghubungi kami terkait tiket TD-7K3QX9. Untuk melacak transaksi Anda, \
kami memerlukan hash transaksinya (disebut juga TxID). Anda dapat menemukannya di riwayat \
transaksi dompet: buka transaksi tersebut lalu salin deretan karakter panjang yang diawali 0x \
(Ethereum, BNB Chain, Polygon) atau ID 64 karakter (Bitcoin, TRON).

Mohon balas dengan hash tersebut beserta jaringan yang Anda gunakan. Kami tidak akan pernah \
meminta frasa pemulihan atau kunci pribadi Anda.

Salam,
Sari"""


def test_the_shipped_set() -> None:
    assert default_macros().version == "macros-2026.12.1"
    assert sorted(SHIPPED) == [
        "ask_tx_hash",
        "closing_csat",
        "kyc_resubmission",
        "phishing_warning",
        "seed_phrase_warning",
        "theft_appeal_received",
        "withdrawal_delay_apology",
        "wrong_network_deposit",
    ]
    for macro in SHIPPED.values():
        assert macro.languages == ("en", "id", "zh"), macro.id
        # Every language asks for the same values.
        used = {lang: set(placeholders(body, macro.id)) for lang, body in macro.bodies.items()}
        assert used["zh"] == used["en"] == used["id"], macro.id


@pytest.mark.parametrize(("language", "expected"), [("en", ASK_EN), ("zh", ASK_ZH), ("id", ASK_ID)])
def test_rendered_exactly_in_each_language(language: str, expected: str) -> None:
    rendered = render(SHIPPED["ask_tx_hash"], language, VALUES)
    assert rendered.text == expected
    assert (rendered.choice.language, rendered.choice.fallback) == (language, False)


def test_a_value_is_printed_as_given() -> None:
    text = render(SHIPPED["withdrawal_delay_apology"], "id", VALUES | {"tx_hash": "0xab{cd}"}).text
    assert text.splitlines()[2].startswith(
        "Mohon maaf penarikan Anda memakan waktu lebih lama dari biasanya. Transaksi 0xab{cd} "
        "sudah disiarkan"
    )


def test_a_missing_value_is_named() -> None:
    with pytest.raises(MissingValue) as caught:
        render(SHIPPED["wrong_network_deposit"], "zh", {"ticket_id": "TD-7K3QX9"})
    assert (caught.value.code, caught.value.status, caught.value.field) == (
        "support.macro_value_missing",
        422,
        "values.customer_name",
    )
    assert caught.value.message == (
        "macro wrong_network_deposit (zh) needs customer_name, tx_hash, agent_name: "
        "give them in values"
    )


def test_unknown_placeholders_are_refused() -> None:
    for template, message in (
        ("Hi {wallet}", "unknown placeholder {wallet}"),
        ("Hi {customer_name.__class__}", "unknown placeholder {customer_name.__class__}"),
        ("Hi {0}", "unknown placeholder {0}"),
        ("Hi {}", "unknown placeholder {}"),
        ("Hi {customer_name!r}", "placeholder {customer_name} takes no format spec"),
        ("Hi {customer_name:>20}", "placeholder {customer_name} takes no format spec"),
    ):
        with pytest.raises(UnknownPlaceholder) as caught:
            check_text("greet", "en", template)
        assert caught.value.code == "support.macro_placeholder_unknown"
        assert caught.value.field == "bodies.en"
        assert message in caught.value.message, template
    with pytest.raises(MacroInvalid) as braces:
        check_text("greet", "en", "Hi {customer_name")
    assert "write {{ and }} for literal braces" in braces.value.message
    assert check_text("greet", "en", "{{literal}} {ticket_id}") == "{{literal}} {ticket_id}"
    macro = Macro("greet", "Greet", MappingProxyType({"en": "{{literal}} {ticket_id}"}))
    assert render(macro, "en", VALUES).text == "{literal} TD-7K3QX9"


def test_values_given_by_an_agent() -> None:
    assert check_values({"tx_hash": "  0xabc \n", "amount": ""}) == {"tx_hash": "0xabc"}
    with pytest.raises(UnknownPlaceholder) as unknown:
        check_values({"wallet": "x"})
    assert unknown.value.field == "values.wallet"
    with pytest.raises(InvalidInput) as long:
        check_values({"tx_hash": "x" * 301})
    assert long.value.field == "values.tx_hash"


def test_language_fallback_says_so() -> None:
    macro = SHIPPED["closing_csat"]
    french = render(macro, "fr-CA", VALUES)
    assert (french.choice.language, french.choice.requested, french.choice.fallback) == (
        "en",
        "fr",
        True,
    )
    assert french.choice.notice == "no fr text for this macro; shown in en"
    assert french.text.startswith("Hello Budi,")
    traditional = render(macro, "zh-Hant", VALUES)
    assert (traditional.choice.language, traditional.choice.fallback) == ("zh", False)
    unknown = render(macro, None, VALUES)
    assert (unknown.choice.language, unknown.choice.fallback, unknown.choice.notice) == (
        "en",
        False,
        None,
    )


def test_the_file_is_checked_whole() -> None:
    good = 'version = "v1"\n[[macros]]\nid = "a"\ntitle = "A"\nbody = { en = "Hi {ticket_id}" }\n'
    assert list(parse_macros(good).macros) == ["a"]
    for text, message in (
        (good.replace("en =", "zh ="), "macro a has no en text"),
        (good + good.split("\n", 1)[1], "macro a is defined twice"),
        (good.replace("{ticket_id}", "{wallet}"), "unknown placeholder {wallet}"),
        (good.replace('id = "a"', 'id = "A B"'), "macros.0.id"),
        ("version = ", "not valid TOML"),
    ):
        with pytest.raises(MacroInvalid) as caught:
            parse_macros(text)
        assert message in caught.value.message, text


def test_operators_texts_lay_over_the_shipped() -> None:
    stored = [
        StoredText("closing_csat", "zh", "结束", "再见 {customer_name}"),
        StoredText("vip_hello", "en", "VIP hello", "Dear {customer_name}"),
        StoredText("vip_hello", "id", "VIP halo", "Yth. {customer_name}"),
    ]
    merged = combine(SHIPPED, stored)
    closing = merged["closing_csat"]
    assert (closing.source, closing.title, closing.operator_languages) == (
        "shipped+operator",
        "结束",
        frozenset({"zh"}),
    )
    assert render(closing, "zh", VALUES).text == "再见 Budi"
    assert render(closing, "id", VALUES).text.startswith("Halo Budi,")  # shipped id kept
    vip = merged["vip_hello"]
    assert (vip.source, vip.title, vip.languages) == ("operator", "VIP hello", ("en", "id"))
    assert merged["ask_tx_hash"].source == "shipped"
