"""The REST API through FastAPI's TestClient, on SQLite and PostgreSQL."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text
from starlette.exceptions import StarletteDeprecationWarning

from trustdesk.auth.apikeys import create_api_key
from trustdesk.bootstrap import Container, build_container
from trustdesk.core.clock import FixedClock
from trustdesk.settings import Settings
from trustdesk.web.app import create_app

with warnings.catch_warnings():
    # Starlette 1.x asks for the httpx2 fork; the installed httpx still drives the app fine.
    warnings.filterwarnings(
        "ignore",
        message="Using `httpx` with `starlette.testclient`",
        category=StarletteDeprecationWarning,
    )
    from starlette.testclient import TestClient

# EIP-55's own example address, correctly checksummed.
GOOD_EVM = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
MAX_BYTES = 4096


def body(**overrides: Any) -> dict[str, Any]:
    """A valid request; keyword arguments replace or add fields."""
    base: dict[str, Any] = {
        "account_id": "acct-1",
        "chain": "ethereum",
        "asset": "ETH",
        "amount": "0.25",
        "destination": GOOD_EVM,
    }
    base.update(overrides)
    return base


@dataclass
class Api:
    client: TestClient
    container: Container
    key: str

    def auth(self, key: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {key or self.key}"}

    def new_key(self, *scopes: str) -> str:
        with self.container.session() as session:
            return create_api_key(session, "other", frozenset(scopes), self.container.clock.now())

    def stored(self) -> tuple[int, int]:
        """(assessment rows, audit entries): what a request left behind."""
        with self.container.reading() as session:
            assessments = session.execute(text("SELECT count(*) FROM assessments")).scalar_one()
            audit = session.execute(text("SELECT count(*) FROM audit_entries")).scalar_one()
        return assessments, audit


def make_container(database_url: str) -> Container:
    settings = Settings(database_url=database_url, max_request_bytes=MAX_BYTES)
    return build_container(settings, clock=FixedClock(datetime(2026, 3, 1, 9, 0, tzinfo=UTC)))


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    container = make_container(database_url)
    with container.session() as session:
        key = create_api_key(
            session,
            "wallet-backend",
            frozenset({"assess", "assessments:read"}),
            container.clock.now(),
        )
    try:
        with TestClient(create_app(container)) as client:
            yield Api(client, container, key)
    finally:
        container.close()


def assert_problem(
    response: Any, status: int, code: str, field: str | None = None
) -> dict[str, Any]:
    """The RFC 9457 shape every error shares; returns the parsed body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem: dict[str, Any] = response.json()
    assert problem["type"] == f"urn:trustdesk:problem:{code}"
    assert problem["code"] == code
    assert problem["status"] == status
    assert isinstance(problem["title"], str) and problem["title"]
    assert isinstance(problem["detail"], str) and problem["detail"]
    assert isinstance(problem["request_id"], str) and len(problem["request_id"]) >= 8
    if field is not None:
        assert problem["field"] == field
    assert "Traceback" not in response.text
    return problem
