"""The desk through the app: agents, macros, hand-off, the SLA block of a ticket and the body
limits of the upload routes; problem+json bodies; SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import TestClient, assert_problem
from tests.integration.support.helpers import (
    PNG,
    SupportApi,
    clock_of,
    make_container,
    support_api,
)
from tests.integration.support_desk.helpers import MON, utc
from trustdesk.auth.apikeys import create_api_key
from trustdesk.web.app import create_app

E1 = {
    "display_name": "Sari Dewi",
    "team": "emea",
    "queues": ["l2", "l1"],
    "languages": ["id", "en"],
    "capacity": 3,
}


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[SupportApi]:
    with support_api(database_url, tmp_path) as built:
        clock_of(built.container).set(MON)  # Monday 09:00 in Berlin
        yield built


def open_ticket(api: SupportApi, **fields: Any) -> dict[str, Any]:
    body = {
        "identity": {"kind": "email", "value": "ana@example.com"},
        "name": "Ana Putri",
        "subject": "Help",
        "body": "Please help",
        "language": "en",
    } | fields
    created = api.post("/v1/tickets", body)
    assert created.status_code == 201, created.text
    return dict(created.json())


def test_agents(api: SupportApi) -> None:
    created = api.put("/v1/agents/e1", E1)
    assert created.status_code == 201, created.text
    assert created.headers["Location"] == "/v1/agents/e1"
    expected = {
        "id": "e1",
        "display_name": "Sari Dewi",
        "team": "emea",
        "queues": ["l1", "l2"],
        "languages": ["en", "id"],
        "skills": [],
        "capacity": 3,
        "online": False,
        "load": 0,
        "updated_at": "2026-03-02T08:00:00+00:00",
    }
    assert created.json() == expected
    again = api.put("/v1/agents/e1", E1)
    assert (again.status_code, again.json()) == (200, expected)
    assert api.get("/v1/agents").json() == [expected]
    # A ticket waiting in L1 goes to e1 the moment they come online.
    waiting = open_ticket(api, tier="l1")
    assert waiting["assignee"] is None
    online = api.post("/v1/agents/e1/online")
    assert online.status_code == 200, online.text
    assert (online.json()["online"], online.json()["load"]) == (True, 1)
    assert api.get(f"/v1/tickets/{waiting['id']}").json()["assignee"] == "e1"
    offline = api.post("/v1/agents/e1/offline").json()
    assert (offline["online"], offline["load"]) == (False, 1)
    assert api.get("/v1/agents/e1").json() == offline


def test_agent_problems(api: SupportApi) -> None:
    assert_problem(api.put("/v1/agents/e1", E1, scope="support:read"), 403, "auth.forbidden")
    assert_problem(api.get("/v1/agents", scope="assess"), 403, "auth.forbidden")
    missing = assert_problem(
        api.get("/v1/agents/nobody"), 404, "support.agent_not_found", "agent_id"
    )
    assert missing["detail"] == "no agent nobody"
    assert_problem(api.post("/v1/agents/nobody/online"), 404, "support.agent_not_found")
    mars = assert_problem(
        api.put("/v1/agents/e1", E1 | {"team": "mars"}), 422, "input.invalid", "team"
    )
    assert mars["detail"] == "unknown team 'mars'; teams: 24x7, amer, apac, emea"
    bot = assert_problem(
        api.put("/v1/agents/e1", E1 | {"queues": ["bot"]}), 422, "input.invalid", "queues"
    )
    assert (
        bot["detail"] == "unknown queue 'bot' for a person; queues: blockchain, compliance, l1, l2"
    )
    skill = assert_problem(
        api.put("/v1/agents/e1", E1 | {"skills": ["cooking"]}), 422, "input.invalid", "skills"
    )
    assert skill["detail"].startswith("unknown skill 'cooking'; categories: account_security,")
    assert_problem(
        api.put("/v1/agents/e1", E1 | {"capacity": -1}), 422, "input.invalid", "capacity"
    )
    assert_problem(api.put("/v1/agents/a@b", E1), 422, "input.invalid", "agent_id")
    assert api.get("/v1/agents").json() == []


def test_macros(api: SupportApi) -> None:
    listed = api.get("/v1/macros", lang="zh").json()
    assert [m["id"] for m in listed] == [
        "ask_tx_hash",
        "closing_csat",
        "kyc_resubmission",
        "phishing_warning",
        "seed_phrase_warning",
        "theft_appeal_received",
        "withdrawal_delay_apology",
        "wrong_network_deposit",
    ]
    assert {(m["language"], m["fallback"]) for m in listed} == {("zh", False)}
    ask = api.get("/v1/macros/ask_tx_hash", lang="zh").json()
    assert ask["placeholders"] == ["customer_name", "ticket_id", "agent_name"]
    assert ask["body"].startswith("{customer_name}，您好：\n\n感谢您就工单 {ticket_id} 联系我们。")
    french = api.get("/v1/macros/ask_tx_hash", lang="fr").json()
    assert (french["language"], french["fallback"], french["notice"]) == (
        "en",
        True,
        "no fr text for this macro; shown in en",
    )
    assert sorted(api.get("/v1/macros/ask_tx_hash").json()["bodies"]) == ["en", "id", "zh"]
    assert_problem(api.get("/v1/macros/nope"), 404, "support.macro_not_found", "macro_id")
    bad = api.put("/v1/macros/vip_hello", {"title": "VIP", "bodies": {"en": "Dear {wallet}"}})
    problem = assert_problem(bad, 422, "support.macro_placeholder_unknown", "bodies.en")
    assert problem["detail"].startswith(
        "macro vip_hello (en): unknown placeholder {wallet}; known:"
    )
    saved = api.put(
        "/v1/macros/vip_hello", {"title": "VIP", "bodies": {"en": "Dear {customer_name}"}}
    )
    assert (saved.status_code, saved.json()["source"]) == (200, "operator")


def test_a_macro_as_a_reply(api: SupportApi) -> None:
    # 20:00 in Singapore: an Indonesian ticket is not pinned to the APAC team.
    clock_of(api.container).set(utc(3, 2, 12))
    api.put("/v1/agents/e1", E1 | {"online": True})
    t = open_ticket(api, tier="l1", language="id")
    assert t["assignee"] == "e1"
    sent = api.post(f"/v1/tickets/{t['id']}/macros/kyc_resubmission", {"author": "e1"})
    assert sent.status_code == 201, sent.text
    data = sent.json()
    assert data["macro"] == {
        "id": "kyc_resubmission",
        "language": "id",
        "requested_language": "id",
        "fallback": False,
        "notice": None,
    }
    assert data["message"]["body"] == (
        "Halo Ana Putri,\n\n"
        "Verifikasi identitas Anda belum dapat diselesaikan. Untuk mengirimkannya kembali:\n\n"
        "1. Buka aplikasi dan masuk ke Profil > Verifikasi identitas.\n"
        "2. Foto dokumen identitas yang masih berlaku. Keempat sudutnya harus terlihat, tanpa "
        "pantulan cahaya, dan tulisannya harus terbaca.\n"
        "3. Ambil swafoto di tempat yang terang, tanpa topi atau kacamata hitam, dan pastikan "
        "wajah Anda memenuhi bingkai.\n"
        "4. Pastikan nama dan tanggal lahir yang Anda isi sama persis dengan dokumen.\n"
        "5. Kirim. Peninjauan biasanya memakan waktu paling lama satu hari kerja.\n\n"
        f"Jika ditolak lagi, balas pesan ini dengan menyebutkan tiket {t['id']}.\n\n"
        "Salam,\nSari Dewi"
    )
    assert (data["message"]["visibility"], data["ticket"]["status"]) == (
        "public",
        "waiting_customer",
    )
    path = f"/v1/tickets/{t['id']}/macros/withdrawal_delay_apology"
    missing = assert_problem(
        api.post(path, {"author": "e1"}), 422, "support.macro_value_missing", "values.tx_hash"
    )
    assert (
        missing["detail"] == "macro withdrawal_delay_apology (id) needs tx_hash: give it in values"
    )
    unknown = api.post(path, {"author": "e1", "values": {"wallet": "x"}})
    assert_problem(unknown, 422, "support.macro_placeholder_unknown", "values.wallet")
    assert_problem(api.post(path, {"author": "e1"}, scope="support:read"), 403, "auth.forbidden")
    assert_problem(
        api.post("/v1/tickets/TD-000000/macros/ask_tx_hash", {"author": "e1"}),
        404,
        "support.ticket_not_found",
    )
    assert len(api.get(f"/v1/tickets/{t['id']}").json()["messages"]) == 2


def test_the_sla_block_and_a_hand_off(api: SupportApi) -> None:
    t = open_ticket(api, tier="l1")
    assert (t["first_response_due_at"], t["resolution_due_at"]) == (
        "2026-03-02T12:00:00+00:00",
        "2026-03-04T17:00:00+00:00",
    )
    # 12:00 in Berlin: 3 h of the 4 h used, exactly the warning share.
    clock_of(api.container).set(utc(3, 2, 11))
    shown = api.get(f"/v1/tickets/{t['id']}").json()
    assert shown["sla"] == {
        "first_response": {
            "due": "2026-03-02T12:00:00+00:00",
            "state": "warning",
            "remaining_s": 3600,
            "running": True,
        },
        "resolution": {
            "due": "2026-03-04T17:00:00+00:00",
            "state": "ok",
            "remaining_s": 86400,
            "running": True,
        },
    }
    bot = open_ticket(api, identity={"kind": "email", "value": "bo@example.com"})
    assert bot["tier"] == "bot"
    handed = api.post(f"/v1/tickets/{bot['id']}/handoff", {"tier": "l2"})
    assert handed.status_code == 200, handed.text
    assert (handed.json()["tier"], handed.json()["status"]) == ("l2", "waiting_agent")
    again = assert_problem(
        api.post(f"/v1/tickets/{bot['id']}/handoff", {}), 409, "support.not_with_bot"
    )
    assert again["detail"] == f"ticket {bot['id']} is on tier l2, not with the bot"
    assert_problem(
        api.post(f"/v1/tickets/{t['id']}/handoff", {"tier": "l9"}), 409, "support.not_with_bot"
    )


# --- body limits ---------------------------------------------------------------------------------

# Small numbers keep the bodies small: 4 KiB for ordinary requests, files of 1000 bytes, 2 a
# message. By hand: attachments 2 x 1000 + 4096 + 4 x 20000 = 86096 bytes; chat (base64 and a
# JSON text escaped at worst) 4 x (2000 // 3 + 2) + 4096 + 24 x 20000 = 486768 bytes.
SMALL, ATTACHMENTS, CHAT = 4096, 86_096, 486_768


@pytest.fixture
def limited(database_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    container = make_container(
        database_url,
        tmp_path,
        max_request_bytes=SMALL,
        attachment_max_bytes=1000,
        attachment_max_files=2,
    )
    with container.session() as session:
        key = create_api_key(session, "desk", frozenset({"support:write"}), container.clock.now())
    try:
        with TestClient(create_app(container)) as client:
            yield client, {"Authorization": f"Bearer {key}"}
    finally:
        container.close()


def padded(body: dict[str, Any], size: int) -> bytes:
    """``body`` as JSON, padded with spaces to exactly ``size`` bytes."""
    data = json.dumps(body).encode()
    assert len(data) <= size
    return data + b" " * (size - len(data))


def test_upload_routes_take_files_and_others_keep_the_small_limit(
    limited: tuple[TestClient, dict[str, str]],
) -> None:
    client, auth = limited
    json_auth = auth | {"Content-Type": "application/json"}
    ticket = {"identity": {"kind": "email", "value": "a@example.com"}, "subject": "Hi"}
    # Ordinary route: the small limit, both sides.
    opened = client.post("/v1/tickets", content=padded(ticket, SMALL), headers=json_auth)
    assert opened.status_code == 201, opened.text
    over = client.post("/v1/tickets", content=padded(ticket, SMALL + 1), headers=json_auth)
    assert_problem(over, 413, "input.too_large", "body")
    assert over.json()["detail"] == f"the body may be at most {SMALL} bytes"
    ticket_id = opened.json()["id"]
    # Two files at their largest, well over the small limit, go through.
    files = [("files", ("a.png", PNG + bytes(1000 - len(PNG)), "image/png"))] * 2
    uploaded = client.post(
        f"/v1/tickets/{ticket_id}/attachments", files=files, data={"author": "e1"}, headers=auth
    )
    assert uploaded.status_code == 201, uploaded.text
    assert [a["size"] for a in uploaded.json()["message"]["attachments"]] == [1000, 1000]
    path = f"/v1/tickets/{ticket_id}/attachments"
    form = auth | {"Content-Type": "multipart/form-data; boundary=x"}
    at_limit = client.post(path, content=b"-" * ATTACHMENTS, headers=form)
    assert_problem(at_limit, 400, "http.400")  # read whole, then refused as a form
    assert_problem(
        client.post(path, content=b"-" * (ATTACHMENTS + 1), headers=form), 413, "input.too_large"
    )
    # The chat route, exactly at its limit and one byte over.
    chat = {"account_id": "acct-1", "text": "hello", "client_message_id": "c1"}
    assert (
        client.post("/v1/chat/messages", content=padded(chat, CHAT), headers=json_auth).status_code
        == 201
    )
    too_big = client.post("/v1/chat/messages", content=padded(chat, CHAT + 1), headers=json_auth)
    assert_problem(too_big, 413, "input.too_large", "body")
    assert too_big.json()["detail"] == f"the body may be at most {CHAT} bytes"
    # Only that exact shape of path gets the larger limit.
    other = client.post(
        f"/v1/tickets/{ticket_id}/attachments/x", content=b"-" * (SMALL + 1), headers=form
    )
    assert_problem(other, 413, "input.too_large")
