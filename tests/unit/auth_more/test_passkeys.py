"""Passkeys end to end against the software authenticator in tests/support (cryptography +
cbor2, WebAuthn Level 2 data layouts)."""

from __future__ import annotations

import hashlib
import json

import pytest

from tests.support.webauthn_authenticator import (
    AAGUID,
    AT,
    CREDENTIAL_ID,
    ORIGIN,
    RP_ID,
    UP,
    USER_ID,
    UV,
    SoftAuthenticator,
    b64url,
)
from trustdesk.auth.passkeys import (
    PasskeyCredential,
    PasskeyRejected,
    authentication_options,
    registration_options,
    verify_authentication,
    verify_registration,
)
from trustdesk.core.errors import InvalidInput

REG_CHALLENGE = hashlib.sha256(b"register passkey for user-7f3a").digest()
TX_CHALLENGE = hashlib.sha256(b"approve tx 0xabc, 1.5 ETH").digest()


@pytest.fixture
def authenticator() -> SoftAuthenticator:
    return SoftAuthenticator()


@pytest.fixture
def registered(authenticator: SoftAuthenticator) -> PasskeyCredential:
    return verify_registration(
        authenticator.create(REG_CHALLENGE, counter=3),
        challenge=REG_CHALLENGE,
        rp_id=RP_ID,
        origin=ORIGIN,
    )


def _rejected_because(excinfo: pytest.ExceptionInfo[PasskeyRejected], reason: str) -> None:
    """Our message is generic; the library's reason rides on __cause__ for the logs."""
    assert excinfo.value.code == "auth.passkey_rejected"
    assert excinfo.value.status == 422
    assert excinfo.value.field == "credential"
    assert reason in str(excinfo.value.__cause__)


# --- options -----------------------------------------------------------------------------


def test_registration_options_ask_for_user_verification_and_no_attestation() -> None:
    other = b"\x01\x02\x03"
    options = json.loads(
        registration_options(
            rp_id=RP_ID,
            rp_name="Trustdesk",
            user_id=USER_ID,
            user_name="ana@example.com",
            challenge=REG_CHALLENGE,
            exclude=[CREDENTIAL_ID, other],
        )
    )
    assert options["challenge"] == b64url(REG_CHALLENGE)
    assert options["rp"] == {"id": RP_ID, "name": "Trustdesk"}
    assert options["user"] == {
        "id": b64url(USER_ID),
        "name": "ana@example.com",
        "displayName": "ana@example.com",
    }
    assert options["attestation"] == "none"
    assert options["authenticatorSelection"] == {
        "residentKey": "preferred",
        "requireResidentKey": False,
        "userVerification": "required",
    }
    assert options["hints"] == ["client-device"]
    assert [c["id"] for c in options["excludeCredentials"]] == [
        b64url(CREDENTIAL_ID),
        b64url(other),
    ]
    assert {p["alg"] for p in options["pubKeyCredParams"]} == {-8, -7, -257}


def test_authentication_options_require_user_verification() -> None:
    options = json.loads(
        authentication_options(rp_id=RP_ID, challenge=TX_CHALLENGE, allow=[CREDENTIAL_ID])
    )
    assert options["challenge"] == b64url(TX_CHALLENGE)
    assert options["rpId"] == RP_ID
    assert options["userVerification"] == "required"
    assert options["allowCredentials"] == [{"id": b64url(CREDENTIAL_ID), "type": "public-key"}]


def test_a_short_challenge_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        authentication_options(rp_id=RP_ID, challenge=b"", allow=[])


# --- registration ------------------------------------------------------------------------


def test_registration_returns_the_authenticators_credential(
    authenticator: SoftAuthenticator, registered: PasskeyCredential
) -> None:
    assert registered == PasskeyCredential(
        credential_id=CREDENTIAL_ID,
        public_key=authenticator.cose_key(),
        sign_count=3,
        aaguid=str(AAGUID),
        transports=["internal", "hybrid"],
    )


@pytest.mark.parametrize(
    ("kwargs", "verify_kwargs", "reason"),
    [
        ({}, {"challenge": b"\x00" * 32}, "challenge was not expected challenge"),
        ({"origin": "https://desk.example.com.evil"}, {}, "Unexpected client data origin"),
        ({"rp_id": "evil.example.com"}, {}, "Unexpected RP ID hash"),
        ({"flags": UP | AT}, {}, "User verification is required"),
    ],
    ids=["wrong-challenge", "wrong-origin", "wrong-rp-id", "no-user-verification"],
)
def test_registration_refuses(
    authenticator: SoftAuthenticator,
    kwargs: dict[str, object],
    verify_kwargs: dict[str, object],
    reason: str,
) -> None:
    response = authenticator.create(REG_CHALLENGE, **kwargs)  # type: ignore[arg-type]
    expected: dict[str, object] = {"challenge": REG_CHALLENGE, "rp_id": RP_ID, "origin": ORIGIN}
    expected.update(verify_kwargs)
    with pytest.raises(PasskeyRejected) as excinfo:
        verify_registration(response, **expected)  # type: ignore[arg-type]
    _rejected_because(excinfo, reason)
    assert str(excinfo.value) == "the passkey registration could not be verified; please try again"


