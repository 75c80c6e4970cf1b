"""Mail in, all the way: SMTP → listener → parse → the support core's intake → a ticket;
and the quarantine's release into the same intake. SQLite and PostgreSQL."""

from __future__ import annotations

import smtplib
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.integration.support_mail.conftest import Listen
from tests.unit.support_mail.corpus import ATTACHMENTS_MAIL, GBK_MAIL
from trustdesk.bootstrap import Container, build_container
from trustdesk.cli.mail import mail_intake, mail_quarantine
from trustdesk.core.clock import FixedClock
from trustdesk.settings import Settings
from trustdesk.support.mail.inbound import deliver_to
from trustdesk.support.mail.intake import MailIntake
from trustdesk.support.model import Ticket

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def container(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Container]:
    settings = Settings(
        database_url=database_url, attachments_dir=tmp_path_factory.mktemp("attachments")
    )
    built = build_container(settings, clock=FixedClock(T0))
    try:
        yield built
    finally:
        built.close()


def send(port: int, raw: bytes, sender: str = "jose.perez@example.com") -> int:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo("client.test")
        client.mail(sender)
        client.rcpt("support@trustdesk.example")
        return client.data(raw)[0]


def tickets(container: Container) -> list[Ticket]:
    with container.session() as session:
        return container.support(session, "test").tickets()


def test_mail_becomes_a_ticket_once(container: Container, listen: Listen) -> None:
    listener = listen(mail_intake(container, "smtp"))
    assert send(listener.port, GBK_MAIL) == 250
    assert send(listener.port, GBK_MAIL) == 250  # the sender's retry: no second message
    [ticket] = tickets(container)
    # The token names no ticket of this customer, so the mail opened a new one.
    assert ticket.subject == "提现没到账 [#TD-7K2M9Q]" and ticket.id != "TD-7K2M9Q"
    with container.session() as session:
        view = container.support(session, "test").ticket(ticket.id)
    [message] = view.messages
    assert message.body == "您好，我的提现还没有到账。\n交易哈希：0xabc"
    assert message.external_id is not None
    assert mail_quarantine(container).list() == []


def test_attachments_reach_the_ticket(container: Container, listen: Listen) -> None:
    listener = listen(mail_intake(container, "smtp"))
    assert send(listener.port, ATTACHMENTS_MAIL, "ana@example.co.id") == 250
    [ticket] = tickets(container)
    with container.session() as session:
        [message] = container.support(session, "test").ticket(ticket.id).messages
    assert message.body == "Receipts attached."
    assert sorted(a.filename for a in message.attachments) == sorted(
        ["收据 2026.pdf", "Übersicht März.pdf", "回执.pdf", "截图.png", "交易.csv"]
    )


def test_quarantined_mail_is_released_into_the_intake(container: Container, listen: Listen) -> None:
    deliver = deliver_to(container.support_intake, container.clock)
    # The intake takes 256 bytes at most; the listener lets more through, so it is held.
    strict = MailIntake(mail_quarantine(container), deliver, max_bytes=256, source="smtp")
    listener = listen(strict, max_bytes=1 << 20)
    assert send(listener.port, GBK_MAIL) == 250
    [held] = mail_quarantine(container).list()
    assert (held.reason_code, held.source, tickets(container)) == ("too_large", "smtp", [])
    mail_quarantine(container).release(held.id, actor="admin", redeliver=strict.redeliver)
    [ticket] = tickets(container)
    assert ticket.subject == "提现没到账 [#TD-7K2M9Q]"
    assert mail_quarantine(container).list() == []
    assert [m.id for m in mail_quarantine(container).list(include_released=True)] == [held.id]


def test_a_reply_with_the_ticket_token_joins_its_ticket(
    container: Container, listen: Listen
) -> None:
    listener = listen(mail_intake(container, "smtp"))
    first = GBK_MAIL.replace(b" [#TD-7K2M9Q]", b"")
    assert send(listener.port, first) == 250
    [ticket] = tickets(container)
    answer = (
        "From: jose.perez@example.com\r\n"
        f"Subject: Re: withdrawal [#{ticket.id}]\r\n"
        "Message-ID: <second@mail.example.com>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        "Still missing.\r\n\r\n"
        "On Sun, 1 Mar 2026 at 11:00, Support <support@trustdesk.example> wrote:\r\n"
        "> We are looking into it.\r\n"
    ).encode()
    assert send(listener.port, answer) == 250
    assert [t.id for t in tickets(container)] == [ticket.id]
    with container.session() as session:
        view = container.support(session, "test").ticket(ticket.id)
    assert [m.body for m in view.messages] == [
        "您好，我的提现还没有到账。\n交易哈希：0xabc",
        "Still missing.",
    ]
