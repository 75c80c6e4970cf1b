"""Step-up tokens: PASETO v4.public (Ed25519), at most five minutes, one assessment each.

Claims (JSON): ``iss`` "trustdesk", ``sub`` the account, ``aud`` "assessment:<id>", ``jti``,
``iat``/``exp`` (RFC 3339 UTC), ``dig`` the binding digest, ``acr`` the strength met and
``amr`` the factor type used. The digest is also the PASETO implicit assertion, so a token
cannot be checked against another transaction even by a verifier that forgets the claim.
Expiry is checked here against the injected clock, not by the library against the wall.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import pyseto
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from trustdesk.core.errors import DomainError

ISSUER = "trustdesk"
MAX_TTL_S = 300
# Dev/test only; settings refuse it in prod.
DEV_SIGNING_SEED = base64.urlsafe_b64encode(hashlib.sha256(b"trustdesk dev step-up key").digest())


class InvalidStepUpToken(DomainError):
    code = "auth.invalid_step_up_token"
    status = 401
    title = "Step-up token not accepted"


@dataclass(frozen=True)
class StepUpClaims:
    account_id: str
    assessment_id: str
    digest: str
    strength: str
    factor_type: str
    token_id: str
    issued_at: datetime
    expires_at: datetime


class StepUpTokens:
    def __init__(self, seed_b64: str | bytes) -> None:
        seed = base64.urlsafe_b64decode(_padded(seed_b64))
        if len(seed) != 32:
            raise ValueError("the step-up signing key must be 32 bytes, base64url-encoded")
        private = Ed25519PrivateKey.from_private_bytes(seed)
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        self.public_key_pem = (
            private.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
        self._signing = pyseto.Key.new(4, "public", pem)
        self._verifying = pyseto.Key.new(4, "public", self.public_key_pem.encode())

    def issue(self, claims: StepUpClaims) -> str:
        ttl = (claims.expires_at - claims.issued_at).total_seconds()
        if not 0 < ttl <= MAX_TTL_S:
            raise ValueError("a step-up token lives at most five minutes")
        body = {
            "iss": ISSUER,
            "sub": claims.account_id,
            "aud": f"assessment:{claims.assessment_id}",
            "jti": claims.token_id,
            "iat": claims.issued_at.isoformat(),
            "exp": claims.expires_at.isoformat(),
            "dig": claims.digest,
            "acr": claims.strength,
            "amr": claims.factor_type,
        }
        token = pyseto.encode(
            self._signing,
            json.dumps(body, separators=(",", ":"), sort_keys=True).encode(),
            implicit_assertion=claims.digest.encode(),
        )
        return token.decode()

    def verify(self, token: str, *, assessment_id: str, digest: str, now: datetime) -> StepUpClaims:
        """The claims of a genuine, unexpired token for this assessment and digest, or an error."""
        if not token.startswith("v4.public.") or len(token) > 4096:
            raise InvalidStepUpToken("not a step-up token")
        try:
            decoded = pyseto.decode(self._verifying, token, implicit_assertion=digest.encode())
            body: dict[str, Any] = json.loads(cast(bytes, decoded.payload))
            claims = StepUpClaims(
                account_id=str(body["sub"]),
                assessment_id=str(body["aud"]).removeprefix("assessment:"),
                digest=str(body["dig"]),
                strength=str(body["acr"]),
                factor_type=str(body["amr"]),
                token_id=str(body["jti"]),
                issued_at=datetime.fromisoformat(body["iat"]),
                expires_at=datetime.fromisoformat(body["exp"]),
            )
        except (pyseto.PysetoError, ValueError, KeyError, TypeError) as exc:
            # A token for another transaction fails here too: the digest is its implicit assertion.
            raise InvalidStepUpToken("the step-up token is not valid for this transaction") from exc
        if body.get("iss") != ISSUER or body.get("aud") != f"assessment:{assessment_id}":
            raise InvalidStepUpToken("the step-up token was issued for another assessment")
        if claims.digest != digest:
            raise InvalidStepUpToken("the step-up token is not valid for this transaction")
        if not claims.issued_at - timedelta(seconds=5) <= now < claims.expires_at:
            raise InvalidStepUpToken("the step-up token has expired; answer a new challenge")
        return claims


def _padded(text: str | bytes) -> bytes:
    raw = text.encode() if isinstance(text, str) else text
    raw = raw.strip()
    return raw + b"=" * (-len(raw) % 4)
