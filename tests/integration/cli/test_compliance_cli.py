"""trustdesk kyc / packs / privacy on migrated SQLite and PostgreSQL databases."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text, update
from typer.testing import CliRunner, Result

from tests.integration.cli.helpers import EVM_A, Cli
from trustdesk.cli.main import app as main_app
from trustdesk.compliance.kyc_store import KycRecordRow
from trustdesk.compliance.privacy import add_years
from trustdesk.compliance.privacy_store import CustomerPiiRow
from trustdesk.risk.store import AssessmentRow
from trustdesk.settings import DEV_PEPPER


def run(cli: Cli, *args: str, stdin: str | None = None) -> Result:
    env = {"TRUSTDESK_DATABASE_URL": cli.url} | cli.env
    return CliRunner().invoke(main_app, list(args), env=env, input=stdin)


def ok(cli: Cli, *args: str) -> str:
    result = run(cli, *args)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def refused(cli: Cli, *args: str) -> str:
    result = run(cli, *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return result.stderr.strip()


def _audit_actions(cli: Cli) -> list[str]:
    with cli.engine.connect() as conn:
        return list(conn.execute(text("SELECT action FROM audit_entries ORDER BY seq")).scalars())


def _audit_text(cli: Cli) -> str:
    with cli.engine.connect() as conn:
        rows = conn.execute(text("SELECT subject, payload FROM audit_entries")).all()
    return json.dumps([[r[0], r[1] if isinstance(r[1], str) else json.dumps(r[1])] for r in rows])


def test_kyc_application_from_submit_to_verified(cli: Cli) -> None:
    submitted = ok(
        cli,
        "kyc",
        "submit",
        "acct-1",
        "--level",
        "standard",
        "--jurisdiction",
        "EU",
        "--doc",
        "passport:de:C01X-00T47:2031-05-01",
    )
    assert submitted == "acct-1: pending (level none; requested standard)"
    assert ok(
        cli, "kyc", "reject", "acct-1", "--reason", "DOCUMENT_EXPIRED", "--reason", "name_mismatch"
    ) == (
        "acct-1: rejected (level none; requested standard; reasons DOCUMENT_EXPIRED, NAME_MISMATCH)"
    )
    shown = ok(cli, "kyc", "show", "acct-1", "--locale", "id")
    assert (
        "reason DOCUMENT_EXPIRED: Dokumen identitas sudah kedaluwarsa. Silakan unggah dokumen "
        "yang masih berlaku."
    ) in shown.splitlines()
    assert refused(cli, "kyc", "verify", "acct-1") == (
        "error: cannot verify: the KYC application is rejected; allowed now: resubmit "
        "[kyc.invalid_transition]"
    )
    assert ok(cli, "kyc", "resubmit", "acct-1", "--doc", "national_id:DE:T22000129") == (
        "acct-1: resubmitted (level none; requested standard)"
    )
    assert ok(cli, "kyc", "verify", "acct-1") == "acct-1: verified (level standard)"

    data = json.loads(ok(cli, "kyc", "show", "acct-1", "--json"))
    assert (data["status"], data["level"], data["jurisdiction"], data["reasons"]) == (
        "verified",
        "standard",
        "eu",
        [],
    )
    assert [(e["action"], e["from"], e["to"], e["actor"]) for e in data["history"]] == [
        ("submit", "none", "pending", "cli"),
        ("reject", "pending", "rejected", "cli"),
        ("resubmit", "rejected", "resubmitted", "cli"),
        ("verify", "resubmitted", "verified", "cli"),
    ]
    assert data["history"][1]["reasons"] == ["DOCUMENT_EXPIRED", "NAME_MISMATCH"]
    assert [(d["type"], d["country"], d["expires_on"]) for d in data["documents"]] == [
        ("passport", "DE", "2031-05-01"),
        ("national_id", "DE", None),
    ]
    assert data["allowed_actions"] == ["submit"]

    # Stored: only an HMAC of the normalized number, under a key derived from the pepper.
    key = hmac.new(DEV_PEPPER.encode(), b"trustdesk.kyc-document-numbers", hashlib.sha256).digest()
    expected = hmac.new(key, b"passport:DE:C01X00T47", hashlib.sha256).hexdigest()
    with cli.engine.connect() as conn:
        hashes = conn.execute(text("SELECT number_hash FROM kyc_documents ORDER BY added_at, id"))
        assert expected in list(hashes.scalars())
    everything = json.dumps(data) + _audit_text(cli)
    assert "C01X" not in everything and "T22000129" not in everything and expected not in everything
    assert _audit_actions(cli) == ["kyc.pending", "kyc.rejected", "kyc.resubmitted", "kyc.verified"]
    assert ok(cli, "audit", "verify").startswith("audit chain OK: ")


def test_kyc_bad_input_is_a_one_line_error(cli: Cli) -> None:
    assert refused(
        cli, "kyc", "submit", "acct-1", "--level", "standard", "--jurisdiction", "fr"
    ) == ("error: no jurisdiction pack 'fr'; known: eu, id, sg, us [packs.unknown_jurisdiction]")
    expired = refused(
        cli, "kyc", "submit", "acct-1", "--level", "basic", "--jurisdiction", "eu",
        "--doc", "passport:DE:X1:2001-01-01",
    )  # fmt: skip
    assert expired == (
        "error: the passport expired on 2001-01-01; an expired document cannot be submitted "
        "[input.invalid]"
    )
    assert refused(cli, "kyc", "show", "bad account") == (
        "error: account id: 1-64 characters, letters, digits and . _ : @ -, starting "
        "alphanumeric [input.invalid]"
    )
    ok(cli, "kyc", "submit", "acct-1", "--level", "basic", "--jurisdiction", "sg")
    unknown = refused(cli, "kyc", "reject", "acct-1", "--reason", "UGLY")
    assert unknown.startswith(
        "error: unknown rejection reason 'UGLY'; choose from DOCUMENT_EXPIRED"
    )
    assert cli.count("kyc_events") == 1  # only the one good submission


NO_DB = Cli("sqlite:////nonexistent/never-opened.db", {}, None)  # type: ignore[arg-type]


def test_errors_caught_before_any_database_is_opened() -> None:
    cli = NO_DB
    assert refused(cli, "kyc", "submit", "acct-1", "--level", "gold") == (
        "error: --level must be one of none, basic, standard, enhanced"
    )
    bad_doc = refused(cli, "kyc", "submit", "acct-1", "--level", "basic", "--doc", "passport:DE")
    assert bad_doc == "error: --doc 1: expected TYPE:COUNTRY:NUMBER[:YYYY-MM-DD]"
    bad_expiry = refused(cli, "kyc", "resubmit", "acct-1", "--doc", "passport:DE:SECRET9:soon")
    assert bad_expiry == "error: --doc 1: the expiry must be a date as YYYY-MM-DD"
    assert refused(cli, "kyc", "show", "acct-1", "--locale", "fr") == (
        "error: --locale must be one of en, zh, id"
    )
    assert refused(cli, "privacy", "record", "acct-3", "--region", "sg", "--phone", "12") == (
        "error: phone: a phone number in E.164 form, e.g. +6281234567890"
    )
    reasons = ok(cli, "kyc", "reasons", "--locale", "zh").splitlines()
    assert len(reasons) == 12
    assert reasons[0] == "DOCUMENT_EXPIRED: 身份证件已过期。请上传有效的证件。"


def test_packs_list_and_show() -> None:
    cli = NO_DB
    assert ok(cli, "packs", "list").splitlines() == [
        "eu  eu-2025.1  region eu  travel rule 0 EUR     retention 5y/5y lists eu-fsf,un",
        "id  id-2025.1  region id  travel rule 1000 USD  retention 5y/5y lists un,id-dttot",
        "sg  sg-2025.1  region sg  travel rule 1500 SGD  retention 5y/5y lists un,sg-tsofa",
        "us  us-2025.1  region us  travel rule 3000 USD  retention 5y/5y lists ofac-sdn",
    ]
    sg = json.loads(ok(cli, "packs", "show", "sg"))
    assert sg["travel_rule"]["threshold"] == "1500"
    assert sg["travel_rule"]["inclusive"] is False
    assert sg["kyc"]["bands"] == [
        {"below": "20000", "level": "standard"},
        {"below": None, "level": "enhanced"},
    ]
    assert refused(cli, "packs", "show", "xx") == (
        "error: no jurisdiction pack 'xx'; known: eu, id, sg, us [packs.unknown_jurisdiction]"
    )


def _assess(cli: Cli, account: str) -> str:
    request = {
        "account_id": account,
        "chain": "ethereum",
        "asset": "ETH",
        "amount": "0.5",
        "destination": EVM_A,
        "context": {"ip": "203.0.113.9", "device_id": "dev-1", "country": "DE"},
    }
    result = run(cli, "assess", json.dumps(request))
    assert result.exit_code == 0, result.output
    assessment_id: str = json.loads(result.stdout)["id"]
    return assessment_id


def test_export_then_erase_keeps_what_aml_needs_and_the_chain_verifies(
    cli: Cli, tmp_path: Path
) -> None:
    ok(cli, "kyc", "submit", "acct-2", "--level", "standard", "--jurisdiction", "eu")
    ok(cli, "kyc", "verify", "acct-2")
    recorded = ok(
        cli, "privacy", "record", "acct-2", "--name", "Siti  Rahayu",
        "--email", "siti@example.co.id", "--phone", "+62 812 3456 7890",
        "--dob", "1990-04-17", "--country", "ID",
    )  # fmt: skip
    assert recorded == "recorded name, email, phone, date_of_birth, country for acct-2 in region eu"
    assessment_id = _assess(cli, "acct-2")
    ok(cli, "factors", "enroll", "acct-2", "--type", "totp")

    # Sealed at rest: no column holds the plain values.
    with cli.engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM customers_pii")).one()
    stored = json.dumps([str(v) for v in row])
    for plain in ("Siti", "siti@example", "+6281234567890", "1990-04-17"):
        assert plain not in stored
    assert row.name_sealed.startswith("v1.dev.") and row.region == "eu"

    out = tmp_path / "export.json"
    assert ok(cli, "privacy", "export", "acct-2", "--out", str(out)) == (
        f"exported acct-2 to {out}"
    )
    assert os.stat(out).st_mode & 0o777 == 0o600
    export = json.loads(out.read_text(encoding="utf-8"))
    pii = export["personal_data"]
    assert (pii["region"], pii["name"], pii["email"], pii["phone"]) == (
        "eu",
        "Siti Rahayu",
        "siti@example.co.id",
        "+6281234567890",
    )
    assert (pii["date_of_birth"], pii["country"], pii["erased_at"]) == ("1990-04-17", "ID", None)
    assert export["kyc"]["record"]["status"] == "verified"
    assert [a["id"] for a in export["assessments"]] == [assessment_id]
    assert [(f["type"], f["status"]) for f in export["step_up_factors"]] == [("totp", "pending")]
    assert "secret_sealed" not in export["step_up_factors"][0]
    assert [e["action"] for e in export["audit_entries"]] == [
        "kyc.pending",
        "kyc.verified",
        "privacy.recorded",
        "assessment.decided",
        "auth.factor_enrolled",
    ]

    no = run(cli, "privacy", "erase", "acct-2", stdin="n\n")
    assert no.exit_code == 1 and cli.count("account_seen") > 0  # nothing erased

    before = datetime.now(UTC)
    erased = ok(cli, "privacy", "erase", "acct-2", "--yes").splitlines()
    after = datetime.now(UTC)
    until = {add_years(t, 5).date().isoformat() for t in (before, after)}
    basis = "(AML record keeping (eu: 5 years after the relationship ends))"
    assert erased[0] == "erased: email, phone, step_up_factors, risk_history"
    assert erased[1] in {f"held: identity until {u} {basis}" for u in until}
    assert erased[2] in {f"held: kyc until {u} {basis}" for u in until}
    assert erased[3].startswith("held: transactions until ")

    again = json.loads(ok(cli, "privacy", "export", "acct-2"))
    pii = again["personal_data"]
    assert (pii["name"], pii["email"], pii["phone"], pii["country"]) == (
        "Siti Rahayu",
        None,
        None,
        "ID",
    )
    assert pii["erased_at"] is not None and pii["hold_until"][:10] in until
    assert [(f["status"], f["label"], f["params"]) for f in again["step_up_factors"]] == [
        ("revoked", "[erased]", {})
    ]
    assert again["kyc"]["record"]["retain_until"][:10] in until
    assert cli.count("account_seen") == 0 and cli.count("assessments") == 1
    with cli.engine.connect() as conn:
        sealed = conn.execute(text("SELECT secret_sealed FROM auth_factors")).scalar_one()
    assert sealed is None

    audit_text = _audit_text(cli)
    for plain in ("Siti", "siti@", "+628", "1990-04-17"):
        assert plain not in audit_text
    assert _audit_actions(cli)[-1] == "privacy.exported"
    assert "privacy.erased" in _audit_actions(cli)
    assert ok(cli, "audit", "verify").startswith("audit chain OK: ")
    assert refused(cli, "privacy", "record", "acct-2", "--email", "new@example.com") == (
        "error: this account's personal data was erased; it cannot be recorded again "
        "[privacy.erased]"
    )


def test_erasure_without_a_kyc_file_deletes_everything_and_bad_input_is_refused(cli: Cli) -> None:
    assert refused(cli, "privacy", "record", "acct-3", "--name", "Lee") == (
        "error: give the residency region (no KYC jurisdiction to take it from): eu, id, sg, us "
        "[input.invalid]"
    )
    assert refused(cli, "privacy", "record", "acct-3", "--region", "sg", "--dob", "2999-01-01") == (
        "error: date of birth must be between 1900-01-01 and today [input.invalid]"
    )
    ok(cli, "kyc", "submit", "acct-9", "--level", "basic", "--jurisdiction", "id")
    assert refused(cli, "privacy", "record", "acct-9", "--region", "eu", "--name", "X") == (
        "error: the id jurisdiction keeps personal data in region id, not eu [input.invalid]"
    )
    ok(cli, "privacy", "record", "acct-3", "--region", "sg", "--name", "Lee Wei", "--country", "SG")
    assert ok(cli, "privacy", "erase", "acct-3", "--yes") == "erased: name, country"
    assert cli.count("customers_pii") == 0
    assert refused(cli, "privacy", "export", "acct-3") == (
        "error: nothing is held about account acct-3 [resource.not_found]"
    )


def _age(cli: Cli, table: Any, column: Any, when: datetime, *where: Any) -> None:
    with cli.engine.begin() as conn:
        conn.execute(update(table).where(*where).values({column: when}))


def test_retention_job_deletes_what_has_expired(cli: Cli) -> None:
    ok(cli, "kyc", "submit", "acct-4", "--level", "basic", "--jurisdiction", "eu",
       "--doc", "passport:DE:P1")  # fmt: skip
    ok(cli, "privacy", "record", "acct-4", "--name", "Anna Muster")
    old_eu, old_orphan = _assess(cli, "acct-4"), _assess(cli, "acct-5")
    recent = _assess(cli, "acct-5")
    six_years_ago = datetime.now(UTC) - timedelta(days=6 * 366)
    for assessment_id in (old_eu, old_orphan):
        _age(cli, AssessmentRow, "created_at", six_years_ago, AssessmentRow.id == assessment_id)
    ok(cli, "privacy", "erase", "acct-4", "--yes")
    yesterday = datetime.now(UTC) - timedelta(days=1)
    _age(cli, CustomerPiiRow, "hold_until", yesterday, CustomerPiiRow.account_id == "acct-4")
    _age(cli, KycRecordRow, "retain_until", yesterday, KycRecordRow.account_id == "acct-4")

    assert ok(cli, "privacy", "retention", "--dry-run") == (
        "would delete: assessments 2, customers_pii 1, kyc_accounts 1"
    )
    assert cli.count("assessments") == 3
    assert ok(cli, "privacy", "retention") == (
        "deleted: assessments 2, customers_pii 1, kyc_accounts 1, kyc_documents 1, "
        "kyc_events 1, kyc_records 1"
    )
    with cli.engine.connect() as conn:
        left = list(conn.execute(text("SELECT id FROM assessments")).scalars())
    assert left == [recent]
    assert [cli.count(t) for t in ("customers_pii", "kyc_records", "kyc_events")] == [0, 0, 0]
    assert ok(cli, "privacy", "retention") == "deleted: nothing"
    assert _audit_actions(cli)[-2:] == ["privacy.retention_applied", "privacy.retention_applied"]
    assert ok(cli, "audit", "verify").startswith("audit chain OK: ")
    with cli.engine.connect() as conn:
        subjects = conn.execute(
            text("SELECT count(*) FROM audit_entries WHERE subject = :s"),
            {"s": f"assessment:{old_eu}"},
        ).scalar_one()
    assert subjects == 1  # the chain keeps its entry about the deleted assessment
