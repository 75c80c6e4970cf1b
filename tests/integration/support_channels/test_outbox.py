"""Mail out through a real SMTP server (aiosmtpd), on SQLite and PostgreSQL: the exact
headers, the customer's answer threading back, retries, permanent refusals, racing
dispatchers."""

from __future__ import annotations

import smtplib
import threading
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import pytest
from sqlalchemy import text

from tests.api.conftest import TestClient
from tests.integration.support.helpers import T0, audit, clock_of, count, make_container
from tests.integration.support_channels.conftest import Sink, free_port
from trustdesk.auth.apikeys import create_api_key
from trustdesk.bootstrap import Container
from trustdesk.cli.channels import mail_outbox
from trustdesk.cli.mail import mail_intake
from trustdesk.support.channels.outbox import DispatchCounts, MailOutbox, OutboxEntry
from trustdesk.support.channels.outbox_rules import OutboxState
from trustdesk.support.mail.listener import MailListener
from trustdesk.support.mail.outbound import SmtpConfig
from trustdesk.support.model import Ticket
from trustdesk.web.app import create_app

DESK = "support@trustdesk.example"
ANA = "ana.putri@example.co.id"


class Desk:
    """The support app, a mail listener in front of the intake, and the outbox."""

    def __init__(self, container: Container) -> None:
        self.container = container
        with container.session() as session:
            self.key = create_api_key(
                session, "agent-ui", frozenset({"support:write"}), container.clock.now()
            )
        smtp = SmtpConfig.from_settings(container.settings)
        assert smtp is not None
        self.outbox: MailOutbox = mail_outbox(container, smtp)
        self.listener = MailListener(
            "127.0.0.1", free_port(), mail_intake(container, "smtp"), 1 << 20
        )

    def customer_mail(self, message_id: str, subject: str, body: str, **headers: str) -> None:
        mail = EmailMessage()
        mail["From"] = f"Ana Putri <{ANA}>"
        mail["To"] = DESK
        mail["Subject"] = subject
        mail["Message-ID"] = message_id
        mail["Date"] = format_datetime(T0)
        for name, value in headers.items():
            mail[name.replace("_", "-")] = value
        mail.set_content(body)
        with smtplib.SMTP("127.0.0.1", self.listener.port, timeout=10) as client:
            client.send_message(mail)

    def reply(self, client: Any, ticket_id: str, body: str, **fields: Any) -> str:
        given = {"body": body, "author": "agent-7"} | fields
        answer = client.post(
            f"/v1/tickets/{ticket_id}/messages",
            json=given,
            headers={"Authorization": f"Bearer {self.key}"},
        )
        assert answer.status_code == 201, answer.text
        return str(answer.json()["message"]["id"])

    def tickets(self) -> list[Ticket]:
        with self.container.reading() as session:
            return self.container.support(session, "test").tickets()

    def bodies(self, ticket_id: str) -> list[str]:
        with self.container.reading() as session:
            view = self.container.support(session, "test").ticket(ticket_id)
        return [m.body for m in view.messages]

    def entry(self, message_id: str) -> OutboxEntry:
        [found] = [e for e in self.outbox.entries() if e.message_id == message_id]
        return found


@pytest.fixture
def desk(container: Container) -> Iterator[tuple[Desk, Any]]:
    built = Desk(container)
    built.listener.start()
    try:
        with TestClient(create_app(container)) as client:
            yield built, client
    finally:
        built.listener.stop()


