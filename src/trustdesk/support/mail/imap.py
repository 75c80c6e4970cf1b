"""Polling an IMAP mailbox (stdlib imaplib): unseen mail → ``accept`` → \\Seen.

Messages are fetched with BODY.PEEK[] (fetching does not mark them read) and flagged
\\Seen only after ``accept`` returned, so a crash or a failing ``accept`` leaves them
unseen and the next poll delivers them again; the intake is idempotent on Message-ID.
"""

from __future__ import annotations

import base64
import imaplib
import ssl
import threading
from dataclasses import dataclass, field
from typing import Literal

import structlog

from trustdesk.core.errors import DomainError
from trustdesk.settings import Settings
from trustdesk.support.mail.intake import Accept

log = structlog.get_logger("trustdesk.mail")

Security = Literal["tls", "starttls", "none"]


class ImapError(DomainError):
    code = "mail.imap_failed"
    status = 502
    title = "Mailbox unavailable"


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    security: Security = "tls"
    folder: str = "INBOX"
    poll_seconds: float = 60.0
    timeout: float = 30.0
    batch: int = 100  # messages per poll; a full batch polls again at once
    ssl_context: ssl.SSLContext | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> ImapConfig | None:
        """None when no IMAP host is set; an error when the host lacks a login."""
        if not settings.imap_host:
            return None
        if not settings.imap_user or settings.imap_password is None:
            raise ImapError("set TRUSTDESK_IMAP_USER and TRUSTDESK_IMAP_PASSWORD for IMAP")
        security = settings.imap_security
        return cls(
            host=settings.imap_host,
            port=settings.imap_port or (993 if security == "tls" else 143),
            user=settings.imap_user,
            password=settings.imap_password.get_secret_value(),
            security=security,
            folder=settings.imap_folder,
            poll_seconds=settings.imap_poll_seconds,
        )


@dataclass(frozen=True)
class PollResult:
    found: int  # unseen messages in the folder
    accepted: int  # handed to accept and flagged \Seen
    failed: int  # left unseen for the next poll

    @property
    def more(self) -> bool:
        return self.found > self.accepted + self.failed


class ImapPoller:
    def __init__(self, config: ImapConfig, accept: Accept) -> None:
        self.config = config
        self.accept = accept

    def poll_once(self) -> PollResult:
        try:
            with self._connect() as conn:
                self._open(conn)
                uids = self._unseen(conn)
                accepted = sum(self._take(conn, uid) for uid in uids[: self.config.batch])
                failed = min(len(uids), self.config.batch) - accepted
                return PollResult(found=len(uids), accepted=accepted, failed=failed)
        except ImapError:
            raise
        except ssl.SSLError as exc:  # before OSError, which it extends
            raise ImapError("the TLS handshake with the IMAP server failed") from exc
        except (imaplib.IMAP4.error, OSError) as exc:
            raise ImapError(f"the IMAP conversation failed ({type(exc).__name__})") from exc

    def run(self, stop: threading.Event) -> None:
        """Poll until ``stop`` is set; an unreachable server is retried next round."""
        while not stop.is_set():
            try:
                result = self.poll_once()
            except ImapError as exc:
                log.warning("mail.imap_poll_failed", error=exc.message)
                result = PollResult(0, 0, 0)
            if result.found:
                log.info("mail.imap_polled", found=result.found, accepted=result.accepted)
            if not result.more:
                stop.wait(self.config.poll_seconds)

    def _connect(self) -> imaplib.IMAP4:
        c = self.config
        context = c.ssl_context or ssl.create_default_context()
        if c.security == "tls":
            return imaplib.IMAP4_SSL(c.host, c.port, ssl_context=context, timeout=c.timeout)
        conn = imaplib.IMAP4(c.host, c.port, timeout=c.timeout)
        if c.security == "starttls":
            conn.starttls(ssl_context=context)
        return conn

    def _open(self, conn: imaplib.IMAP4) -> None:
        try:
            conn.login(self.config.user, self.config.password)
        except imaplib.IMAP4.error as exc:
            raise ImapError("the IMAP server refused our login") from exc
        status, _ = conn.select(mailbox_name(self.config.folder))
        if status != "OK":
            raise ImapError(f"the IMAP folder {self.config.folder!r} cannot be opened")

    def _unseen(self, conn: imaplib.IMAP4) -> list[bytes]:
        status, data = conn.uid("SEARCH", "UNSEEN")
        if status != "OK":
            raise ImapError("the IMAP server refused the search for unseen mail")
        return [uid for chunk in data if isinstance(chunk, bytes) for uid in chunk.split()]

    def _take(self, conn: imaplib.IMAP4, uid: bytes) -> bool:
        """Fetch, accept, flag \\Seen. False (the mail stays unseen) when any step fails."""
        key = uid.decode("ascii")
        status, data = conn.uid("FETCH", key, "(BODY.PEEK[])")
        raw = next((part[1] for part in data if isinstance(part, tuple)), None)
        if status != "OK" or not isinstance(raw, bytes):
            log.warning("mail.imap_fetch_failed", uid=key)
            return False
        try:
            self.accept(raw, "", [])
        except Exception as exc:  # noqa: BLE001 - left unseen, retried next poll
            log.error("mail.imap_accept_failed", uid=key, error=type(exc).__name__)
            return False
        status, _ = conn.uid("STORE", key, "+FLAGS.SILENT", "(\\Seen)")
        if status != "OK":  # delivered; the next poll re-delivers and intake dedupes it
            log.warning("mail.imap_flag_failed", uid=key)
        return True


def mailbox_name(folder: str) -> str:
    """A folder name as IMAP wants it: modified UTF-7 (RFC 3501 §5.1.3), quoted."""
    encoded: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            data = "".join(pending).encode("utf-16-be")
            encoded.append(
                "&" + base64.b64encode(data).decode().rstrip("=").replace("/", ",") + "-"
            )
            pending.clear()

    for ch in folder:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            encoded.append("&-" if ch == "&" else ch)
        else:
            pending.append(ch)
    flush()
    text = "".join(encoded).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'
