"""The inbound SMTP listener (aiosmtpd): each message's raw bytes go to ``accept``.

aiosmtpd enforces the size limit itself: an over-size MAIL FROM (SIZE=) or DATA gets 552,
so the sending server keeps the message and tells its sender; nothing is lost. ``accept``
runs in a worker thread (it writes to the database) and, by its contract (see
``intake.MailIntake``), delivers or quarantines before it returns: then the reply is 250.
If it raises even so, the reply is 451 and the sending server retries later.
"""

from __future__ import annotations

import asyncio
import socket
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import structlog
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from trustdesk.core.errors import DomainError
from trustdesk.settings import Settings
from trustdesk.support.mail.endpoint import parse_host_port
from trustdesk.support.mail.intake import Accept

log = structlog.get_logger("trustdesk.mail")

ACCEPTED = "250 2.0.0 Message accepted"
TRY_LATER = "451 4.3.0 Message not accepted now; please try again later"


class ListenError(DomainError):
    code = "mail.listen_failed"
    status = 500
    title = "Cannot listen for mail"


class _Handler:
    def __init__(self, accept: Accept, workers: ThreadPoolExecutor) -> None:
        self.accept = accept
        self.workers = workers

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        raw = envelope.original_content or b""
        sender = envelope.mail_from or ""
        recipients = list(envelope.rcpt_tos)
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self.workers, self.accept, raw, sender, recipients)
        except Exception as exc:  # noqa: BLE001 - answer 451 so the sender retries
            log.error("mail.smtp_accept_failed", error=type(exc).__name__, size=len(raw))
            return TRY_LATER
        return ACCEPTED


class MailListener:
    """An SMTP server on ``host:port`` in a thread of its own; ``start()`` / ``stop()``."""

    def __init__(
        self,
        host: str,
        port: int,
        accept: Accept,
        max_bytes: int,
        *,
        server_hostname: str | None = None,
        workers: int = 4,
        ready_timeout: float = 5.0,
    ) -> None:
        self.host, self.port = host, port
        self.max_bytes = max_bytes
        self._workers = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="smtp-accept")
        options: dict[str, Any] = {
            "data_size_limit": max_bytes,
            "enable_SMTPUTF8": True,
            "decode_data": False,
        }
        self._controller = Controller(
            _Handler(accept, self._workers),
            hostname=host,
            port=port,
            # aiosmtpd's default, getfqdn(), can wait seconds on DNS.
            server_hostname=server_hostname or socket.gethostname(),
            ready_timeout=ready_timeout,
            **options,
        )
        self._running = False

    def start(self) -> MailListener:
        try:
            self._controller.start()
        except OSError as exc:  # the port is taken, the address is not ours, …
            self._workers.shutdown(wait=False)
            if not self._controller.loop.is_running():
                self._controller.loop.close()
            reason = exc.strerror or type(exc).__name__
            raise ListenError(
                f"cannot listen for SMTP on {self.host}:{self.port}: {reason}"
            ) from exc
        self._running = True
        log.info("mail.smtp_listening", host=self.host, port=self.port, max_bytes=self.max_bytes)
        return self

    def stop(self) -> None:
        if self._running:
            self._controller.stop()
            self._running = False
        self._workers.shutdown(wait=True)

    def __enter__(self) -> MailListener:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_mail_listener(settings: Settings, accept: Accept) -> MailListener | None:
    """The listener ``trustdesk serve`` runs when TRUSTDESK_SMTP_LISTEN is set, else None."""
    if not settings.smtp_listen:
        return None
    host, port = parse_host_port(settings.smtp_listen)
    return MailListener(host, port, accept, settings.mail_max_bytes).start()
