"""Transaction assessment: the request, the facts gathered about it, signals and decisions.

Pure data and rules; the service gathers facts through ports and the checks read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Decision(StrEnum):
    ALLOW = "allow"
    CHALLENGE = "challenge"
    REVIEW = "review"
    BLOCK = "block"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Decision.ALLOW: 0, Decision.CHALLENGE: 1, Decision.REVIEW: 2, Decision.BLOCK: 3}


class Strength(StrEnum):
    STANDARD = "standard"
    STRONG = "strong"


@dataclass(frozen=True)
class RequestContext:
    ip: str | None = None
    device_id: str | None = None
    device_fingerprint: str | None = None
    user_agent: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2, upper case
    session_age_s: int | None = None


@dataclass(frozen=True)
class Party:
    """Travel-rule data about one side of a transfer. Personal data: screened, never stored
    with the assessment nor written to the audit chain."""

    name: str
    type: str | None = None  # "person" | "entity"
    country: str | None = None  # ISO 3166-1 alpha-2, upper case
    dob: str | None = None  # YYYY, YYYY-MM or YYYY-MM-DD


@dataclass(frozen=True)
class TransactionRequest:
    """A validated request; ``destination`` is the canonical comparison form."""

    account_id: str
    chain: str
    family: str
    asset: str
    amount: Decimal
    destination: str
    destination_display: str
    context: RequestContext = field(default_factory=RequestContext)
    memo: str | None = None
    idempotency_key: str | None = None
    locale: str = "en"
    beneficiary: Party | None = None
    originator: Party | None = None
    jurisdiction: str | None = None  # a pack code; None: the account's KYC jurisdiction


@dataclass(frozen=True)
class Signal:
    """One observation from one check. ``details`` carries no raw PII or secrets."""

    code: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    weight: int


@dataclass(frozen=True)
class Verdict:
    """What the policy made of the signals."""

    decision: Decision
    score: int
    reasons: tuple[Reason, ...]
    strength: Strength | None = None
    cooling_off_s: int = 0
    user_prompt: str | None = None
    policy_version: str = ""


@dataclass(frozen=True)
class Assessment:
    id: str
    created_at: datetime
    request: TransactionRequest
    verdict: Verdict
    signals: tuple[Signal, ...]
    timings_ms: dict[str, float]
    replayed: bool = False  # True when returned for a repeated idempotency key
