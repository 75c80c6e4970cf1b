"""KYC: levels, the application state machine, rejection reasons, document metadata.

State of the latest application (``status``)::

    none ──submit──▶ pending ──verify──▶ verified ──submit (higher level)──▶ pending …
                        │
                        └─reject(reasons)─▶ rejected ─resubmit─▶ resubmitted ─verify/reject─▶ …

``level`` is the level verified so far (what the account may do); it only changes on
``verify``, so a rejected upgrade leaves the earlier level in force. Documents are kept as
metadata only: type, issuing country, expiry and a keyed hash of the number, never images
and never the number itself.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Final

from trustdesk.core.errors import Conflict, InvalidInput


class KycLevel(StrEnum):
    """What has been checked, cumulatively.

    basic: name, e-mail and phone confirmed; standard: an identity document verified;
    enhanced: also proof of address and source of funds."""

    NONE = "none"
    BASIC = "basic"
    STANDARD = "standard"
    ENHANCED = "enhanced"

    @property
    def rank(self) -> int:
        return _LEVEL_ORDER.index(self)

    def covers(self, required: KycLevel) -> bool:
        return self.rank >= required.rank


_LEVEL_ORDER: Final = (KycLevel.NONE, KycLevel.BASIC, KycLevel.STANDARD, KycLevel.ENHANCED)


class KycStatus(StrEnum):
    NONE = "none"
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    RESUBMITTED = "resubmitted"


class KycAction(StrEnum):
    SUBMIT = "submit"
    VERIFY = "verify"
    REJECT = "reject"
    RESUBMIT = "resubmit"


_TRANSITIONS: Final[dict[tuple[KycStatus, KycAction], KycStatus]] = {
    (KycStatus.NONE, KycAction.SUBMIT): KycStatus.PENDING,
    (KycStatus.VERIFIED, KycAction.SUBMIT): KycStatus.PENDING,  # an upgrade
    (KycStatus.PENDING, KycAction.VERIFY): KycStatus.VERIFIED,
    (KycStatus.PENDING, KycAction.REJECT): KycStatus.REJECTED,
    (KycStatus.REJECTED, KycAction.RESUBMIT): KycStatus.RESUBMITTED,
    (KycStatus.RESUBMITTED, KycAction.VERIFY): KycStatus.VERIFIED,
    (KycStatus.RESUBMITTED, KycAction.REJECT): KycStatus.REJECTED,
}


class KycTransitionRefused(Conflict):
    code = "kyc.invalid_transition"


def allowed_actions(status: KycStatus) -> list[KycAction]:
    return [action for (start, action) in _TRANSITIONS if start is status]


# --- rejection reasons ---------------------------------------------------------------------

LOCALES: Final = ("en", "zh", "id")


@dataclass(frozen=True)
class RejectionReason:
    code: str
    text: dict[str, str]  # what support may tell the customer, per locale
    support_note: str = ""  # for support staff only


def _reason(code: str, en: str, zh: str, id_: str, note: str = "") -> RejectionReason:
    return RejectionReason(code, {"en": en, "zh": zh, "id": id_}, note)


REJECTION_REASONS: Final[dict[str, RejectionReason]] = {
    r.code: r
    for r in (
        _reason(
            "DOCUMENT_EXPIRED",
            "The identity document has expired. Please upload a valid one.",
            "身份证件已过期。请上传有效的证件。",
            "Dokumen identitas sudah kedaluwarsa. Silakan unggah dokumen yang masih berlaku.",
        ),
        _reason(
            "DOCUMENT_UNREADABLE",
            "The document photo could not be read (blurred, cropped or glare). "
            "Please take a new photo.",
            "无法识别证件照片（模糊、裁切或反光）。请重新拍摄。",
            "Foto dokumen tidak dapat dibaca (buram, terpotong, atau silau). "
            "Silakan ambil foto baru.",
        ),
        _reason(
            "DOCUMENT_NOT_ACCEPTED",
            "This type of document is not accepted. Please use a passport, national identity "
            "card or driving licence.",
            "不接受此类证件。请使用护照、身份证或驾驶证。",
            "Jenis dokumen ini tidak diterima. Silakan gunakan paspor, kartu identitas, atau SIM.",
        ),
        _reason(
            "NAME_MISMATCH",
            "The name on the document does not match the name on the account.",
            "证件上的姓名与账户姓名不一致。",
            "Nama pada dokumen tidak sesuai dengan nama pada akun.",
        ),
        _reason(
            "DOB_MISMATCH",
            "The date of birth on the document does not match the one you entered.",
            "证件上的出生日期与您填写的不一致。",
            "Tanggal lahir pada dokumen tidak sesuai dengan yang Anda masukkan.",
        ),
        _reason(
            "LIVENESS_FAILED",
            "The selfie check did not succeed. Please try again in good light, without "
            "glasses or a hat.",
            "自拍核验未通过。请在光线充足处重试，勿戴眼镜或帽子。",
            "Pemeriksaan swafoto tidak berhasil. Silakan coba lagi di tempat terang, tanpa "
            "kacamata atau topi.",
        ),
        _reason(
            "ADDRESS_NOT_VERIFIED",
            "We could not verify your address. Please upload a proof of address issued in "
            "the last 3 months.",
            "无法核实您的地址。请上传近三个月内签发的地址证明。",
            "Kami tidak dapat memverifikasi alamat Anda. Silakan unggah bukti alamat yang "
            "diterbitkan dalam 3 bulan terakhir.",
        ),
        _reason(
            "INCOMPLETE_INFORMATION",
            "Some required information is missing. Please complete every field and submit again.",
            "缺少部分必填信息。请填写所有字段后重新提交。",
            "Beberapa informasi wajib belum diisi. Silakan lengkapi semua kolom dan kirim kembali.",
        ),
        _reason(
            "UNDERAGE",
            "You must be at least 18 years old to use this service.",
            "您必须年满18周岁才能使用本服务。",
            "Anda harus berusia minimal 18 tahun untuk menggunakan layanan ini.",
        ),
        _reason(
            "UNSUPPORTED_COUNTRY",
            "We cannot offer this service to residents of your country.",
            "我们无法向您所在国家或地区的居民提供此服务。",
            "Kami tidak dapat menyediakan layanan ini untuk penduduk negara Anda.",
        ),
        _reason(
            "DUPLICATE_ACCOUNT",
            "An account already exists for this person. Please sign in to that account or "
            "contact support.",
            "此人已有账户。请登录该账户或联系客服。",
            "Sudah ada akun atas nama orang ini. Silakan masuk ke akun tersebut atau hubungi "
            "dukungan.",
        ),
        _reason(
            "COMPLIANCE_DECLINED",
            "We are unable to verify this account. Support cannot share further details.",
            "我们无法验证此账户。客服无法提供更多细节。",
            "Kami tidak dapat memverifikasi akun ini. Tim dukungan tidak dapat memberikan "
            "rincian lebih lanjut.",
            # Tipping-off rules forbid hinting at a suspicion report or a sanctions match.
            "Do not speculate about the reason with the customer; escalate to compliance.",
        ),
    )
}

MAX_REASONS: Final = 10


def reason_text(code: str, locale: str = "en") -> str:
    reason = REJECTION_REASONS[code]
    return reason.text.get(locale) or reason.text["en"]


def check_reasons(codes: Iterable[str]) -> tuple[str, ...]:
    """Known codes, upper-cased, duplicates dropped, order kept; at least one."""
    seen: list[str] = []
    for raw in codes:
        code = str(raw).strip().upper()
        if code not in REJECTION_REASONS:
            raise InvalidInput(
                f"unknown rejection reason {str(raw)[:40]!r}; "
                f"choose from {', '.join(REJECTION_REASONS)}",
                field="reasons",
            )
        if code not in seen:
            seen.append(code)
    if not seen:
        raise InvalidInput("a rejection needs at least one reason code", field="reasons")
    if len(seen) > MAX_REASONS:
        raise InvalidInput(f"at most {MAX_REASONS} reason codes", field="reasons")
    return tuple(seen)


_ACCOUNT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}")


def check_account(account_id: str) -> str:
    """The account id rule of the step-up API, so both name accounts alike."""
    if not _ACCOUNT.fullmatch(account_id):
        raise InvalidInput(
            "account id: 1-64 characters, letters, digits and . _ : @ -, starting alphanumeric",
            field="account_id",
        )
    return account_id


def check_locale(locale: str) -> str:
    if locale not in LOCALES:
        raise InvalidInput(f"locale must be one of {', '.join(LOCALES)}", field="locale")
    return locale


# --- documents -------------------------------------------------------------------------------


class DocumentType(StrEnum):
    PASSPORT = "passport"
    NATIONAL_ID = "national_id"
    DRIVING_LICENCE = "driving_licence"
    RESIDENCE_PERMIT = "residence_permit"
    PROOF_OF_ADDRESS = "proof_of_address"


@dataclass(frozen=True)
class DocumentIn:
    """A document as given: the number is only held long enough to hash it."""

    type: str
    country: str
    number: str
    expires_on: date | None = None


@dataclass(frozen=True)
class KycDocument:
    id: str
    account_id: str
    type: DocumentType
    country: str
    number_hash: str
    expires_on: date | None
    added_at: datetime


_NUMBER_SEPARATORS = re.compile(r"[\s\-./]+")
_NUMBER = re.compile(r"[A-Z0-9]{1,40}")
MAX_DOCUMENTS: Final = 10


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes, from the countryinfo data (read once, on first use)."""
    from countryinfo import CountryInfo

    codes = {str((i.get("ISO") or {}).get("alpha2") or "") for i in CountryInfo.all().values()}
    return frozenset(c.upper() for c in codes if c)