@pytest.mark.parametrize("garbage", ["", "not json", "{}", '{"id": "x", "rawId": "x"}'])
def test_registration_garbage_is_invalid_input(garbage: str) -> None:
    with pytest.raises(InvalidInput):
        verify_registration(garbage, challenge=REG_CHALLENGE, rp_id=RP_ID, origin=ORIGIN)


# --- authentication ----------------------------------------------------------------------


def _verify(response: str, credential: PasskeyCredential, **overrides: object) -> int:
    expected: dict[str, object] = {"challenge": TX_CHALLENGE, "rp_id": RP_ID, "origin": ORIGIN}
    expected.update(overrides)
    return verify_authentication(response, credential=credential, **expected)  # type: ignore[arg-type]


def test_assertion_approves_the_callers_challenge_and_returns_the_new_count(
    authenticator: SoftAuthenticator, registered: PasskeyCredential
) -> None:
    assert _verify(authenticator.get(TX_CHALLENGE, counter=4), registered) == 4
    assert _verify(authenticator.get(TX_CHALLENGE, counter=1000), registered) == 1000


@pytest.mark.parametrize(
    ("get_kwargs", "verify_kwargs", "reason"),
    [
        ({}, {"challenge": hashlib.sha256(b"approve tx 0xabc, 9 ETH").digest()}, "challenge"),
        ({"origin": "https://evil.example.com"}, {}, "Unexpected client data origin"),
        ({}, {"origin": "https://other.example.com"}, "Unexpected client data origin"),
        ({"rp_id": "example.com"}, {}, "Unexpected RP ID hash"),
        ({}, {"rp_id": "example.com"}, "Unexpected RP ID hash"),
        ({"flags": UP}, {}, "User verification is required"),
        ({"flags": UV}, {}, "User was not present"),
        ({"tamper_signature": True}, {}, "Could not verify authentication signature"),
    ],
    ids=[
        "other-transaction",
        "phished-origin",
        "expected-other-origin",
        "signed-for-other-rp",
        "expected-other-rp",
        "no-user-verification",
        "no-user-presence",
        "tampered-signature",
    ],
)
def test_assertion_refuses(
    authenticator: SoftAuthenticator,
    registered: PasskeyCredential,
    get_kwargs: dict[str, object],
    verify_kwargs: dict[str, object],
    reason: str,
) -> None:
    response = authenticator.get(TX_CHALLENGE, counter=4, **get_kwargs)  # type: ignore[arg-type]
    with pytest.raises(PasskeyRejected) as excinfo:
        _verify(response, registered, **verify_kwargs)
    _rejected_because(excinfo, reason)
    assert str(excinfo.value) == "the passkey confirmation could not be verified; please try again"


@pytest.mark.parametrize("counter", [3, 2, 0])
def test_a_counter_that_does_not_move_forward_means_a_clone(
    authenticator: SoftAuthenticator, registered: PasskeyCredential, counter: int
) -> None:
    assert registered.sign_count == 3
    with pytest.raises(PasskeyRejected) as excinfo:
        _verify(authenticator.get(TX_CHALLENGE, counter=counter), registered)
    _rejected_because(excinfo, "was not greater than current count of 3")


def test_authenticators_without_a_counter_stay_at_zero(authenticator: SoftAuthenticator) -> None:
    credential = verify_registration(
        authenticator.create(REG_CHALLENGE, counter=0),
        challenge=REG_CHALLENGE,
        rp_id=RP_ID,
        origin=ORIGIN,
    )
    assert credential.sign_count == 0
    assert _verify(authenticator.get(TX_CHALLENGE, counter=0), credential) == 0


def test_an_assertion_from_another_credential_is_refused(
    registered: PasskeyCredential,
) -> None:
    stranger = SoftAuthenticator(credential_id=b"another-credential-id")
    with pytest.raises(PasskeyRejected) as excinfo:
        _verify(stranger.get(TX_CHALLENGE, counter=9), registered)
    _rejected_because(excinfo, "different credential")


def test_same_id_but_another_key_fails_the_signature(registered: PasskeyCredential) -> None:
    impostor = SoftAuthenticator()  # same credential id, its own key
    with pytest.raises(PasskeyRejected) as excinfo:
        _verify(impostor.get(TX_CHALLENGE, counter=9), registered)
    _rejected_because(excinfo, "Could not verify authentication signature")


@pytest.mark.parametrize("garbage", ["", "[]", "{}", json.dumps({"id": b64url(CREDENTIAL_ID)})])
def test_assertion_garbage_is_invalid_input(registered: PasskeyCredential, garbage: str) -> None:
    with pytest.raises(InvalidInput):
        _verify(garbage, registered)
