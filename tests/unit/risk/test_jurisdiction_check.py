"""The jurisdiction check against the shipped packs (numbers as in their TOML files)."""

from __future__ import annotations

from trustdesk.compliance.kyc import KycLevel
from trustdesk.compliance.packs import default_packs
from trustdesk.risk.checks import jurisdiction
from trustdesk.risk.checks.config import CheckConfig
from trustdesk.risk.facts import Jurisdiction
from trustdesk.risk.model import Party, Signal

from ._build import facts, request

CFG = CheckConfig()
PACKS = default_packs()
NAMED = Party(name="Siti Rahma")


def run(
    code: str, level: KycLevel, *, beneficiary: Party | None = None, **req: str
) -> list[Signal]:
    found = Jurisdiction(PACKS[code], level)
    return jurisdiction.check(
        request(beneficiary=beneficiary, **req), facts(jurisdiction=found), CFG
    )


def kyc(code: str, required: str, verified: str) -> Signal:
    return Signal(
        "KYC_LEVEL_INSUFFICIENT", {"jurisdiction": code, "required": required, "verified": verified}
    )


def travel(code: str, missing: str, threshold: str) -> Signal:
    return Signal(
        "TRAVEL_RULE_DATA_MISSING",
        {"jurisdiction": code, "missing": missing, "threshold": threshold},
    )


def test_no_pack_no_signals() -> None:
    assert jurisdiction.check(request(asset="USDT", amount="50000"), facts(), CFG) == []


def test_indonesia_bands_and_travel_rule_in_usd_stablecoins() -> None:
    # id.toml: KYC basic below 1000 USD, standard below 10000, then enhanced; the travel
    # rule from 1000 USD inclusive needs the beneficiary's name (and an address, not judged).
    assert run("id", KycLevel.BASIC, asset="USDT", amount="999.99") == []
    assert run("id", KycLevel.BASIC, asset="USDT", amount="1000") == [
        kyc("id", "standard", "basic"),
        travel("id", "name", "1000 USD"),
    ]
    assert run("id", KycLevel.STANDARD, asset="USDC", amount="1000", beneficiary=NAMED) == []
    assert run("id", KycLevel.STANDARD, asset="USDC", amount="10000", beneficiary=NAMED) == [
        kyc("id", "enhanced", "standard")
    ]


def test_unpriced_assets_are_skipped() -> None:
    # 1000 ETH is above every band, but no price is consulted; nor is EU's threshold of 0.
    assert run("id", KycLevel.NONE, asset="ETH", amount="1000") == []
    assert run("eu", KycLevel.NONE, asset="ETH", amount="0.01") == []


def test_eu_travel_rule_applies_from_zero_in_eur() -> None:
    assert run("eu", KycLevel.BASIC, asset="EUR", amount="0.01") == [travel("eu", "name", "0 EUR")]
    assert run("eu", KycLevel.BASIC, asset="EUR", amount="0.01", beneficiary=NAMED) == []
    # eu.toml: standard from 1000 EUR.
    assert run("eu", KycLevel.BASIC, asset="EUR", amount="1000", beneficiary=NAMED) == [
        kyc("eu", "standard", "basic")
    ]


def test_us_requires_only_what_a_request_cannot_carry() -> None:
    # us.toml: the beneficiary's institution only; KYC standard from 3000 USD.
    assert run("us", KycLevel.STANDARD, asset="USDT", amount="5000") == []
    assert run("us", KycLevel.BASIC, asset="USDT", amount="3000") == [
        kyc("us", "standard", "basic")
    ]


def test_singapore_threshold_is_exclusive_and_in_sgd() -> None:
    # sg.toml: above 1500 SGD (not at it); KYC standard for every amount below 20000.
    assert run("sg", KycLevel.STANDARD, asset="SGD", amount="1500") == []
    assert run("sg", KycLevel.STANDARD, asset="SGD", amount="1500.01") == [
        travel("sg", "name", "1500 SGD")
    ]
    assert run("sg", KycLevel.BASIC, asset="SGD", amount="100", beneficiary=NAMED) == [
        kyc("sg", "standard", "basic")
    ]
    # USDT is not SGD: skipped.
    assert run("sg", KycLevel.NONE, asset="USDT", amount="5000") == []
