"""Facts the checks read: gathered once per request by the service, through ports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


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
class Facts:
    now: datetime
    history: AccountHistory
    velocity: tuple[WindowTotals, ...] = ()
    destination_hits: tuple[ListHit, ...] = ()
    device_hits: tuple[ListHit, ...] = ()
    ip_hits: tuple[ListHit, ...] = ()
    account_hits: tuple[ListHit, ...] = ()
