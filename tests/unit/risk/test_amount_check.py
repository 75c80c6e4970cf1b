from __future__ import annotations

from decimal import Decimal

import pytest

from trustdesk.risk.checks import amount
from trustdesk.risk.checks.config import CheckConfig
from trustdesk.risk.facts import AccountHistory, AmountHistory
from trustdesk.risk.model import Signal

from ._build import facts, request

CFG = CheckConfig()  # at least 5 past amounts; more than 5 times the median


def past(count: int, median: str, maximum: str) -> AccountHistory:
    return AccountHistory(
        assessments=count, amounts=AmountHistory(count, Decimal(median), Decimal(maximum))
    )


def test_far_above_median_and_maximum() -> None:
    signals = amount.check(request(amount="13", asset="USDT"), facts(past(5, "2", "10")), CFG)
    assert signals == [
        Signal(
            "AMOUNT_ABOVE_HISTORY",
            {"amount": "13", "median": "2", "times_median": "6.5", "asset": "USDT"},
        )
    ]


@pytest.mark.parametrize(
    ("value", "history"),
    [
        ("13", None),  # no history in this asset
        ("13", past(4, "2", "10")),  # too little history
        ("10", past(5, "2", "10")),  # not above the past maximum
        ("10", past(5, "2", "9")),  # exactly 5 times the median is not "more than"
        ("13", past(5, "0", "10")),  # a zero median says nothing
    ],
)
def test_no_signal(value: str, history: AccountHistory | None) -> None:
    assert amount.check(request(amount=value), facts(history), CFG) == []


def test_factor_and_history_come_from_the_config() -> None:
    cfg = CheckConfig(amount_min_history=2, amount_factor=Decimal(2))
    [signal] = amount.check(request(amount="4.5"), facts(past(2, "2", "4")), cfg)
    assert signal.details["times_median"] == "2.2"  # 2.25 rounded half-even to one place
