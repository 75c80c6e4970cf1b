"""The SMTP listener against real SMTP clients (smtplib) on loopback."""

from __future__ import annotations

import smtplib
import socket
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.integration.support_mail.conftest import LIMIT, PEPPER, Listen, Recorder, free_port
from trustdesk.audit.store import SqlAuditLog
from trustdesk.core.errors import InvalidInput
from trustdesk.settings import Settings
from trustdesk.support.mail.intake import MailIntake
from trustdesk.support.mail.listener import ListenError, MailListener, start_mail_listener
from trustdesk.support.mail.parse import ParsedMail
from trustdesk.support.mail.store import Quarantine

SENDER = "ana@example.co.id"
DESK = "support@trustdesk.example"


def message(n: int = 1, *, sender: bool = True) -> bytes:
    lines = [
        *([f"From: Ana <{SENDER}>"] if sender else []),
        f"To: {DESK}",
        f"Subject: withdrawal {n}",
        f"Message-ID: <m{n}@example.co.id>",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "提现没到账",
        ".a line that starts with a dot (dot-stuffed on the wire)",
        "",
    ]
    return "\r\n".join(lines).encode()


def send(port: int, raw: bytes, *, rcpt: str = DESK) -> tuple[int, bytes]:
    """MAIL, RCPT, DATA without a SIZE parameter; the server's answer to DATA."""
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo("client.test")
        assert client.mail(SENDER)[0] == 250
        assert client.rcpt(rcpt)[0] == 250
        return client.data(raw)


def test_accept_receives_exactly_the_bytes(listen: Listen) -> None:
    recorder = Recorder()
    listener = listen(recorder)
    raw = message()
    code, _ = send(listener.port, raw)
    assert code == 250
    assert recorder.calls == [(raw, SENDER, [DESK])]


def test_sendmail_with_several_recipients(listen: Listen) -> None:
    recorder = Recorder()
    listener = listen(recorder)
    raw = message()
    with smtplib.SMTP("127.0.0.1", listener.port, timeout=10) as client:
        refused = client.sendmail(SENDER, [DESK, "kefu@trustdesk.example"], raw)
    assert refused == {}
    assert recorder.calls == [(raw, SENDER, [DESK, "kefu@trustdesk.example"])]


def test_data_over_the_limit_gets_552_and_accept_is_not_called(listen: Listen) -> None:
    recorder = Recorder()
    listener = listen(recorder, max_bytes=64 * 1024)
    big = message() + b"x" * 998 + b"\r\n" + (b"y" * 998 + b"\r\n") * 80
    code, _ = send(listener.port, big)
    assert code == 552
    assert recorder.calls == []


def test_declared_size_over_the_limit_is_refused_at_mail_from(listen: Listen) -> None:
    recorder = Recorder()
    listener = listen(recorder, max_bytes=64 * 1024)
    big = message() + (b"y" * 998 + b"\r\n") * 80
    with (
        smtplib.SMTP("127.0.0.1", listener.port, timeout=10) as client,
        pytest.raises(smtplib.SMTPSenderRefused) as caught,
    ):
        client.sendmail(SENDER, [DESK], big)  # smtplib declares SIZE= as the server offers it
    assert caught.value.smtp_code == 552
    assert recorder.calls == []


def test_accept_that_raises_gets_451_so_the_sender_retries(listen: Listen) -> None:
    def broken(raw: bytes, sender: str, recipients: list[str]) -> None:
        raise RuntimeError("database down")

    listener = listen(broken)
    assert send(listener.port, message())[0] == 451


def failing_deliver(mail: ParsedMail, raw: bytes) -> None:
    raise RuntimeError("the support core is broken")


def refusing_deliver(mail: ParsedMail, raw: bytes) -> None:
    raise InvalidInput("the message is empty", field="body")


def test_failing_intake_is_quarantined_and_answered_250(
    listen: Listen, quarantine: Quarantine
) -> None:
    listener = listen(MailIntake(quarantine, failing_deliver, LIMIT))
    raw = message()
    assert send(listener.port, raw)[0] == 250
    [held] = quarantine.list()
    assert (held.reason_code, held.reason, held.source) == ("intake_failed", "RuntimeError", "smtp")
    assert (held.envelope_sender, held.envelope_recipients) == (SENDER, (DESK,))
    assert (held.size, quarantine.show(held.id).raw) == (len(raw), raw)
    with quarantine.uow.read() as session:
        [entry] = list(SqlAuditLog(session, PEPPER, quarantine.clock).iter_entries())
    assert (entry.action, entry.subject, entry.actor) == (
        "mail.quarantined",
        f"mail:{held.id}",
        "system",
    )
    assert entry.payload == {"reason_code": "intake_failed", "source": "smtp"}


def test_refused_and_unparseable_mail_is_quarantined_with_its_reason(
    listen: Listen, quarantine: Quarantine
) -> None:
    listener = listen(MailIntake(quarantine, refusing_deliver, LIMIT))
    assert send(listener.port, message(1))[0] == 250
    assert send(listener.port, message(2, sender=False))[0] == 250
    reasons = sorted((m.reason_code, m.reason) for m in quarantine.list())
    assert reasons == [
        ("intake_refused", "input.invalid: the message is empty"),
        ("no_from", "the message has no From header"),
    ]


def test_twenty_concurrent_messages_all_arrive(listen: Listen) -> None:
    recorder = Recorder()
    listener = listen(recorder)
    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(lambda n: send(listener.port, message(n))[0], range(20)))
    assert codes == [250] * 20
    assert sorted(raw for raw, _, _ in recorder.calls) == sorted(message(n) for n in range(20))


def test_twenty_concurrent_quarantine_writes(listen: Listen, quarantine: Quarantine) -> None:
    listener = listen(MailIntake(quarantine, failing_deliver, LIMIT))
    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(lambda n: send(listener.port, message(n))[0], range(20)))
    assert codes == [250] * 20
    held = quarantine.list()
    assert sorted(quarantine.show(m.id).raw or b"" for m in held) == sorted(
        message(n) for n in range(20)
    )
    with quarantine.uow.read() as session:
        log = SqlAuditLog(session, PEPPER, quarantine.clock)
        assert log.count() == 20


def test_start_mail_listener_from_settings() -> None:
    assert start_mail_listener(Settings(), Recorder()) is None
    port = free_port()
    recorder = Recorder()
    listener = start_mail_listener(
        Settings(smtp_listen=f"127.0.0.1:{port}", mail_max_bytes=4096), recorder
    )
    assert listener is not None
    try:
        assert (listener.host, listener.port, listener.max_bytes) == ("127.0.0.1", port, 4096)
        assert send(port, message())[0] == 250
        assert send(port, message() + (b"z" * 998 + b"\r\n") * 5)[0] == 552
    finally:
        listener.stop()
    assert len(recorder.calls) == 1


def test_a_taken_port_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ListenError, match=f"cannot listen for SMTP on 127.0.0.1:{port}: "):
            MailListener("127.0.0.1", port, Recorder(), LIMIT, ready_timeout=0.5).start()
