"""Personal data in SQL, sealed field by field, and what export, erasure and retention read
and delete in the other domains' tables (assessments, step-up factors, the audit chain).

Each field is sealed with the factor key ring (AES-256-GCM) under associated data naming
the account and the field, so a value copied to another row or column does not open.
Audit rows are only ever read here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any, Final, cast

from sqlalchemy import Select, String, Text, delete, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from trustdesk.audit.model import AuditEntry
from trustdesk.audit.ports import AuditLog
from trustdesk.audit.service import entry_to_json
from trustdesk.audit.store import AuditRow
from trustdesk.auth.model import FactorStatus
from trustdesk.auth.secretbox import Keyring
from trustdesk.auth.store import ChallengeRow, ConfirmationRow, FactorRow
from trustdesk.compliance.kyc_store import KycRecordRow, SqlKycStore
from trustdesk.compliance.packs import Pack, default_packs
from trustdesk.compliance.privacy import PII_FIELDS, PersonalData, PrivacyDesk
from trustdesk.core.clock import Clock
from trustdesk.db.base import Base
from trustdesk.db.types import UtcDateTime
from trustdesk.risk.store import AccountProfileRow, AccountSeenRow, AssessmentRow

_CHUNK: Final = 500


class CustomerPiiRow(Base):
    __tablename__ = "customers_pii"

    account_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    region: Mapped[str] = mapped_column(String(8))
    # "v1.<kid>.<base64url>" (trustdesk.auth.secretbox); NULL when absent or erased.
    name_sealed: Mapped[str | None] = mapped_column(Text)
    email_sealed: Mapped[str | None] = mapped_column(Text)
    phone_sealed: Mapped[str | None] = mapped_column(Text)
    date_of_birth_sealed: Mapped[str | None] = mapped_column(Text)
    country_sealed: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Identity kept under a legal hold after an erasure request, deleted after this time.
    hold_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)


def _aad(account_id: str, field: str) -> bytes:
    return f"pii:{account_id}:{field}".encode()


class SqlPrivacyStore:
    def __init__(self, session: Session, keyring: Keyring, clock: Clock) -> None:
        self.session = session
        self.keyring = keyring
        self.clock = clock

    # --- personal data ---------------------------------------------------------------------
    def pii(self, account_id: str) -> PersonalData | None:
        row = self.session.get(CustomerPiiRow, account_id)
        if row is None:
            return None
        values = {f: self._open(row, f) for f in PII_FIELDS}
        born = values.pop("date_of_birth")
        return PersonalData(
            account_id=row.account_id,
            region=row.region,
            date_of_birth=date.fromisoformat(born) if born else None,
            recorded_at=row.recorded_at,
            updated_at=row.updated_at,
            erased_at=row.erased_at,
            hold_until=row.hold_until,
            **values,
        )

    def put_pii(self, data: PersonalData) -> None:
        row = self.session.get(CustomerPiiRow, data.account_id)
        if row is None:
            row = CustomerPiiRow(account_id=data.account_id)
            self.session.add(row)
        row.region = data.region
        for f in PII_FIELDS:
            value = getattr(data, f)
            text = value.isoformat() if isinstance(value, date) else value
            sealed = (
                self.keyring.seal(text.encode(), aad=_aad(data.account_id, f)) if text else None
            )
            setattr(row, f"{f}_sealed", sealed)
        row.recorded_at = data.recorded_at
        row.updated_at = data.updated_at
        row.erased_at = data.erased_at
        row.hold_until = data.hold_until
        self.session.flush()

    def delete_pii(self, account_id: str) -> None:
        self.session.execute(delete(CustomerPiiRow).where(CustomerPiiRow.account_id == account_id))

    def pii_past_hold(self, now: datetime) -> list[str]:
        return list(
            self.session.scalars(
                select(CustomerPiiRow.account_id)
                .where(CustomerPiiRow.hold_until.is_not(None), CustomerPiiRow.hold_until <= now)
                .order_by(CustomerPiiRow.account_id)
            )
        )

    def _open(self, row: CustomerPiiRow, field: str) -> str | None:
        sealed = getattr(row, f"{field}_sealed")
        if sealed is None:
            return None
        return self.keyring.open(sealed, aad=_aad(row.account_id, field)).decode()

    # --- what other domains hold -----------------------------------------------------------
    def assessments(self, account_id: str) -> list[dict[str, Any]]:
        rows = self.session.scalars(
            select(AssessmentRow)
            .where(AssessmentRow.account_id == account_id)
            .order_by(AssessmentRow.created_at, AssessmentRow.id)
        )
        return [_assessment_json(r) for r in rows]

    def last_assessment_at(self, account_id: str) -> datetime | None:
        return self.session.scalar(
            select(func.max(AssessmentRow.created_at)).where(AssessmentRow.account_id == account_id)
        )

    def factors(self, account_id: str) -> list[dict[str, Any]]:
        rows = self.session.scalars(
            select(FactorRow)
            .where(FactorRow.account_id == account_id)
            .order_by(FactorRow.created_at, FactorRow.id)
        )
        return [_factor_json(r) for r in rows]

    def audit_entries(self, subjects: Sequence[str]) -> list[dict[str, Any]]:
        entries: list[AuditRow] = []
        for start in range(0, len(subjects), _CHUNK):
            chunk = subjects[start : start + _CHUNK]
            entries.extend(
                self.session.scalars(select(AuditRow).where(AuditRow.subject.in_(chunk)))
            )
        entries.sort(key=lambda r: r.seq)
        return [entry_to_json(_entry(r)) for r in entries]

    def wipe_factors(self, account_id: str) -> int:
        """Revoke the account's factors and drop their sealed secrets (phone numbers, e-mail
        addresses, OTP seeds, push endpoints) and public parameters."""
        now = self.clock.now()
        result = self.session.execute(
            update(FactorRow)
            .where(FactorRow.account_id == account_id, FactorRow.label != "[erased]")
            .values(
                status=FactorStatus.REVOKED.value,
                secret_sealed=None,
                params={},
                label="[erased]",
                revoked_at=func.coalesce(FactorRow.revoked_at, now),
            )
        )
        return cast(int, getattr(result, "rowcount", 0))

    def delete_behaviour(self, account_id: str) -> int:
        """Devices, IPs, countries and payees seen, and the account's risk profile."""
        removed = 0
        for table in (AccountSeenRow, AccountProfileRow):
            result = self.session.execute(delete(table).where(table.account_id == account_id))
            removed += cast(int, getattr(result, "rowcount", 0))
        return removed

    def expired_assessments(
        self, cutoff: datetime, *, jurisdiction: str | None, known: Sequence[str], remove: bool
    ) -> int:
        """Assessments older than ``cutoff`` of accounts in ``jurisdiction`` (None: accounts
        in none of ``known``); deleted with their challenges and confirmations if asked."""
        stmt = _expired(cutoff, jurisdiction, known)
        ids = list(self.session.scalars(stmt))
        if remove:
            for start in range(0, len(ids), _CHUNK):
                self._delete_assessments(ids[start : start + _CHUNK])
        return len(ids)

    def _delete_assessments(self, ids: list[str]) -> None:
        self.session.execute(delete(ChallengeRow).where(ChallengeRow.assessment_id.in_(ids)))
        self.session.execute(delete(ConfirmationRow).where(ConfirmationRow.assessment_id.in_(ids)))
        self.session.execute(delete(AssessmentRow).where(AssessmentRow.id.in_(ids)))


