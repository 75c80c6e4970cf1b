"""Real SMTP servers for the channel tests: a sink that records what it is sent (and can be
told to refuse), and free ports."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from tests.integration.support.helpers import make_container
from trustdesk.bootstrap import Container


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def mail(self) -> EmailMessage:
        parsed = message_from_bytes(self.raw, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Sink:
    """An aiosmtpd relay on a loopback port; ``answer`` is what DATA gets (250 keeps the mail)."""

    port: int = field(default_factory=free_port)
    answer: str = "250 2.0.0 OK"
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    controller: Controller | None = None

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if self.answer.startswith("250"):
            with self.lock:
                self.received.append(
                    Received(
                        envelope.mail_from or "",
                        list(envelope.rcpt_tos),
                        envelope.original_content or b"",
                    )
                )
        return self.answer

    def start(self) -> Sink:
        self.controller = Controller(
            self, hostname="127.0.0.1", port=self.port, server_hostname="sink.test"
        )
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def sink() -> Iterator[Sink]:
    running = Sink().start()
    yield running
    running.stop()


@pytest.fixture
def container(database_url: str, tmp_path: Path, sink: Sink) -> Iterator[Container]:
    built = make_container(
        database_url,
        tmp_path,
        smtp_host="127.0.0.1",
        smtp_port=sink.port,
        smtp_from="codes@trustdesk.example",
        mail_desk_address="support@trustdesk.example",
        max_request_bytes=256 * 1024,
    )
    try:
        yield built
    finally:
        built.close()


def smtp_settings(sink: Sink) -> dict[str, Any]:
    return {"smtp_host": "127.0.0.1", "smtp_port": sink.port}
