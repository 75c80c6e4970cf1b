"""The Telegram webhook and the public web form through the app, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.api.conftest import TestClient, assert_problem
from tests.integration.support.helpers import PDF, clock_of, count, make_container
from trustdesk.bootstrap import Container
from trustdesk.web.app import create_app

SECRET = "tg-Secret_0123456789"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
DATE = 1772355600  # 2026-03-01 09:00:00 UTC, the container's clock
TABLES = ("support_customers", "support_tickets", "support_messages", "audit_entries")


@dataclass
class Channels:
    client: Any
    container: Container

    def stored(self) -> tuple[int, ...]:
        return tuple(count(self.container, t) for t in TABLES)

    def view(self, ticket_id: str) -> Any:
        with self.container.reading() as session:
            return self.container.support(session, "test").ticket(ticket_id)


@pytest.fixture
def channels(database_url: str, tmp_path: Path) -> Iterator[Channels]:
    container = make_container(
        database_url,
        tmp_path,
        telegram_webhook_secret=SECRET,
        webform_max_per_hour=4,
        max_request_bytes=256 * 1024,
    )
    try:
        with TestClient(create_app(container)) as client:
            yield Channels(client, container)
    finally:
        container.close()


# --- Telegram ----------------------------------------------------------------------------------


def tg_update(update_id: int = 700001, **message: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "message_id": 11,
        "date": DATE,
        "chat": {"id": 5512345678, "type": "private"},
        "from": {
            "id": 5512345678,
            "is_bot": False,
            "first_name": "Budi",
            "username": "budis",
            "language_code": "id",
        },
        "text": "Halo, penarikan saya tertahan",
    }
    base.update(message)
    return {"update_id": update_id, "message": base}


def tg_post(ch: Channels, body: Any, secret: str | None = SECRET, bot: str = "wallet_bot") -> Any:
    headers = {HEADER: secret} if secret is not None else {}
    if isinstance(body, bytes):
        headers["content-type"] = "application/json"
        return ch.client.post(f"/v1/channels/telegram/{bot}", content=body, headers=headers)
    return ch.client.post(f"/v1/channels/telegram/{bot}", json=body, headers=headers)


def test_telegram_message_opens_a_ticket_and_redelivery_is_idempotent(channels: Channels) -> None:
    first = tg_post(channels, tg_update())
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["ok"], body["created_ticket"], body["duplicate"]) == (True, True, False)
    again = tg_post(channels, tg_update())  # Telegram redelivers the same update
    assert again.status_code == 200
    assert again.json() == body | {"duplicate": True}
    later = tg_post(channels, tg_update(700002, message_id=12, text="Sudah 3 jam"))
    assert later.json()["ticket_id"] == body["ticket_id"]  # the open chat ticket
    assert later.json()["created_ticket"] is False
    view = channels.view(body["ticket_id"])
    assert view.ticket.channel.value == "telegram"
    assert view.ticket.subject == "Halo, penarikan saya tertahan"
    assert view.ticket.language == "id"
    assert [(m.body, m.external_id, m.author_kind.value) for m in view.messages] == [
        ("Halo, penarikan saya tertahan", "wallet_bot:700001", "customer"),
        ("Sudah 3 jam", "wallet_bot:700002", "customer"),
    ]
    with channels.container.reading() as session:
        found = channels.container.support(session, "test").customer(view.ticket.customer_id)
    assert found.customer.display_name == "Budi"
    assert [(i.kind.value, i.value) for i in found.customer.identities] == [
        ("telegram", "5512345678")
    ]


@pytest.mark.parametrize("secret", [None, "", "tg-Secret_012345678", "wrong"])
def test_telegram_without_the_secret_is_refused_and_nothing_stored(
    channels: Channels, secret: str | None
) -> None:
    before = channels.stored()
    refused = tg_post(channels, tg_update(), secret=secret)
    problem = assert_problem(refused, 401, "telegram.unauthorized")
    assert problem["detail"] == "the Telegram webhook secret token is missing or wrong"
    assert SECRET not in refused.text
    assert channels.stored() == before == (0, 0, 0, 0)


def test_telegram_is_refused_when_no_secret_is_configured(
    database_url: str, tmp_path: Path
) -> None:
    container = make_container(database_url, tmp_path)
    try:
        with TestClient(create_app(container)) as client:
            ch = Channels(client, container)
            assert_problem(tg_post(ch, tg_update()), 401, "telegram.unauthorized")
            assert ch.stored() == (0, 0, 0, 0)
    finally:
        container.close()


def test_telegram_secrets_per_bot(database_url: str, tmp_path: Path) -> None:
    container = make_container(
        database_url, tmp_path, telegram_webhook_secret="wallet_bot:aaa111,help_bot:bbb222"
    )
    try:
        with TestClient(create_app(container)) as client:
            ch = Channels(client, container)
            assert tg_post(ch, tg_update(), "aaa111", "wallet_bot").status_code == 200
            assert tg_post(ch, tg_update(1), "bbb222", "help_bot").status_code == 200
            assert_problem(
                tg_post(ch, tg_update(2), "aaa111", "help_bot"), 401, "telegram.unauthorized"
            )
            assert_problem(
                tg_post(ch, tg_update(3), "aaa111", "new_bot"), 401, "telegram.unauthorized"
            )
            assert count(container, "support_messages") == 2
    finally:
        container.close()


def test_telegram_updates_that_are_not_taken_in(channels: Channels) -> None:
    edited = {"update_id": 5, "edited_message": tg_update()["message"]}
    assert tg_post(channels, edited).json() == {"ok": True, "ignored": "edited_message"}
    group = tg_update(6, chat={"id": -1001, "type": "group"})
    assert tg_post(channels, group).json() == {"ok": True, "ignored": "not_private_chat"}
    assert tg_post(channels, {"update_id": 7, "my_chat_member": {}}).json() == {
        "ok": True,
        "ignored": "my_chat_member",
    }
    assert channels.stored() == (0, 0, 0, 0)


def test_telegram_bad_bodies(channels: Channels) -> None:
    malformed = tg_post(channels, b'{"update_id": 1, "message": {')
    problem = assert_problem(malformed, 400, "input.malformed_json", "body")
    assert problem["detail"].startswith("the request body is not valid JSON: ")
    assert_problem(tg_post(channels, b"\xff\xfe"), 400, "input.malformed_json", "body")
    shapeless = tg_post(channels, {"update_id": "x", "message": {}})
    assert_problem(shapeless, 400, "telegram.bad_update", "update_id")
    bad_name = tg_post(channels, tg_update(), bot="no-dashes")
    assert_problem(bad_name, 422, "input.invalid")
    assert channels.stored() == (0, 0, 0, 0)


def test_telegram_photo_is_noted_by_file_id(channels: Channels) -> None:
    photo = tg_update(
        text=None,
        caption="截图在这里",
        photo=[{"file_id": "AgAD-s", "width": 90}, {"file_id": "AgAD-L", "width": 1280}],
    )
    ticket_id = tg_post(channels, photo).json()["ticket_id"]
    [message] = channels.view(ticket_id).messages
    assert message.body == "截图在这里\n[photo file_id=AgAD-L]"
    assert message.attachments == ()


# --- the web form ------------------------------------------------------------------------------

FIELDS = [
    "csrf",
    "lang",
    "email",
    "name",
    "category",
    "subject",
    "message",
    "attachment",
    "website",
]


def token(page: Any) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def form(**fields: str) -> dict[str, str]:
    base = {
        "email": "Ana.Putri@Example.COM",
        "name": "Ana Putri",
        "category": "deposit_withdrawal_failure",
        "subject": "提现没到账",
        "message": "您好，\r\n我的提现（0.5 ETH）三个小时了还没有到账。\r\n交易哈希：0xabc…",
        "website": "",
        "lang": "zh",
    }
    return base | fields


def assert_secure(response: Any) -> None:
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["content-security-policy"] == (
        "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert "<script" not in response.text.lower() and " style=" not in response.text


def test_the_form_page(channels: Channels) -> None:
    page = channels.client.get("/support/form")
    assert page.status_code == 200
    assert_secure(page)
    names = re.findall(r'<(?:input|select|textarea)[^>]* name="([^"]+)"', page.text)
    assert names == FIELDS
    assert '<html lang="en">' in page.text
    assert '<label for="email">E-mail</label>' in page.text
    assert '<option value="theft_appeal">Theft or scam: appeal</option>' in page.text
    assert re.findall(r'<option value="([a-z_]*)"', page.text) == [
        "",
        "deposit_withdrawal_failure",
        "transaction_status",
        "wrong_address_or_network",
        "kyc_rejected",
        "theft_appeal",
        "account_security",
        "other",
    ]
    assert 'enctype="multipart/form-data"' in page.text
    assert "(optional, ≤ 10 MB)" in page.text  # TRUSTDESK_ATTACHMENT_MAX_BYTES
    cookie = page.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/support/form" in cookie


def test_the_page_in_chinese_and_indonesian(channels: Channels) -> None:
    zh = channels.client.get("/support/form", params={"lang": "zh"})
    assert '<html lang="zh">' in zh.text
    labels = [
        "<title>联系客服</title>",
        '<label for="email">电子邮箱</label>',
        '<label for="name">姓名 (选填)</label>',
        '<label for="category">问题类别</label>',
        '<label for="subject">主题</label>',
        '<label for="message">留言内容</label>',
        '<label for="attachment">附件 (选填, ≤ 10 MB)</label>',
        '<button type="submit">提交</button>',
        '<option value="deposit_withdrawal_failure">充值或提现失败</option>',
    ]
    for label in labels:
        assert label in zh.text, label
    browser = channels.client.get("/support/form", headers={"Accept-Language": "id-ID,id;q=0.9"})
    assert '<html lang="id">' in browser.text
    assert '<label for="message">Pesan</label>' in browser.text


def test_a_chinese_message_is_stored_exactly(channels: Channels) -> None:
    page = channels.client.get("/support/form", params={"lang": "zh"})
    files = {"attachment": ("回执.pdf", PDF, "application/pdf")}
    sent = channels.client.post("/support/form", data=form(csrf=token(page)), files=files)
    assert sent.status_code == 200, sent.text
    assert_secure(sent)
    ticket_id = re.search(r'<strong id="ticket-id">(TD-[0-9A-Z]{6})</strong>', sent.text)
    assert ticket_id, sent.text
    assert f'您的工单编号是 <strong id="ticket-id">{ticket_id.group(1)}</strong>。' in sent.text
    view = channels.view(ticket_id.group(1))
    t = view.ticket
    assert (t.channel.value, t.category.value, t.subject, t.language) == (
        "webform",
        "deposit_withdrawal_failure",
        "提现没到账",
        "zh",
    )
    [message] = view.messages
    assert message.body == "您好，\n我的提现（0.5 ETH）三个小时了还没有到账。\n交易哈希：0xabc…"
    assert [(a.filename, a.size, a.status.value) for a in message.attachments] == [
        ("回执.pdf", len(PDF), "stored")
    ]
    with channels.container.reading() as session:
        found = channels.container.support(session, "test").customer(t.customer_id)
    assert found.customer.display_name == "Ana Putri"
    assert [(i.kind.value, i.value, i.given) for i in found.customer.identities] == [
        ("email", "ana.putri@example.com", "Ana.Putri@Example.COM")
    ]
    # The same page sent again (a double click): the same ticket, no second message.
    again = channels.client.post("/support/form", data=form(csrf=token(page)), files=files)
    assert again.status_code == 200
    assert ticket_id.group(1) in again.text
    assert count(channels.container, "support_messages") == 1


def test_errors_come_back_per_field_with_the_values_kept(channels: Channels) -> None:
    page = channels.client.get("/support/form")
    sent = channels.client.post(
        "/support/form",
        data=form(
            csrf=token(page),
            lang="en",
            email="ana@",
            category="refund",
            subject="<script>alert(1)</script>",
            message="   ",
        ),
    )
    assert sent.status_code == 422
    assert_secure(sent)
    errors = dict(re.findall(r'<span id="([a-z]+)-error" class="error">([^<]+)</span>', sent.text))
    assert errors == {
        "email": "Enter an e-mail address such as name@example.com.",
        "category": "Choose one of the categories.",
        "message": "This field is required.",
    }
    assert 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in sent.text
    assert 'value="ana@"' in sent.text
    assert "Please correct the fields marked below." in sent.text
    assert count(channels.container, "support_messages") == 0


def test_a_missing_forged_or_expired_token_is_refused(channels: Channels) -> None:
    page = channels.client.get("/support/form", params={"lang": "id"})
    good = token(page)
    forged = good[:-2] + ("AA" if not good.endswith("AA") else "BB")
    for csrf in ("", forged):
        refused = channels.client.post("/support/form", data=form(csrf=csrf, lang="id"))
        assert refused.status_code == 403
        assert_secure(refused)
        assert "Formulir ini sudah kedaluwarsa" in refused.text
    clock_of(channels.container).advance(hours=2, seconds=1)
    expired = channels.client.post("/support/form", data=form(csrf=good, lang="id"))
    assert expired.status_code == 403
    # Without the cookie (another browser, another site) the token is worth nothing.
    clock_of(channels.container).advance(hours=-2)
    channels.client.cookies.clear()
    stolen = channels.client.post("/support/form", data=form(csrf=good))
    assert stolen.status_code == 403
    assert count(channels.container, "support_messages") == 0


def test_the_honeypot_stores_nothing(channels: Channels) -> None:
    page = channels.client.get("/support/form")
    sent = channels.client.post(
        "/support/form", data=form(csrf=token(page), lang="en", website="http://x.example")
    )
    assert sent.status_code == 200
    assert "We received your message." in sent.text and "ticket-id" not in sent.text
    assert count(channels.container, "support_messages") == 0


def test_submissions_are_limited_per_ip(channels: Channels) -> None:
    page = channels.client.get("/support/form")
    for n in range(4):  # webform_max_per_hour=4, errors count too
        sent = channels.client.post("/support/form", data=form(csrf=token(page), subject=f"#{n}"))
        assert sent.status_code == 200, sent.text
    limited = channels.client.post("/support/form", data=form(csrf=token(page), subject="#5"))
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "3600"
    assert "提交次数过多" in limited.text
    assert count(channels.container, "support_messages") == 4
    assert count(channels.container, "auth_rate_counters") == 1
    with channels.container.reading() as session:
        key = session.execute(text("SELECT key FROM auth_rate_counters")).scalar_one()
    assert re.fullmatch(r"webform:[0-9a-f]{40}", key) and "testclient" not in key
    clock_of(channels.container).advance(hours=1)  # a new window
    fresh = channels.client.get("/support/form")
    assert channels.client.post("/support/form", data=form(csrf=token(fresh))).status_code == 200


def test_a_phone_screenshot_larger_than_an_api_body_goes_through_the_form(
    channels: Channels,
) -> None:
    # 600 KB: over this API's 256 KB body limit, within the 10 MB per attachment.
    shot = PDF + b"%" * (600 * 1024 - len(PDF))
    page = channels.client.get("/support/form")
    files = {"attachment": ("receipt.pdf", shot, "application/pdf")}
    sent = channels.client.post("/support/form", data=form(csrf=token(page)), files=files)
    assert sent.status_code == 200, sent.text
    ticket_id = re.search(r'<strong id="ticket-id">(TD-[0-9A-Z]{6})</strong>', sent.text)
    assert ticket_id, sent.text
    [message] = channels.view(ticket_id.group(1)).messages
    assert [(a.filename, a.size, a.status.value) for a in message.attachments] == [
        ("receipt.pdf", 600 * 1024, "stored")
    ]
