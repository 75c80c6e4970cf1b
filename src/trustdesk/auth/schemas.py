"""Step-up requests and responses as they cross the boundary (API bodies, CLI options)."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from trustdesk.auth.model import Challenge, Factor, FactorChoice

FactorTypeIn = Literal[
    "totp", "hotp", "sms", "email", "push", "webauthn", "wallet", "cvv", "recovery"
]


PRIVATE_PARAMS = frozenset({"enrol_code_hash", "registration_challenge"})


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EnrollIn(_In):
    """One body for every factor type; each type reads the fields it needs."""

    type: FactorTypeIn
    label: str | None = Field(default=None, min_length=1, max_length=64)
    # totp / hotp
    algorithm: Literal["SHA1", "SHA256", "SHA512"] = "SHA1"
    digits: StrictInt = Field(default=6, ge=6, le=8)
    period: StrictInt = Field(default=30, ge=10, le=120)
    counter: StrictInt = Field(default=0, ge=0, le=2**53)
    # sms / email
    phone: str | None = Field(default=None, max_length=20, description="E.164, e.g. +6281234567890")
    email: str | None = Field(default=None, max_length=254)
    number_since: datetime | None = Field(
        default=None, description="when the phone number was last set or ported (SIM-swap guard)"
    )
    # push: a device-bound key and, optionally, its Web Push subscription
    key_algorithm: Literal["ed25519", "p256"] | None = None
    public_key: str | None = Field(default=None, max_length=200, description="base64")
    subscription: dict[str, Any] | None = None
    # wallet
    chain: str | None = Field(default=None, max_length=64)
    address: str | None = Field(default=None, max_length=256)
    scheme: Literal["eip191", "bip137", "bip322", "tron", "solana"] | None = None
    # proof of possession: the device or wallet signs `enrolment_message`
    signature: str | None = Field(default=None, max_length=2048)

    @field_validator("number_since")
    @classmethod
    def _aware_past(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("give a time zone, e.g. 2026-01-31T09:00:00Z")
        if value > datetime.now(UTC) + timedelta(minutes=5):
            raise ValueError("a number cannot have been set in the future")
        if value.year < 1990:
            raise ValueError("not a plausible date for a phone number change")
        return value

    @field_validator("label")
    @classmethod
    def _label(cls, value: str | None) -> str | None:
        if value is not None and any(
            unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in value
        ):
            raise ValueError("control and invisible formatting characters are not allowed")
        return value


class ProofFields(_In):
    """What answers a challenge or proves a factor; each type reads the fields it needs."""

    code: str | None = Field(default=None, max_length=64)
    signature: str | None = Field(default=None, max_length=2048)
    scheme: Literal["eip191", "eip712", "bip137", "bip322", "tron", "solana"] | None = None
    number: int | None = Field(default=None, ge=0, le=99)
    answer: Literal["approve", "deny"] | None = None
    response: dict[str, Any] | None = Field(default=None, description="WebAuthn credential JSON")


class ProofIn(ProofFields):
    factor_id: str = Field(min_length=1, max_length=40)


class ResyncIn(_In):
    code1: str = Field(min_length=1, max_length=16)
    code2: str = Field(min_length=1, max_length=16)


class SendIn(_In):
    factor_id: str = Field(min_length=1, max_length=40)


class ConfirmIn(_In):
    step_up_token: str | None = Field(default=None, max_length=4096)


class FactorOut(BaseModel):
    id: str
    account_id: str
    type: str
    status: str
    label: str
    created_at: str
    locked_until: str | None
    params: dict[str, Any]

    @classmethod
    def from_domain(cls, f: Factor) -> FactorOut:
        # Enrolment state (the hash of a sent code, a passkey registration challenge) stays in.
        public = {k: v for k, v in f.params.items() if k not in PRIVATE_PARAMS}
        return cls(
            id=f.id,
            account_id=f.account_id,
            type=f.type.value,
            status=f.status.value,
            label=f.label,
            created_at=f.created_at.isoformat(),
            locked_until=f.locked_until.isoformat() if f.locked_until else None,
            params=public,
        )


class EnrolledOut(BaseModel):
    """The new factor plus what is shown once: URI and QR, recovery codes, options."""

    factor_id: str
    factor: FactorOut
    otpauth_uri: str | None = None
    qr_svg: str | None = None
    qr_png_base64: str | None = None
    secret_base32: str | None = None
    recovery_codes: list[str] | None = None
    webauthn_options: dict[str, Any] | None = None
    sent_to: str | None = None
    next_step: str


class FactorChoiceOut(BaseModel):
    factor_id: str
    type: str
    label: str
    usable: bool
    reason: str | None
    wallet_message: str | None = None
    webauthn_options: dict[str, Any] | None = None


class ChallengeOut(BaseModel):
    id: str
    assessment_id: str
    strength: str
    status: str
    digest: str
    expires_at: str
    number_match: int
    amount: str
    asset: str
    destination: str
    factors: list[FactorChoiceOut]

    @classmethod
    def build(cls, c: Challenge, factors: list[FactorChoiceOut]) -> ChallengeOut:
        return cls(
            id=c.id,
            assessment_id=c.assessment_id,
            strength=c.strength,
            status=c.status.value,
            digest=c.digest,
            expires_at=c.expires_at.isoformat(),
            number_match=c.number_match,
            amount=c.amount,
            asset=c.asset,
            destination=c.destination,
            factors=factors,
        )


class SentOut(BaseModel):
    challenge_id: str
    factor_id: str
    channel: str
    sent_to: str | None
    expires_at: str | None


class StepUpTokenOut(BaseModel):
    challenge_id: str
    step_up_token: str
    token_type: Literal["PASETO-v4-public"] = "PASETO-v4-public"
    expires_at: str
    strength: str


class VerifiedOut(BaseModel):
    factor_id: str
    accepted: bool
    status: str


class ConfirmationOut(BaseModel):
    assessment_id: str
    confirmed_at: str
    decision: str
    challenge_id: str | None
    factor_type: str | None


def choice_out(choice: FactorChoice, extra: dict[str, Any] | None = None) -> FactorChoiceOut:
    return FactorChoiceOut(
        factor_id=choice.factor.id,
        type=choice.factor.type.value,
        label=choice.factor.label,
        usable=choice.usable,
        reason=choice.reason,
        **(extra or {}),
    )
