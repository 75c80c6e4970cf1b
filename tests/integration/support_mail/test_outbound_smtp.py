"""Replies sent through smtplib to real aiosmtpd servers, read back two ways."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from pydantic import SecretStr

from tests.integration.support_mail.conftest import Listen, Recorder, free_port
from tests.integration.support_mail.dovecot import self_signed_certificate
from trustdesk.settings import Settings
from trustdesk.support.mail.outbound import MailSendError, SmtpConfig, compose_reply, send_mail
from trustdesk.support.mail.parse import parse_mail

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DESK = "support@trustdesk.example"


def reply(**changes: Any) -> EmailMessage:
    given: dict[str, Any] = {
        "desk_address": DESK,
        "desk_name": "Trustdesk 客服",
        "to": "ana@example.co.id",
        "to_name": "Ana Susanti",
        "subject": "Re: Re: 提现没到账 [#TD-7K2M9Q]",
        "ticket_ref": "TD-7K2M9Q",
        "body": "您好，您的提现已到账。\nPenarikan Anda sudah masuk.\n",
        "in_reply_to": "<c2@example.co.id>",
        "references": ["<c1@example.co.id>", "<d1@trustdesk.example>"],
        "bot": True,
        "now": NOW,
    }
    given.update(changes)
    return compose_reply(**given)


def test_reply_arrives_with_exact_headers(listen: Listen) -> None:
    recorder = Recorder()
    listener = listen(recorder)
    message = reply()
    send_mail(message, SmtpConfig("127.0.0.1", listener.port, security="none"))
    [(raw, sender, recipients)] = recorder.calls
    assert (sender, recipients) == (DESK, ["ana@example.co.id"])
    stdlib = message_from_bytes(raw, policy=policy.default)
    assert stdlib["Subject"] == "Re: 提现没到账 [#TD-7K2M9Q]"
    assert stdlib["From"] == "Trustdesk 客服 <support@trustdesk.example>"
    assert stdlib["To"] == "Ana Susanti <ana@example.co.id>"
    assert stdlib["Date"] == "Sun, 01 Mar 2026 12:00:00 +0000"
    assert stdlib["Message-ID"] == message["Message-ID"]
    assert stdlib["In-Reply-To"] == "<c2@example.co.id>"
    assert stdlib["References"] == "<c1@example.co.id> <d1@trustdesk.example> <c2@example.co.id>"
    assert stdlib["Auto-Submitted"] == "auto-replied"
    assert stdlib.get_content_type() == "text/plain"
    assert stdlib.get_content_charset() == "utf-8"
    ours = parse_mail(raw, max_bytes=1 << 20)
    assert ours.message_id == message["Message-ID"]
    assert ours.message_id.endswith("@trustdesk.example>")
    assert ours.subject == "Re: 提现没到账 [#TD-7K2M9Q]"
    assert ours.ticket_ref == "TD-7K2M9Q"
    assert (ours.from_address, ours.from_name) == (DESK, "Trustdesk 客服")
    assert ours.to == ("ana@example.co.id",)
    assert ours.in_reply_to == "<c2@example.co.id>"
    assert ours.references == ("<c1@example.co.id>", "<d1@trustdesk.example>", "<c2@example.co.id>")
    assert ours.date == NOW
    assert ours.text == "您好，您的提现已到账。\nPenarikan Anda sudah masuk."
    assert ours.automated and (ours.charset_notes, ours.defects) == ((), ())


def test_the_customers_next_reply_threads_back(listen: Listen) -> None:
    """Our reply, answered by the customer: the ticket token and the ids come back."""
    recorder = Recorder()
    listener = listen(recorder)
    ours = reply(bot=False)
    send_mail(ours, SmtpConfig("127.0.0.1", listener.port, security="none"))
    answer = compose_reply(
        desk_address="ana@example.co.id",
        to=DESK,
        subject=str(ours["Subject"]),
        ticket_ref="TD-7K2M9Q",
        body="谢谢!",
        in_reply_to=str(ours["Message-ID"]),
        references=str(ours["References"]).split(),
    )
    parsed = parse_mail(answer.as_bytes(), max_bytes=1 << 20)
    assert parsed.subject == "Re: 提现没到账 [#TD-7K2M9Q]"
    assert parsed.in_reply_to == ours["Message-ID"]
    assert parsed.references[-1] == ours["Message-ID"]
    assert not parsed.automated


class _Relay:
    """A relay needing STARTTLS and AUTH that refuses one recipient domain."""

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if address.endswith("@refused.example"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        self.received = envelope.original_content
        return "250 OK"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.password == b"relay-pass"
        return AuthResult(success=ok, handled=False)


@pytest.fixture
def relay(tmp_path: Path) -> Iterator[tuple[_Relay, int, ssl.SSLContext]]:
    cert, key = self_signed_certificate(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    handler, port = _Relay(), free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        server_hostname="relay.test",
        tls_context=server_tls,
        require_starttls=True,
        authenticator=handler.authenticate,
        auth_required=True,
    )
    controller.start()
    try:
        yield handler, port, ssl.create_default_context(cafile=str(cert))
    finally:
        controller.stop()


def test_starttls_and_login(relay: tuple[_Relay, int, ssl.SSLContext]) -> None:
    handler, port, client_tls = relay
    config = SmtpConfig("127.0.0.1", port, "starttls", "desk", "relay-pass", ssl_context=client_tls)
    message = reply()
    send_mail(message, config)
    assert (
        parse_mail(handler.received or b"", max_bytes=1 << 20).message_id == message["Message-ID"]
    )


def test_refusals_become_clear_errors(relay: tuple[_Relay, int, ssl.SSLContext]) -> None:
    _, port, client_tls = relay
    good = SmtpConfig("127.0.0.1", port, "starttls", "desk", "relay-pass", ssl_context=client_tls)
    with pytest.raises(MailSendError, match="refused the recipient"):
        send_mail(reply(to="x@refused.example"), good)
    with pytest.raises(MailSendError, match="refused our login") as caught:
        send_mail(
            reply(), SmtpConfig("127.0.0.1", port, "starttls", "desk", "no", ssl_context=client_tls)
        )
    assert caught.value.smtp_code == 535
    with pytest.raises(MailSendError, match="TLS handshake"):
        send_mail(reply(), SmtpConfig("127.0.0.1", port, "starttls", "desk", "relay-pass"))
    with pytest.raises(MailSendError, match="could not be reached"):
        send_mail(reply(), SmtpConfig("127.0.0.1", free_port(), "none"))


def test_smtp_config_from_settings() -> None:
    assert SmtpConfig.from_settings(Settings()) is None
    config = SmtpConfig.from_settings(
        Settings(
            smtp_host="relay.example.com",
            smtp_port=587,
            smtp_security="starttls",
            smtp_username="desk",
            smtp_password=SecretStr("pw"),
        )
    )
    assert config == SmtpConfig("relay.example.com", 587, "starttls", "desk", "pw")
    assert "pw" not in repr(config)