def _expired(cutoff: datetime, jurisdiction: str | None, known: Sequence[str]) -> Select[str]:
    stmt = select(AssessmentRow.id).where(AssessmentRow.created_at < cutoff)
    if jurisdiction is not None:
        members = select(KycRecordRow.account_id).where(KycRecordRow.jurisdiction == jurisdiction)
        return stmt.where(AssessmentRow.account_id.in_(members))
    placed = select(KycRecordRow.account_id).where(KycRecordRow.jurisdiction.in_(list(known)))
    return stmt.where(AssessmentRow.account_id.not_in(placed))


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def _assessment_json(row: AssessmentRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "created_at": _iso(row.created_at),
        "chain": row.chain,
        "asset": row.asset,
        "amount": row.amount,
        "destination": row.destination_display,
        "country": row.country,
        "device_hash": row.device_hash,
        "ip_hash": row.ip_hash,
        "decision": row.decision,
        "score": row.score,
        "reasons": [r.get("code") for r in row.reasons or [] if isinstance(r, dict)],
        "policy_version": row.policy_version,
    }


def _factor_json(row: FactorRow) -> dict[str, Any]:
    # Metadata only: the sealed secret (seed, phone, e-mail) stays out of the export.
    return {
        "id": row.id,
        "type": row.type,
        "status": row.status,
        "label": row.label,
        "created_at": _iso(row.created_at),
        "activated_at": _iso(row.activated_at),
        "revoked_at": _iso(row.revoked_at),
        "params": dict(row.params or {}),
    }


def _entry(row: AuditRow) -> AuditEntry:
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
    return AuditEntry(
        seq=row.seq,
        at=at.astimezone(UTC),
        actor=row.actor,
        action=row.action,
        subject=row.subject,
        request_id=row.request_id,
        ip_hash=row.ip_hash,
        device_hash=row.device_hash,
        payload=dict(row.payload or {}),
        payload_hash=row.payload_hash,
        prev_hash=row.prev_hash,
        entry_hash=row.entry_hash,
    )


def privacy_desk(
    session: Session,
    *,
    keyring: Keyring,
    clock: Clock,
    audit: AuditLog,
    actor: str,
    request_id: str | None = None,
    packs: Mapping[str, Pack] | None = None,
) -> PrivacyDesk:
    """The privacy desk on a session (for the container, the CLI and the API)."""
    return PrivacyDesk(
        store=SqlPrivacyStore(session, keyring, clock),
        kyc=SqlKycStore(session),
        audit=audit,
        clock=clock,
        packs=packs if packs is not None else default_packs(),
        actor=actor,
        request_id=request_id,
    )
