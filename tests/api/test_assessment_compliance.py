"""Compliance data in POST /v1/assessments: beneficiary name screening on a real SDN release
(cut to a few records) and the account's jurisdiction pack, both backends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text

from tests.api.conftest import Api, assert_problem, body
from tests.api.test_screenings import _load
from trustdesk.compliance.kyc import KycLevel
from trustdesk.compliance.kyc_store import kyc_desk


def assess(api: Api, **fields: Any) -> dict[str, Any]:
    r = api.client.post("/v1/assessments", json=body(**fields), headers=api.auth())
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def codes(out: dict[str, Any]) -> list[str]:
    return [r["code"] for r in out["reasons"]]


def test_beneficiary_name_screening_blocks_reviews_and_allows(api: Api, tmp_path: Path) -> None:
    # No list loaded yet: screening is skipped, the assessment still decides.
    out = assess(api, account_id="u0", beneficiary={"name": "Xiaobing Yan"})
    assert (out["decision"], codes(out)) == ("allow", ["FIRST_TIME_DESTINATION", "NEW_ACCOUNT"])
    _load(api, tmp_path)

    hit = assess(api, account_id="u1", beneficiary={"name": "Xiaobing Yan", "type": "person"})
    assert (hit["decision"], hit["score"]) == ("block", 100)
    assert hit["reasons"][0] == {
        "code": "SANCTIONS_NAME_HIT",
        "message": "The beneficiary's name matches YAN, Xiaobing on the sanctions list ofac-sdn "
        "(entry 25308, score 1.0).",
        "weight": 100,
    }
    near = assess(api, account_id="u2", beneficiary={"name": "Xiaobing Yang"})
    assert (near["decision"], codes(near)[0]) == ("review", "SANCTIONS_NAME_POSSIBLE")
    assert near["reasons"][0]["message"].endswith("(entry 25308, score 0.9).")
    # A contradicting date of birth lowers the same name below the block line.
    dob = assess(api, account_id="u3", beneficiary={"name": "Xiaobing Yan", "dob": "1990"})
    assert (dob["decision"], codes(dob)[0]) == ("review", "SANCTIONS_NAME_POSSIBLE")
    other = assess(api, account_id="u4", beneficiary={"name": "Jane Doe"})
    assert (other["decision"], codes(other)) == ("allow", ["FIRST_TIME_DESTINATION", "NEW_ACCOUNT"])

    # The name the customer typed is neither stored with the assessment nor audited.
    with api.container.reading() as session:
        stored = [
            str(v)
            for table in ("assessments", "audit_entries")
            for row in session.execute(text(f"SELECT * FROM {table}"))  # noqa: S608
            for v in row
        ]
    assert not [v for v in stored if "Xiaobing Yan" in v or "Jane Doe" in v]
    assert any("YAN, Xiaobing" in v for v in stored)  # the listed (public) name is

    r = api.client.post(
        "/v1/assessments", json=body(beneficiary={"name": "Mr. Ltd."}), headers=api.auth()
    )
    assert_problem(r, 422, "input.invalid", "beneficiary.name")


def _verify(api: Api, account: str, level: KycLevel, jurisdiction: str) -> None:
    c = api.container
    with c.session() as session:
        desk = kyc_desk(
            session, pepper=c.pepper, clock=c.clock, audit=c.audit_log(session), actor="test"
        )
        desk.submit(account, level, jurisdiction=jurisdiction)
        desk.verify(account)


def test_the_accounts_jurisdiction_pack_applies(api: Api) -> None:
    # id.toml: 1000 USD needs KYC standard, and the travel rule wants the beneficiary's name.
    _verify(api, "k1", KycLevel.BASIC, "id")
    usdt = {"account_id": "k1", "asset": "USDT", "amount": "1000"}
    out = assess(api, **usdt)
    assert out["decision"] == "review"
    assert codes(out) == [
        "KYC_LEVEL_INSUFFICIENT",
        "TRAVEL_RULE_DATA_MISSING",
        "FIRST_TIME_DESTINATION",
        "NEW_ACCOUNT",
    ]
    assert out["reasons"][0]["message"] == (
        "Jurisdiction id requires KYC level standard for this amount; "
        "the account is verified at basic."
    )
    assert out["reasons"][1]["message"] == (
        "The travel rule of id (from 1000 USD) needs beneficiary data that is missing: name."
    )
    named = assess(api, **usdt, beneficiary={"name": "Siti Rahma"})
    assert codes(named)[0:2] == ["KYC_LEVEL_INSUFFICIENT", "FIRST_TIME_DESTINATION"]
    assert assess(api, **{**usdt, "amount": "999.99"})["decision"] == "allow"
    # The request's jurisdiction wins over the KYC record's: us.toml needs basic below 3000.
    assert assess(api, **usdt, jurisdiction="us")["decision"] == "allow"
    # Without a KYC record, only a jurisdiction named in the request applies.
    assert assess(api, account_id="k2", asset="USDT", amount="1000")["decision"] == "allow"
    out = assess(api, account_id="k3", asset="USDT", amount="1000", jurisdiction="id")
    assert codes(out)[0:2] == ["KYC_LEVEL_INSUFFICIENT", "TRAVEL_RULE_DATA_MISSING"]
    assert out["reasons"][0]["message"].endswith("the account is verified at none.")
