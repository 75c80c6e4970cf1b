"""GET /v1/mail/quarantine[/{id}] through the app, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from starlette.exceptions import StarletteDeprecationWarning

from tests.integration.support_mail.conftest import T0
from tests.unit.support_mail.corpus import GBK_MAIL
from trustdesk.auth.apikeys import create_api_key
from trustdesk.bootstrap import Container, build_container
from trustdesk.cli.mail import mail_quarantine
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


@dataclass
class Api:
    client: TestClient
    container: Container
    admin: str
    reader: str


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    container = build_container(Settings(database_url=database_url), clock=FixedClock(T0))
    with container.session() as session:
        admin = create_api_key(session, "ops", frozenset({"admin"}), T0)
        reader = create_api_key(session, "backend", frozenset({"kyc:read"}), T0)
    try:
        with TestClient(create_app(container)) as client:
            yield Api(client, container, admin, reader)
    finally:
        container.close()


def hold(api: Api) -> str:
    return (
        mail_quarantine(api.container)
        .hold(
            GBK_MAIL,
            sender="jose.perez@example.com",
            recipients=["support@trustdesk.example"],
            reason_code="intake_failed",
            reason="RuntimeError",
            source="smtp",
        )
        .id
    )


def problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code


def test_list_and_show(api: Api) -> None:
    mail_id = hold(api)
    expected = {
        "id": mail_id,
        "received_at": "2026-03-01T12:00:00+00:00",
        "source": "smtp",
        "reason_code": "intake_failed",
        "reason": "RuntimeError",
        "size": len(GBK_MAIL),
        "sha256": mail_quarantine(api.container).show(mail_id).sha256,
        "envelope_sender": "jose.perez@example.com",
        "envelope_recipients": ["support@trustdesk.example"],
        "released_at": None,
        "released_by": None,
        "raw_base64": None,
    }
    listed = api.client.get("/v1/mail/quarantine", headers={"Authorization": f"Bearer {api.admin}"})
    assert (listed.status_code, listed.json()) == (200, [expected])
    shown = api.client.get(
        f"/v1/mail/quarantine/{mail_id}", headers={"Authorization": f"Bearer {api.admin}"}
    )
    assert (shown.status_code, shown.json()) == (200, expected)
    raw = api.client.get(
        f"/v1/mail/quarantine/{mail_id}?include_raw=true",
        headers={"Authorization": f"Bearer {api.admin}"},
    )
    assert base64.b64decode(raw.json()["raw_base64"]) == GBK_MAIL


def test_released_mail_is_listed_only_when_asked(api: Api) -> None:
    mail_id = hold(api)
    mail_quarantine(api.container).delete(hold(api), actor="test")
    mail_quarantine(api.container).release(mail_id, actor="test")
    auth = {"Authorization": f"Bearer {api.admin}"}
    assert api.client.get("/v1/mail/quarantine", headers=auth).json() == []
    both = api.client.get("/v1/mail/quarantine?include_released=true", headers=auth).json()
    assert [(m["id"], m["released_by"]) for m in both] == [(mail_id, "test")]


def test_refusals_are_problems(api: Api) -> None:
    problem(api.client.get("/v1/mail/quarantine"), 401, "auth.unauthorized")
    reader = {"Authorization": f"Bearer {api.reader}"}
    problem(api.client.get("/v1/mail/quarantine", headers=reader), 403, "auth.forbidden")
    admin = {"Authorization": f"Bearer {api.admin}"}
    problem(
        api.client.get("/v1/mail/quarantine/mq_nope", headers=admin),
        404,
        "mail.quarantine_not_found",
    )
    problem(api.client.get("/v1/mail/quarantine?limit=0", headers=admin), 422, "input.invalid")
