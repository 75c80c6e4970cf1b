"""The ticket routes through the app, on SQLite and PostgreSQL, errors as problem+json."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import assert_problem
from tests.integration.support.helpers import (
    PNG,
    SupportApi,
    attachment,
    clock_of,
    inbound,
    support_api,
)


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[SupportApi]:
    with support_api(database_url, tmp_path) as built:
        yield built


def customer(api: SupportApi, **fields: Any) -> str:
    body = {"display_name": "Budi", "account_id": "acct-1", "language": "id"} | fields
    created = api.post("/v1/customers", body)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def ticket(api: SupportApi, customer_id: str, **fields: Any) -> dict[str, Any]:
    body = {"customer_id": customer_id, "subject": "Deposit missing", "body": "Sent 1 ETH"}
    created = api.post("/v1/tickets", body | fields)
    assert created.status_code == 201, created.text
    return dict(created.json())


def test_keys_and_scopes(api: SupportApi) -> None:
    anonymous = api.client.get("/v1/tickets")
    assert_problem(anonymous, 401, "auth.unauthorized")
    assert anonymous.headers["WWW-Authenticate"] == 'Bearer realm="trustdesk"'
    assert_problem(api.get("/v1/tickets", scope="assess"), 403, "auth.forbidden")
    refused = api.post("/v1/tickets", {"subject": "x"}, scope="support:read")
    assert_problem(refused, 403, "auth.forbidden")
    assert api.get("/v1/tickets").json() == []


def test_open_list_and_show(api: SupportApi) -> None:
    customer_id = customer(api)
    created = api.post(
        "/v1/tickets",
        {
            "customer_id": customer_id,
            "subject": "Deposit missing",
            "body": "Sent 1 ETH",
            "category": "deposit_withdrawal_failure",
            "priority": "high",
            "tags": ["VIP"],
        },
    )
    assert created.status_code == 201, created.text
    data = created.json()
    assert created.headers["Location"] == f"/v1/tickets/{data['id']}"
    expected = {
        "customer_id": customer_id,
        "subject": "Deposit missing",
        "category": "deposit_withdrawal_failure",
        "priority": "high",
        "language": "id",
        "region": None,
        "channel": "api",
        # The shipped rules send on-chain problems in a known language to the blockchain
        # desk; its SLA runs on the EMEA calendar (Berlin), and this is a Sunday.
        "tier": "blockchain",
        "team": None,
        "status": "new",
        "allowed_status": ["bot", "waiting_agent", "waiting_customer", "resolved"],
        "assignee": None,
        "assigned_at": None,
        "tags": ["vip"],
        "created_at": "2026-03-01T09:00:00+00:00",
        "first_response_at": None,
        "csat": None,
        # high: first response 1 h, resolution 1 business day (9 h) from Monday 09:00 CET.
        "first_response_due_at": "2026-03-02T09:00:00+00:00",
        "resolution_due_at": "2026-03-02T17:00:00+00:00",
        "sla_paused_at": None,
        "sla_paused_total_s": 0,
    }
    assert {k: data[k] for k in expected} == expected
    assert data["token"] == f"[#{data['id']}]"
    [message] = data["messages"]
    assert (message["direction"], message["author_kind"], message["body"]) == (
        "inbound",
        "customer",
        "Sent 1 ETH",
    )
    shown = api.get(f"/v1/tickets/{data['id']}")
    assert shown.json() == data
    clock_of(api.container).advance(minutes=1)
    other = ticket(api, customer(api, account_id="acct-2"), tier="l1")
    listed = api.get("/v1/tickets").json()
    assert [t["id"] for t in listed] == [other["id"], data["id"]]  # newest first
    assert [t["id"] for t in api.get("/v1/tickets", tier="l1").json()] == [other["id"]]
    by_customer = api.get("/v1/tickets", customer=customer_id).json()
    assert [t["id"] for t in by_customer] == [data["id"]]
    assert api.get("/v1/tickets", status="closed").json() == []
    assert_problem(api.get("/v1/tickets", status="done"), 422, "input.invalid", "status")
    assert_problem(api.get("/v1/tickets", limit=501), 422, "input.invalid", "limit")
    assert_problem(api.get("/v1/tickets/TD-000000"), 404, "support.ticket_not_found", "ticket_id")


def test_open_by_identity_and_bad_bodies(api: SupportApi) -> None:
    by_mail = api.post(
        "/v1/tickets",
        {"identity": {"kind": "email", "value": "New@Example.org"}, "subject": "Hi"},
    )
    assert by_mail.status_code == 201, by_mail.text
    who = api.get(f"/v1/customers/{by_mail.json()['customer_id']}").json()
    assert (who["provisional"], who["identities"][0]["value"]) == (True, "new@example.org")
    cases = [
        ({"subject": "x"}, 422, "input.invalid", "customer_id"),
        (
            {"customer_id": "cus_x", "subject": "x"},
            404,
            "support.customer_not_found",
            "customer_id",
        ),
        (
            {"identity": {"kind": "email", "value": "nope"}, "subject": "x"},
            422,
            "input.invalid",
            "identity.value",
        ),
        (
            {"customer_id": "cus_x", "subject": "x", "category": "refund"},
            422,
            "input.invalid",
            "category",
        ),
        ({"customer_id": "cus_x", "subject": ""}, 422, "input.invalid", "subject"),
        ({"customer_id": "cus_x", "subject": "x", "extra": 1}, 422, "input.invalid", "extra"),
    ]
    for body, status, code, field in cases:
        assert_problem(api.post("/v1/tickets", body), status, code, field)


def test_replies_notes_status_tags_and_csat(api: SupportApi) -> None:
    t = ticket(api, customer(api))
    path = f"/v1/tickets/{t['id']}"
    note = api.post(
        f"{path}/messages", {"body": "check tx", "visibility": "internal", "author": "a-1"}
    )
    assert note.status_code == 201, note.text
    assert (note.json()["ticket"]["status"], note.json()["message"]["visibility"]) == (
        "new",
        "internal",
    )
    reply = api.post(f"{path}/messages", {"body": "Looking into it", "author": "a-1"})
    assert reply.json()["ticket"]["status"] == "waiting_customer"
    assert reply.json()["ticket"]["first_response_at"] == "2026-03-01T09:00:00+00:00"
    bot = api.post(f"{path}/messages", {"body": "FAQ link", "bot": True})
    assert bot.json()["message"]["author_kind"] == "bot"
    assert_problem(
        api.post(f"{path}/messages", {"body": " ", "author": "a"}), 422, "input.invalid", "body"
    )
    assert_problem(api.post(f"{path}/messages", {"body": "x"}), 422, "input.invalid", "author")
    refused = api.post(f"{path}/status", {"status": "closed"})
    problem = assert_problem(refused, 409, "support.bad_transition", "status")
    assert problem["detail"] == (
        "a ticket cannot go from waiting_customer to closed; from waiting_customer it may go "
        "to: waiting_agent, bot, resolved"
    )
    assert_problem(api.post(f"{path}/status", {"status": "gone"}), 422, "input.invalid", "status")
    assert_problem(api.post(f"{path}/csat", {"score": 5}), 409, "support.csat_refused", "score")
    resolved = api.post(f"{path}/status", {"status": "resolved"})
    assert (resolved.status_code, resolved.json()["resolved_at"]) == (
        200,
        "2026-03-01T09:00:00+00:00",
    )
    assert_problem(api.post(f"{path}/csat", {"score": 6}), 422, "input.invalid", "score")
    rated = api.post(f"{path}/csat", {"score": 5, "comment": "fast"})
    assert rated.json()["csat"] == {
        "score": 5,
        "comment": "fast",
        "at": "2026-03-01T09:00:00+00:00",
    }
    assert_problem(api.post(f"{path}/csat", {"score": 1}), 409, "support.csat_refused")
    tagged = api.put(f"{path}/tags", {"tags": ["Chain:TRON", " vip "]})
    assert tagged.json()["tags"] == ["chain:tron", "vip"]
    too_many = api.put(f"{path}/tags", {"tags": [f"t{i}" for i in range(21)]})
    assert_problem(too_many, 422, "input.invalid", "tags")
    assert_problem(
        api.post("/v1/tickets/TD-000000/status", {"status": "bot"}), 404, "support.ticket_not_found"
    )


def upload(api: SupportApi, ticket_id: str, *files: tuple[str, bytes, str], **form: str) -> Any:
    return api.client.post(
        f"/v1/tickets/{ticket_id}/attachments",
        files=[("files", f) for f in files],
        data={"author": "a-1"} | form,
        headers=api.headers(),
    )


def test_attachments_up_and_down(api: SupportApi) -> None:
    t = ticket(api, customer(api))
    sent = upload(
        api,
        t["id"],
        ("../../etc/passwd", b"root:x:0:0\n", "text/html"),
        ("shot.png", PNG, "image/png"),
    )
    assert sent.status_code == 201, sent.text
    message = sent.json()["message"]
    assert message["visibility"] == "internal"
    files = [
        (a["filename"], a["content_type"], a["declared_type"], a["size"], a["status"])
        for a in message["attachments"]
    ]
    assert files == [
        ("passwd", "text/plain", "text/html", 11, "stored"),
        ("shot.png", "image/png", "image/png", len(PNG), "stored"),
    ]
    text_id = message["attachments"][0]["id"]
    down = api.get(f"/v1/attachments/{text_id}")
    assert down.status_code == 200
    assert down.content == b"root:x:0:0\n"
    assert down.headers["content-type"] == "text/plain; charset=utf-8"
    assert down.headers["content-disposition"] == (
        "attachment; filename=\"passwd\"; filename*=UTF-8''passwd"
    )
    assert down.headers["x-content-type-options"] == "nosniff"
    assert down.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert_problem(api.get("/v1/attachments/att_missing"), 404, "support.attachment_not_found")
    html = upload(api, t["id"], ("a.png", PNG, "image/png"), ("x.html", b"<html>", "text/html"))
    problem = assert_problem(html, 422, "support.attachment_type_not_allowed", "files.1")
    assert problem["detail"].startswith("x.html: the content is not an allowed type")
    public = upload(
        api,
        t["id"],
        ("résumé 1.pdf", b"%PDF-1.4\n", "application/pdf"),
        visibility="public",
        body="Here is the form",
    )
    assert public.json()["ticket"]["status"] == "waiting_customer"
    pdf = public.json()["message"]["attachments"][0]
    disposition = api.get(pdf["url"]).headers["content-disposition"]
    assert (
        disposition
        == "attachment; filename=\"r_sum_ 1.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%201.pdf"
    )


def test_oversize_and_quarantined_files(api: SupportApi, tmp_path: Path) -> None:
    t = ticket(api, customer(api))
    limit = api.container.settings.attachment_max_bytes
    assert limit == 10 * 1024 * 1024
    # The body limit of this app is 256 KiB; a smaller file limit shows the file check.
    api.container.settings.attachment_max_bytes = 1000
    try:
        big = upload(api, t["id"], ("big.png", PNG + bytes(1000), "image/png"))
    finally:
        api.container.settings.attachment_max_bytes = limit
    problem = assert_problem(big, 422, "support.attachment_too_large", "files.0")
    assert problem["detail"] == "big.png: 1033 bytes; at most 1000 bytes per file"
    held = api.container.support_intake(
        inbound(attachments=(attachment("run.exe", b"MZ\x90\x00"),))
    )
    shown = api.get(f"/v1/tickets/{held.ticket_id}").json()
    [quarantined] = shown["messages"][0]["attachments"]
    assert (quarantined["status"], quarantined["reason"]) == ("quarantined", "type_not_allowed")
    assert_problem(api.get(quarantined["url"]), 409, "support.attachment_quarantined")
