"""Macros sent on tickets (in the ticket's language, as a public reply) and operators' macros
stored in the table; SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.integration.support.helpers import audit, count, read, write
from tests.integration.support_desk.helpers import MON, add_agent, at, open_ticket, view
from trustdesk.bootstrap import Container
from trustdesk.core.errors import InvalidInput, NotFound

TX = "0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060"


def test_a_macro_goes_out_in_the_tickets_language(container: Container) -> None:
    at(container, MON)
    add_agent(container, "e1", queues="l1", languages="en zh id", name="Sari Dewi")
    zh = open_ticket(container, "zh@example.com", language="zh", name="王芳", tier="l1")
    done = write(
        container,
        lambda d: d.reply_with_macro(zh.id, "withdrawal_delay_apology", "e1", {"tx_hash": TX}),
    )
    assert done.message.body == (
        "王芳，您好：\n\n"
        f"很抱歉您的提现比平时耗时更长。交易 {TX} 已广播，正在等待网络确认；"
        "目前网络拥堵，确认速度比平时慢。\n\n"
        "您无需进行任何操作，也请不要重复提交提现：否则两笔交易确认后资金会被发送两次。"
        f"我们会持续关注，并在交易确认后第一时间更新工单 {zh.id}。\n\n"
        "此致\nSari Dewi"
    )
    assert (done.message.visibility.value, done.message.author_id) == ("public", "e1")
    assert (done.ticket.status.value, done.ticket.first_response_at) == ("waiting_customer", MON)
    assert (done.rendered.choice.language, done.rendered.choice.fallback) == ("zh", False)
    [used] = [p for a, _, p in audit(container) if a == "support.macro_used"]
    assert used == {
        "ticket_id": zh.id,
        "message_id": done.message.id,
        "macro_id": "withdrawal_delay_apology",
        "language": "zh",
        "fallback": False,
    }
    # Indonesian, and a language the macro lacks (Vietnamese: English, said so).
    idn = open_ticket(container, "id@example.com", language="id", name="Budi", tier="l1")
    text = write(container, lambda d: d.reply_with_macro(idn.id, "seed_phrase_warning", "e1"))
    assert text.message.body.splitlines()[0:3] == [
        "Halo Budi,",
        "",
        "Pengingat penting: frasa pemulihan (seed phrase) dan kunci pribadi Anda memberikan "
        "kendali penuh atas dompet Anda. Siapa pun yang memilikinya dapat mengambil dana Anda, "
        "dan hal itu tidak dapat dibatalkan.",
    ]
    vi = open_ticket(container, "vi@example.com", language="vi", name="Lan", tier="l1")
    fallback = write(container, lambda d: d.reply_with_macro(vi.id, "closing_csat", "e1"))
    assert fallback.rendered.choice.notice == "no vi text for this macro; shown in en"
    assert fallback.message.body.startswith(
        f"Hello Lan,\n\nWe are glad we could help. We are marking ticket {vi.id} as resolved."
    )


def test_a_missing_value_writes_nothing(container: Container) -> None:
    at(container, MON)
    add_agent(container, "e1", queues="l1", name="Sari")
    nameless = open_ticket(container, name=None, tier="l1")
    messages = count(container, "support_messages")
    with pytest.raises(InvalidInput) as caught:
        write(container, lambda d: d.reply_with_macro(nameless.id, "phishing_warning", "e1"))
    assert (caught.value.code, caught.value.field) == (
        "support.macro_value_missing",
        "values.customer_name",
    )
    with pytest.raises(InvalidInput) as no_hash:
        write(
            container,
            lambda d: d.reply_with_macro(
                nameless.id, "wrong_network_deposit", "e1", {"customer_name": "Ana"}
            ),
        )
    assert no_hash.value.message == (
        "macro wrong_network_deposit (en) needs tx_hash: give it in values"
    )
    # An agent outside the roster has no name to sign with unless one is given.
    with pytest.raises(InvalidInput) as unsigned:
        write(
            container,
            lambda d: d.reply_with_macro(
                nameless.id, "ask_tx_hash", "ghost", {"customer_name": "Ana"}
            ),
        )
    assert unsigned.value.field == "values.agent_name"
    with pytest.raises(NotFound) as missing:
        write(container, lambda d: d.reply_with_macro(nameless.id, "no_such_macro", "e1"))
    assert (missing.value.code, missing.value.field) == ("support.macro_not_found", "macro_id")
    assert count(container, "support_messages") == messages
    assert view(container, nameless.id).ticket.status.value == "new"


def test_operators_define_and_override_macros(container: Container) -> None:
    at(container, MON)
    with pytest.raises(InvalidInput) as no_english:
        write(container, lambda d: d.save_macro("vip_hello", "VIP", {"zh": "您好 {customer_name}"}))
    assert (no_english.value.field, no_english.value.message) == (
        "bodies.en",
        "a new macro needs an en text: other languages fall back to it",
    )
    with pytest.raises(InvalidInput) as unknown:
        write(container, lambda d: d.save_macro("vip_hello", "VIP", {"en": "Dear {vip_level}"}))
    assert (unknown.value.code, unknown.value.field) == (
        "support.macro_placeholder_unknown",
        "bodies.en",
    )
    created = write(
        container,
        lambda d: d.save_macro(
            "vip_hello", "VIP hello", {"en": "Dear {customer_name}", "id": "Yth. {customer_name}"}
        ),
    )
    assert (created.source, created.languages) == ("operator", ("en", "id"))
    # A shipped macro's Chinese text replaced; its other languages stay.
    write(
        container,
        lambda d: d.save_macro("closing_csat", "Closing", {"zh": "谢谢，{customer_name}！"}),
    )
    closing = read(container, lambda d: d.macro("closing_csat"))
    assert (closing.source, closing.bodies["zh"]) == ("shipped+operator", "谢谢，{customer_name}！")
    assert closing.bodies["en"].startswith("Hello {customer_name},")
    assert [m.id for m in read(container, lambda d: d.macros())][-3:] == [
        "vip_hello",
        "withdrawal_delay_apology",
        "wrong_network_deposit",
    ]
    saved = [p for a, _, p in audit(container) if a == "support.macro_saved"]
    assert saved == [
        {"macro_id": "vip_hello", "languages": ["en", "id"], "created": True},
        {"macro_id": "closing_csat", "languages": ["zh"], "created": False},
    ]
