"""Hand-built requests and facts for the pure risk tests."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from trustdesk.risk.facts import AccountHistory, Facts
from trustdesk.risk.model import RequestContext, TransactionRequest

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
DEST = "0x" + "ab" * 20
R_KM = 6371.0088  # the mean Earth radius geo.haversine_km uses


def cosine_law_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance by the spherical law of cosines: independent of haversine."""
    p1, p2, dl = math.radians(lat1), math.radians(lat2), math.radians(lon2 - lon1)
    cos_c = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return R_KM * math.acos(max(-1.0, min(1.0, cos_c)))


def evm(prefix: str, middle: str, suffix: str) -> str:
    """An EVM address whose 40 hex digits are prefix + middle repeated + suffix."""
    return "0x" + prefix + middle * (40 - len(prefix) - len(suffix)) + suffix


def request(
    *,
    amount: str = "1",
    asset: str = "ETH",
    destination: str = DEST,
    context: RequestContext | None = None,
    **changes: Any,
) -> TransactionRequest:
    return TransactionRequest(
        account_id=changes.pop("account_id", "acct-1"),
        chain=changes.pop("chain", "ethereum"),
        family=changes.pop("family", "evm"),
        asset=asset,
        amount=Decimal(amount),
        destination=destination,
        destination_display=destination,
        context=context or RequestContext(),
        **changes,
    )


def facts(history: AccountHistory | None = None, **changes: Any) -> Facts:
    return Facts(now=changes.pop("now", NOW), history=history or AccountHistory(), **changes)
