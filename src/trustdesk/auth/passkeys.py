"""Passkeys (WebAuthn) for step-up: py_webauthn does the ceremony checks, we set the policy.

Policy: user verification is REQUIRED (biometric or PIN, not just a tap), attestation is
"none" (we trust the key, not the vendor), resident keys and platform authenticators are
preferred. The challenge is chosen by the caller, so an assertion approves exactly what the
caller bound into it (the step-up service passes a digest of the transaction).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cbor2 import CBORDecodeError
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import (
    parse_authentication_credential_json,
    parse_registration_credential_json,
)
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    PublicKeyCredentialHint,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from trustdesk.core.errors import InvalidInput

MIN_CHALLENGE_BYTES = 16
TIMEOUT_MS = 120_000

# Malformed input surfaces from py_webauthn and cbor2 as these; anything else is a bug of ours.
_REJECTIONS = (WebAuthnException, CBORDecodeError, ValueError, TypeError, KeyError, IndexError)


class PasskeyRejected(InvalidInput):
    """The browser's passkey response did not verify. The library's reason is kept on
    ``__cause__`` for logs; the message stays generic so it reveals nothing to a caller."""

    code = "auth.passkey_rejected"


@dataclass(frozen=True)
class PasskeyCredential:
    credential_id: bytes
    public_key: bytes  # COSE_Key, as the authenticator sent it
    sign_count: int
    aaguid: str
    transports: list[str] = field(default_factory=list)


def registration_options(
    *,
    rp_id: str,
    rp_name: str,
    user_id: bytes,
    user_name: str,
    challenge: bytes,
    exclude: list[bytes],
) -> str:
    """Options JSON for ``navigator.credentials.create()``."""
    _check_challenge(challenge)
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=rp_name,
        user_id=user_id,
        user_name=user_name,
        challenge=challenge,
        timeout=TIMEOUT_MS,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=_descriptors(exclude),
        # A hint, not an attachment filter: prefer the device's own authenticator
        # but still let people use a security key or a phone.
        hints=[PublicKeyCredentialHint.CLIENT_DEVICE],
    )
    return options_to_json(options)


def verify_registration(
    response_json: str, *, challenge: bytes, rp_id: str, origin: str
) -> PasskeyCredential:
    """Checks a ``create()`` response and returns the credential to store."""
    _check_challenge(challenge)
    try:
        parsed = parse_registration_credential_json(response_json)
        verified = verify_registration_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            require_user_presence=True,
            require_user_verification=True,
        )
    except _REJECTIONS as exc:
        raise PasskeyRejected(
            "the passkey registration could not be verified; please try again",
            field="credential",
        ) from exc
    return PasskeyCredential(
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        aaguid=verified.aaguid,
        transports=[t.value for t in parsed.response.transports or []],
    )


def authentication_options(*, rp_id: str, challenge: bytes, allow: list[bytes]) -> str:
    """Options JSON for ``navigator.credentials.get()``."""
    _check_challenge(challenge)
    options = generate_authentication_options(
        rp_id=rp_id,
        challenge=challenge,
        timeout=TIMEOUT_MS,
        allow_credentials=_descriptors(allow),
        user_verification=UserVerificationRequirement.REQUIRED,
    )
    return options_to_json(options)


def verify_authentication(
    response_json: str,
    *,
    challenge: bytes,
    rp_id: str,
    origin: str,
    credential: PasskeyCredential,
) -> int:
    """Checks a ``get()`` response against a stored credential; returns the new sign count.

    py_webauthn refuses a count that did not increase whenever either count is non-zero
    (a cloned authenticator); authenticators that always report 0 are accepted.
    """
    _check_challenge(challenge)
    try:
        parsed = parse_authentication_credential_json(response_json)
        if parsed.raw_id != credential.credential_id:
            # The library verifies with the key we give it; the id must match that key's.
            raise WebAuthnException("assertion is for a different credential")
        verified = verify_authentication_response(
            credential=parsed,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=credential.public_key,
            credential_current_sign_count=credential.sign_count,
            require_user_verification=True,
        )
    except _REJECTIONS as exc:
        raise PasskeyRejected(
            "the passkey confirmation could not be verified; please try again",
            field="credential",
        ) from exc
    return verified.new_sign_count


def _descriptors(ids: list[bytes]) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=cid) for cid in ids]


def _check_challenge(challenge: bytes) -> None:
    # An empty challenge would make py_webauthn pick a random one the caller never sees.
    if len(challenge) < MIN_CHALLENGE_BYTES:
        raise ValueError(f"a WebAuthn challenge needs at least {MIN_CHALLENGE_BYTES} bytes")
