"""POST /v1/screenings on a real SDN release (cut to a few records), both backends."""

from __future__ import annotations

from pathlib import Path

from tests.api.conftest import Api, assert_problem
from tests.integration.cli.test_sanctions import KEEP, _subset
from trustdesk.compliance.store import SqlSanctionsStore
from trustdesk.compliance.sync import parse_source, sync_sanctions


def _load(api: Api, tmp_path: Path) -> None:
    parsed = parse_source("ofac-csv", _subset(tmp_path / "sdn", KEEP))
    c = api.container
    with c.session() as session:
        sync_sanctions(
            SqlSanctionsStore(session),
            c.list_store(session),
            c.audit_log(session),
            parsed,
            c.clock.now(),
            "test",
        )


def test_screening_ranks_and_explains(api: Api, tmp_path: Path) -> None:
    key = api.new_key("screen")
    r = api.client.post("/v1/screenings", json={"name": "Anyone"}, headers=api.auth(key))
    assert_problem(r, 409, "compliance.no_lists")
    _load(api, tmp_path)
    r = api.client.post(
        "/v1/screenings",
        json={"name": "Xiaobing YAN", "dob": "1977-03-25", "type": "person"},
        headers=api.auth(key),
    )
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["lists"] == [{"list": "ofac-sdn", "version": 1, "published": None}]
    best = out["candidates"][0]
    assert (best["entry_id"], best["name"], best["programs"]) == (
        "25308",
        "YAN, Xiaobing",
        ["SDNTK"],
    )
    assert best["score"] == 1.0
    assert "dob_match" in {a["reason"] for a in best["explanation"]["adjustments"]}
    # The key needs the scope; bad input is a problem naming the field.
    r = api.client.post("/v1/screenings", json={"name": "x"}, headers=api.auth())
    assert_problem(r, 403, "auth.forbidden")
    for body, field in [
        ({"name": ""}, "name"),
        ({"name": "x" * 301}, "name"),
        ({"name": "Mr. Ltd."}, "name"),
        ({"name": "Jane", "type": "robot"}, "type"),
        ({"name": "Jane", "limit": 0}, "limit"),
    ]:
        r = api.client.post("/v1/screenings", json=body, headers=api.auth(key))
        assert_problem(r, 422, "input.invalid", field)
