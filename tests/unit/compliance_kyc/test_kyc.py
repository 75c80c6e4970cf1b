"""The KYC state machine, rejection reasons and document metadata, with no database."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, date, datetime

import pytest

from trustdesk.compliance.kyc import (
    REJECTION_REASONS,
    DocumentIn,
    DocumentType,
    KycAction,
    KycLevel,
    KycRecord,
    KycStatus,
    KycTransitionRefused,
    check_document,
    check_reasons,
    document_number_hash,
    reason_text,
    transition,
)
from trustdesk.core.errors import InvalidInput

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
T1 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# Written out by hand from the spec, not taken from the module's table.
ALLOWED = {
    (KycStatus.NONE, KycAction.SUBMIT),
    (KycStatus.VERIFIED, KycAction.SUBMIT),
    (KycStatus.PENDING, KycAction.VERIFY),
    (KycStatus.PENDING, KycAction.REJECT),
    (KycStatus.REJECTED, KycAction.RESUBMIT),
    (KycStatus.RESUBMITTED, KycAction.VERIFY),
    (KycStatus.RESUBMITTED, KycAction.REJECT),
}


def _step(record: KycRecord | None, action: KycAction, seq: int, **kw: object) -> KycRecord:
    new, event = transition(
        record, action, account_id="acct-1", now=kw.pop("now", T0), actor="cli", seq=seq, **kw
    )  # type: ignore[arg-type]
    assert (event.seq, event.action, event.to_status) == (seq, action, new.status)
    assert event.from_status == (record.status if record else KycStatus.NONE)
    return new


def test_the_whole_path_and_a_rejected_upgrade_keeps_the_verified_level() -> None:
    r = _step(None, KycAction.SUBMIT, 1, jurisdiction="eu", level=KycLevel.STANDARD)
    assert (r.status, r.level, r.requested_level, r.jurisdiction) == (
        KycStatus.PENDING,
        KycLevel.NONE,
        KycLevel.STANDARD,
        "eu",
    )
    r = _step(
        r, KycAction.REJECT, 2, reasons=("document_expired", "NAME_MISMATCH", "DOCUMENT_EXPIRED")
    )
    assert (r.status, r.reasons) == (KycStatus.REJECTED, ("DOCUMENT_EXPIRED", "NAME_MISMATCH"))
    r = _step(r, KycAction.RESUBMIT, 3)
    assert (r.status, r.reasons, r.requested_level) == (
        KycStatus.RESUBMITTED,
        (),
        KycLevel.STANDARD,
    )
    r = _step(r, KycAction.VERIFY, 4, now=T1)
    assert (r.status, r.level, r.requested_level, r.verified_at, r.updated_at) == (
        KycStatus.VERIFIED,
        KycLevel.STANDARD,
        None,
        T1,
        T1,
    )
    r = _step(r, KycAction.SUBMIT, 5, level=KycLevel.ENHANCED)  # jurisdiction kept
    assert (r.status, r.level, r.requested_level, r.jurisdiction) == (
        KycStatus.PENDING,
        KycLevel.STANDARD,
        KycLevel.ENHANCED,
        "eu",
    )
    r = _step(r, KycAction.REJECT, 6, reasons=("ADDRESS_NOT_VERIFIED",))
    assert (r.status, r.level) == (KycStatus.REJECTED, KycLevel.STANDARD)
    assert r.level.covers(KycLevel.BASIC) and not r.level.covers(KycLevel.ENHANCED)


def _record(status: KycStatus) -> KycRecord:
    verified = status is KycStatus.VERIFIED
    return KycRecord(
        "acct-1",
        "eu",
        status,
        KycLevel.BASIC if verified else KycLevel.NONE,
        None if verified else KycLevel.STANDARD,
        (),
        T0,
        T0,
    )


@pytest.mark.parametrize("status", list(KycStatus))
@pytest.mark.parametrize("action", list(KycAction))
def test_only_the_specified_transitions_are_allowed(status: KycStatus, action: KycAction) -> None:
    args: dict[str, object] = {
        KycAction.SUBMIT: {"level": KycLevel.ENHANCED},
        KycAction.REJECT: {"reasons": ("UNDERAGE",)},
    }.get(action, {})
    record = None if status is KycStatus.NONE else _record(status)
    if (status, action) in ALLOWED:
        assert _step(record, action, 1, jurisdiction="eu", **args).status is not status
    else:
        with pytest.raises(KycTransitionRefused) as caught:
            _step(record, action, 1, jurisdiction="eu", **args)
        assert caught.value.code == "kyc.invalid_transition"
        assert caught.value.status == 409


def test_refusal_names_the_state_and_what_is_allowed() -> None:
    with pytest.raises(KycTransitionRefused) as caught:
        _step(None, KycAction.VERIFY, 1)
    assert caught.value.message == "cannot verify: the KYC application is none; allowed now: submit"
    with pytest.raises(KycTransitionRefused) as caught:
        _step(_record(KycStatus.PENDING), KycAction.RESUBMIT, 1)
    assert caught.value.message == (
        "cannot resubmit: the KYC application is pending; allowed now: verify, reject"
    )


@pytest.mark.parametrize(
    ("record", "action", "kw", "field", "message"),
    [
        (
            None,
            KycAction.SUBMIT,
            {"level": KycLevel.BASIC},
            "jurisdiction",
            "the first submission needs a jurisdiction",
        ),
        (
            None,
            KycAction.SUBMIT,
            {"jurisdiction": "eu"},
            "level",
            "submit needs the level applied for (basic, standard or enhanced)",
        ),
        (
            None,
            KycAction.SUBMIT,
            {"jurisdiction": "eu", "level": KycLevel.NONE},
            "level",
            "submit needs the level applied for (basic, standard or enhanced)",
        ),
        (
            "verified",
            KycAction.SUBMIT,
            {"level": KycLevel.BASIC},
            "level",
            "the account is already verified at basic; apply for a higher level",
        ),
        (
            "pending",
            KycAction.VERIFY,
            {"level": KycLevel.ENHANCED},
            "level",
            "cannot verify above the requested level standard",
        ),
        ("pending", KycAction.REJECT, {}, "reasons", "a rejection needs at least one reason code"),
        (
            "pending",
            KycAction.VERIFY,
            {"reasons": ("UNDERAGE",)},
            "reasons",
            "verify takes no reason codes",
        ),
        (
            "rejected",
            KycAction.RESUBMIT,
            {"level": KycLevel.BASIC},
            "level",
            "resubmit takes no level",
        ),
    ],
)
def test_bad_arguments_are_refused_with_the_field(
    record: str | None, action: KycAction, kw: dict[str, object], field: str, message: str
) -> None:
    start = _record(KycStatus(record)) if record else None
    with pytest.raises(InvalidInput) as caught:
        _step(start, action, 1, **kw)
    assert (caught.value.field, caught.value.message) == (field, message)


def test_reason_codes_are_checked_and_every_one_has_three_texts() -> None:
    with pytest.raises(InvalidInput) as caught:
        check_reasons(["NAME_MISMATCH", "TOO_UGLY"])
    assert caught.value.field == "reasons"
    assert caught.value.message.startswith("unknown rejection reason 'TOO_UGLY'; choose from ")
    with pytest.raises(InvalidInput, match="at most 10 reason codes"):
        check_reasons(list(REJECTION_REASONS)[:11])
    assert len(REJECTION_REASONS) == 12
    for reason in REJECTION_REASONS.values():
        assert set(reason.text) == {"en", "zh", "id"}
        assert all(t.strip() for t in reason.text.values())
    assert reason_text("DOCUMENT_EXPIRED") == (
        "The identity document has expired. Please upload a valid one."
    )
    assert reason_text("DOCUMENT_EXPIRED", "zh") == "身份证件已过期。请上传有效的证件。"
    assert reason_text("UNDERAGE", "id") == (
        "Anda harus berusia minimal 18 tahun untuk menggunakan layanan ini."
    )
    assert reason_text("UNDERAGE", "fr") == reason_text("UNDERAGE", "en")


def test_document_numbers_are_hashed_normalized_and_scoped() -> None:
    key = b"k" * 32
    expected = hmac.new(key, b"passport:DE:C01X00T47", hashlib.sha256).hexdigest()
    assert document_number_hash(key, DocumentType.PASSPORT, "DE", "c01x-00t47") == expected
    assert document_number_hash(key, DocumentType.PASSPORT, "DE", " C01X 00T47 ") == expected
    assert document_number_hash(key, DocumentType.PASSPORT, "AT", "C01X00T47") != expected
    assert document_number_hash(key, DocumentType.NATIONAL_ID, "DE", "C01X00T47") != expected
    with pytest.raises(InvalidInput) as caught:
        document_number_hash(key, DocumentType.PASSPORT, "DE", "ÄÖ12")
    assert caught.value.field == "documents.number"
    assert "ÄÖ12" not in caught.value.message  # a number is never echoed


@pytest.mark.parametrize(
    ("doc", "field", "message"),
    [
        (
            DocumentIn("selfie", "DE", "1"),
            "documents.type",
            "document type must be one of passport, national_id, driving_licence, "
            "residence_permit, proof_of_address",
        ),
        (
            DocumentIn("passport", "ZZ", "1"),
            "documents.country",
            "documents.country must be an ISO 3166-1 alpha-2 code such as DE or ID",
        ),
        (
            DocumentIn("passport", "DEU", "1"),
            "documents.country",
            "documents.country must be an ISO 3166-1 alpha-2 code such as DE or ID",
        ),
        (
            DocumentIn("passport", "DE", "1", date(2026, 2, 28)),
            "documents.expires_on",
            "the passport expired on 2026-02-28; an expired document cannot be submitted",
        ),
    ],
)
def test_bad_documents(doc: DocumentIn, field: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_document(doc, date(2026, 3, 1))
    assert (caught.value.field, caught.value.message) == (field, message)


def test_a_document_valid_today_is_accepted() -> None:
    doc = DocumentIn(" Passport ", "id", "X", date(2026, 3, 1))
    assert check_document(doc, date(2026, 3, 1)) == (DocumentType.PASSPORT, "ID")
