"""Shared parts for the mail integration tests: the quarantine on both databases, free
ports, and a recording ``accept``."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command

from tests.integration.cli.helpers import Cli
from tests.integration.db.fresh import fresh_database
from trustdesk.audit.store import SqlAuditLog
from trustdesk.bootstrap import Container, build_container
from trustdesk.core.clock import FixedClock
from trustdesk.db.base import load_all_models
from trustdesk.db.engine import UnitOfWork, make_engine
from trustdesk.db.migrate import alembic_config
from trustdesk.settings import Settings
from trustdesk.support.mail.intake import Accept
from trustdesk.support.mail.listener import MailListener
from trustdesk.support.mail.store import Quarantine

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
PEPPER = b"mail-tests-pepper-0123456789"
LIMIT = 1024 * 1024


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Recorder:
    """An ``accept`` that keeps what it was given (thread-safe: the listener runs it in
    worker threads)."""

    calls: list[tuple[bytes, str, list[str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, raw: bytes, sender: str, recipients: list[str]) -> None:
        with self.lock:
            self.calls.append((raw, sender, recipients))


@pytest.fixture
def quarantine(uow: UnitOfWork) -> Quarantine:
    clock = FixedClock(T0)
    return Quarantine(uow, lambda session: SqlAuditLog(session, PEPPER, clock), clock)


Listen = Callable[..., MailListener]


@pytest.fixture
def listen() -> Iterator[Listen]:
    """``listen(accept, max_bytes=LIMIT)``: a started listener on a free loopback port;
    every one is stopped after the test."""
    started: list[MailListener] = []

    def start(accept: Accept, max_bytes: int = LIMIT) -> MailListener:
        listener = MailListener("127.0.0.1", free_port(), accept, max_bytes).start()
        started.append(listener)
        return listener

    yield start
    for listener in started:
        listener.stop()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def _cli_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database with the current models' schema, stamped at the migration head so the
    command accepts it (the mail tables have no migration of their own yet)."""
    with fresh_database(request.param, tmp_path_factory.mktemp("mail-cli"), request) as url:
        engine = make_engine(url)
        try:
            load_all_models().create_all(engine)
            command.stamp(alembic_config(engine), "heads")
        finally:
            engine.dispose()
        yield url


@pytest.fixture
def cli(_cli_database: str, tmp_path: Path) -> Iterator[Cli]:
    """The trustdesk command on an emptied database; attachments go to a temporary folder."""
    runner = Cli(
        _cli_database,
        {"TRUSTDESK_ATTACHMENTS_DIR": str(tmp_path / "attachments")},
        make_engine(_cli_database),
    )
    with runner.engine.begin() as conn:
        for table in reversed(load_all_models().sorted_tables):
            conn.execute(table.delete())
    yield runner
    runner.engine.dispose()


@pytest.fixture
def cli_container(cli: Cli, tmp_path: Path) -> Iterator[Container]:
    """A container on the command's database, to set up and inspect what the command did."""
    settings = Settings(database_url=cli.url, attachments_dir=tmp_path / "attachments")
    built = build_container(settings, clock=FixedClock(T0))
    try:
        yield built
    finally:
        built.close()
