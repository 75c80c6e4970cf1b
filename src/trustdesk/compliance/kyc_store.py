"""KYC in SQL (records, their history, document metadata) and the KYC use cases.

Documents hold no images and no numbers: type, issuing country, expiry and an HMAC of the
number under a key derived from the pepper. Audit entries name the account and the codes,
never personal data.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import JSON, Date, Index, Integer, String, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from trustdesk.audit.model import AuditEvent
from trustdesk.audit.ports import AuditLog
from trustdesk.compliance.kyc import (
    MAX_DOCUMENTS,
    DocumentIn,
    DocumentType,
    KycAction,
    KycDocument,
    KycEvent,
    KycLevel,
    KycRecord,
    KycStatus,
    allowed_actions,
    check_account,
    check_document,
    document_number_hash,
    reason_text,
    transition,
)
from trustdesk.compliance.packs import Pack, default_packs, get_pack
from trustdesk.core.clock import Clock
from trustdesk.core.errors import InvalidInput
from trustdesk.core.ids import new_id
from trustdesk.db.base import Base
from trustdesk.db.types import UtcDateTime


class KycRecordRow(Base):
    __tablename__ = "kyc_records"

    account_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    requested_level: Mapped[str | None] = mapped_column(String(16))
    reasons: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Set when the relationship ends: kept for AML record keeping until then, then deleted.
    retain_until: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)


class KycEventRow(Base):
    __tablename__ = "kyc_events"

    account_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[str] = mapped_column(String(16))
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    level: Mapped[str] = mapped_column(String(16))
    requested_level: Mapped[str | None] = mapped_column(String(16))
    reasons: Mapped[list[str]] = mapped_column(JSON)
    actor: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class KycDocumentRow(Base):
    __tablename__ = "kyc_documents"
    __table_args__ = (Index("ix_kyc_documents_account", "account_id", "added_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(128))
    type: Mapped[str] = mapped_column(String(24))
    country: Mapped[str] = mapped_column(String(2))
    number_hash: Mapped[str] = mapped_column(String(64), index=True)
    expires_on: Mapped[date | None] = mapped_column(Date())
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SqlKycStore:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._postgres = session.get_bind().dialect.name == "postgresql"

    def record(self, account_id: str, *, for_update: bool = False) -> KycRecord | None:
        stmt = select(KycRecordRow).where(KycRecordRow.account_id == account_id)
        if for_update and self._postgres:
            stmt = stmt.with_for_update()
        row = self.session.scalars(stmt).first()
        return _record(row) if row else None

    def save(self, record: KycRecord) -> None:
        row = self.session.get(KycRecordRow, record.account_id)
        if row is None:
            row = KycRecordRow(account_id=record.account_id)
            self.session.add(row)
        row.jurisdiction = record.jurisdiction
        row.status = record.status.value
        row.level = record.level.value
        row.requested_level = record.requested_level.value if record.requested_level else None
        row.reasons = list(record.reasons)
        row.created_at = record.created_at
        row.updated_at = record.updated_at
        row.verified_at = record.verified_at
        row.retain_until = record.retain_until
        self.session.flush()

    def next_seq(self, account_id: str) -> int:
        last = self.session.scalar(
            select(func.max(KycEventRow.seq)).where(KycEventRow.account_id == account_id)
        )
        return int(last or 0) + 1

    def add_event(self, event: KycEvent) -> None:
        self.session.add(
            KycEventRow(
                account_id=event.account_id,
                seq=event.seq,
                action=event.action.value,
                from_status=event.from_status.value,
                to_status=event.to_status.value,
                level=event.level.value,
                requested_level=event.requested_level.value if event.requested_level else None,
                reasons=list(event.reasons),
                actor=event.actor,
                at=event.at,
            )
        )
        self.session.flush()

    def events(self, account_id: str) -> list[KycEvent]:
        rows = self.session.scalars(
            select(KycEventRow)
            .where(KycEventRow.account_id == account_id)
            .order_by(KycEventRow.seq)
        )
        return [_event(r) for r in rows]

    def add_documents(self, documents: Sequence[KycDocument]) -> None:
        self.session.add_all(
            KycDocumentRow(
                id=d.id,
                account_id=d.account_id,
                type=d.type.value,
                country=d.country,
                number_hash=d.number_hash,
                expires_on=d.expires_on,
                added_at=d.added_at,
            )
            for d in documents
        )
        self.session.flush()

    def documents(self, account_id: str) -> list[KycDocument]:
        rows = self.session.scalars(
            select(KycDocumentRow)
            .where(KycDocumentRow.account_id == account_id)
            .order_by(KycDocumentRow.added_at, KycDocumentRow.id)
        )
        return [_document(r) for r in rows]

    def past_retention(self, now: datetime) -> list[str]:
        """Accounts whose KYC records were kept to their end of retention and may now go."""
        return list(
            self.session.scalars(
                select(KycRecordRow.account_id)
                .where(KycRecordRow.retain_until.is_not(None), KycRecordRow.retain_until <= now)
                .order_by(KycRecordRow.account_id)
            )
        )

    def delete_account(self, account_id: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for name, table in (
            ("kyc_documents", KycDocumentRow),
            ("kyc_events", KycEventRow),
            ("kyc_records", KycRecordRow),
        ):
            result = self.session.execute(delete(table).where(table.account_id == account_id))
            counts[name] = cast(int, getattr(result, "rowcount", 0))
        return counts


def _record(row: KycRecordRow) -> KycRecord:
    return KycRecord(
        account_id=row.account_id,
        jurisdiction=row.jurisdiction,
        status=KycStatus(row.status),
        level=KycLevel(row.level),
        requested_level=KycLevel(row.requested_level) if row.requested_level else None,
        reasons=tuple(row.reasons or ()),
        created_at=row.created_at,
        updated_at=row.updated_at,
        verified_at=row.verified_at,
        retain_until=row.retain_until,
    )


def _event(row: KycEventRow) -> KycEvent:
    return KycEvent(
        account_id=row.account_id,
        seq=row.seq,
        action=KycAction(row.action),
        from_status=KycStatus(row.from_status),
        to_status=KycStatus(row.to_status),
        level=KycLevel(row.level),
        requested_level=KycLevel(row.requested_level) if row.requested_level else None,
        reasons=tuple(row.reasons or ()),
        actor=row.actor,
        at=row.at,
    )


def _document(row: KycDocumentRow) -> KycDocument:
    return KycDocument(
        id=row.id,
        account_id=row.account_id,
        type=DocumentType(row.type),
        country=row.country,
        number_hash=row.number_hash,
        expires_on=row.expires_on,
        added_at=row.added_at,
    )


# --- use cases ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class KycView:
    account_id: str
    record: KycRecord | None
    events: list[KycEvent]
    documents: list[KycDocument]

    def to_json(self, locale: str = "en") -> dict[str, Any]:
        """What support sees: state, reasons with their texts, history, document metadata
        (the number hashes stay out)."""
        r = self.record
        status = r.status if r else KycStatus.NONE
        reasons = r.reasons if r else ()
        return {
            "account_id": self.account_id,
            "jurisdiction": r.jurisdiction if r else None,
            "status": status.value,
            "level": (r.level if r else KycLevel.NONE).value,
            "requested_level": r.requested_level.value if r and r.requested_level else None,
            "reasons": [{"code": c, "text": reason_text(c, locale)} for c in reasons],
            "allowed_actions": [a.value for a in allowed_actions(status)],
            "verified_at": _iso(r.verified_at) if r else None,
            "history": [
                {
                    "seq": e.seq,
                    "at": _iso(e.at),
                    "action": e.action.value,
                    "from": e.from_status.value,
                    "to": e.to_status.value,
                    "level": e.level.value,
                    "requested_level": e.requested_level.value if e.requested_level else None,
                    "reasons": list(e.reasons),
                    "actor": e.actor,
                }
                for e in self.events
            ],
            "documents": [
                {
                    "id": d.id,
                    "type": d.type.value,
                    "country": d.country,
                    "expires_on": d.expires_on.isoformat() if d.expires_on else None,
                    "added_at": _iso(d.added_at),
                }
                for d in self.documents
            ],
        }


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


@dataclass
class KycDesk:
    """KYC use cases for one actor inside the caller's transaction."""

    store: SqlKycStore
    audit: AuditLog
    clock: Clock
    number_key: bytes  # HMAC key for document numbers (derived from the pepper)
    packs: Mapping[str, Pack]
    actor: str
    request_id: str | None = None

    def show(self, account_id: str) -> KycView:
        check_account(account_id)
        return KycView(
            account_id,
            self.store.record(account_id),
            self.store.events(account_id),
            self.store.documents(account_id),
        )

    def submit(
        self,
        account_id: str,
        level: KycLevel,
        documents: Sequence[DocumentIn] = (),
        jurisdiction: str | None = None,
    ) -> KycView:
        code = get_pack(self.packs, jurisdiction).code if jurisdiction else None
        return self._act(account_id, KycAction.SUBMIT, documents, jurisdiction=code, level=level)

    def resubmit(self, account_id: str, documents: Sequence[DocumentIn] = ()) -> KycView:
        return self._act(account_id, KycAction.RESUBMIT, documents)

    def verify(self, account_id: str, level: KycLevel | None = None) -> KycView:
        return self._act(account_id, KycAction.VERIFY, (), level=level)

    def reject(self, account_id: str, reasons: Sequence[str]) -> KycView:
        return self._act(account_id, KycAction.REJECT, (), reasons=tuple(reasons))

    def _act(
        self,
        account_id: str,
        action: KycAction,
        documents: Sequence[DocumentIn],
        **changes: Any,
    ) -> KycView:
        check_account(account_id)
        now = self.clock.now()
        current = self.store.record(account_id, for_update=True)
        record, event = transition(
            current,
            action,
            account_id=account_id,
            now=now,
            actor=self.actor,
            seq=self.store.next_seq(account_id),
            **changes,
        )
        docs = self._documents(account_id, documents, now)
        self.store.save(record)
        self.store.add_event(event)
        self.store.add_documents(docs)
        self._audit(record, event, docs)
        return self.show(account_id)

    def _documents(
        self, account_id: str, given: Sequence[DocumentIn], now: datetime
    ) -> list[KycDocument]:
        if len(given) > MAX_DOCUMENTS:
            raise InvalidInput(f"at most {MAX_DOCUMENTS} documents at a time", field="documents")
        docs = []
        for doc in given:
            doc_type, country = check_document(doc, now.date())
            digest = document_number_hash(self.number_key, doc_type, country, doc.number)
            docs.append(
                KycDocument(
                    id=new_id("kyd"),
                    account_id=account_id,
                    type=doc_type,
                    country=country,
                    number_hash=digest,
                    expires_on=doc.expires_on,
                    added_at=now,
                )
            )
        return docs

    def _audit(self, record: KycRecord, event: KycEvent, docs: list[KycDocument]) -> None:
        payload: dict[str, Any] = {
            "jurisdiction": record.jurisdiction,
            "from": event.from_status.value,
            "status": event.to_status.value,
            "level": record.level.value,
            "requested_level": record.requested_level.value if record.requested_level else None,
            "reasons": list(event.reasons),
            "documents": [{"type": d.type.value, "country": d.country} for d in docs],
        }
        self.audit.append(
            AuditEvent(
                actor=self.actor,
                action=f"kyc.{event.to_status.value}",
                subject=f"account:{record.account_id}",
                payload=payload,
                request_id=self.request_id,
            )
        )


def document_key(pepper: bytes) -> bytes:
    """A key of its own for document numbers, so the pepper is never reused as is."""
    return hmac.new(pepper, b"trustdesk.kyc-document-numbers", hashlib.sha256).digest()


def kyc_desk(
    session: Session,
    *,
    pepper: bytes,
    clock: Clock,
    audit: AuditLog,
    actor: str,
    request_id: str | None = None,
    packs: Mapping[str, Pack] | None = None,
) -> KycDesk:
    """The KYC desk on a session (for the container, the CLI and the API)."""
    return KycDesk(
        store=SqlKycStore(session),
        audit=audit,
        clock=clock,
        number_key=document_key(pepper),
        packs=packs if packs is not None else default_packs(),
        actor=actor,
        request_id=request_id,
    )
