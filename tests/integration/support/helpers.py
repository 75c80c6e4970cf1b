"""Shared by the support storage, API and CLI tests: a container with a hand-moved clock
and its own attachment directory, inbound messages, row counts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import text

from trustdesk.auth.apikeys import create_api_key
from trustdesk.bootstrap import Container, build_container
from trustdesk.core.clock import FixedClock
from trustdesk.settings import Settings
from trustdesk.support.model import InboundAttachment, InboundMessage
from trustdesk.support.service import SupportDesk
from trustdesk.web.app import create_app

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
T = TypeVar("T")
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(17)
MAX_BODY_BYTES = 256 * 1024
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def make_container(database_url: str, tmp_path: Path, **settings: Any) -> Container:
    config = Settings(
        database_url=database_url, attachments_dir=tmp_path / "attachments", **settings
    )
    return build_container(config, clock=FixedClock(T0))


def clock_of(container: Container) -> FixedClock:
    clock = container.clock
    assert isinstance(clock, FixedClock)
    return clock


def write(container: Container, work: Callable[[SupportDesk], T], actor: str = "agent-test") -> T:
    with container.session() as session:
        return work(container.support(session, actor))


def read(container: Container, work: Callable[[SupportDesk], T]) -> T:
    with container.reading() as session:
        return work(container.support(session, "agent-test"))


def inbound(**overrides: Any) -> InboundMessage:
    """An e-mail from an unknown sender unless told otherwise."""
    fields: dict[str, Any] = {
        "channel": "email",
        "external_id": "<m1@mail.example.com>",
        "sender_kind": "email",
        "sender": "Ana.Putri@Example.COM",
        "sender_name": "Ana Putri",
        "subject": "Withdrawal stuck",
        "body": "My USDT withdrawal has been pending for 3 hours.",
        "received_at": T0,
        "language": "en",
    }
    fields.update(overrides)
    return InboundMessage(**fields)


def attachment(name: str, data: bytes, content_type: str = "application/octet-stream") -> Any:
    return InboundAttachment(name, content_type, data)


def count(container: Container, table: str, where: str = "", **params: Any) -> int:
    query = f"SELECT count(*) FROM {table}" + (f" WHERE {where}" if where else "")
    with container.reading() as session:
        return int(session.execute(text(query), params).scalar_one())


def audit(container: Container) -> list[tuple[str, str, dict[str, Any]]]:
    """(action, subject, payload) of every audit entry, in order."""
    with container.reading() as session:
        log = container.audit_log(session)
        return [(e.action, e.subject, e.payload) for e in log.iter_entries()]


@contextmanager
def support_api(database_url: str, tmp_path: Path) -> Iterator[SupportApi]:
    """The app over a container of its own (attachments in ``tmp_path``, a body limit that
    lets files through), with one key for each support scope."""
    from tests.api.conftest import TestClient

    container = make_container(database_url, tmp_path, max_request_bytes=MAX_BODY_BYTES)
    now = container.clock.now()
    with container.session() as session:
        keys = {
            scope: create_api_key(session, scope, frozenset({scope}), now)
            for scope in ("support:read", "support:write", "support:chat", "assess")
        }
    try:
        with TestClient(create_app(container)) as client:
            yield SupportApi(client, container, keys)
    finally:
        container.close()


@dataclass
class SupportApi:
    client: Any
    container: Container
    keys: dict[str, str]

    def headers(self, scope: str = "support:write") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[scope]}"}

    def get(self, path: str, scope: str = "support:read", **params: Any) -> Any:
        return self.client.get(path, headers=self.headers(scope), params=params)

    def post(self, path: str, body: Any = None, scope: str = "support:write") -> Any:
        return self.client.post(path, json=body, headers=self.headers(scope))

    def put(self, path: str, body: Any = None, scope: str = "support:write") -> Any:
        return self.client.put(path, json=body, headers=self.headers(scope))
