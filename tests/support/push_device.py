"""A phone app's side of push approval: a device-bound key (Ed25519 with PyNaCl, P-256 with
cryptography), the enrolment body with its proof of possession, and the challenge as the phone
rebuilds it from the Web Push it decrypted."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import nacl.signing
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from trustdesk.auth.factors import device_enrolment_message
from trustdesk.auth.model import Challenge, ChallengeStatus


class Device:
    """A phone's key pair: Ed25519 with PyNaCl, or P-256 with cryptography (DER signatures)."""

    def __init__(self, algorithm: str) -> None:
        self.algorithm = algorithm
        if algorithm == "ed25519":
            self._ed = nacl.signing.SigningKey.generate()
            self.public_key = bytes(self._ed.verify_key)
        else:
            self._p256 = ec.generate_private_key(ec.SECP256R1())
            self.public_key = self._p256.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )

    def sign(self, message: bytes) -> str:
        if self.algorithm == "ed25519":
            signature = self._ed.sign(message).signature
        else:
            signature = self._p256.sign(message, ec.ECDSA(hashes.SHA256()))
        return base64.b64encode(signature).decode()

    def enrolment(self, account: str, subscription: dict[str, object]) -> dict[str, Any]:
        message = device_enrolment_message(account, self.algorithm, self.public_key)
        return {
            "type": "push",
            "key_algorithm": self.algorithm,
            "public_key": base64.b64encode(self.public_key).decode(),
            "signature": self.sign(message),
            "subscription": subscription,
        }


def as_seen_on_phone(payload: dict[str, Any]) -> Challenge:
    """The challenge as the phone rebuilds it from the push it decrypted. What
    ``approval_message`` signs all comes from the push; the phone knows nothing else (not the
    number to match: the user reads that off the payment screen), so the rest is blank."""
    expires_at = datetime.fromisoformat(payload["expires_at"])
    return Challenge(
        id=payload["challenge_id"],
        account_id="",
        assessment_id="",
        digest=payload["digest"],
        strength="",
        status=ChallengeStatus.PENDING,
        created_at=expires_at,
        expires_at=expires_at,
        allowed_factor_ids=(),
        number_match=-1,
        amount=payload["amount"],
        asset=payload["asset"],
        destination=payload["destination"],
    )
