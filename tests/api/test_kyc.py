"""GET/POST /v1/kyc/{account_id} and GET /v1/jurisdictions, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from tests.api.conftest import Api, assert_problem

PASSPORT = {"type": "passport", "country": "de", "number": "C01X00T47", "expires_on": "2031-05-01"}


@pytest.fixture
def kyc(api: Api) -> Api:
    """The API; the compliance routes are part of the app."""
    return api


def _keys(api: Api) -> tuple[dict[str, str], dict[str, str]]:
    return api.auth(api.new_key("kyc:read")), api.auth(api.new_key("kyc:write"))


def _post(api: Api, headers: dict[str, str], body: dict[str, Any], **params: str) -> Any:
    return api.client.post("/v1/kyc/acct-1", json=body, headers=headers, params=params)


def test_the_application_through_the_api(kyc: Api) -> None:
    reader, writer = _keys(kyc)
    fresh = kyc.client.get("/v1/kyc/acct-1", headers=reader)
    assert fresh.status_code == 200, fresh.text
    assert fresh.json() | {"history": None} == {
        "account_id": "acct-1",
        "jurisdiction": None,
        "status": "none",
        "level": "none",
        "requested_level": None,
        "reasons": [],
        "allowed_actions": ["submit"],
        "verified_at": None,
        "history": None,
        "documents": [],
    }
    submit = {
        "action": "submit",
        "level": "standard",
        "jurisdiction": "eu",
        "documents": [PASSPORT],
    }
    pending = _post(kyc, writer, submit)
    assert pending.status_code == 200, pending.text
    assert (pending.json()["status"], pending.json()["requested_level"]) == ("pending", "standard")
    assert pending.json()["documents"][0] | {"id": "", "added_at": ""} == {
        "id": "",
        "type": "passport",
        "country": "DE",
        "expires_on": "2031-05-01",
        "added_at": "",
    }
    rejected = _post(kyc, writer, {"action": "reject", "reasons": ["NAME_MISMATCH"]}, locale="zh")
    assert rejected.json()["reasons"] == [
        {"code": "NAME_MISMATCH", "text": "证件上的姓名与账户姓名不一致。"}
    ]
    refused = _post(kyc, writer, {"action": "verify"})
    problem = assert_problem(refused, 409, "kyc.invalid_transition", "action")
    assert problem["detail"] == (
        "cannot verify: the KYC application is rejected; allowed now: resubmit"
    )
    assert _post(kyc, writer, {"action": "resubmit"}).json()["status"] == "resubmitted"
    verified = _post(kyc, writer, {"action": "verify"}).json()
    assert (verified["status"], verified["level"], verified["requested_level"]) == (
        "verified",
        "standard",
        None,
    )
    assert verified["verified_at"] == "2026-03-01T09:00:00+00:00"  # the test clock
    history = kyc.client.get("/v1/kyc/acct-1", headers=reader).json()["history"]
    assert [(h["action"], h["from"], h["to"]) for h in history] == [
        ("submit", "none", "pending"),
        ("reject", "pending", "rejected"),
        ("resubmit", "rejected", "resubmitted"),
        ("verify", "resubmitted", "verified"),
    ]
    assert history[0]["actor"].startswith("apikey:key_")

    with kyc.container.reading() as session:
        payloads = session.execute(
            text("SELECT action, payload FROM audit_entries ORDER BY seq")
        ).all()
    assert [a for a, _ in payloads] == [
        "kyc.pending",
        "kyc.rejected",
        "kyc.resubmitted",
        "kyc.verified",
    ]
    assert "C01X00T47" not in str(payloads)


def test_scopes(kyc: Api) -> None:
    reader, writer = _keys(kyc)
    assert_problem(_post(kyc, reader, {"action": "verify"}), 403, "auth.forbidden")
    assert_problem(kyc.client.get("/v1/kyc/acct-1", headers=writer), 403, "auth.forbidden")
    assert_problem(kyc.client.get("/v1/jurisdictions"), 401, "auth.unauthorized")
    admin = kyc.auth(kyc.new_key("admin"))
    assert kyc.client.get("/v1/jurisdictions", headers=admin).status_code == 200


@pytest.mark.parametrize(
    ("body", "params", "field", "detail"),
    [
        (
            {"action": "reject", "reasons": ["UGLY"]},
            {},
            "reasons",
            "unknown rejection reason 'UGLY'; choose from DOCUMENT_EXPIRED",
        ),
        ({"action": "approve"}, {}, "action", "action: Input should be"),
        (
            {"action": "submit", "level": "basic", "jurisdiction": "eu",
             "documents": [PASSPORT | {"country": "ZZ"}]},
            {},
            "documents.country",
            "documents.country must be an ISO 3166-1 alpha-2 code such as DE or ID",
        ),
        ({"action": "submit", "jurisdiction": "eu"}, {}, "level", "submit needs the level"),
        ({"action": "verify", "note": "x"}, {}, "note", "note: Extra inputs are not permitted"),
        ({"action": "verify"}, {"locale": "fr"}, "locale", "locale: Input should be"),
    ],
)  # fmt: skip
def test_bad_input_is_a_problem_naming_the_field(
    kyc: Api, body: dict[str, Any], params: dict[str, str], field: str, detail: str
) -> None:
    _, writer = _keys(kyc)
    problem = assert_problem(_post(kyc, writer, body, **params), 422, "input.invalid", field)
    assert problem["detail"].startswith(detail), problem["detail"]
    assert kyc.stored()[1] == 0  # no audit entry for a refused request


def test_unknown_jurisdiction_and_a_bad_account_id(kyc: Api) -> None:
    _, writer = _keys(kyc)
    body = {"action": "submit", "level": "basic", "jurisdiction": "fr"}
    problem = assert_problem(_post(kyc, writer, body), 404, "packs.unknown_jurisdiction")
    assert problem["detail"] == "no jurisdiction pack 'fr'; known: eu, id, sg, us"
    bad = kyc.client.post("/v1/kyc/-dash", json={"action": "verify"}, headers=writer)
    assert_problem(bad, 422, "input.invalid", "account_id")


def test_jurisdiction_packs(kyc: Api) -> None:
    reader, _ = _keys(kyc)
    listed = kyc.client.get("/v1/jurisdictions", headers=reader).json()
    assert [(p["code"], p["data_region"], p["travel_rule_threshold"]) for p in listed] == [
        ("eu", "eu", "0 EUR"),
        ("id", "id", "1000 USD"),
        ("sg", "sg", "1500 SGD"),
        ("us", "us", "3000 USD"),
    ]
    us = kyc.client.get("/v1/jurisdictions/us", headers=reader).json()
    assert us["travel_rule"]["threshold"] == "3000"
    assert us["travel_rule"]["above"]["beneficiary"] == ["institution"]
    assert {s["topic"] for s in us["sources"]} >= {"travel_rule.threshold", "retention.kyc_years"}
    missing = kyc.client.get("/v1/jurisdictions/fr", headers=reader)
    assert_problem(missing, 404, "packs.unknown_jurisdiction", "jurisdiction")