def check_country(value: str, field: str = "country") -> str:
    code = value.strip().upper()
    if len(code) != 2 or code not in country_codes():
        raise InvalidInput(
            f"{field} must be an ISO 3166-1 alpha-2 code such as DE or ID", field=field
        )
    return code


def document_number_hash(key: bytes, doc_type: DocumentType, country: str, number: str) -> str:
    """HMAC-SHA256 of the normalized number: "c01x-00t47" and "C01X00T47" hash alike, and
    the same number from another country or of another type does not."""
    normal = _NUMBER_SEPARATORS.sub("", number).upper()
    if not _NUMBER.fullmatch(normal):
        raise InvalidInput(
            "document number: 1-40 letters and digits (spaces, dots and dashes are ignored)",
            field="documents.number",
        )
    return hmac.new(key, f"{doc_type}:{country}:{normal}".encode(), hashlib.sha256).hexdigest()


def check_document(doc: DocumentIn, today: date) -> tuple[DocumentType, str]:
    try:
        doc_type = DocumentType(doc.type.strip().lower())
    except ValueError:
        kinds = ", ".join(DocumentType)
        raise InvalidInput(
            f"document type must be one of {kinds}", field="documents.type"
        ) from None
    country = check_country(doc.country, "documents.country")
    if doc.expires_on is not None and doc.expires_on < today:
        raise InvalidInput(
            f"the {doc_type.value} expired on {doc.expires_on.isoformat()}; "
            "an expired document cannot be submitted",
            field="documents.expires_on",
        )
    return doc_type, country


