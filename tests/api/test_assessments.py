"""POST /v1/assessments and GET /v1/assessments/{id}: decisions, idempotency, read-back."""

from __future__ import annotations

import re

from structlog.testing import capture_logs

from tests.api.conftest import GOOD_EVM, Api, assert_problem, body


def test_valid_request_is_decided_stored_and_located(api: Api) -> None:
    response = api.client.post(
        "/v1/assessments", json=body(), headers=api.auth() | {"X-Request-Id": "req-abc-1"}
    )
    assert response.status_code == 201, response.text
    out = response.json()
    # A first payment from a new account to a new address: 15 + 10 = 25, under challenge_at 30.
    assert out["decision"] == "allow"
    assert out["score"] == 25
    assert [(r["code"], r["weight"]) for r in out["reasons"]] == [
        ("FIRST_TIME_DESTINATION", 15),
        ("NEW_ACCOUNT", 10),
    ]
    assert out["policy_version"] == "default-2026.12.1"
    assert out["strength"] is None and out["user_prompt"] is None
    assert (out["chain"], out["asset"], out["amount"], out["destination"]) == (
        "ethereum",
        "ETH",
        "0.25",
        GOOD_EVM,
    )
    assert out["replayed"] is False
    assert out["id"].startswith("asm")
    assert response.headers["location"] == f"/v1/assessments/{out['id']}"
    assert response.headers["x-request-id"] == "req-abc-1"
    assert api.stored() == (1, 1)


def test_same_idempotency_key_replays_and_another_body_conflicts(api: Api) -> None:
    first = api.client.post(
        "/v1/assessments", json=body(idempotency_key="wd-1"), headers=api.auth()
    )
    assert first.status_code == 201
    again = api.client.post(
        "/v1/assessments", json=body(idempotency_key="wd-1"), headers=api.auth()
    )
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["replayed"] is True
    assert again.json()["decision"] == first.json()["decision"]
    assert again.headers["location"] == first.headers["location"]

    other = api.client.post(
        "/v1/assessments", json=body(idempotency_key="wd-1", amount="0.26"), headers=api.auth()
    )
    assert_problem(other, 409, "assessment.idempotency_conflict", "idempotency_key")
    # Neither the replay nor the conflict wrote anything.
    assert api.stored() == (1, 1)


def test_get_returns_the_stored_assessment_and_404_for_unknown(api: Api) -> None:
    created = api.client.post("/v1/assessments", json=body(), headers=api.auth()).json()
    got = api.client.get(f"/v1/assessments/{created['id']}", headers=api.auth())
    assert got.status_code == 200
    read = got.json()
    for name in ("id", "decision", "score", "reasons", "policy_version", "destination", "amount"):
        assert read[name] == created[name], name

    missing = api.client.get("/v1/assessments/asm_doesnotexist", headers=api.auth())
    problem = assert_problem(missing, 404, "resource.not_found", "assessment_id")
    assert "asm_doesnotexist" in problem["detail"]


def test_each_answered_request_is_one_log_line_under_its_request_id(api: Api) -> None:
    with capture_logs() as logs:
        given = api.client.post(
            "/v1/assessments", json=body(), headers=api.auth() | {"X-Request-Id": "req-log-1"}
        )
        refused = api.client.post("/v1/assessments", json=body())
    lines = [e for e in logs if e["event"] == "request"]
    assert [(e["method"], e["path"], e["status"], e["request_id"]) for e in lines] == [
        ("POST", "/v1/assessments", 201, "req-log-1"),
        ("POST", "/v1/assessments", 401, refused.headers["x-request-id"]),
    ]
    assert given.headers["x-request-id"] == "req-log-1"
    # Without one from the client, the id is new: 32 hex digits, also in the problem body.
    assert re.fullmatch(r"[0-9a-f]{32}", refused.headers["x-request-id"])
    assert refused.json()["request_id"] == refused.headers["x-request-id"]
    assert all(isinstance(e["ms"], float) and e["ms"] >= 0 for e in lines)
