"""Parameters of the checks; they live in the policy file so a policy version fixes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from trustdesk.risk.geo import CountryAtlas


@dataclass(frozen=True)
class VelocityLimits:
    # count limits: key kind -> window seconds -> max requests in the window (this one included)
    counts: dict[str, dict[int, int]] = field(default_factory=dict)
    # amount limits per account: asset -> window seconds -> max total amount
    amounts: dict[str, dict[int, Decimal]] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckConfig:
    velocity: VelocityLimits = field(default_factory=VelocityLimits)
    fresh_session_s: int = 60
    max_travel_kmh: float = 900.0  # faster than an airliner between two requests
    min_travel_km: float = 500.0
    poisoning_min_prefix: int = 3
    poisoning_min_suffix: int = 4
    poisoning_min_total: int = 7
    amount_min_history: int = 5
    amount_factor: Decimal = Decimal(5)
    atlas: CountryAtlas = field(default_factory=CountryAtlas)
    # Beneficiary name screening: candidates from review_at (the pack's threshold instead,
    # when a jurisdiction pack applies); a hit that blocks from block_at.
    name_review_at: float = 0.77
    name_block_at: float = 0.95