# --- records and the state machine -------------------------------------------------------------


@dataclass(frozen=True)
class KycRecord:
    account_id: str
    jurisdiction: str
    status: KycStatus
    level: KycLevel  # verified so far
    requested_level: KycLevel | None
    reasons: tuple[str, ...]  # of the latest rejection
    created_at: datetime
    updated_at: datetime
    verified_at: datetime | None = None
    retain_until: datetime | None = None  # set when the relationship ends (AML record keeping)


@dataclass(frozen=True)
class KycEvent:
    account_id: str
    seq: int
    action: KycAction
    from_status: KycStatus
    to_status: KycStatus
    level: KycLevel
    requested_level: KycLevel | None
    reasons: tuple[str, ...]
    actor: str
    at: datetime


def transition(
    record: KycRecord | None,
    action: KycAction,
    *,
    account_id: str,
    now: datetime,
    actor: str,
    seq: int,
    jurisdiction: str | None = None,
    level: KycLevel | None = None,
    reasons: tuple[str, ...] = (),
) -> tuple[KycRecord, KycEvent]:
    """The record after ``action`` and the event that records it; refuses what the state
    machine does not allow (``kyc.invalid_transition``) and bad arguments (422)."""
    # Input is checked before state: a bad request is bad whatever the state.
    if action is KycAction.REJECT:
        reasons = check_reasons(reasons)
    elif reasons:
        raise InvalidInput(f"{action.value} takes no reason codes", field="reasons")
    current = record or _blank(account_id, jurisdiction or "", now)
    target = _TRANSITIONS.get((current.status, action))
    if target is None:
        allowed = ", ".join(allowed_actions(current.status)) or "nothing"
        raise KycTransitionRefused(
            f"cannot {action.value}: the KYC application is {current.status.value}; "
            f"allowed now: {allowed}",
            field="action",
        )
    changed = _apply(current, action, now=now, jurisdiction=jurisdiction, level=level)
    changed = replace(changed, status=target, updated_at=now, reasons=reasons)
    event = KycEvent(
        account_id=account_id,
        seq=seq,
        action=action,
        from_status=current.status,
        to_status=target,
        level=changed.level,
        requested_level=changed.requested_level,
        reasons=reasons,
        actor=actor,
        at=now,
    )
    return changed, event


def _blank(account_id: str, jurisdiction: str, now: datetime) -> KycRecord:
    return KycRecord(account_id, jurisdiction, KycStatus.NONE, KycLevel.NONE, None, (), now, now)


def _apply(
    record: KycRecord,
    action: KycAction,
    *,
    now: datetime,
    jurisdiction: str | None,
    level: KycLevel | None,
) -> KycRecord:
    if action is KycAction.SUBMIT:
        return _submitted(record, jurisdiction, level)
    if action is KycAction.VERIFY:
        granted = level or record.requested_level
        if granted is None or granted is KycLevel.NONE:
            raise InvalidInput("verify needs a level above none", field="level")
        if record.requested_level is not None and granted.rank > record.requested_level.rank:
            raise InvalidInput(
                f"cannot verify above the requested level {record.requested_level.value}",
                field="level",
            )
        return replace(record, level=granted, requested_level=None, verified_at=now)
    if level is not None:
        raise InvalidInput(f"{action.value} takes no level", field="level")
    return record


def _submitted(record: KycRecord, jurisdiction: str | None, level: KycLevel | None) -> KycRecord:
    if level is None or level is KycLevel.NONE:
        raise InvalidInput(
            "submit needs the level applied for (basic, standard or enhanced)", field="level"
        )
    if level.rank <= record.level.rank:
        raise InvalidInput(
            f"the account is already verified at {record.level.value}; apply for a higher level",
            field="level",
        )
    code = jurisdiction or record.jurisdiction
    if not code:
        raise InvalidInput("the first submission needs a jurisdiction", field="jurisdiction")
    return replace(record, jurisdiction=code, requested_level=level)