def test_reply_headers_and_the_thread_round_trip(desk: tuple[Desk, Any], sink: Sink) -> None:
    d, client = desk
    d.customer_mail("<c1@example.co.id>", "提现没到账", "您好，我的提现还没有到账。")
    [ticket] = d.tickets()
    message_id = d.reply(client, ticket.id, "您好，您的提现已经到账。\nPenarikan Anda sudah masuk.")
    assert d.outbox.dispatch_once(T0) == DispatchCounts(enqueued=1, sent=1)
    [got] = sink.received
    assert (got.sender, got.recipients) == (DESK, [ANA])
    mail = got.mail
    ours = f"<{message_id}.{ticket.id}@trustdesk.example>"
    assert mail["From"] == DESK
    assert mail["To"] == f"Ana Putri <{ANA}>"
    assert mail["Subject"] == f"Re: 提现没到账 [#{ticket.id}]"
    assert mail["Message-ID"] == ours
    assert mail["In-Reply-To"] == "<c1@example.co.id>"
    assert mail["References"] == "<c1@example.co.id>"
    assert mail["Date"] == "Sun, 01 Mar 2026 09:00:00 +0000"
    assert mail["Auto-Submitted"] is None  # a person wrote it
    assert mail.get_content().replace("\r\n", "\n") == (
        "您好，您的提现已经到账。\nPenarikan Anda sudah masuk.\n"
    )
    entry = d.entry(message_id)
    assert (entry.state, entry.attempts, entry.sent_message_id, entry.sent_at) == (
        OutboxState.SENT, 1, ours, T0,
    )  # fmt: skip
    assert count(d.container, "support_messages", "thread_key = :k", k=ours) == 1
    assert ("support.reply_mailed", f"ticket:{ticket.id}",
            {"ticket_id": ticket.id, "message_id": message_id}) in audit(d.container)  # fmt: skip

    # The customer answers our mail from a client that dropped the ticket token: the
    # Message-ID alone threads it back.
    d.customer_mail(
        "<c2@example.co.id>",
        "Re: 提现没到账",
        "谢谢！还有一个问题。",
        In_Reply_To=ours,
        References=f"<c1@example.co.id> {ours}",
    )
    assert [t.id for t in d.tickets()] == [ticket.id]
    assert d.bodies(ticket.id)[-1] == "谢谢！还有一个问题。"
    assert d.outbox.dispatch_once(T0) == DispatchCounts()  # the customer's mail is not ours

    second = d.reply(client, ticket.id, "请讲。")
    assert d.outbox.dispatch_once(T0) == DispatchCounts(enqueued=1, sent=1)
    mail = sink.received[1].mail
    assert mail["In-Reply-To"] == "<c2@example.co.id>"
    assert mail["References"] == f"<c1@example.co.id> {ours} <c2@example.co.id>"
    assert mail["Message-ID"] == f"<{second}.{ticket.id}@trustdesk.example>"
    assert len(sink.received) == 2


def test_what_is_mailed_and_what_is_not(desk: tuple[Desk, Any], sink: Sink) -> None:
    d, client = desk
    d.customer_mail("<c1@example.co.id>", "KYC ditolak", "Kenapa KYC saya ditolak?")
    [ticket] = d.tickets()
    d.reply(client, ticket.id, "catatan internal", visibility="internal")
    bot = d.reply(client, ticket.id, "Kami sedang memeriksa.", bot=True, author=None)
    chat = client.post(
        "/v1/tickets",
        json={"identity": {"kind": "email", "value": ANA}, "subject": "in-app", "channel": "inapp"},
        headers={"Authorization": f"Bearer {d.key}"},
    ).json()
    d.reply(client, chat["id"], "in the app only")
    assert d.outbox.dispatch_once(T0) == DispatchCounts(enqueued=1, sent=1)
    [got] = sink.received
    assert got.mail["Auto-Submitted"] == "auto-replied"
    assert got.mail["Message-ID"] == f"<{bot}.{ticket.id}@trustdesk.example>"
    assert count(d.container, "support_mail_outbox") == 1


def test_relay_down_then_back(desk: tuple[Desk, Any], sink: Sink) -> None:
    d, client = desk
    d.customer_mail("<c1@example.co.id>", "Deposit missing", "Sent 1 ETH an hour ago")
    [ticket] = d.tickets()
    message_id = d.reply(client, ticket.id, "Checking now.")
    sink.stop()
    assert d.outbox.dispatch_once(T0) == DispatchCounts(enqueued=1, retrying=1)
    entry = d.entry(message_id)
    assert (entry.state, entry.attempts, entry.last_error_code, entry.next_attempt_at) == (
        OutboxState.QUEUED, 1, "unreachable", T0 + timedelta(seconds=30),
    )  # fmt: skip
    assert d.outbox.dispatch_once(T0 + timedelta(seconds=29)) == DispatchCounts()  # not due
    sink.start()
    sink.answer = "451 4.3.0 try again later"
    assert d.outbox.dispatch_once(T0 + timedelta(seconds=30)) == DispatchCounts(retrying=1)
    entry = d.entry(message_id)
    assert (entry.attempts, entry.last_error_code, entry.next_attempt_at) == (
        2, "smtp_451", T0 + timedelta(seconds=90),
    )  # fmt: skip
    sink.answer = "250 2.0.0 OK"
    assert d.outbox.dispatch_once(T0 + timedelta(seconds=90)) == DispatchCounts(sent=1)
    entry = d.entry(message_id)
    assert (entry.state, entry.attempts, entry.last_error_code) == (OutboxState.SENT, 3, None)
    assert [r.mail["Message-ID"] for r in sink.received] == [
        f"<{message_id}.{ticket.id}@trustdesk.example>"
    ]


