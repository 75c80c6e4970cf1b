"""`trustdesk serve` as a real process for the channel tests: started on a fresh database
with an SMTP listener and an outbound relay (a Sink), GBK mail to send it, and a poll."""

from __future__ import annotations

import os
import signal
import smtplib
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.header import Header
from email.mime.text import MIMEText
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from alembic import command

from tests.integration.db.fresh import fresh_database
from tests.integration.support_channels.conftest import Sink, free_port
from trustdesk.auth.apikeys import create_api_key
from trustdesk.bootstrap import build_container
from trustdesk.db.base import load_all_models
from trustdesk.db.engine import make_engine
from trustdesk.db.migrate import alembic_config
from trustdesk.settings import Settings

TRUSTDESK = str(Path(sys.executable).parent / "trustdesk")
DESK = "support@trustdesk.example"
T = TypeVar("T")


@contextmanager
def schema_database(
    backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[str]:
    """The current models' schema, stamped at the migration head so `serve` accepts it."""
    with fresh_database(backend, tmp_path_factory.mktemp("serve"), request) as url:
        engine = make_engine(url)
        try:
            load_all_models().create_all(engine)
            command.stamp(alembic_config(engine), "heads")
        finally:
            engine.dispose()
        yield url


@dataclass
class Served:
    proc: subprocess.Popen[bytes]
    base: str
    smtp_port: int
    key: str
    sink: Sink
    log: Path

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.key}"}
        return httpx.request(method, self.base + path, headers=headers, timeout=10, **kwargs)


def eventually(probe: Callable[[], T | None], seconds: float = 15.0) -> T:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s")


def environment(url: str, tmp: Path, **extra: str) -> dict[str, str]:
    return (
        os.environ
        | {
            "TRUSTDESK_DATABASE_URL": url,
            "TRUSTDESK_ATTACHMENTS_DIR": str(tmp / "attachments"),
            "TRUSTDESK_MAIL_DESK_ADDRESS": DESK,
            "TRUSTDESK_LOG_JSON": "true",
            "NO_COLOR": "1",
            "COLUMNS": "300",
        }
        | extra
    )


@contextmanager
def run_serve(database: str, tmp: Path, **extra: str) -> Iterator[Served]:
    """`trustdesk serve` with two workers, mail in on a free port and out to a Sink."""
    container = build_container(Settings(database_url=database))
    try:
        with container.session() as session:
            key = create_api_key(
                session, "serve-test", frozenset({"support:read", "support:write"}),
                container.clock.now(),
            )  # fmt: skip
    finally:
        container.close()
    sink = Sink().start()
    http_port, smtp_port = free_port(), free_port()
    env = environment(
        database,
        tmp,
        TRUSTDESK_SMTP_LISTEN=f"127.0.0.1:{smtp_port}",
        TRUSTDESK_SMTP_HOST="127.0.0.1",
        TRUSTDESK_SMTP_PORT=str(sink.port),
        TRUSTDESK_SMTP_FROM="codes@trustdesk.example",
        TRUSTDESK_MAIL_OUTBOX_POLL_SECONDS="0.2",
        **extra,
    )
    log = tmp / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [TRUSTDESK, "serve", "--port", str(http_port), "--workers", "2"],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    server = Served(proc, f"http://127.0.0.1:{http_port}", smtp_port, key, sink, log)
    try:
        eventually(lambda: _ready(server), 60)
        yield server
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        sink.stop()


def _ready(server: Served) -> bool:
    if server.proc.poll() is not None:
        raise AssertionError(f"serve exited: {server.log.read_text()[-3000:]}")
    try:
        up = httpx.get(server.base + "/healthz", timeout=1).status_code == 200
        with socket.create_connection(("127.0.0.1", server.smtp_port), timeout=1):
            return up
    except (httpx.HTTPError, OSError):
        return False


def gbk_mail(message_id: str, subject: str, body: str, **headers: str) -> bytes:
    mail = MIMEText(body, "plain", "gbk")
    mail["From"] = "Wang Fang <wang.fang@example.cn>"
    mail["To"] = DESK
    mail["Subject"] = Header(subject, "gbk")
    mail["Message-ID"] = message_id
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    return mail.as_bytes()


def send(port: int, raw: bytes) -> int:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
        client.ehlo("client.test")
        client.mail("wang.fang@example.cn")
        client.rcpt(DESK)
        return int(client.data(raw)[0])
