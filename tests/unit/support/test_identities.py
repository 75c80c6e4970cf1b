"""How each kind of identity is written down to be compared."""

from __future__ import annotations

import pytest

from trustdesk.core.errors import InvalidInput
from trustdesk.support.identities import given_form, identity_kind, normalize
from trustdesk.support.model import IdentityKind

EMAIL, PHONE, TELEGRAM = IdentityKind.EMAIL, IdentityKind.PHONE, IdentityKind.TELEGRAM


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("  John.Doe@Example.COM ", "john.doe@example.com"),
        ("mailto:ana@mail.co.id", "ana@mail.co.id"),
        ("a+tag@sub.example.org", "a+tag@sub.example.org"),
    ],
)
def test_email(given: str, expected: str) -> None:
    assert normalize(EMAIL, given) == expected


@pytest.mark.parametrize(
    "bad",
    [
        "john",
        "john@",
        "@example.com",
        "a@b",
        "a b@example.com",
        "a@@example.com",
        "a@-x.com",
        "<a@example.com>",
        "a@example..com",
    ],
)
def test_not_an_email(bad: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalize(EMAIL, bad, "sender")
    assert caught.value.field == "sender"
    assert bad.strip() not in caught.value.message or not bad.strip()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("+62 812-3456-7890", "+6281234567890"),
        ("0049 (30) 1234.5678", "+493012345678"),
        ("+1 (415) 555-0100", "+14155550100"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_phone(given: str, expected: str) -> None:
    assert normalize(PHONE, given) == expected


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("0812 3456 7890", "country code"),
        ("+62 812", "8-15 digits"),
        ("+1234567890123456", "8-15 digits"),
        ("+62 812 3456 789x", "8-15 digits"),
        ("+0 812 3456 7890", "does not start with 0"),
        ("+٦٢٨١٢٣٤٥٦٧٨٩", "8-15 digits"),  # Arabic-Indic digits are not E.164
    ],
)
def test_not_a_phone(bad: str, why: str) -> None:
    with pytest.raises(InvalidInput, match=why) as caught:
        normalize(PHONE, bad)
    assert bad not in caught.value.message


def test_telegram_and_accounts() -> None:
    assert normalize(TELEGRAM, " 123456789 ") == "123456789"
    assert normalize(TELEGRAM, "007") == "7"
    for bad in ("@durov", "12a", "", "1" * 21):
        with pytest.raises(InvalidInput, match="numeric user id"):
            normalize(TELEGRAM, bad)
    assert normalize(IdentityKind.ACCOUNT, " acct-1 ") == "acct-1"
    assert normalize(IdentityKind.ACCOUNT, "Acct-1") == "Acct-1"  # account ids keep their case
    with pytest.raises(InvalidInput, match="account id"):
        normalize(IdentityKind.ACCOUNT, "-acct")
    with pytest.raises(InvalidInput):
        normalize(IdentityKind.ACCOUNT, "a" * 65)
    assert normalize(IdentityKind.INAPP, "device:abc") == "device:abc"


def test_kinds_and_given_form() -> None:
    assert identity_kind("EMAIL") is EMAIL
    with pytest.raises(InvalidInput, match="account, email, phone, telegram, inapp") as caught:
        identity_kind("fax")
    assert caught.value.field == "kind"
    assert given_form("  John.Doe@Example.COM ") == "John.Doe@Example.COM"
    assert len(given_form("x" * 400)) == 320
