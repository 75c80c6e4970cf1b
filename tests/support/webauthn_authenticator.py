"""A software WebAuthn authenticator built from cryptography + cbor2.

It follows WebAuthn Level 2: authenticatorData = rpIdHash(32) | flags(1) | signCount(4,
big-endian) [| aaguid(16) | credIdLen(2) | credId | COSE_Key], and the assertion signature is
ECDSA-P256-SHA256 over authenticatorData | SHA-256(clientDataJSON).
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import uuid

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

RP_ID = "desk.example.com"
ORIGIN = "https://desk.example.com"
UP, UV, AT = 0x01, 0x04, 0x40
CREDENTIAL_ID = bytes.fromhex("c0ffee00" * 8)
AAGUID = uuid.UUID("adce0002-35bc-c60a-648b-0b25f1f05503")
USER_ID = b"user-7f3a"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SoftAuthenticator:
    """A platform authenticator in a few lines: one P-256 key, "none" attestation."""

    def __init__(self, credential_id: bytes = CREDENTIAL_ID) -> None:
        self.credential_id = credential_id
        self.key = ec.generate_private_key(ec.SECP256R1())

    def cose_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        # RFC 9053 EC2 key: kty=2 (EC2), alg=-7 (ES256), crv=1 (P-256), x, y
        return cbor2.dumps(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def create(
        self,
        challenge: bytes,
        *,
        rp_id: str = RP_ID,
        origin: str = ORIGIN,
        flags: int = UP | UV | AT,
        counter: int = 0,
    ) -> str:
        client_data = _client_data("webauthn.create", challenge, origin)
        attested = (
            AAGUID.bytes
            + struct.pack(">H", len(self.credential_id))
            + self.credential_id
            + self.cose_key()
        )
        auth_data = _auth_data(rp_id, flags, counter) + attested
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return json.dumps(
            {
                "id": b64url(self.credential_id),
                "rawId": b64url(self.credential_id),
                "type": "public-key",
                "authenticatorAttachment": "platform",
                "clientExtensionResults": {},
                "response": {
                    "clientDataJSON": b64url(client_data),
                    "attestationObject": b64url(attestation),
                    "transports": ["internal", "hybrid"],
                },
            }
        )

    def get(
        self,
        challenge: bytes,
        *,
        counter: int,
        rp_id: str = RP_ID,
        origin: str = ORIGIN,
        flags: int = UP | UV,
        tamper_signature: bool = False,
    ) -> str:
        client_data = _client_data("webauthn.get", challenge, origin)
        auth_data = _auth_data(rp_id, flags, counter)
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = self.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        if tamper_signature:
            # Flip the last byte of s: still valid DER, no longer a valid signature.
            signature = signature[:-1] + bytes([signature[-1] ^ 0x01])
        return json.dumps(
            {
                "id": b64url(self.credential_id),
                "rawId": b64url(self.credential_id),
                "type": "public-key",
                "clientExtensionResults": {},
                "response": {
                    "clientDataJSON": b64url(client_data),
                    "authenticatorData": b64url(auth_data),
                    "signature": b64url(signature),
                    "userHandle": b64url(USER_ID),
                },
            }
        )


def _client_data(kind: str, challenge: bytes, origin: str) -> bytes:
    body = {"type": kind, "challenge": b64url(challenge), "origin": origin, "crossOrigin": False}
    return json.dumps(body, separators=(",", ":")).encode("utf-8")


def _auth_data(rp_id: str, flags: int, counter: int) -> bytes:
    return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", counter)
