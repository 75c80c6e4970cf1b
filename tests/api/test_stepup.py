"""Step-up through the API: enrol, challenge a payment, answer it, confirm with the token."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyotp
import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from sqlalchemy import text

from tests.api.conftest import GOOD_EVM, Api, assert_problem, body, make_container
from trustdesk.auth.apikeys import create_api_key
from trustdesk.auth.delivery import FileOutbox
from trustdesk.core.clock import FixedClock
from trustdesk.lists.model import ListType, SubjectKind
from trustdesk.lists.service import add_manual_entry
from trustdesk.web.app import create_app

# Hardhat's well-known test account #0.
WALLET_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
WALLET_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
SCOPES = frozenset({"assess", "assessments:read", "factors:read", "factors:write", "stepup"})


@pytest.fixture
def api(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    from starlette.testclient import TestClient

    monkeypatch.setenv("TRUSTDESK_OUTBOX_DIR", str(tmp_path / "outbox"))
    container = make_container(database_url)
    with container.session() as session:
        key = create_api_key(session, "wallet-backend", SCOPES, container.clock.now())
    try:
        with TestClient(create_app(container)) as client:
            yield Api(client, container, key)
    finally:
        container.close()


def clock(api: Api) -> FixedClock:
    c = api.container.clock
    assert isinstance(c, FixedClock)
    return c


def challenged(api: Api, **overrides: Any) -> dict[str, Any]:
    """A payment from a brand-new account in a fresh session: 10 + 15 + 10 = 35, a challenge."""
    req = body(**{"context": {"session_age_s": 5}, **overrides})
    r = api.client.post("/v1/assessments", json=req, headers=api.auth())
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    assert out["decision"] == "challenge", out
    assert out["strength"] == "standard"
    return out


def enroll_totp(api: Api, account: str = "acct-1") -> tuple[str, pyotp.TOTP]:
    r = api.client.post(
        f"/v1/accounts/{account}/factors", json={"type": "totp"}, headers=api.auth()
    )
    assert r.status_code == 201, r.text
    enrolled = r.json()
    assert r.headers["cache-control"] == "no-store"
    totp = pyotp.parse_uri(enrolled["otpauth_uri"])
    assert isinstance(totp, pyotp.TOTP)
    assert enrolled["factor"]["status"] == "pending"
    factor_id: str = enrolled["factor_id"]
    # The first code activates it.
    code = totp.at(clock(api).now())
    r = api.client.post(
        f"/v1/accounts/{account}/factors/{factor_id}/verify",
        json={"code": code},
        headers=api.auth(),
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"factor_id": factor_id, "accepted": True, "status": "active"}
    return factor_id, totp


def test_totp_step_up_end_to_end(api: Api) -> None:
    factor_id, totp = enroll_totp(api)
    clock(api).advance(seconds=30)  # next time step: the activation code is spent
    assessment = challenged(api)
    aid = assessment["id"]

    r = api.client.post(f"/v1/assessments/{aid}/challenges", headers=api.auth())
    assert r.status_code == 201, r.text
    ch = r.json()
    assert ch["strength"] == "standard" and ch["status"] == "pending"
    assert ch["amount"] == "0.25" and ch["asset"] == "ETH" and ch["destination"] == GOOD_EVM
    assert [(f["factor_id"], f["usable"]) for f in ch["factors"]] == [(factor_id, True)]

    # Without the token the confirm is refused; with a wrong code no token is given.
    r = api.client.post(f"/v1/assessments/{aid}/confirm", headers=api.auth())
    assert_problem(r, 401, "auth.invalid_step_up_token")
    wrong = f"{(int(totp.at(clock(api).now())) + 1) % 1_000_000:06d}"
    r = api.client.post(
        f"/v1/challenges/{ch['id']}/verify",
        json={"factor_id": factor_id, "code": wrong},
        headers=api.auth(),
    )
    problem = assert_problem(r, 401, "auth.verification_failed")
    assert problem["detail"] == "the code or signature was not accepted"

    r = api.client.post(
        f"/v1/challenges/{ch['id']}/verify",
        json={"factor_id": factor_id, "code": totp.at(clock(api).now())},
        headers=api.auth(),
    )
    assert r.status_code == 200, r.text
    token = r.json()["step_up_token"]
    assert token.startswith("v4.public.") and r.json()["strength"] == "standard"

    r = api.client.post(
        f"/v1/assessments/{aid}/confirm", headers={**api.auth(), "Step-Up-Token": token}
    )
    assert r.status_code == 200, r.text
    assert r.json()["decision"] == "challenge" and r.json()["factor_type"] == "totp"
    # The token is spent, and so is the transaction.
    r = api.client.post(
        f"/v1/assessments/{aid}/confirm", headers={**api.auth(), "Step-Up-Token": token}
    )
    assert_problem(r, 409, "assessment.already_confirmed")

    with api.container.reading() as session:
        actions = (
            session.execute(text("SELECT action FROM audit_entries ORDER BY seq")).scalars().all()
        )
        chain = session.execute(text("SELECT payload FROM audit_entries")).scalars().all()
    assert actions == [
        "auth.factor_enrolled",
        "auth.factor_activated",
        "assessment.decided",
        "auth.challenge_created",
        "auth.verify_failed",
        "auth.challenge_approved",
        "assessment.confirmed",
    ]
    # Neither codes nor the token reach the audit chain.
    blob = json.dumps([str(p) for p in chain])
    assert token not in blob and totp.at(clock(api).now()) not in blob


def test_a_token_confirms_only_its_own_transaction(api: Api) -> None:
    factor_id, totp = enroll_totp(api)
    clock(api).advance(seconds=30)
    first = challenged(api)
    # Same account, same payee, another amount, from a new device: 20 + 15 + 10 = 45.
    second = challenged(api, amount="0.26", context={"session_age_s": 5, "device_id": "d-2"})
    ch = api.client.post(f"/v1/assessments/{first['id']}/challenges", headers=api.auth()).json()
    token = api.client.post(
        f"/v1/challenges/{ch['id']}/verify",
        json={"factor_id": factor_id, "code": totp.at(clock(api).now())},
        headers=api.auth(),
    ).json()["step_up_token"]
    r = api.client.post(
        f"/v1/assessments/{second['id']}/confirm", headers={**api.auth(), "Step-Up-Token": token}
    )
    assert_problem(r, 401, "auth.invalid_step_up_token")
    # A changed amount under the same id (a tampered row) no longer matches the digest.
    with api.container.session() as session:
        session.execute(
            text("UPDATE assessments SET amount = '25' WHERE id = :id"), {"id": first["id"]}
        )
    r = api.client.post(
        f"/v1/assessments/{first['id']}/confirm", headers={**api.auth(), "Step-Up-Token": token}
    )
    assert_problem(r, 401, "auth.invalid_step_up_token")
    with api.container.session() as session:
        session.execute(
            text("UPDATE assessments SET amount = '0.25' WHERE id = :id"), {"id": first["id"]}
        )
    clock(api).advance(seconds=301)  # and after five minutes the token is dead
    r = api.client.post(
        f"/v1/assessments/{first['id']}/confirm", headers={**api.auth(), "Step-Up-Token": token}
    )
    problem = assert_problem(r, 401, "auth.invalid_step_up_token")
    assert "expired" in problem["detail"]


def test_five_failures_lock_the_factor_and_the_right_code_then_fails(api: Api) -> None:
    factor_id, totp = enroll_totp(api)
    clock(api).advance(seconds=30)
    aid = challenged(api)["id"]
    ch = api.client.post(f"/v1/assessments/{aid}/challenges", headers=api.auth()).json()
    right = totp.at(clock(api).now())
    wrong = f"{(int(right) + 7) % 1_000_000:06d}"
    for _ in range(5):
        r = api.client.post(
            f"/v1/challenges/{ch['id']}/verify",
            json={"factor_id": factor_id, "code": wrong},
            headers=api.auth(),
        )
        assert_problem(r, 401, "auth.verification_failed")
    r = api.client.post(
        f"/v1/challenges/{ch['id']}/verify",
        json={"factor_id": factor_id, "code": right},
        headers=api.auth(),
    )
    assert_problem(r, 401, "auth.verification_failed")  # locked: same answer, nothing told
    factors = api.client.get("/v1/accounts/acct-1/factors", headers=api.auth()).json()
    assert factors[0]["locked_until"] == "2026-03-01T09:01:30+00:00"  # 60 s from 09:00:30
    with api.container.reading() as session:
        locked = session.execute(
            text("SELECT count(*) FROM audit_entries WHERE action = 'auth.factor_locked'")
        ).scalar_one()
    assert locked == 1
    clock(api).advance(seconds=61)
    r = api.client.post(
        f"/v1/challenges/{ch['id']}/verify",
        json={"factor_id": factor_id, "code": totp.at(clock(api).now())},
        headers=api.auth(),
    )
    assert r.status_code == 200, r.text


def test_email_code_is_bound_to_the_payment_and_used_once(api: Api, tmp_path: Path) -> None:
    outbox = FileOutbox(tmp_path / "outbox")
    r = api.client.post(
        "/v1/accounts/acct-1/factors",
        json={"type": "email", "email": "ana@example.com"},
        headers=api.auth(),
    )
    assert r.status_code == 201, r.text
    enrolled = r.json()
    assert enrolled["sent_to"] == "a***@example.com"
    [enrol] = [m for m in outbox.messages() if m.purpose == "enrol"]
    enrol_code = enrol.text.split(" code ")[1][:6]
    r = api.client.post(
        f"/v1/accounts/acct-1/factors/{enrolled['factor_id']}/verify",
        json={"code": enrol_code},
        headers=api.auth(),
    )
    assert r.json()["status"] == "active"
    aid = challenged(api)["id"]
    ch = api.client.post(f"/v1/assessments/{aid}/challenges", headers=api.auth()).json()
    r = api.client.post(
        f"/v1/challenges/{ch['id']}/send",
        json={"factor_id": enrolled["factor_id"]},
        headers=api.auth(),
    )
    assert r.status_code == 200, r.text
    assert r.json()["sent_to"] == "a***@example.com"
    [message] = [m for m in outbox.messages() if m.purpose == "otp"]
    assert message.to == "ana@example.com"
    assert f"0.25 ETH to {GOOD_EVM[:8]}…{GOOD_EVM[-6:]}" in message.text  # dynamic linking
    code = message.text.split(" code ")[1][:6]
    # A resend within the cooldown is refused with Retry-After.
    r = api.client.post(
        f"/v1/challenges/{ch['id']}/send",
        json={"factor_id": enrolled["factor_id"]},
        headers=api.auth(),
    )
    assert_problem(r, 429, "auth.rate_limited")
    assert r.headers["retry-after"] == "31"
    proof = {"factor_id": enrolled["factor_id"], "code": code}
    r = api.client.post(f"/v1/challenges/{ch['id']}/verify", json=proof, headers=api.auth())
    assert r.status_code == 200, r.text
    r = api.client.post(f"/v1/challenges/{ch['id']}/verify", json=proof, headers=api.auth())
    assert_problem(r, 409, "auth.challenge_closed")


def test_strong_challenge_refuses_totp_and_takes_a_wallet_signature(api: Api) -> None:
    factor_id, _ = enroll_totp(api)
    message = f"trustdesk: link wallet {WALLET_ADDRESS} on ethereum to account acct-1 for approvals"
    enrol_sig = Account.sign_message(encode_defunct(text=message), WALLET_KEY).signature.hex()
    r = api.client.post(
        "/v1/accounts/acct-1/factors",
        json={
            "type": "wallet",
            "chain": "ethereum",
            "address": WALLET_ADDRESS.lower(),
            "signature": enrol_sig,
        },
        headers=api.auth(),
    )
    assert r.status_code == 201, r.text
    wallet_id = r.json()["factor_id"]
    out = strong_assessment(api)
    ch = api.client.post(f"/v1/assessments/{out['id']}/challenges", headers=api.auth()).json()
    assert ch["strength"] == "strong"
    by_id = {f["factor_id"]: f for f in ch["factors"]}
    assert by_id[factor_id]["usable"] is False
    assert "phishing" in by_id[factor_id]["reason"]
    assert by_id[wallet_id]["usable"] is True
    to_sign = by_id[wallet_id]["wallet_message"]
    assert f"Amount: {Decimal(out['amount']).normalize():f} ETH" in to_sign
    sig = Account.sign_message(encode_defunct(text=to_sign), WALLET_KEY).signature.hex()
    r = api.client.post(
        f"/v1/challenges/{ch['id']}/verify",
        json={"factor_id": factor_id, "code": "123456"},
        headers=api.auth(),
    )
    assert_problem(r, 401, "auth.verification_failed")
    r = api.client.post(
        f"/v1/challenges/{ch['id']}/verify",
        json={"factor_id": wallet_id, "signature": sig},
        headers=api.auth(),
    )
    assert r.status_code == 200, r.text
    assert r.json()["strength"] == "strong"
    r = api.client.post(
        f"/v1/assessments/{out['id']}/confirm",
        json={"step_up_token": r.json()["step_up_token"]},
        headers=api.auth(),
    )
    assert r.status_code == 200, r.text
    assert r.json()["factor_type"] == "wallet"


def strong_assessment(api: Api) -> dict[str, Any]:
    """Grey-listed device 30 + new account 10 + first-time payee 15 = 55: a strong challenge."""
    with api.container.session() as session:
        add_manual_entry(
            api.container.list_store(session),
            list_type=ListType.GREY,
            kind=SubjectKind.DEVICE,
            value="emulator-7",
            category="fraud",
            reason="seen in two account takeovers",
            now=clock(api).now(),
        )
    req = body(amount="1.5", context={"device_id": "emulator-7"})
    r = api.client.post("/v1/assessments", json=req, headers=api.auth())
    out: dict[str, Any] = r.json()
    assert (out["decision"], out["score"], out["strength"]) == ("challenge", 55, "strong"), out
    return out


def test_enrolment_refusals_send_nothing_and_hide_enrolment_state(api: Api, tmp_path: Path) -> None:
    outbox = FileOutbox(tmp_path / "outbox")
    for since in ("2020-01-01T00:00:00", "2099-01-01T00:00:00Z", "1970-01-01T00:00:00Z"):
        r = api.client.post(
            "/v1/accounts/acct-1/factors",
            json={"type": "sms", "phone": "+6281234567890", "number_since": since},
            headers=api.auth(),
        )
        assert_problem(r, 422, "input.invalid", "number_since")
    assert outbox.messages() == []
    r = api.client.post(
        "/v1/accounts/acct-1/factors",
        json={"type": "email", "email": "ana@example.com", "label": "mail\u202egnp.exe"},
        headers=api.auth(),
    )
    assert_problem(r, 422, "input.invalid", "label")
    r = api.client.post(
        "/v1/accounts/acct-1/factors",
        json={"type": "email", "email": "ana@example.com"},
        headers=api.auth(),
    )
    shown = r.json()["factor"]["params"]
    listed = api.client.get("/v1/accounts/acct-1/factors", headers=api.auth()).json()
    # The hash of the sent code would give the 6 digits away to an offline search.
    assert set(shown) == set(listed[0]["params"]) == {"sent_to", "enrol_code_expires"}


def test_a_code_typed_with_a_space_is_accepted(api: Api) -> None:
    r = api.client.post("/v1/accounts/acct-1/factors", json={"type": "totp"}, headers=api.auth())
    enrolled = r.json()
    code = pyotp.parse_uri(enrolled["otpauth_uri"]).at(clock(api).now())
    r = api.client.post(
        f"/v1/accounts/acct-1/factors/{enrolled['factor_id']}/verify",
        json={"code": f" {code[:3]} {code[3:]} "},
        headers=api.auth(),
    )
    assert r.status_code == 200, r.text
