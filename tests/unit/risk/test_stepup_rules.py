"""The policy's [stepup] table: defaults, and what it refuses."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from typing import Any

import pytest

from trustdesk.risk.geo import CountryAtlas
from trustdesk.risk.policy import PolicyError, parse_policy
from trustdesk.settings import DEFAULT_POLICY


def _policy(**stepup: Any) -> Any:
    raw = tomllib.loads(DEFAULT_POLICY.read_text())
    raw["stepup"] = {**raw["stepup"], **stepup}
    return parse_policy(raw, CountryAtlas())


def test_default_policy_stepup_table() -> None:
    rules = _policy().stepup
    assert rules.strong_factors == ("push", "webauthn", "wallet")
    assert rules.sms_max_amount == {
        "BTC": Decimal("0.05"),
        "ETH": Decimal("1"),
        "USDT": Decimal("2000"),
        "USDC": Decimal("2000"),
    }
    assert (rules.max_failures, rules.lock_base_s, rules.sim_swap_days) == (5, 60, 7)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"lock_base_s": 1000, "lock_max_s": 500}, "lock_base_s must not exceed lock_max_s"),
        ({"standard_factors": ["totp", "totp"]}, "lists a factor type twice"),
        ({"strong_factors": ["totp"]}, "do not resist phishing"),
        ({"sms_max_amount": {"ETH": "-1"}}, "a positive amount below 10^15"),
        ({"sms_max_amount": {"ETH": "1e999999999"}}, "a positive amount below 10^15"),
        ({"token_ttl_s": 301}, "less than or equal to 300"),
        ({"code_ttl_s": 601}, "less than or equal to 600"),
        ({"standard_factors": ["carrier-pigeon"]}, "unknown factor types"),
    ],
)
def test_bad_stepup_tables_are_refused(change: dict[str, Any], message: str) -> None:
    with pytest.raises(PolicyError) as err:
        _policy(**change)
    assert message in err.value.message
