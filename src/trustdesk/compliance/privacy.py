"""Data-subject rights: personal data with a residency region, export, erasure, retention.

* Export (GDPR Art. 15/20): everything held about an account, as one JSON document.
* Erasure (Art. 17): contact data and behavioural history go at once; identity data, the
  KYC file and transaction records stay under a legal hold (AML record keeping, Art.
  17(3)(b)) until the retention of the account's jurisdiction pack runs out, and the report
  says which data and until when. Audit entries are never touched: they hold no raw
  personal data, so the chain still verifies.
* Retention: a job deletes what has passed its hold and transactions past retention.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any, Final, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from trustdesk.audit.model import AuditEvent
from trustdesk.audit.ports import AuditLog
from trustdesk.compliance.kyc import (
    KycDocument,
    KycEvent,
    KycRecord,
    check_account,
    check_country,
)
from trustdesk.compliance.packs import Pack, longest_transaction_retention
from trustdesk.core.clock import Clock
from trustdesk.core.errors import Conflict, InvalidInput, NotFound

EXPORT_FORMAT: Final = "trustdesk.personal-data-export/1"
IDENTITY_FIELDS: Final = ("name", "date_of_birth", "country")  # needed for AML records
CONTACT_FIELDS: Final = ("email", "phone")
PII_FIELDS: Final = ("name", "email", "phone", "date_of_birth", "country")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+[1-9][0-9]{6,14}")
_PHONE_SEPARATORS = re.compile(r"[\s().-]+")


class AlreadyErased(Conflict):
    code = "privacy.erased"


class PiiIn(BaseModel):
    """Personal data as given; every field optional so a record can be completed later."""

    model_config = ConfigDict(extra="forbid")

    region: str | None = Field(default=None, pattern=r"^[a-z]{2,8}$")
    name: str | None = Field(default=None, min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32, description="E.164")
    date_of_birth: date | None = None
    country: str | None = Field(default=None, description="ISO 3166-1 alpha-2")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = " ".join(value.split())
        if not value or not value.isprintable():
            raise ValueError("a name needs printable characters")
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.fullmatch(value.strip()):
            raise ValueError("not an e-mail address")
        return value.strip() if value else value

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        compact = _PHONE_SEPARATORS.sub("", value)
        if not _PHONE.fullmatch(compact):
            raise ValueError("a phone number in E.164 form, e.g. +6281234567890")
        return compact

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        try:
            return check_country(value) if value is not None else None
        except InvalidInput as exc:  # pydantic reports ValueErrors with the field
            raise ValueError(exc.message) from None


@dataclass(frozen=True)
class PersonalData:
    account_id: str
    region: str
    name: str | None
    email: str | None
    phone: str | None
    date_of_birth: date | None
    country: str | None
    recorded_at: datetime
    updated_at: datetime
    erased_at: datetime | None = None
    hold_until: datetime | None = None

    def present(self) -> list[str]:
        return [f for f in PII_FIELDS if getattr(self, f) is not None]


@dataclass(frozen=True)
class Hold:
    data: str  # "identity", "kyc", "transactions"
    basis: str
    until: datetime

    def to_json(self) -> dict[str, str]:
        return {"data": self.data, "basis": self.basis, "until": self.until.date().isoformat()}


@dataclass(frozen=True)
class ErasureReport:
    account_id: str
    erased: list[str]
    held: list[Hold]

    def to_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "erased": self.erased,
            "held": [h.to_json() for h in self.held],
        }


@dataclass
class RetentionReport:
    dry_run: bool
    deleted: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, count: int) -> None:
        self.deleted[name] = self.deleted.get(name, 0) + count


def add_years(when: datetime, years: int) -> datetime:
    """Calendar years; 29 February becomes 28 February in a year without one."""
    try:
        return when.replace(year=when.year + years)
    except ValueError:
        return when.replace(year=when.year + years, day=28)


def holds_for(
    *,
    kyc: KycRecord | None,
    has_identity: bool,
    last_transaction_at: datetime | None,
    pack: Pack | None,
    fallback_transaction_years: int,
    now: datetime,
) -> list[Hold]:
    """What AML record keeping keeps after an erasure request, and until when.

    The request ends the business relationship, so KYC data is kept for the pack's KYC
    retention from now (or from an earlier end already recorded); transaction records for
    the transaction retention from the last transaction. Without a pack (no KYC file),
    transactions are kept for the longest retention of any pack."""
    holds: list[Hold] = []
    if kyc is not None and pack is not None:
        until = kyc.retain_until or add_years(now, pack.retention.kyc_years)
        years = pack.retention.kyc_years
        basis = f"AML record keeping ({pack.code}: {years} years after the relationship ends)"
        if has_identity:
            holds.append(Hold("identity", basis, until))
        holds.append(Hold("kyc", basis, until))
    if last_transaction_at is not None:
        years = pack.retention.transactions_years if pack else fallback_transaction_years
        where = pack.code if pack else "longest of all packs"
        holds.append(
            Hold(
                "transactions",
                f"AML record keeping ({where}: {years} years after each transaction)",
                add_years(last_transaction_at, years),
            )
        )
    return holds


class PrivacyStore(Protocol):
    def pii(self, account_id: str) -> PersonalData | None: ...
    def put_pii(self, data: PersonalData) -> None: ...
    def delete_pii(self, account_id: str) -> None: ...
    def pii_past_hold(self, now: datetime) -> list[str]: ...
    def assessments(self, account_id: str) -> list[dict[str, Any]]: ...
    def last_assessment_at(self, account_id: str) -> datetime | None: ...
    def factors(self, account_id: str) -> list[dict[str, Any]]: ...
    def audit_entries(self, subjects: Sequence[str]) -> list[dict[str, Any]]: ...
    def wipe_factors(self, account_id: str) -> int: ...
    def delete_behaviour(self, account_id: str) -> int: ...
    def expired_assessments(
        self, cutoff: datetime, *, jurisdiction: str | None, known: Sequence[str], remove: bool
    ) -> int: ...


class KycRecords(Protocol):
    def record(self, account_id: str, *, for_update: bool = False) -> KycRecord | None: ...
    def save(self, record: KycRecord) -> None: ...
    def events(self, account_id: str) -> list[KycEvent]: ...
    def documents(self, account_id: str) -> list[KycDocument]: ...
    def past_retention(self, now: datetime) -> list[str]: ...
    def delete_account(self, account_id: str) -> dict[str, int]: ...


@dataclass
class PrivacyDesk:
    store: PrivacyStore
    kyc: KycRecords
    audit: AuditLog
    clock: Clock
    packs: Mapping[str, Pack]
    actor: str
    request_id: str | None = None

    def record(self, account_id: str, given: PiiIn) -> PersonalData:
        """Store or complete an account's personal data, sealed, in its residency region."""
        check_account(account_id)
        now = self.clock.now()
        current = self.store.pii(account_id)
        if current is not None and current.erased_at is not None:
            raise AlreadyErased(
                "this account's personal data was erased; it cannot be recorded again",
                field="account_id",
            )
        region = self._region(account_id, given.region, current)
        self._check_birth(given.date_of_birth, now)
        values = given.model_dump(exclude_none=True, exclude={"region"})
        if current is None:
            blank = dict.fromkeys(PII_FIELDS)
            data = PersonalData(
                account_id, region, **(blank | values), recorded_at=now, updated_at=now
            )
        else:
            data = replace(current, region=region, updated_at=now, **values)
        self.store.put_pii(data)
        self._audit("privacy.recorded", account_id, {"region": region, "fields": sorted(values)})
        return data

    def export(self, account_id: str) -> dict[str, Any]:
        check_account(account_id)
        now = self.clock.now()
        pii = self.store.pii(account_id)
        kyc = self.kyc.record(account_id)
        assessments = self.store.assessments(account_id)
        subjects = [f"account:{account_id}", *(f"assessment:{a['id']}" for a in assessments)]
        document: dict[str, Any] = {
            "format": EXPORT_FORMAT,
            "account_id": account_id,
            "exported_at": now.astimezone(UTC).isoformat(),
            "personal_data": _pii_json(pii),
            "kyc": self._kyc_json(account_id, kyc),
            "assessments": assessments,
            "step_up_factors": self.store.factors(account_id),
            "audit_entries": self.store.audit_entries(subjects),
            "retention": self._retention_json(kyc, pii),
        }
        if pii is None and kyc is None and not assessments and not document["step_up_factors"]:
            raise NotFound(f"nothing is held about account {account_id}", field="account_id")
        counts = {k: len(document[k]) for k in ("assessments", "step_up_factors", "audit_entries")}
        self._audit("privacy.exported", account_id, counts)
        return document

    def erase(self, account_id: str) -> ErasureReport:
        check_account(account_id)
        now = self.clock.now()
        kyc = self.kyc.record(account_id, for_update=True)
        pack = self.packs.get(kyc.jurisdiction) if kyc else None
        pii = self.store.pii(account_id)
        holds = holds_for(
            kyc=kyc,
            has_identity=pii is not None and any(getattr(pii, f) for f in IDENTITY_FIELDS),
            last_transaction_at=self.store.last_assessment_at(account_id),
            pack=pack,
            fallback_transaction_years=longest_transaction_retention(self.packs),
            now=now,
        )
        kyc_hold = next((h for h in holds if h.data == "kyc"), None)
        erased = self._erase_pii(pii, kyc_hold, now)
        if self.store.wipe_factors(account_id):
            erased.append("step_up_factors")
        if self.store.delete_behaviour(account_id):
            erased.append("risk_history")
        if pii is None and kyc is None and not erased and not holds:
            raise NotFound(f"nothing is held about account {account_id}", field="account_id")
        if kyc is not None and kyc_hold is not None and kyc.retain_until is None:
            self.kyc.save(replace(kyc, retain_until=kyc_hold.until))
        report = ErasureReport(account_id, erased, holds)
        held = [h.to_json() for h in holds]
        self._audit("privacy.erased", account_id, {"erased": erased, "held": held})
        return report

    def retention(self, *, dry_run: bool = False) -> RetentionReport:
        now = self.clock.now()
        report = RetentionReport(dry_run)
        for code, pack in self.packs.items():
            cutoff = add_years(now, -pack.retention.transactions_years)
            report.add(
                "assessments",
                self.store.expired_assessments(
                    cutoff, jurisdiction=code, known=list(self.packs), remove=not dry_run
                ),
            )
        cutoff = add_years(now, -longest_transaction_retention(self.packs))
        report.add(
            "assessments",
            self.store.expired_assessments(
                cutoff, jurisdiction=None, known=list(self.packs), remove=not dry_run
            ),
        )
        for account_id in self.store.pii_past_hold(now):
            report.add("customers_pii", 1)
            if not dry_run:
                self.store.delete_pii(account_id)
        for account_id in self.kyc.past_retention(now):
            report.add("kyc_accounts", 1)
            if not dry_run:
                for name, count in self.kyc.delete_account(account_id).items():
                    report.add(name, count)
        if not dry_run:
            self._audit("privacy.retention_applied", None, dict(report.deleted))
        return report

    # --- helpers ---------------------------------------------------------------------------

    def _erase_pii(self, pii: PersonalData | None, hold: Hold | None, now: datetime) -> list[str]:
        if pii is None:
            return []
        if hold is None:
            self.store.delete_pii(pii.account_id)
            return pii.present()
        erased = [f for f in CONTACT_FIELDS if getattr(pii, f) is not None]
        kept = replace(pii, email=None, phone=None, erased_at=pii.erased_at or now)
        self.store.put_pii(replace(kept, hold_until=pii.hold_until or hold.until))
        return erased

    def _region(self, account_id: str, given: str | None, current: PersonalData | None) -> str:
        regions = sorted({p.data_region for p in self.packs.values()})
        kyc = self.kyc.record(account_id)
        pack = self.packs.get(kyc.jurisdiction) if kyc else None
        region = (
            given or (current.region if current else None) or (pack.data_region if pack else None)
        )
        if region is None:
            raise InvalidInput(
                "give the residency region (no KYC jurisdiction to take it from): "
                + ", ".join(regions),
                field="region",
            )
        if region not in regions:
            raise InvalidInput(f"region must be one of {', '.join(regions)}", field="region")
        if pack is not None and region != pack.data_region:
            raise InvalidInput(
                f"the {pack.code} jurisdiction keeps personal data in region "
                f"{pack.data_region}, not {region}",
                field="region",
            )
        return region

    @staticmethod
    def _check_birth(born: date | None, now: datetime) -> None:
        if born is not None and not date(1900, 1, 1) <= born <= now.date():
            raise InvalidInput(
                "date of birth must be between 1900-01-01 and today", field="date_of_birth"
            )

    def _kyc_json(self, account_id: str, kyc: KycRecord | None) -> dict[str, Any] | None:
        if kyc is None:
            return None
        return {
            "record": _plain(asdict(kyc)),
            "history": [_plain(asdict(e)) for e in self.kyc.events(account_id)],
            "documents": [_plain(asdict(d)) for d in self.kyc.documents(account_id)],
        }

    def _retention_json(
        self, kyc: KycRecord | None, pii: PersonalData | None
    ) -> list[dict[str, str]]:
        pack = self.packs.get(kyc.jurisdiction) if kyc else None
        out: list[dict[str, str]] = []
        if pii is not None and pii.hold_until is not None:
            out.append({"data": "identity", "until": pii.hold_until.date().isoformat()})
        if pack is not None:
            kyc_until = kyc.retain_until.date().isoformat() if kyc and kyc.retain_until else None
            out.append(
                {
                    "data": "kyc",
                    "until": kyc_until
                    or f"{pack.retention.kyc_years} years after the relationship ends",
                }
            )
            out.append(
                {
                    "data": "transactions",
                    "until": f"{pack.retention.transactions_years} years after each transaction",
                }
            )
        return out

    def _audit(self, action: str, account_id: str | None, payload: dict[str, Any]) -> None:
        self.audit.append(
            AuditEvent(
                actor=self.actor,
                action=action,
                subject=f"account:{account_id}" if account_id else "privacy:retention",
                payload={k: v for k, v in payload.items() if v is not None},
                request_id=self.request_id,
            )
        )


def _pii_json(pii: PersonalData | None) -> dict[str, Any] | None:
    return _plain(asdict(pii)) if pii is not None else None


def _plain(value: Any) -> Any:
    """Dataclass dicts as JSON: dates and times in ISO form, tuples as lists."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value
