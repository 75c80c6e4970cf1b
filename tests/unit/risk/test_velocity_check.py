from __future__ import annotations

from decimal import Decimal

import pytest

from trustdesk.risk.checks import velocity
from trustdesk.risk.checks.config import CheckConfig, VelocityLimits
from trustdesk.risk.facts import WindowTotals
from trustdesk.risk.model import Signal

from ._build import facts, request

CFG = CheckConfig(
    velocity=VelocityLimits(
        counts={"account": {3600: 10, 86400: 40}, "device": {900: 3}, "ip": {90: 5}},
        amounts={"BTC": {86400: Decimal("5")}, "USDT": {3600: Decimal("20000")}},
    )
)


def totals(kind: str, window: int, count: int, amount: str = "0") -> WindowTotals:
    return WindowTotals(key_kind=kind, window_s=window, count=count, amount=Decimal(amount))


def test_at_the_limit_is_fine_one_over_is_flagged() -> None:
    at_limit = facts(velocity=(totals("account", 3600, 10), totals("account", 86400, 40)))
    assert velocity.check(request(), at_limit, CFG) == []
    over = facts(velocity=(totals("account", 3600, 11), totals("account", 86400, 41)))
    assert velocity.check(request(), over, CFG) == [
        Signal(
            "VELOCITY_COUNT_EXCEEDED", {"key": "account", "window": "1h", "count": 11, "limit": 10}
        ),
        Signal(
            "VELOCITY_COUNT_EXCEEDED", {"key": "account", "window": "1d", "count": 41, "limit": 40}
        ),
    ]


def test_device_and_ip_counts_with_their_own_windows() -> None:
    f = facts(velocity=(totals("device", 900, 4), totals("ip", 90, 6), totals("ip", 3600, 999)))
    assert velocity.check(request(), f, CFG) == [
        Signal(
            "VELOCITY_COUNT_EXCEEDED", {"key": "device", "window": "15m", "count": 4, "limit": 3}
        ),
        Signal("VELOCITY_COUNT_EXCEEDED", {"key": "ip", "window": "90s", "count": 6, "limit": 5}),
    ]


def test_amount_limit_is_per_asset_and_per_account_only() -> None:
    f = facts(
        velocity=(
            totals("account", 86400, 2, "5.00000001"),
            totals("device", 86400, 2, "900"),  # device totals never carry an amount limit
        )
    )
    assert velocity.check(request(asset="BTC"), f, CFG) == [
        Signal(
            "VELOCITY_AMOUNT_EXCEEDED",
            {"window": "1d", "amount": "5.00000001", "limit": "5", "asset": "BTC"},
        )
    ]
    # The same totals for an asset without limits, and exactly at the limit: nothing.
    assert velocity.check(request(asset="ETH"), f, CFG) == []
    exact = facts(velocity=(totals("account", 86400, 2, "5"),))
    assert velocity.check(request(asset="BTC"), exact, CFG) == []


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (86400, "1d"),
        (172800, "2d"),
        (7200, "2h"),
        (3600, "1h"),
        (900, "15m"),
        (90, "90s"),
        (59, "59s"),
    ],
)
def test_window_names_in_details(seconds: int, text: str) -> None:
    cfg = CheckConfig(velocity=VelocityLimits(counts={"account": {seconds: 1}}))
    [signal] = velocity.check(request(), facts(velocity=(totals("account", seconds, 2),)), cfg)
    assert signal.details["window"] == text
