from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from trustdesk.risk.schemas import AssessmentIn

BASE: dict[str, Any] = {
    "account_id": "acct-1",
    "chain": "ethereum",
    "asset": "ETH",
    "amount": "1",
    "destination": "0x" + "ab" * 20,
}


def parse(**changes: Any) -> AssessmentIn:
    return AssessmentIn.model_validate({**BASE, **changes})


def refused_at(loc: tuple[str | int, ...], **changes: Any) -> None:
    with pytest.raises(ValidationError) as info:
        parse(**changes)
    assert [e["loc"] for e in info.value.errors()] == [loc]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("0.25", Decimal("0.25")),
        (" 2.5 ", Decimal("2.5")),
        (5, Decimal(5)),
        ("1.000000000000000001", Decimal("1.000000000000000001")),  # 18 decimals
        ("999999999999999.999999999999999999", Decimal("999999999999999.999999999999999999")),
        (10**15 - 1, Decimal(10**15 - 1)),
    ],
)
def test_amount_accepted(given: object, expected: Decimal) -> None:
    amount = parse(amount=given).amount
    assert amount == expected
    assert str(amount) == str(expected)  # exact digits, no float on the way


@pytest.mark.parametrize(
    "given",
    [
        0.1,  # JSON number: already inexact
        1.0,
        True,
        None,
        "0",
        "0.000",
        "-1",
        "+1",
        "1e5",
        "1E5",
        ".5",
        "5.",
        "1,5",
        "NaN",
        "Infinity",
        "",
        "1.0000000000000000001",  # 19 decimals
        "1000000000000000",  # 10^15
        10**15,
        "١٢",  # Arabic-Indic digits: Decimal would read them as 12
        "１",  # fullwidth digit one
    ],
)
def test_amount_refused(given: object) -> None:
    refused_at(("amount",), amount=given)


@pytest.mark.parametrize("account", ["a", "acct-1", "u.s_e:r@x-y", "A" * 64, "0"])
def test_account_id_accepted(account: str) -> None:
    assert parse(account_id=account).account_id == account


@pytest.mark.parametrize(
    "account",
    ["", "-acct", ".acct", "a b", "A" * 65, "ユーザー", "acct/1", "acct\n", "acct\x00", " acct"],
)
def test_account_id_refused(account: str) -> None:
    refused_at(("account_id",), account_id=account)


def test_asset_upper_cased() -> None:
    assert parse(asset="usdt").asset == "USDT"
    assert parse(asset=" eth ").asset == "ETH"
    assert parse(asset="usdc.e").asset == "USDC.E"


@pytest.mark.parametrize("asset", ["", "US-DT", "A" * 17, "ÉTH", "US DT"])
def test_asset_refused(asset: str) -> None:
    refused_at(("asset",), asset=asset)


def test_country_checked_and_upper_cased() -> None:
    assert parse(context={"country": "sg"}).context.country == "SG"
    assert parse(context={"country": " br "}).context.country == "BR"
    assert parse(context={"country": "GB"}).context.country == "GB"


@pytest.mark.parametrize("country", ["ZZ", "UK", "USA", "S", "", "s g"])
def test_country_refused(country: str) -> None:
    refused_at(("context", "country"), context={"country": country})


@pytest.mark.parametrize(
    ("given", "normalized"),
    [
        ("192.0.2.1", "192.0.2.1"),
        (" 192.0.2.1 ", "192.0.2.1"),
        ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"),
        ("2001:0db8::0001", "2001:db8::1"),
    ],
)
def test_ip_normalized(given: str, normalized: str) -> None:
    assert parse(context={"ip": given}).context.ip == normalized


@pytest.mark.parametrize("ip", ["192.0.2.256", "01.2.3.4", "example.com", "192.0.2.0/24", ""])
def test_ip_refused(ip: str) -> None:
    refused_at(("context", "ip"), context={"ip": ip})


def test_extra_fields_refused() -> None:
    refused_at(("fee",), fee="1")
    refused_at(("context", "email"), context={"email": "a@example.com"})


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("device_id", "dev\x00"),
        ("device_id", "dev\n"),  # a trailing newline too
        ("device_fingerprint", "fp\x1b[31m"),
        ("user_agent", "Mozilla/5.0\r\nX-Injected: 1"),
        ("user_agent", "Mozilla\x7f"),
    ],
)
def test_control_characters_refused_in_context(field: str, value: str) -> None:
    refused_at(("context", field), context={field: value})


@pytest.mark.parametrize("memo", ["a\tb", "line\n", "\x00"])
def test_control_characters_refused_in_memo(memo: str) -> None:
    refused_at(("memo",), memo=memo)


def test_printable_unicode_is_kept() -> None:
    body = parse(memo="房租 März ✓", context={"user_agent": "Wallet/2.1 (iPhone; 中文)"})
    assert body.memo == "房租 März ✓"
    assert body.context.user_agent == "Wallet/2.1 (iPhone; 中文)"


@pytest.mark.parametrize("locale", ["en", "zh", "zh-CN", "id-ID", "zh-Hant"])
def test_locale_accepted(locale: str) -> None:
    assert parse(locale=locale).locale == locale


@pytest.mark.parametrize("locale", ["EN", "english", "zh_CN", "e", "en-"])
def test_locale_refused(locale: str) -> None:
    refused_at(("locale",), locale=locale)


def test_session_age_bounds() -> None:
    assert parse(context={"session_age_s": 0}).context.session_age_s == 0
    refused_at(("context", "session_age_s"), context={"session_age_s": -1})
