"""The audit chain in SQL: one table, appended to inside the caller's transaction."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Final, cast

from sqlalchemy import (
    CHAR,
    JSON,
    BigInteger,
    DateTime,
    Integer,
    Row,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    text,
    type_coerce,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from trustdesk.audit.model import (
    GENESIS_HASH,
    MAX_LABEL,
    MAX_REQUEST_ID,
    AuditEntry,
    AuditEvent,
    build_entry,
)
from trustdesk.core.clock import Clock
from trustdesk.db.base import Base

# pg_advisory_xact_lock key serializing appends across connections ("trustaud" in ASCII).
ADVISORY_LOCK_KEY: Final = 0x7472_7573_7461_7564


class AuditRow(Base):
    __tablename__ = "audit_entries"

    # The primary key is what makes a fork impossible: two writers cannot both insert seq n.
    # Integer on SQLite makes it the rowid, so the head is one B-tree step away.
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(MAX_LABEL))
    action: Mapped[str] = mapped_column(String(MAX_LABEL))
    # Indexed for timelines ("everything about assessment:asm_..."); the only extra index.
    subject: Mapped[str] = mapped_column(String(MAX_LABEL), index=True)
    request_id: Mapped[str | None] = mapped_column(String(MAX_REQUEST_ID))
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    device_hash: Mapped[str | None] = mapped_column(String(64))
    # Plain JSON, not JSONB: JSONB rewrites numbers (1e+20 comes back as an integer), which
    # would change the canonical bytes and break the payload hash.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    payload_hash: Mapped[str] = mapped_column(CHAR(64))
    prev_hash: Mapped[str] = mapped_column(CHAR(64))
    entry_hash: Mapped[str] = mapped_column(CHAR(64))


_TABLE = cast(Table, AuditRow.__table__)
_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
# Core statements built once (compiled once): the append runs on every assessment.
_HEAD_LINK = select(_TABLE.c.seq, _TABLE.c.entry_hash).order_by(_TABLE.c.seq.desc()).limit(1)
_INSERT = insert(_TABLE)
# The payload is read as text and decoded here: a row whose payload was overwritten with
# something that is not JSON must show up in verify as a bad entry, not as a crash.
_ALL = select(
    *[c for c in _TABLE.columns if c.name != "payload"],
    type_coerce(_TABLE.c.payload, Text).label("payload"),
)


class SqlAuditLog:
    """Appends run in the session's open transaction, so a decision and its entry commit or
    roll back together. Appending serializes writers until their commit (PostgreSQL: an
    advisory transaction lock; SQLite: BEGIN IMMEDIATE), so append as late as the use case
    allows. On PostgreSQL use READ COMMITTED (the default): a REPEATABLE READ snapshot taken
    before the lock can miss the latest head, and the insert then fails on the primary key
    instead of forking."""

    def __init__(self, session: Session, pepper: bytes, clock: Clock) -> None:
        if not pepper:
            raise ValueError("the audit pepper must not be empty")
        self._session = session
        self._pepper = pepper
        self._clock = clock
        self._postgres = session.get_bind().dialect.name == "postgresql"

    def append(self, event: AuditEvent) -> AuditEntry:
        if self._postgres:
            self._session.execute(_LOCK, {"key": ADVISORY_LOCK_KEY})
        head = self._session.execute(_HEAD_LINK).first()
        entry = build_entry(
            event,
            seq=head.seq + 1 if head else 1,
            at=self._clock.now(),
            prev_hash=head.entry_hash if head else GENESIS_HASH,
            pepper=self._pepper,
        )
        self._session.execute(_INSERT, _row_values(entry))
        return entry

    def iter_entries(self, batch_size: int = 1000) -> Iterator[AuditEntry]:
        """Keyset pages of plain rows (no ORM identity map, so memory stays flat). The first
        page has no lower bound, so a forged row with seq <= 0 is still seen by verify."""
        if batch_size < 1:
            raise ValueError("batch_size must be positive")
        query = _ALL.order_by(_TABLE.c.seq).limit(batch_size)
        rows = self._session.execute(query).all()
        while rows:
            yield from (_to_entry(row) for row in rows)
            if len(rows) < batch_size:
                return
            rows = self._session.execute(query.where(_TABLE.c.seq > rows[-1].seq)).all()

    def head(self) -> AuditEntry | None:
        row = self._session.execute(_ALL.order_by(_TABLE.c.seq.desc()).limit(1)).first()
        return _to_entry(row) if row else None

    def count(self) -> int:
        return self._session.execute(select(func.count()).select_from(_TABLE)).scalar_one()


def _row_values(entry: AuditEntry) -> dict[str, Any]:
    return {column.name: getattr(entry, column.name) for column in _TABLE.columns}


def _decode_payload(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        value = json.loads(raw)
    except (TypeError, ValueError):
        value = None
    # Anything that is not a JSON object cannot hash to the stored payload_hash.
    return value if isinstance(value, dict) else {"__undecodable_payload__": str(raw)[:200]}


def _to_entry(row: Row[Any, *tuple[Any, ...]]) -> AuditEntry:
    at: datetime = row.at
    # SQLite hands back naive UTC; PostgreSQL an aware time in the session's time zone.
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return AuditEntry(
        seq=row.seq,
        at=at,
        actor=row.actor,
        action=row.action,
        subject=row.subject,
        request_id=row.request_id,
        ip_hash=row.ip_hash,
        device_hash=row.device_hash,
        payload=_decode_payload(row.payload),
        payload_hash=row.payload_hash,
        prev_hash=row.prev_hash,
        entry_hash=row.entry_hash,
    )