def test_a_permanent_refusal_fails_and_can_be_retried(desk: tuple[Desk, Any], sink: Sink) -> None:
    d, client = desk
    d.customer_mail("<c1@example.co.id>", "Akun terkunci", "Akun saya terkunci")
    [ticket] = d.tickets()
    message_id = d.reply(client, ticket.id, "Silakan coba lagi.")
    sink.answer = "550 5.1.1 mailbox unavailable"
    assert d.outbox.dispatch_once(T0) == DispatchCounts(enqueued=1, failed=1)
    entry = d.entry(message_id)
    assert (entry.state, entry.attempts, entry.last_error_code) == (
        OutboxState.FAILED, 1, "smtp_550",
    )  # fmt: skip
    assert ("support.reply_mail_failed", f"ticket:{ticket.id}",
            {"ticket_id": ticket.id, "message_id": message_id, "error_code": "smtp_550",
             "attempts": 1}) in audit(d.container)  # fmt: skip
    later = T0 + timedelta(hours=2)
    assert d.outbox.dispatch_once(later) == DispatchCounts()  # failed stays failed
    sink.answer = "250 2.0.0 OK"
    [requeued] = d.outbox.retry([message_id], later, "cli")
    assert (requeued.state, requeued.next_attempt_at) == (OutboxState.QUEUED, later)
    assert d.outbox.dispatch_once(later) == DispatchCounts(sent=1)
    assert d.entry(message_id).attempts == 2
    assert len(sink.received) == 1


def test_a_customer_without_an_address_fails_with_no_address(
    desk: tuple[Desk, Any], sink: Sink
) -> None:
    d, client = desk
    opened = client.post(
        "/v1/tickets",
        json={
            "identity": {"kind": "account", "value": "acct-9"},
            "subject": "x",
            "channel": "email",
        },
        headers={"Authorization": f"Bearer {d.key}"},
    ).json()
    message_id = d.reply(client, opened["id"], "hello")
    assert d.outbox.dispatch_once(T0) == DispatchCounts(enqueued=1, failed=1)
    assert d.entry(message_id).last_error_code == "no_address"
    assert sink.received == []


def test_old_replies_are_not_mailed_when_mail_out_starts(
    desk: tuple[Desk, Any], sink: Sink
) -> None:
    d, client = desk
    d.customer_mail("<c1@example.co.id>", "old", "old question")
    [ticket] = d.tickets()
    d.reply(client, ticket.id, "old answer")  # at T0
    assert d.outbox.dispatch_once(T0 + timedelta(days=7, seconds=1)) == DispatchCounts()
    assert d.outbox.dispatch_once(T0 + timedelta(days=7)) == DispatchCounts(enqueued=1, sent=1)


def test_web_form_tickets_are_answered_by_mail(desk: tuple[Desk, Any], sink: Sink) -> None:
    d, client = desk
    page = client.get("/support/form")
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    sent = client.post(
        "/support/form",
        data={"csrf": csrf, "email": "Budi@Example.com", "name": "Budi", "category": "other",
              "subject": "Pertanyaan", "message": "Halo"},
    )  # fmt: skip
    assert sent.status_code == 200, sent.text
    [ticket] = d.tickets()
    d.reply(client, ticket.id, "Halo Budi")
    assert d.outbox.dispatch_once(T0) == DispatchCounts(enqueued=1, sent=1)
    [got] = sink.received
    assert got.recipients == ["Budi@Example.com"]
    assert got.mail["To"] == "Budi <Budi@Example.com>"
    assert got.mail["Subject"] == f"Re: Pertanyaan [#{ticket.id}]"
    assert got.mail["In-Reply-To"] is None and got.mail["References"] is None


def test_racing_dispatchers_send_each_reply_once(
    desk: tuple[Desk, Any], sink: Sink, database_url: str, tmp_path: Any
) -> None:
    d, client = desk
    replies = []
    for n in range(12):
        d.customer_mail(f"<c{n}@example.co.id>", f"question {n}", "?")
    for ticket in d.tickets():
        replies.append(d.reply(client, ticket.id, "answer"))
    # A second process's dispatcher: its own engine on the same database.
    other = make_container(database_url, tmp_path / "other", **_smtp(d.container))
    try:
        smtp = SmtpConfig.from_settings(other.settings)
        rivals = [d.outbox, mail_outbox(other, smtp)]
        results: list[DispatchCounts] = []
        start = threading.Barrier(2)

        def run(outbox: MailOutbox) -> None:
            start.wait()
            results.append(outbox.dispatch_once(T0))

        threads = [threading.Thread(target=run, args=(o,)) for o in rivals]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        other.close()
    assert sum(r.sent for r in results) == 12
    assert sum(r.enqueued for r in results) == 12  # the unique key: queued once
    ids = sorted(r.mail["Message-ID"] for r in sink.received)
    assert len(ids) == 12 and len(set(ids)) == 12
    assert count(d.container, "support_mail_outbox", "state = 'sent' AND attempts = 1") == 12
    with d.container.reading() as session:
        keys = session.execute(
            text("SELECT count(*) FROM support_messages WHERE thread_key LIKE '<msg_%'")
        ).scalar_one()
    assert keys == 12
    assert clock_of(d.container).now() == T0


def _smtp(container: Container) -> dict[str, Any]:
    s = container.settings
    return {
        "smtp_host": s.smtp_host,
        "smtp_port": s.smtp_port,
        "smtp_from": s.smtp_from,
        "mail_desk_address": s.mail_desk_address,
    }
