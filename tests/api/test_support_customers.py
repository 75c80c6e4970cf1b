"""Customers, merges, the timeline and the in-app chat through the app, on both backends."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import assert_problem
from tests.integration.support.helpers import PNG, SupportApi, clock_of, support_api


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[SupportApi]:
    with support_api(database_url, tmp_path) as built:
        yield built


def create(api: SupportApi, **fields: Any) -> dict[str, Any]:
    response = api.post("/v1/customers", fields)
    assert response.status_code == 201, response.text
    return dict(response.json())


def chat(
    api: SupportApi, client_id: str, text: str = "hi", scope: str = "support:chat", **extra: Any
) -> Any:
    body = {"account_id": "acct-7", "text": text, "client_message_id": client_id} | extra
    return api.post("/v1/chat/messages", body, scope=scope)


def test_create_show_and_add_identities(api: SupportApi) -> None:
    created = create(
        api,
        display_name="Rina",
        account_id="acct-7",
        language="id",
        identities=[{"kind": "email", "value": "Rina@Example.id", "verified": True}],
    )
    assert created | {"id": "", "created_at": "", "updated_at": "", "identities": []} == {
        "id": "",
        "display_name": "Rina",
        "account_id": "acct-7",
        "language": "id",
        "region": None,
        "provisional": False,
        "merged_into": None,
        "created_at": "",
        "updated_at": "",
        "identities": [],
        "merged_ids": [],
        "redirected_from": None,
    }
    assert [(i["kind"], i["value"], i["given"], i["verified"]) for i in created["identities"]] == [
        ("account", "acct-7", "acct-7", True),
        ("email", "rina@example.id", "Rina@Example.id", True),
    ]
    path = f"/v1/customers/{created['id']}"
    assert api.get(path).json() == created
    added = api.post(f"{path}/identities", {"kind": "phone", "value": "+62 812 1111 2222"})
    assert added.status_code == 201, added.text
    assert added.json()["identities"][-1]["value"] == "+6281211112222"
    other = create(api, display_name="Someone")
    taken = api.post(
        f"/v1/customers/{other['id']}/identities", {"kind": "email", "value": "RINA@example.id"}
    )
    problem = assert_problem(taken, 409, "support.identity_taken", "value")
    assert "rina" not in problem["detail"].lower()
    assert_problem(
        api.post("/v1/customers", {"account_id": "acct-7"}),
        409,
        "support.account_taken",
        "account_id",
    )
    assert_problem(
        api.post(f"{path}/identities", {"kind": "fax", "value": "1"}), 422, "input.invalid", "kind"
    )
    assert_problem(
        api.post(f"{path}/identities", {"kind": "phone", "value": "0812"}),
        422,
        "input.invalid",
        "value",
    )
    assert_problem(
        api.post("/v1/customers", {"language": "english"}), 422, "input.invalid", "language"
    )
    assert_problem(
        api.get("/v1/customers/cus_nobody"), 404, "support.customer_not_found", "customer_id"
    )


def test_merge_and_redirect(api: SupportApi) -> None:
    keep = create(api, display_name="Rina", account_id="acct-7")
    first = chat(api, "c1", "my deposit?", name="rina from chat")
    assert first.json()["customer_id"] == keep["id"]
    stray = create(api, identities=[{"kind": "telegram", "value": "4242"}])
    merged = api.post(f"/v1/customers/{stray['id']}/merge", {"into": keep["id"]})
    assert merged.status_code == 200, merged.text
    assert merged.json()["merged_ids"] == [stray["id"]]
    assert [i["kind"] for i in merged.json()["identities"]] == ["account", "telegram"]
    old = api.get(f"/v1/customers/{stray['id']}").json()
    assert (old["id"], old["redirected_from"]) == (keep["id"], stray["id"])
    cases = [
        (keep["id"], keep["id"], "a customer cannot be merged into itself"),
        (
            keep["id"],
            stray["id"],
            f"{stray['id']} was merged into {keep['id']}; merge into that one",
        ),
    ]
    for source, into, detail in cases:
        refused = api.post(f"/v1/customers/{source}/merge", {"into": into})
        assert assert_problem(refused, 409, "support.bad_merge", "into")["detail"] == detail
    assert_problem(api.post(f"/v1/customers/{keep['id']}/merge", {}), 422, "input.invalid", "into")
    assert_problem(
        api.post("/v1/customers/cus_x/merge", {"into": keep["id"]}),
        404,
        "support.customer_not_found",
        "customer_id",
    )


def test_timeline(api: SupportApi) -> None:
    keep = create(api, account_id="acct-7")
    clock = clock_of(api.container)
    clock.advance(minutes=1)
    assessed = api.client.post(
        "/v1/assessments",
        json={
            "account_id": "acct-7",
            "chain": "ethereum",
            "asset": "ETH",
            "amount": "0.25",
            "destination": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        },
        headers=api.headers("assess"),
    )
    assert assessed.status_code == 201, assessed.text
    clock.advance(minutes=1)
    ticket_id = chat(api, "c1", "where is it").json()["ticket_id"]
    clock.advance(minutes=1)
    api.post(
        f"/v1/tickets/{ticket_id}/messages",
        {"body": "n", "visibility": "internal", "author": "a-1"},
    )
    path = f"/v1/customers/{keep['id']}/timeline"
    full = api.get(path).json()
    assert [(i["at"][11:16], i["kind"]) for i in full["items"]] == [
        ("09:01", "assessment"),
        ("09:02", "ticket_opened"),
        ("09:02", "message"),
        ("09:03", "message"),
    ]
    assert full["items"][0]["ref"] == assessed.json()["id"]
    assert full["items"][0]["decision"] == assessed.json()["decision"]
    assert full["truncated"] is False
    public = api.get(path, notes="false").json()["items"]
    assert [i["kind"] for i in public] == ["assessment", "ticket_opened", "message"]
    windowed = api.get(path, since="2026-03-01T09:02:00Z", until="2026-03-01T09:03:00Z", limit=1)
    assert ([i["kind"] for i in windowed.json()["items"]], windowed.json()["truncated"]) == (
        ["ticket_opened"],
        True,
    )
    assert_problem(api.get(path, limit=1001), 422, "input.invalid", "limit")
    assert_problem(api.get(path, since="2026-03-01T09:02:00"), 422, "input.invalid", "since")
    assert_problem(api.get(path, since="yesterday"), 422, "input.invalid", "since")
    assert_problem(api.get("/v1/customers/cus_x/timeline"), 404, "support.customer_not_found")


def test_in_app_chat(api: SupportApi) -> None:
    first = chat(api, "c1", "Withdrawal pending", language="EN", name="Rina")
    assert first.status_code == 201, first.text
    body = first.json()
    assert (body["created_ticket"], body["duplicate"]) == (True, False)
    again = chat(api, "c1", "Withdrawal pending (retry)")
    assert again.status_code == 200
    assert again.json() == body | {"duplicate": True}
    second = chat(api, "c2", "any news?", scope="support:write")
    assert (second.json()["ticket_id"], second.json()["created_ticket"]) == (
        body["ticket_id"],
        False,
    )
    shown = api.get(f"/v1/tickets/{body['ticket_id']}").json()
    assert (shown["channel"], shown["language"], shown["subject"]) == (
        "inapp",
        "en",
        "Withdrawal pending",
    )
    assert [m["body"] for m in shown["messages"]] == ["Withdrawal pending", "any news?"]
    photo = chat(
        api,
        "c3",
        "screenshot",
        attachments=[
            {
                "filename": "s.png",
                "content_type": "image/png",
                "data": base64.b64encode(PNG).decode(),
            },
            {"filename": "x.svg", "data": base64.b64encode(b"<svg/>").decode()},
        ],
    )
    files = api.get(f"/v1/tickets/{body['ticket_id']}").json()["messages"][-1]["attachments"]
    assert photo.status_code == 201
    assert [(f["filename"], f["status"], f["reason"]) for f in files] == [
        ("s.png", "stored", None),
        ("x.svg", "quarantined", "type_not_allowed"),
    ]
    assert_problem(chat(api, "c4", scope="support:read"), 403, "auth.forbidden")
    assert_problem(chat(api, "c4", account_id="-bad"), 422, "input.invalid", "account_id")
    assert_problem(chat(api, "", "x"), 422, "input.invalid", "client_message_id")
    assert_problem(chat(api, "c6", "  "), 422, "input.invalid", "text")
    bad64 = chat(api, "c5", attachments=[{"filename": "a", "data": "***"}])
    assert_problem(bad64, 422, "input.invalid", "attachments.0.data")
