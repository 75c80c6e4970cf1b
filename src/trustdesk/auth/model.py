"""Step-up's pure core: factors, challenges bound to a transaction, and the rules on them.

A challenge approves exactly one *binding digest*: SHA-256 over the canonical JSON of
``{"amount", "asset", "assessment_id", "destination"}`` (amount as a plain decimal string,
destination in its canonical form). Codes for SMS and email are hashed together with that
digest; push approvals, passkey assertions and wallet signatures sign it. A change of amount
or payee gives another digest, so nothing approved for the old one carries over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any

from trustdesk.core.canonical import canonical_json, sha256_hex
from trustdesk.core.errors import DomainError


class FactorType(StrEnum):
    TOTP = "totp"
    HOTP = "hotp"
    SMS = "sms"
    EMAIL = "email"
    PUSH = "push"
    WEBAUTHN = "webauthn"
    WALLET = "wallet"
    CVV = "cvv"
    RECOVERY = "recovery"  # account recovery only; never answers a transaction challenge


class FactorStatus(StrEnum):
    PENDING = "pending"  # enrolled, waiting for its first proof of possession
    ACTIVE = "active"
    REVOKED = "revoked"


class ChallengeStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DENIED = "denied"  # the user said "this wasn't me"
    CONFIRMED = "confirmed"  # the token was spent on the assessment


class VerificationFailed(DomainError):
    """One message for every way a proof can be wrong, so nobody learns which part was."""

    code = "auth.verification_failed"
    status = 401
    title = "Verification failed"

    def __init__(self) -> None:
        super().__init__("the code or signature was not accepted")


class RateLimited(DomainError):
    code = "auth.rate_limited"
    status = 429
    title = "Too many attempts"

    def __init__(self, retry_after_s: int) -> None:
        super().__init__(f"too many attempts; try again in {retry_after_s} s")
        self.retry_after_s = retry_after_s


class ChallengeClosed(DomainError):
    code = "auth.challenge_closed"
    status = 409
    title = "Challenge closed"


@dataclass(frozen=True)
class Factor:
    id: str
    account_id: str
    type: FactorType
    status: FactorStatus
    label: str
    created_at: datetime
    params: dict[str, Any] = field(default_factory=dict)  # public parameters only
    failures: int = 0
    lockouts: int = 0
    locked_until: datetime | None = None
    destination_since: datetime | None = None  # when the phone/email was set (SIM-swap guard)

    @property
    def phishing_resistant(self) -> bool:
        return self.type in PHISHING_RESISTANT

    def locked(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


PHISHING_RESISTANT = frozenset({FactorType.PUSH, FactorType.WEBAUTHN, FactorType.WALLET})


@dataclass(frozen=True)
class Binding:
    assessment_id: str
    amount: Decimal
    asset: str
    destination: str

    @property
    def digest(self) -> str:
        return sha256_hex(
            canonical_json(
                {
                    "amount": format(self.amount.normalize(), "f"),
                    "asset": self.asset,
                    "assessment_id": self.assessment_id,
                    "destination": self.destination,
                }
            )
        )


@dataclass(frozen=True)
class Challenge:
    id: str
    account_id: str
    assessment_id: str
    digest: str
    strength: str  # "standard" | "strong"
    status: ChallengeStatus
    created_at: datetime
    expires_at: datetime
    allowed_factor_ids: tuple[str, ...]
    number_match: int  # shown on the screen that asked; the phone must echo it
    amount: str
    asset: str
    destination: str
    factor_id: str | None = None  # the factor that answered
    approved_at: datetime | None = None

    def open(self, now: datetime) -> bool:
        return self.status is ChallengeStatus.PENDING and now < self.expires_at


@dataclass(frozen=True)
class FactorChoice:
    """One enrolled factor and whether it may answer this challenge (and why not)."""

    factor: Factor
    usable: bool
    reason: str | None = None


def choose_factors(
    factors: list[Factor],
    *,
    strength: str,
    amount: Decimal,
    asset: str,
    now: datetime,
    standard_types: tuple[str, ...],
    strong_types: tuple[str, ...],
    sim_swap_days: int,
    sms_max_amount: dict[str, Decimal],
) -> list[FactorChoice]:
    """Which of the account's factors may answer a challenge of this strength, and why not."""
    allowed = set(strong_types if strength == "strong" else standard_types)
    choices = []
    for f in factors:
        if f.status is not FactorStatus.ACTIVE or f.type is FactorType.RECOVERY:
            continue
        reason = None
        if f.type.value not in allowed:
            reason = (
                "not phishing-resistant: a strong challenge needs a passkey, "
                "a device-signed push or a wallet signature"
                if strength == "strong"
                else "not accepted by the policy"
            )
        elif f.locked(now):
            reason = "locked after too many failed attempts"
        elif f.type is FactorType.SMS:
            reason = _sms_refusal(f, amount, asset, now, sim_swap_days, sms_max_amount)
        choices.append(FactorChoice(f, reason is None, reason))
    return choices


def _sms_refusal(
    f: Factor,
    amount: Decimal,
    asset: str,
    now: datetime,
    sim_swap_days: int,
    sms_max_amount: dict[str, Decimal],
) -> str | None:
    since = f.destination_since or f.created_at
    if now - since < timedelta(days=sim_swap_days):
        return f"the phone number changed within {sim_swap_days} days (SIM-swap guard)"
    limit = sms_max_amount.get(asset)
    if limit is not None and amount > limit:
        return f"SMS is not accepted above {limit} {asset}"
    return None


def lock_duration_s(lockouts: int, base_s: int, max_s: int) -> int:
    """Back-off doubles with each lock-out: base, 2·base, 4·base… capped at max."""
    return min(max_s, base_s * 2 ** max(0, lockouts - 1))


def approval_message(challenge: Challenge, number: int, answer: str) -> bytes:
    """What a device signs to answer a push: the digest, what the user saw, the answer."""
    return canonical_json(
        {
            "amount": challenge.amount,
            "answer": answer,
            "asset": challenge.asset,
            "challenge_id": challenge.id,
            "destination": challenge.destination,
            "digest": challenge.digest,
            "number": number,
            "purpose": "trustdesk.push-approval.v1",
        }
    )


def wallet_message(challenge: Challenge, issuer: str) -> str:
    """The text a wallet signs (EIP-191, BIP-137, TRON, Solana): readable, and bound."""
    return (
        f"{issuer} asks you to approve a transfer.\n"
        f"Amount: {challenge.amount} {challenge.asset}\n"
        f"To: {challenge.destination}\n"
        f"Challenge: {challenge.id}\n"
        f"Digest: {challenge.digest}\n"
        f"Expires: {challenge.expires_at.isoformat()}"
    )
