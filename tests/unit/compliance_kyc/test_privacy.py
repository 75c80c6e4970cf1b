"""Personal-data input checks and the legal-hold arithmetic, with no database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from trustdesk.compliance.kyc import KycLevel, KycRecord, KycStatus
from trustdesk.compliance.packs import load_packs
from trustdesk.compliance.privacy import Hold, PiiIn, add_years, holds_for

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_add_years_handles_leap_days_and_going_back() -> None:
    assert add_years(datetime(2024, 2, 29, tzinfo=UTC), 5) == datetime(2029, 2, 28, tzinfo=UTC)
    assert add_years(datetime(2024, 2, 29, tzinfo=UTC), 4) == datetime(2028, 2, 29, tzinfo=UTC)
    assert add_years(NOW, -5) == datetime(2021, 3, 1, 9, 0, tzinfo=UTC)


def _kyc(retain_until: datetime | None = None) -> KycRecord:
    return KycRecord(
        "acct-1", "eu", KycStatus.VERIFIED, KycLevel.STANDARD, None, (), NOW, NOW, NOW, retain_until
    )


def test_holds_after_an_erasure_request() -> None:
    packs = load_packs()
    last_tx = datetime(2025, 7, 14, 12, 0, tzinfo=UTC)
    held = holds_for(
        kyc=_kyc(),
        has_identity=True,
        last_transaction_at=last_tx,
        pack=packs["eu"],
        fallback_transaction_years=5,
        now=NOW,
    )
    basis = "AML record keeping (eu: 5 years after the relationship ends)"
    assert held == [
        Hold("identity", basis, datetime(2031, 3, 1, 9, 0, tzinfo=UTC)),
        Hold("kyc", basis, datetime(2031, 3, 1, 9, 0, tzinfo=UTC)),
        Hold(
            "transactions",
            "AML record keeping (eu: 5 years after each transaction)",
            datetime(2030, 7, 14, 12, 0, tzinfo=UTC),
        ),
    ]
    assert held[0].to_json() == {"data": "identity", "basis": basis, "until": "2031-03-01"}


def test_an_earlier_end_of_relationship_is_not_extended_and_no_kyc_means_no_identity_hold() -> None:
    packs = load_packs()
    first = datetime(2027, 1, 1, tzinfo=UTC)
    again = holds_for(
        kyc=_kyc(retain_until=first),
        has_identity=False,
        last_transaction_at=None,
        pack=packs["eu"],
        fallback_transaction_years=5,
        now=NOW,
    )
    assert [(h.data, h.until) for h in again] == [("kyc", first)]
    none = holds_for(
        kyc=None,
        has_identity=True,
        last_transaction_at=NOW,
        pack=None,
        fallback_transaction_years=7,
        now=NOW,
    )
    assert none == [
        Hold(
            "transactions",
            "AML record keeping (longest of all packs: 7 years after each transaction)",
            datetime(2033, 3, 1, 9, 0, tzinfo=UTC),
        )
    ]
    assert (
        holds_for(
            kyc=None,
            has_identity=True,
            last_transaction_at=None,
            pack=None,
            fallback_transaction_years=5,
            now=NOW,
        )
        == []
    )


def test_personal_data_is_normalized() -> None:
    given = PiiIn(
        name="  Siti   Rahayu ",
        email=" siti@example.co.id ",
        phone="+62 812-3456-7890",
        country="id",
        date_of_birth="1990-04-17",  # type: ignore[arg-type]
    )
    assert given.model_dump(exclude_none=True) == {
        "name": "Siti Rahayu",
        "email": "siti@example.co.id",
        "phone": "+6281234567890",
        "country": "ID",
        "date_of_birth": datetime(1990, 4, 17).date(),
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "siti-at-example", "Value error, not an e-mail address"),
        ("phone", "0812345678", "Value error, a phone number in E.164 form, e.g. +6281234567890"),
        ("phone", "+0123456789", "Value error, a phone number in E.164 form, e.g. +6281234567890"),
        (
            "country",
            "Indonesia",
            "Value error, country must be an ISO 3166-1 alpha-2 code such as DE or ID",
        ),
        ("name", "\x00\x01", "Value error, a name needs printable characters"),
        ("region", "EU", "String should match pattern '^[a-z]{2,8}$'"),
        ("nickname", "x", "Extra inputs are not permitted"),
    ],
)
def test_bad_personal_data(field: str, value: str, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        PiiIn.model_validate({field: value})
    error = caught.value.errors()[0]
    assert error["loc"] == (field,)
    assert message in str(error["msg"])
