"""Facts the checks read: gathered once per request by the service, through ports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from trustdesk.compliance.kyc import KycLevel
from trustdesk.compliance.packs import Pack


@dataclass(frozen=True)
class WindowTotals:
    """Activity of one key (account, device or IP) over one sliding window, this request
    included."""

    key_kind: str  # "account" | "device" | "ip"
    window_s: int
    count: int
    amount: Decimal  # in the request's asset


@dataclass(frozen=True)
class LastSeen:
    at: datetime
    country: str | None


@dataclass(frozen=True)
class AmountHistory:
    count: int
    median: Decimal
    maximum: Decimal


@dataclass(frozen=True)
class KycState:
    """The account's KYC record: the jurisdiction it was opened in, the level verified."""

    jurisdiction: str
    level: KycLevel


@dataclass(frozen=True)
class AccountHistory:
    """What the account did before this request (this request excluded)."""

    assessments: int = 0
    device_seen: bool = False
    ip_seen: bool = False
    country_seen: bool = False
    destination_seen: bool = False
    last_seen: LastSeen | None = None
    counterparties: frozenset[str] = frozenset()  # past destinations in the same chain family
    amounts: AmountHistory | None = None  # past amounts in the same asset
    kyc: KycState | None = None  # None: no KYC record


@dataclass(frozen=True)
class ListHit:
    list_type: str  # "block" | "grey" | "allow"
    kind: str  # "address" | "device" | "ip" | "cidr" | "account"
    category: str  # "sanctions", "scam", "phishing", "internal", "user_allowlist", ...
    source: str
    reason: str


@dataclass(frozen=True)
class ListHits:
    """Every list entry that matched one request, by subject."""

    destination: tuple[ListHit, ...] = ()
    device: tuple[ListHit, ...] = ()
    ip: tuple[ListHit, ...] = ()
    account: tuple[ListHit, ...] = ()


@dataclass(frozen=True)
class NameMatch:
    """A listed name (public data) that the beneficiary's name matched."""

    list: str
    entry_id: str
    name: str  # the listed name or alias that matched
    primary_name: str
    score: float  # 0..1


@dataclass(frozen=True)
class Jurisdiction:
    """The pack that applies to the account, and the KYC level the account has reached."""

    pack: Pack
    kyc_level: KycLevel = KycLevel.NONE


@dataclass(frozen=True)
class Facts:
    now: datetime
    history: AccountHistory
    velocity: tuple[WindowTotals, ...] = ()
    destination_hits: tuple[ListHit, ...] = ()
    device_hits: tuple[ListHit, ...] = ()
    ip_hits: tuple[ListHit, ...] = ()
    account_hits: tuple[ListHit, ...] = ()
    # None: not screened (no beneficiary, or no sanctions list loaded); () : screened, no match.
    beneficiary_matches: tuple[NameMatch, ...] | None = None
    jurisdiction: Jurisdiction | None = None
