"""Every factor type through the API, as a wallet backend drives it for a real user.

Each proof is made by an independent implementation: PyNaCl and cryptography sign push
approvals, a software authenticator answers WebAuthn, pyotp computes OTPs, the dynamic CVV
is recomputed with hmac, a local push service receives the encrypted Web Push and our own
RFC 8291 decryptor reads it, and SMS and e-mail codes are read from the file outbox.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import struct
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
import pytest
from eth_account import Account
from eth_account.messages import encode_defunct
from pydantic import SecretStr
from sqlalchemy import text
from structlog.testing import capture_logs

from tests.api.conftest import GOOD_EVM, Api, assert_problem, body
from tests.api.test_stepup import (
    SCOPES,
    WALLET_ADDRESS,
    WALLET_KEY,
    challenged,
    clock,
    enroll_totp,
)
from tests.support.push_device import Device, as_seen_on_phone
from tests.support.webauthn_authenticator import (
    CREDENTIAL_ID,
    ORIGIN,
    RP_ID,
    SoftAuthenticator,
    b64url,
    b64url_decode,
)
from tests.support.webpush_client import Browser, PushService, make_browser, run_push_service
from trustdesk.audit.service import verify
from trustdesk.auth.apikeys import create_api_key
from trustdesk.auth.delivery import FileOutbox, OutboundMessage
from trustdesk.auth.factors import device_enrolment_message
from trustdesk.auth.model import approval_message
from trustdesk.auth.webpush import VapidSigner
from trustdesk.bootstrap import build_container
from trustdesk.core.clock import FixedClock
from trustdesk.lists.model import ListType, SubjectKind
from trustdesk.lists.service import add_manual_entry
from trustdesk.settings import Settings
from trustdesk.web.app import create_app

START = datetime.fromisoformat("2026-03-01T09:00:00+00:00")
GREY_DEVICE = "emulator-7"
PHONE_NEW, PHONE_OLD = "+6281234567890", "+6281298765432"
ADDRESS = "ana@example.com"


@pytest.fixture
def api(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    from starlette.testclient import TestClient

    monkeypatch.setenv("TRUSTDESK_OUTBOX_DIR", str(tmp_path / "outbox"))
    settings = Settings(
        database_url=database_url,
        push_allow_insecure=True,  # the push service is plain http on 127.0.0.1
        vapid_private_key=SecretStr(VapidSigner.generate().private_key_pem().decode()),
        webauthn_rp_id=RP_ID,
        webauthn_origin=ORIGIN,
    )
    container = build_container(settings, clock=FixedClock(START))
    with container.session() as session:
        key = create_api_key(session, "wallet-backend", SCOPES, container.clock.now())
    try:
        with TestClient(create_app(container)) as client:
            yield Api(client, container, key)
    finally:
        container.close()


@pytest.fixture
def outbox(tmp_path: Path) -> FileOutbox:
    return FileOutbox(tmp_path / "outbox")


@pytest.fixture
def push_service() -> Iterator[PushService]:
    with run_push_service() as service:
        yield service


# --- the wallet backend's calls ----------------------------------------------------------


def enroll(api: Api, account: str = "acct-1", **fields: Any) -> dict[str, Any]:
    r = api.client.post(f"/v1/accounts/{account}/factors", json=fields, headers=api.auth())
    assert r.status_code == 201, r.text
    assert r.headers["cache-control"] == "no-store"
    out: dict[str, Any] = r.json()
    return out


def prove(
    api: Api, factor_id: str, account: str = "acct-1", ip: str | None = None, **proof: Any
) -> Any:
    headers = api.auth() | ({"X-End-User-IP": ip} if ip is not None else {})
    return api.client.post(
        f"/v1/accounts/{account}/factors/{factor_id}/verify", json=proof, headers=headers
    )


def open_challenge(api: Api, assessment_id: str) -> dict[str, Any]:
    r = api.client.post(f"/v1/assessments/{assessment_id}/challenges", headers=api.auth())
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def answer(api: Api, challenge_id: str, **proof: Any) -> Any:
    return api.client.post(f"/v1/challenges/{challenge_id}/verify", json=proof, headers=api.auth())


def send(api: Api, challenge_id: str, factor_id: str) -> Any:
    return api.client.post(
        f"/v1/challenges/{challenge_id}/send", json={"factor_id": factor_id}, headers=api.auth()
    )


def confirm(api: Api, assessment_id: str, token: str | None = None) -> Any:
    headers = api.auth() | ({"Step-Up-Token": token} if token is not None else {})
    return api.client.post(f"/v1/assessments/{assessment_id}/confirm", headers=headers)


def accepted(response: Any, factor_id: str, status: str = "active") -> None:
    assert response.status_code == 200, response.text
    assert response.json() == {"factor_id": factor_id, "accepted": True, "status": status}


def token_of(response: Any, strength: str) -> str:
    assert response.status_code == 200, response.text
    out = response.json()
    assert out["strength"] == strength and out["token_type"] == "PASETO-v4-public"
    token: str = out["step_up_token"]
    return token


def confirmed(api: Api, assessment_id: str, token: str, factor_type: str) -> None:
    r = confirm(api, assessment_id, token)
    assert r.status_code == 200, r.text
    assert r.json()["decision"] == "challenge" and r.json()["factor_type"] == factor_type


def by_id(challenge: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["factor_id"]: f for f in challenge["factors"]}


def strong(api: Api, amount: str) -> dict[str, Any]:
    """A payment from the grey-listed device: at least a challenge, and a strong one."""
    req = body(amount=amount, context={"device_id": GREY_DEVICE})
    r = api.client.post("/v1/assessments", json=req, headers=api.auth())
    out: dict[str, Any] = r.json()
    assert (out["decision"], out["strength"]) == ("challenge", "strong"), out
    return out


def grey_list_device(api: Api) -> None:
    add_entry(api, ListType.GREY, SubjectKind.DEVICE, GREY_DEVICE)


def add_entry(api: Api, list_type: ListType, kind: SubjectKind, value: str) -> None:
    with api.container.session() as session:
        add_manual_entry(
            api.container.list_store(session),
            list_type=list_type,
            kind=kind,
            value=value,
            category="fraud",
            reason="seen in two account takeovers",
            now=clock(api).now(),
        )


def expected_digest(assessment_id: str, amount: str) -> str:
    """The binding digest computed by hand: SHA-256 over the sorted, compact JSON."""
    bound = {
        "amount": amount,
        "asset": "ETH",
        "assessment_id": assessment_id,
        "destination": GOOD_EVM.lower(),  # the canonical comparison form of an EVM address
    }
    return hashlib.sha256(
        json.dumps(bound, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


def only_message(outbox: FileOutbox, to: str, purpose: str) -> OutboundMessage:
    """The one message of this purpose sent to ``to``. (Outbox files sort by time, then by
    channel and id, so under a fixed clock "the last file" need not be the last message.)"""
    [message] = [m for m in outbox.messages() if (m.to, m.purpose) == (to, purpose)]
    return message


def outbox_code(message: OutboundMessage) -> str:
    found = re.search(r" code (\d{6})\b", message.text)
    assert found is not None, message.text
    return found.group(1)


# --- 2. push approval with a device-bound key --------------------------------------------


def pushed(
    api: Api, service: PushService, browser: Browser, challenge: dict[str, Any], fid: str
) -> Any:
    """Send the challenge to the phone; what the phone decrypts from the push service."""
    r = send(api, challenge["id"], fid)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "challenge_id": challenge["id"],
        "factor_id": fid,
        "channel": "push",
        "sent_to": "device",
        "expires_at": challenge["expires_at"],
    }
    request = service.requests[-1]
    headers, sealed = request["headers"], request["body"]
    assert isinstance(headers, dict) and isinstance(sealed, bytes)
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["ttl"] == "300"  # the challenge's remaining life
    return json.loads(browser.read(sealed))


@pytest.mark.parametrize("algorithm", ["ed25519", "p256"])
def test_push_approval_signed_by_the_device_confirms_the_payment(
    api: Api, push_service: PushService, algorithm: str
) -> None:
    grey_list_device(api)
    browser = make_browser(push_service.url + "/push/phone-1")
    device = Device(algorithm)
    enrolled = enroll(api, **device.enrolment("acct-1", browser.subscription_json()))
    fid = enrolled["factor_id"]
    assert enrolled["factor"]["status"] == "active"
    assert enrolled["factor"]["params"] == {
        "key_algorithm": algorithm,
        "public_key": base64.b64encode(device.public_key).decode(),
        "push": True,
    }
    out = strong(api, "1.5")
    ch = open_challenge(api, out["id"])
    assert ch["strength"] == "strong" and by_id(ch)[fid]["usable"] is True

    payload = pushed(api, push_service, browser, ch, fid)
    numbers = payload.pop("numbers")
    assert payload == {
        "type": "trustdesk.push-challenge.v1",
        "challenge_id": ch["id"],
        "amount": "1.5",
        "asset": "ETH",
        "destination": GOOD_EVM,
        "digest": expected_digest(out["id"], "1.5"),
        "expires_at": "2026-03-01T09:05:00+00:00",
    }
    assert payload["digest"] == ch["digest"]
    assert len(set(numbers)) == 3 and all(0 <= n <= 99 for n in numbers)
    assert ch["number_match"] in numbers
    seen = as_seen_on_phone(payload)

    # The user taps a number that is not on the payment screen: signed, but refused.
    wrong = next(n for n in numbers if n != ch["number_match"])
    proof = {"factor_id": fid, "number": wrong, "answer": "approve"}
    r = answer(
        api, ch["id"], **proof, signature=device.sign(approval_message(seen, wrong, "approve"))
    )
    assert_problem(r, 401, "auth.verification_failed")
    # Another key's signature over the right number: refused too.
    right = ch["number_match"]
    forged = Device(algorithm).sign(approval_message(seen, right, "approve"))
    proof = {"factor_id": fid, "number": right, "answer": "approve"}
    assert_problem(
        answer(api, ch["id"], **proof, signature=forged), 401, "auth.verification_failed"
    )

    signature = device.sign(approval_message(seen, right, "approve"))
    token = token_of(answer(api, ch["id"], **proof, signature=signature), "strong")
    confirmed(api, out["id"], token, "push")


def test_push_deny_closes_the_payment_and_alerts_the_desk(
    api: Api, push_service: PushService
) -> None:
    grey_list_device(api)
    browser = make_browser(push_service.url + "/push/phone-2")
    device = Device("p256")
    fid = enroll(api, **device.enrolment("acct-1", browser.subscription_json()))["factor_id"]
    out = strong(api, "2")
    # An approval that was never used: the wallet holds its token, then asks again.
    ch = open_challenge(api, out["id"])
    seen = as_seen_on_phone(pushed(api, push_service, browser, ch, fid))
    number = ch["number_match"]
    approve = {"factor_id": fid, "number": number, "answer": "approve"}
    signature = device.sign(approval_message(seen, number, "approve"))
    earlier = token_of(answer(api, ch["id"], **approve, signature=signature), "strong")
    ch = open_challenge(api, out["id"])
    seen = as_seen_on_phone(pushed(api, push_service, browser, ch, fid))
    number = ch["number_match"]
    deny = {"factor_id": fid, "number": number, "answer": "deny"}

    r = answer(api, ch["id"], **deny, signature=device.sign(approval_message(seen, number, "deny")))

    problem = assert_problem(r, 409, "auth.challenge_closed")
    assert "security team" in problem["detail"]
    with api.container.reading() as session:
        alerts = session.execute(
            text("SELECT account_id, kind, status, details FROM security_alerts")
        ).all()
        denied = (
            session.execute(
                text("SELECT payload FROM audit_entries WHERE action = 'auth.push_denied'")
            )
            .scalars()
            .all()
        )
    assert [(a.account_id, a.kind, a.status) for a in alerts] == [("acct-1", "push_denied", "open")]
    expected = {"challenge_id": ch["id"], "assessment_id": out["id"], "factor_id": fid}
    assert [as_json(alerts[0].details), *map(as_json, denied)] == [expected, expected]
    shown = api.client.get(f"/v1/challenges/{ch['id']}", headers=api.auth()).json()
    assert shown["status"] == "denied"

    # Nothing turns the refusal into a confirmation: not the earlier token, not a late
    # approval of the denied challenge, not a new challenge.
    r = confirm(api, out["id"], earlier)
    problem = assert_problem(r, 409, "assessment.not_confirmable", "assessment_id")
    assert problem["detail"] == "this transaction was refused on the user's device"
    late = {**deny, "answer": "approve"}
    signature = device.sign(approval_message(seen, number, "approve"))
    assert_problem(answer(api, ch["id"], **late, signature=signature), 409, "auth.challenge_closed")
    r = api.client.post(f"/v1/assessments/{out['id']}/challenges", headers=api.auth())
    assert_problem(r, 409, "auth.challenge_closed")
    assert_problem(confirm(api, out["id"]), 409, "assessment.not_confirmable")


def as_json(value: Any) -> Any:
    """A JSON column as read raw: PostgreSQL's driver parses it, SQLite's gives text."""
    return json.loads(value) if isinstance(value, str) else value


# --- 3. WebAuthn -------------------------------------------------------------------------


def test_passkey_assertion_over_the_challenge_confirms_only_that_payment(api: Api) -> None:
    grey_list_device(api)
    authenticator = SoftAuthenticator()
    enrolled = enroll(api, type="webauthn")
    fid, options = enrolled["factor_id"], enrolled["webauthn_options"]
    assert enrolled["factor"]["status"] == "pending"
    assert options["rp"] == {"id": RP_ID, "name": "trustdesk"}
    assert options["user"]["name"] == "acct-1"
    created = authenticator.create(b64url_decode(options["challenge"]), counter=0)
    accepted(prove(api, fid, response=json.loads(created)), fid)

    first, second = strong(api, "1.5"), strong(api, "1.6")
    ch1, ch2 = open_challenge(api, first["id"]), open_challenge(api, second["id"])
    prompt = by_id(ch1)[fid]["webauthn_options"]
    # The WebAuthn challenge is SHA-256("<challenge id>:<digest>"): the assertion signs the payment.
    bound = hashlib.sha256(f"{ch1['id']}:{expected_digest(first['id'], '1.5')}".encode()).digest()
    assert prompt["challenge"] == b64url(bound)
    assert prompt["rpId"] == RP_ID and prompt["userVerification"] == "required"
    assert prompt["allowCredentials"] == [{"id": b64url(CREDENTIAL_ID), "type": "public-key"}]

    assertion = json.loads(authenticator.get(bound, counter=1))
    r = answer(api, ch2["id"], factor_id=fid, response=assertion)
    assert_problem(r, 401, "auth.verification_failed")
    token = token_of(answer(api, ch1["id"], factor_id=fid, response=assertion), "strong")
    confirmed(api, first["id"], token, "webauthn")
    # The token of the first payment does not confirm the second.
    assert_problem(confirm(api, second["id"], token), 401, "auth.invalid_step_up_token")


# --- 4. HOTP -----------------------------------------------------------------------------


def test_hotp_look_ahead_resync_and_replay(api: Api) -> None:
    enrolled = enroll(api, type="hotp")
    fid = enrolled["factor_id"]
    hotp = pyotp.parse_uri(enrolled["otpauth_uri"])
    assert isinstance(hotp, pyotp.HOTP) and hotp.initial_count == 0
    accepted(prove(api, fid, code=hotp.at(0)), fid)
    # Three presses that never reached us: the look-ahead window still finds counter 4.
    accepted(prove(api, fid, code=hotp.at(4)), fid)
    for used in (4, 2):  # the same code again, and one the window has passed
        assert_problem(prove(api, fid, code=hotp.at(used)), 401, "auth.verification_failed")
    assert_problem(prove(api, fid, code=hotp.at(40)), 401, "auth.verification_failed")

    resync = f"/v1/accounts/acct-1/factors/{fid}/resync"
    r = api.client.post(
        resync, json={"code1": hotp.at(40), "code2": hotp.at(41)}, headers=api.auth()
    )
    accepted(r, fid)
    assert_problem(prove(api, fid, code=hotp.at(41)), 401, "auth.verification_failed")
    r = api.client.post(
        resync, json={"code1": hotp.at(40), "code2": hotp.at(41)}, headers=api.auth()
    )
    assert_problem(r, 401, "auth.verification_failed")
    accepted(prove(api, fid, code=hotp.at(42)), fid)


# --- 5. recovery codes -------------------------------------------------------------------


def test_recovery_codes_are_shown_once_work_once_and_never_approve_a_payment(api: Api) -> None:
    enrolled = enroll(api, type="recovery")
    fid, codes = enrolled["factor_id"], enrolled["recovery_codes"]
    assert len(set(codes)) == 10
    assert all(re.fullmatch(r"[0-9a-hjkmnp-tv-z]{4}(-[0-9a-hjkmnp-tv-z]{4}){2}", c) for c in codes)
    assert enrolled["factor"]["status"] == "active" and enrolled["factor"]["params"] == {
        "count": 10
    }
    listed = api.client.get("/v1/accounts/acct-1/factors", headers=api.auth())
    assert [f["params"] for f in listed.json()] == [{"count": 10}]
    assert not any(c in listed.text for c in codes)

    accepted(prove(api, fid, code=codes[0]), fid)
    assert_problem(prove(api, fid, code=codes[0]), 401, "auth.verification_failed")
    # Typed the way people type: upper case, spaces for dashes.
    accepted(prove(api, fid, code=codes[1].upper().replace("-", " ")), fid)

    ch = open_challenge(api, challenged(api)["id"])
    assert ch["factors"] == []  # recovery is not offered...
    r = answer(api, ch["id"], factor_id=fid, code=codes[2])
    assert_problem(r, 401, "auth.verification_failed")  # ...nor taken
    accepted(prove(api, fid, code=codes[2]), fid)  # and the code was not spent by the try


# --- 6. dynamic CVV ----------------------------------------------------------------------


def dynamic_cvv(secret_base32: str, at: datetime) -> str:
    """HMAC-SHA256 over the 5-minute step, RFC 4226 truncation, 3 digits."""
    secret = base64.b32decode(secret_base32 + "=" * (-len(secret_base32) % 8))
    mac = hmac.new(secret, struct.pack(">Q", int(at.timestamp()) // 300), hashlib.sha256).digest()
    offset = mac[31] & 0x0F
    return f"{(int.from_bytes(mac[offset : offset + 4], 'big') & 0x7FFFFFFF) % 1000:03d}"


def test_dynamic_cvv_enrol_and_verify(api: Api) -> None:
    enrolled = enroll(api, type="cvv")
    fid, secret = enrolled["factor_id"], enrolled["secret_base32"]
    assert len(base64.b32decode(secret + "=" * (-len(secret) % 8))) == 20
    assert enrolled["factor"]["params"] == {"digits": 3, "period": 300}
    now = clock(api).now()
    code = dynamic_cvv(secret, now)
    # Three digits collide often: the wrong code must miss the whole ±1-step window.
    window = {dynamic_cvv(secret, now + timedelta(seconds=d)) for d in (-300, 0, 300)}
    wrong = next(c for c in (f"{n:03d}" for n in range(1000)) if c not in window)
    assert_problem(prove(api, fid, code=wrong), 401, "auth.verification_failed")
    accepted(prove(api, fid, code=code), fid)
    assert_problem(prove(api, fid, code=code), 401, "auth.verification_failed")  # step spent
    clock(api).advance(seconds=300)
    accepted(prove(api, fid, code=dynamic_cvv(secret, clock(api).now())), fid)


# --- 7. SMS ------------------------------------------------------------------------------


def enroll_sms(api: Api, outbox: FileOutbox, phone: str, days_ago: int) -> str:
    since = clock(api).now() - timedelta(days=days_ago)
    enrolled = enroll(api, type="sms", phone=phone, number_since=since.isoformat())
    assert enrolled["sent_to"] == f"+62{'*' * 9}{phone[-2:]}"
    message = only_message(outbox, phone, "enrol")
    assert message.channel == "sms"
    fid: str = enrolled["factor_id"]
    accepted(prove(api, fid, code=outbox_code(message)), fid)
    return fid


def test_sms_sim_swap_guard_amount_limit_and_outbox_delivery(api: Api, outbox: FileOutbox) -> None:
    swapped = enroll_sms(api, outbox, PHONE_NEW, days_ago=7 - 1)
    settled = enroll_sms(api, outbox, PHONE_OLD, days_ago=7 + 1)

    big = challenged(api, amount="1.5")
    factors = by_id(open_challenge(api, big["id"]))
    assert (factors[swapped]["usable"], factors[swapped]["reason"]) == (
        False,
        "the phone number changed within 7 days (SIM-swap guard)",
    )
    assert (factors[settled]["usable"], factors[settled]["reason"]) == (
        False,
        "SMS is not accepted above 1 ETH",
    )

    small = challenged(api, context={"session_age_s": 5, "device_id": "d-2"})
    ch = open_challenge(api, small["id"])
    assert by_id(ch)[swapped]["usable"] is False
    assert (by_id(ch)[settled]["usable"], by_id(ch)[settled]["reason"]) == (True, None)
    assert_problem(send(api, ch["id"], swapped), 422, "input.invalid", "factor_id")
    r = send(api, ch["id"], settled)
    assert r.status_code == 200, r.text
    assert r.json()["sent_to"] == "+62*********32"
    message = only_message(outbox, PHONE_OLD, "otp")
    assert message.channel == "sms"
    assert f"0.25 ETH to {GOOD_EVM[:8]}…{GOOD_EVM[-6:]}" in message.text
    token = token_of(
        answer(api, ch["id"], factor_id=settled, code=outbox_code(message)), "standard"
    )
    confirmed(api, small["id"], token, "sms")


# --- 8. rate limits ----------------------------------------------------------------------


def test_verify_attempts_are_limited_per_account(api: Api) -> None:
    factor_id, totp = enroll_totp(api)  # the activation is attempt 1, at 09:00:00
    clock(api).advance(seconds=15)
    for _ in range(9):  # guessing at factor ids: refused, and counted
        assert_problem(prove(api, "fac_guessed"), 401, "auth.verification_failed")

    r = prove(api, factor_id, code=totp.at(clock(api).now()))  # attempt 11, the right code

    assert_problem(r, 429, "auth.rate_limited")
    assert r.headers["retry-after"] == "45"  # the minute's window ends at 09:01:00
    clock(api).advance(seconds=45)
    accepted(prove(api, factor_id, code=totp.at(clock(api).now())), factor_id)


def test_verify_attempts_are_limited_per_end_user_ip(api: Api) -> None:
    ip = "203.0.113.7"
    for n in range(30):  # 30 attempts over four accounts, none over its own limit of 10
        r = prove(api, "fac_guessed", account=f"acct-ip{n // 8}", ip=ip)
        assert_problem(r, 401, "auth.verification_failed")

    r = prove(api, "fac_guessed", account="acct-ip4", ip=ip)

    assert_problem(r, 429, "auth.rate_limited")
    assert r.headers["retry-after"] == "60"
    other = prove(api, "fac_guessed", account="acct-ip4", ip="2001:db8::7")
    assert_problem(other, 401, "auth.verification_failed")
    bad = prove(api, "fac_guessed", account="acct-ip4", ip="203.0.113")
    assert_problem(bad, 422, "input.invalid", "X-End-User-IP")


# --- 9. bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"type": "passkey"}, "type"),
        ({"type": "totp", "digits": 9}, "digits"),
        ({"type": "sms", "phone": "0812 3456 7890"}, "phone"),
        ({"type": "sms"}, "phone"),
        ({"type": "email", "email": "ana@@example.com"}, "email"),
        ({"type": "push", "key_algorithm": "ed25519", "public_key": "AAAA"}, "public_key"),
    ],
    ids=["unknown-type", "totp-9-digits", "bad-phone", "no-phone", "bad-email", "bad-key"],
)
def test_bad_enrolment_names_the_field(api: Api, fields: dict[str, Any], field: str) -> None:
    r = api.client.post("/v1/accounts/acct-1/factors", json=fields, headers=api.auth())
    assert_problem(r, 422, "input.invalid", field)
    assert api.client.get("/v1/accounts/acct-1/factors", headers=api.auth()).json() == []


def test_enrolment_without_proof_of_possession_is_refused(api: Api) -> None:
    wrong = "trustdesk: link wallet to account acct-2"  # signed, but not the enrolment message
    signature = Account.sign_message(encode_defunct(text=wrong), WALLET_KEY).signature.hex()
    wallet = {"type": "wallet", "chain": "ethereum", "address": WALLET_ADDRESS}
    r = api.client.post(
        "/v1/accounts/acct-1/factors", json=wallet | {"signature": signature}, headers=api.auth()
    )
    assert_problem(r, 422, "input.invalid", "signature")
    device, other = Device("ed25519"), Device("ed25519")
    push = device.enrolment("acct-1", make_browser("http://127.0.0.1:9/p").subscription_json())
    push["signature"] = other.sign(device_enrolment_message("acct-1", "ed25519", device.public_key))
    r = api.client.post("/v1/accounts/acct-1/factors", json=push, headers=api.auth())
    assert_problem(r, 422, "input.invalid", "signature")


def test_another_accounts_factor_gets_the_generic_refusal(api: Api) -> None:
    factor_id, totp = enroll_totp(api, "acct-1")
    clock(api).advance(seconds=30)
    code = totp.at(clock(api).now())
    r = prove(api, factor_id, account="acct-2", code=code)
    problem = assert_problem(r, 401, "auth.verification_failed")
    assert problem["detail"] == "the code or signature was not accepted"
    theirs = challenged(api, account_id="acct-2")
    ch = open_challenge(api, theirs["id"])
    assert ch["factors"] == []
    assert_problem(
        answer(api, ch["id"], factor_id=factor_id, code=code), 401, "auth.verification_failed"
    )
    accepted(prove(api, factor_id, code=code), factor_id)  # the owner's code was not spent


def test_only_a_challenge_decision_is_stepped_up_and_confirmed_with_a_token(api: Api) -> None:
    add_entry(api, ListType.BLOCK, SubjectKind.DEVICE, "stolen-phone")
    add_entry(api, ListType.GREY, SubjectKind.ACCOUNT, "acct-watched")
    decided = {}
    for name, req in {
        "block": body(context={"device_id": "stolen-phone"}),
        "review": body(account_id="acct-watched"),
        "allow": body(),
    }.items():
        r = api.client.post("/v1/assessments", json=req, headers=api.auth())
        assert r.json()["decision"] == name, r.text
        decided[name] = r.json()["id"]
    for name, detail in (
        ("block", "this transaction is blocked"),
        ("review", "this transaction is held for review"),
    ):
        problem = assert_problem(
            confirm(api, decided[name], "v4.public.x"), 409, "assessment.not_confirmable"
        )
        assert (problem["field"], problem["detail"]) == ("assessment_id", detail)
    r = api.client.post(f"/v1/assessments/{decided['allow']}/challenges", headers=api.auth())
    assert_problem(r, 409, "assessment.not_confirmable", "assessment_id")
    r = confirm(api, decided["allow"])
    assert r.status_code == 200 and r.json()["factor_type"] is None

    r = api.client.get("/v1/challenges/chl_unknown", headers=api.auth())
    assert_problem(r, 404, "resource.not_found", "challenge_id")
    r = answer(api, "chl_unknown", factor_id="fac_x", code="123456")
    assert_problem(r, 404, "resource.not_found", "challenge_id")
    r = api.client.post("/v1/assessments/asm_unknown/challenges", headers=api.auth())
    assert_problem(r, 404, "resource.not_found", "assessment_id")

    aid = challenged(api, account_id="acct-3")["id"]
    for malformed in ("not-a-token", "v4.public.bm90IGEgdG9rZW4", "v4.local.AAAA"):
        assert_problem(confirm(api, aid, malformed), 401, "auth.invalid_step_up_token")


# --- 10. nothing secret in the audit chain or the logs -----------------------------------


def test_a_full_flow_leaves_no_secret_in_the_audit_chain_or_logs(
    api: Api, outbox: FileOutbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets: list[str] = [ADDRESS, PHONE_OLD, PHONE_OLD.removeprefix("+")]
    with capture_logs() as logs:
        factor_id, totp = enroll_totp(api)
        email = enroll(api, type="email", email=ADDRESS)
        codes = [totp.at(clock(api).now())]
        codes.append(outbox_code(only_message(outbox, ADDRESS, "enrol")))
        accepted(prove(api, email["factor_id"], code=codes[-1]), email["factor_id"])
        sms = enroll_sms(api, outbox, PHONE_OLD, days_ago=30)
        codes.append(outbox_code(only_message(outbox, PHONE_OLD, "enrol")))
        clock(api).advance(seconds=30)

        def approve(device: str, factor: str, code: Callable[[str], str]) -> str:
            aid = challenged(api, context={"session_age_s": 5, "device_id": device})["id"]
            ch = open_challenge(api, aid)
            codes.append(code(ch["id"]))
            token = token_of(answer(api, ch["id"], factor_id=factor, code=codes[-1]), "standard")
            confirmed(api, aid, token, by_id(ch)[factor]["type"])
            return token

        def sent(challenge_id: str, factor: str, to: str) -> str:
            assert send(api, challenge_id, factor).status_code == 200
            return outbox_code(only_message(outbox, to, "otp"))

        wrong = f"{(int(totp.at(clock(api).now())) + 1) % 1_000_000:06d}"
        codes.append(wrong)
        assert_problem(prove(api, factor_id, code=wrong), 401, "auth.verification_failed")
        tokens = [
            approve("d-1", factor_id, lambda _: totp.at(clock(api).now())),
            approve("d-2", email["factor_id"], lambda c: sent(c, email["factor_id"], ADDRESS)),
            approve("d-3", sms, lambda c: sent(c, sms, PHONE_OLD)),
        ]
    secrets += [totp.secret, *tokens]

    with api.container.reading() as session:
        rows = session.execute(
            text(
                "SELECT action, subject, CAST(payload AS TEXT) AS payload "
                "FROM audit_entries ORDER BY seq"
            )
        ).all()
        result = verify(api.container.audit_log(session))
    assert [r.action for r in rows] == [
        "auth.factor_enrolled",
        "auth.factor_activated",
        "auth.factor_enrolled",
        "auth.factor_activated",
        "auth.factor_enrolled",
        "auth.factor_activated",
        "auth.verify_failed",
        *["assessment.decided", "auth.challenge_created", "auth.challenge_approved"],
        "assessment.confirmed",
        *["assessment.decided", "auth.challenge_created", "auth.challenge_sent"],
        *["auth.challenge_approved", "assessment.confirmed"],
        *["assessment.decided", "auth.challenge_created", "auth.challenge_sent"],
        *["auth.challenge_approved", "assessment.confirmed"],
    ]
    assert (result.ok, result.checked, result.first_bad_seq) == (True, len(rows), None)
    chain = "\n".join(f"{r.action} {r.subject} {r.payload}" for r in rows)
    log_text = json.dumps(logs, default=str) + caplog.text
    assert any(e.get("path", "").endswith("/verify") and e["status"] == 200 for e in logs)
    assert len(codes) == 7 and len(tokens) == 3
    for where in (chain, log_text):
        for secret in secrets:
            assert secret not in where
        for code in codes:  # a whole number on its own, not digits inside a hash
            assert re.search(rf"(?<![0-9A-Za-z]){code}(?![0-9A-Za-z])", where) is None, code
