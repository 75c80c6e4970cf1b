"""IMAP polling against a real dovecot (see dovecot.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from tests.conftest import need
from tests.integration.cli.helpers import Cli
from tests.integration.support_mail.conftest import LIMIT, Recorder, free_port
from tests.integration.support_mail.dovecot import DOVECOT, PASSWORD, USER, Dovecot, running_dovecot
from tests.unit.support_mail.corpus import GBK_MAIL
from trustdesk.settings import Settings
from trustdesk.support.mail.imap import ImapConfig, ImapError, ImapPoller, PollResult, mailbox_name
from trustdesk.support.mail.intake import MailIntake
from trustdesk.support.mail.parse import ParsedMail
from trustdesk.support.mail.store import Quarantine


@pytest.fixture(scope="module")
def server() -> Iterator[Dovecot]:
    need(os.path.exists(DOVECOT), "dovecot is not installed (apt-get install dovecot-imapd)")
    with running_dovecot() as started:
        yield started


@pytest.fixture
def dovecot(server: Dovecot) -> Dovecot:
    server.clear()
    return server


def config(d: Dovecot, **changes: object) -> ImapConfig:
    given: dict[str, object] = {
        "host": "127.0.0.1",
        "port": d.port,
        "user": USER,
        "password": PASSWORD,
        "security": "none",
    }
    given.update(changes)
    return ImapConfig(**given)  # type: ignore[arg-type]


def raw(n: int, subject: str = "withdrawal") -> bytes:
    return (
        f"From: Ana <ana@example.co.id>\r\nSubject: {subject} {n}\r\n"
        f"Message-ID: <imap-{n}@example.co.id>\r\nContent-Type: text/plain; charset=utf-8\r\n"
        f"\r\n提现没到账 {n}\r\n"
    ).encode()


def test_poll_delivers_unseen_mail_once_and_marks_it_seen(dovecot: Dovecot) -> None:
    for n in range(3):
        dovecot.append(raw(n))
    dovecot.append(raw(99), seen=True)  # read by a person already: not ours to take
    recorder = Recorder()
    poller = ImapPoller(config(dovecot), recorder)
    assert poller.poll_once() == PollResult(found=3, accepted=3, failed=0)
    assert recorder.calls == [(raw(n), "", []) for n in range(3)]
    assert dovecot.flags() == [(raw(0), True), (raw(1), True), (raw(2), True), (raw(99), True)]
    assert poller.poll_once() == PollResult(found=0, accepted=0, failed=0)
    assert len(recorder.calls) == 3


def test_failing_accept_leaves_the_mail_unseen_for_the_next_poll(dovecot: Dovecot) -> None:
    dovecot.append(raw(1))
    dovecot.append(raw(2, subject="boom"))
    dovecot.append(raw(3))
    taken: list[bytes] = []
    broken = True

    def accept(data: bytes, sender: str, recipients: list[str]) -> None:
        if broken and b"boom" in data:
            raise RuntimeError("database down")
        taken.append(data)

    poller = ImapPoller(config(dovecot), accept)
    assert poller.poll_once() == PollResult(found=3, accepted=2, failed=1)
    assert dovecot.flags() == [(raw(1), True), (raw(2, "boom"), False), (raw(3), True)]
    broken = False
    assert poller.poll_once() == PollResult(found=1, accepted=1, failed=0)
    assert taken == [raw(1), raw(3), raw(2, "boom")]
    assert all(seen for _, seen in dovecot.flags())


def test_batches(dovecot: Dovecot) -> None:
    for n in range(3):
        dovecot.append(raw(n))
    recorder = Recorder()
    poller = ImapPoller(config(dovecot, batch=2), recorder)
    first = poller.poll_once()
    assert (first, first.more) == (PollResult(found=3, accepted=2, failed=0), True)
    assert poller.poll_once() == PollResult(found=1, accepted=1, failed=0)
    assert [r for r, _, _ in recorder.calls] == [raw(0), raw(1), raw(2)]


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_tls_and_starttls(dovecot: Dovecot, security: str) -> None:
    dovecot.append(raw(1))
    port = dovecot.tls_port if security == "tls" else dovecot.port
    recorder = Recorder()
    given = config(dovecot, security=security, port=port, ssl_context=dovecot.tls_context())
    assert ImapPoller(given, recorder).poll_once() == PollResult(1, 1, 0)
    assert recorder.calls == [(raw(1), "", [])]


def test_an_untrusted_certificate_is_refused(dovecot: Dovecot) -> None:
    poller = ImapPoller(config(dovecot, security="tls", port=dovecot.tls_port), Recorder())
    with pytest.raises(ImapError, match="TLS handshake"):
        poller.poll_once()


def test_folder_with_a_non_ascii_name(dovecot: Dovecot) -> None:
    folder = "工单 客服"
    with dovecot.client() as conn:
        assert conn.create(mailbox_name(folder))[0] == "OK"
    try:
        dovecot.append(raw(1), folder=mailbox_name(folder))
        recorder = Recorder()
        assert ImapPoller(config(dovecot, folder=folder), recorder).poll_once() == PollResult(
            1, 1, 0
        )
        assert recorder.calls == [(raw(1), "", [])]
    finally:
        with dovecot.client() as conn:
            conn.delete(mailbox_name(folder))


def test_errors_are_clear(dovecot: Dovecot) -> None:
    with pytest.raises(ImapError, match="'Nope' cannot be opened"):
        ImapPoller(config(dovecot, folder="Nope"), Recorder()).poll_once()
    with pytest.raises(ImapError, match="conversation failed"):
        ImapPoller(config(dovecot, port=free_port()), Recorder()).poll_once()


def test_intake_quarantines_what_it_cannot_deliver(
    dovecot: Dovecot, quarantine: Quarantine
) -> None:
    dovecot.append(raw(1))
    dovecot.append(b"Subject: no sender\r\n\r\nx\r\n")

    def deliver(mail: ParsedMail, data: bytes) -> None:
        raise RuntimeError("support core down")

    intake = MailIntake(quarantine, deliver, LIMIT, source="imap")
    assert ImapPoller(config(dovecot), intake).poll_once() == PollResult(2, 2, 0)
    held = sorted((m.reason_code, m.source, m.envelope_sender) for m in quarantine.list())
    assert held == [("intake_failed", "imap", ""), ("no_from", "imap", "")]
    assert all(seen for _, seen in dovecot.flags())


def test_config_from_settings() -> None:
    assert ImapConfig.from_settings(Settings()) is None
    with pytest.raises(ImapError, match="TRUSTDESK_IMAP_USER"):
        ImapConfig.from_settings(Settings(imap_host="imap.example.com"))
    given = ImapConfig.from_settings(
        Settings(imap_host="imap.example.com", imap_user="desk", imap_password=SecretStr("pw"))
    )
    assert given is not None
    assert (given.port, given.security, given.folder, given.poll_seconds) == (
        993,
        "tls",
        "INBOX",
        60,
    )
    starttls = ImapConfig.from_settings(
        Settings(
            imap_host="imap.example.com",
            imap_user="desk",
            imap_password=SecretStr("pw"),
            imap_security="starttls",
            imap_folder="Support",
            imap_poll_seconds=15,
        )
    )
    assert starttls is not None and (starttls.port, starttls.folder) == (143, "Support")
    assert "pw" not in repr(starttls)


def test_mailbox_name_is_modified_utf7() -> None:
    # RFC 3501 §5.1.3's own example.
    assert mailbox_name("~peter/mail/台北/日本語") == '"~peter/mail/&U,BTFw-/&ZeVnLIqe-"'
    assert mailbox_name("INBOX") == '"INBOX"'
    assert mailbox_name('A&B "q"') == '"A&-B \\"q\\""'


def test_cli_poll_once(dovecot: Dovecot, cli: Cli) -> None:
    dovecot.append(GBK_MAIL)
    dovecot.append(b"Subject: no sender\r\n\r\nx\r\n")
    env = {
        "TRUSTDESK_IMAP_HOST": "127.0.0.1",
        "TRUSTDESK_IMAP_PORT": str(dovecot.port),
        "TRUSTDESK_IMAP_USER": USER,
        "TRUSTDESK_IMAP_PASSWORD": PASSWORD,
        "TRUSTDESK_IMAP_SECURITY": "none",
    }
    result = cli("mail", "poll", "--once", **env)
    assert result.exit_code == 0, result.output
    # The last line is the summary; log lines (one per quarantined mail) come before it.
    assert result.stdout.strip().splitlines()[-1] == "2 unseen, 2 taken in, 0 left unseen"
    assert (cli.count("support_tickets"), cli.count("mail_quarantine")) == (1, 1)
    assert all(seen for _, seen in dovecot.flags())
    again = cli("mail", "poll", "--once", **env)
    assert again.stdout.strip().splitlines()[-1] == "0 unseen, 0 taken in, 0 left unseen"
    failing = cli("mail", "poll", "--once", **(env | {"TRUSTDESK_IMAP_FOLDER": "Nope"}))
    assert failing.exit_code == 2
    assert "the IMAP folder 'Nope' cannot be opened [mail.imap_failed]" in failing.output


def test_wrong_password(dovecot: Dovecot) -> None:
    # Last of the server's tests: dovecot delays the next login from this address by seconds.
    with pytest.raises(ImapError, match="refused our login"):
        ImapPoller(config(dovecot, password="wrong"), Recorder()).poll_once()
