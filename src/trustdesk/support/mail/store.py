"""The mail quarantine in SQL, and its use cases: hold, list, show, release, delete.

Each use case runs in a transaction of its own, so the SMTP listener's threads and the IMAP
poller can hold mail directly, and a release can re-deliver (through the support intake,
in its own transaction) between reading the mail and marking it released. Audit entries
name the quarantine id, the reason code and the source, never addresses or content.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import JSON, Integer, LargeBinary, String, delete, select
from sqlalchemy.orm import Mapped, Session, defer, mapped_column

from trustdesk.audit.model import AuditEvent
from trustdesk.audit.ports import AuditLog
from trustdesk.core.clock import Clock
from trustdesk.core.errors import InvalidInput
from trustdesk.core.ids import new_id
from trustdesk.db.base import Base
from trustdesk.db.engine import UnitOfWork
from trustdesk.db.types import UtcDateTime
from trustdesk.support.mail.quarantine import (
    MAX_REASON,
    AlreadyReleased,
    QuarantinedMail,
    QuarantineNotFound,
    clip_envelope,
    clip_reason,
)

MAX_PAGE = 500
Redeliver = Callable[[bytes, str, list[str]], None]


class QuarantinedMailRow(Base):
    __tablename__ = "mail_quarantine"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    source: Mapped[str] = mapped_column(String(16))
    reason_code: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(String(MAX_REASON))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    envelope_sender: Mapped[str] = mapped_column(String(320))
    envelope_recipients: Mapped[list[str]] = mapped_column(JSON)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    released_by: Mapped[str | None] = mapped_column(String(200))


class SqlQuarantineStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, mail: QuarantinedMail, raw: bytes) -> None:
        self.session.add(
            QuarantinedMailRow(
                id=mail.id,
                received_at=mail.received_at,
                source=mail.source,
                reason_code=mail.reason_code,
                reason=mail.reason,
                size=mail.size,
                sha256=mail.sha256,
                envelope_sender=mail.envelope_sender,
                envelope_recipients=list(mail.envelope_recipients),
                raw=raw,
            )
        )
        self.session.flush()

    def get(self, mail_id: str, *, with_raw: bool = False) -> QuarantinedMail | None:
        stmt = select(QuarantinedMailRow).where(QuarantinedMailRow.id == mail_id)
        if not with_raw:
            stmt = stmt.options(defer(QuarantinedMailRow.raw))
        row = self.session.scalars(stmt).first()
        return _mail(row, with_raw) if row else None

    def page(self, *, include_released: bool, limit: int, offset: int) -> list[QuarantinedMail]:
        stmt = select(QuarantinedMailRow).options(defer(QuarantinedMailRow.raw))
        if not include_released:
            stmt = stmt.where(QuarantinedMailRow.released_at.is_(None))
        stmt = stmt.order_by(QuarantinedMailRow.received_at.desc(), QuarantinedMailRow.id.desc())
        return [_mail(r, False) for r in self.session.scalars(stmt.limit(limit).offset(offset))]

    def mark_released(self, mail_id: str, at: datetime, by: str) -> bool:
        """False when the mail is gone or was released meanwhile."""
        row = self.session.scalars(
            select(QuarantinedMailRow)
            .where(QuarantinedMailRow.id == mail_id)
            .options(defer(QuarantinedMailRow.raw))
            .with_for_update()
        ).first()
        if row is None or row.released_at is not None:
            return False
        row.released_at, row.released_by = at, by
        self.session.flush()
        return True

    def delete(self, mail_id: str) -> bool:
        result = self.session.execute(
            delete(QuarantinedMailRow).where(QuarantinedMailRow.id == mail_id)
        )
        return bool(getattr(result, "rowcount", 0))


def _mail(row: QuarantinedMailRow, with_raw: bool) -> QuarantinedMail:
    return QuarantinedMail(
        id=row.id,
        received_at=row.received_at,
        source=row.source,
        reason_code=row.reason_code,
        reason=row.reason,
        size=row.size,
        sha256=row.sha256,
        envelope_sender=row.envelope_sender,
        envelope_recipients=tuple(row.envelope_recipients or ()),
        released_at=row.released_at,
        released_by=row.released_by,
        raw=bytes(row.raw) if with_raw else None,
    )


@dataclass
class Quarantine:
    """The quarantine's use cases; each opens its own transaction."""

    uow: UnitOfWork
    audit_log: Callable[[Session], AuditLog]
    clock: Clock

    def hold(
        self,
        raw: bytes,
        *,
        sender: str,
        recipients: list[str],
        reason_code: str,
        reason: str,
        source: str,
        actor: str = "system",
    ) -> QuarantinedMail:
        envelope_sender, envelope_recipients = clip_envelope(sender, recipients)
        mail = QuarantinedMail(
            id=new_id("mq"),
            received_at=self.clock.now(),
            source=source[:16],
            reason_code=reason_code[:40],
            reason=clip_reason(reason),
            size=len(raw),
            sha256=hashlib.sha256(raw).hexdigest(),
            envelope_sender=envelope_sender,
            envelope_recipients=envelope_recipients,
        )
        with self.uow() as session:
            SqlQuarantineStore(session).add(mail, bytes(raw))
            self._audit(session, "mail.quarantined", mail, actor, None)
        return mail

    def list(
        self, *, include_released: bool = False, limit: int = 50, offset: int = 0
    ) -> list[QuarantinedMail]:
        """Newest first, without the raw bytes."""
        if not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}", field="limit")
        if offset < 0:
            raise InvalidInput("offset must not be negative", field="offset")
        with self.uow.read() as session:
            return SqlQuarantineStore(session).page(
                include_released=include_released, limit=limit, offset=offset
            )

    def show(self, mail_id: str) -> QuarantinedMail:
        """One held mail with its raw bytes."""
        with self.uow.read() as session:
            mail = SqlQuarantineStore(session).get(mail_id, with_raw=True)
        if mail is None:
            raise QuarantineNotFound(f"no quarantined mail {mail_id!r}", field="id")
        return mail

    def release(
        self,
        mail_id: str,
        *,
        actor: str,
        redeliver: Redeliver | None = None,
        request_id: str | None = None,
    ) -> QuarantinedMail:
        """Mark the mail released, after handing it to ``redeliver`` (the strict intake)
        when given. A failing re-delivery raises and leaves the mail held."""
        mail = self.show(mail_id)
        if mail.released_at is not None:
            raise AlreadyReleased(f"quarantined mail {mail_id!r} was already released")
        if redeliver is not None and mail.raw is not None:
            redeliver(mail.raw, mail.envelope_sender, list(mail.envelope_recipients))
        with self.uow() as session:
            store = SqlQuarantineStore(session)
            if not store.mark_released(mail_id, self.clock.now(), actor[:200]):
                raise AlreadyReleased(f"quarantined mail {mail_id!r} was released meanwhile")
            released = store.get(mail_id)
            assert released is not None
            self._audit(
                session, "mail.released", released, actor, request_id, redelivered=bool(redeliver)
            )
        return released

    def delete(self, mail_id: str, *, actor: str, request_id: str | None = None) -> None:
        with self.uow() as session:
            store = SqlQuarantineStore(session)
            mail = store.get(mail_id)
            if mail is None or not store.delete(mail_id):
                raise QuarantineNotFound(f"no quarantined mail {mail_id!r}", field="id")
            self._audit(session, "mail.quarantine_deleted", mail, actor, request_id)

    def _audit(
        self,
        session: Session,
        action: str,
        mail: QuarantinedMail,
        actor: str,
        request_id: str | None,
        **extra: bool,
    ) -> None:
        payload = {"reason_code": mail.reason_code, "source": mail.source, **extra}
        self.audit_log(session).append(
            AuditEvent(
                actor=actor,
                action=action,
                subject=f"mail:{mail.id}",
                payload=payload,
                request_id=request_id,
            )
        )
