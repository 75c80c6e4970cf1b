"""Sanctions list snapshots: one row per release, one row per entry of it.

Exactly one snapshot per list is active. A sync writes the new release and flips the
active flag in one transaction, so a failed import leaves the previous version in force.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String, insert, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from trustdesk.compliance.codec import entry_from_json, entry_hash, entry_to_json
from trustdesk.compliance.model import SanctionsEntry
from trustdesk.db.base import Base
from trustdesk.db.types import UtcDateTime


class SanctionsSnapshotRow(Base):
    __tablename__ = "sanctions_snapshots"
    __table_args__ = (Index("ix_sanctions_snapshots_list", "list_name", "active"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    list_name: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime())
    published: Mapped[str | None] = mapped_column(String(64))
    files: Mapped[list[str]] = mapped_column(JSON)
    content_hash: Mapped[str] = mapped_column(String(64))
    entry_count: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean)
    diff: Mapped[dict[str, Any]] = mapped_column(JSON)


class SanctionsEntryRow(Base):
    __tablename__ = "sanctions_entries"

    snapshot_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    entry_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)


class SqlSanctionsStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def active(self, list_name: str) -> SanctionsSnapshotRow | None:
        return self.session.scalars(
            select(SanctionsSnapshotRow).where(
                SanctionsSnapshotRow.list_name == list_name, SanctionsSnapshotRow.active.is_(True)
            )
        ).first()

    def active_snapshots(self) -> list[SanctionsSnapshotRow]:
        return list(
            self.session.scalars(
                select(SanctionsSnapshotRow)
                .where(SanctionsSnapshotRow.active.is_(True))
                .order_by(SanctionsSnapshotRow.list_name)
            )
        )

    def snapshots(self, list_name: str | None = None) -> list[SanctionsSnapshotRow]:
        stmt = select(SanctionsSnapshotRow).order_by(
            SanctionsSnapshotRow.list_name, SanctionsSnapshotRow.version
        )
        if list_name:
            stmt = stmt.where(SanctionsSnapshotRow.list_name == list_name)
        return list(self.session.scalars(stmt))

    def entry_hashes(self, snapshot_id: str) -> dict[str, str]:
        rows = self.session.execute(
            select(SanctionsEntryRow.entry_id, SanctionsEntryRow.entry_hash).where(
                SanctionsEntryRow.snapshot_id == snapshot_id
            )
        )
        return {entry_id: digest for entry_id, digest in rows}

    def entries(self, snapshot_id: str) -> list[SanctionsEntry]:
        rows = self.session.scalars(
            select(SanctionsEntryRow.data)
            .where(SanctionsEntryRow.snapshot_id == snapshot_id)
            .order_by(SanctionsEntryRow.entry_id)
        )
        return [entry_from_json(data) for data in rows]

    def add_snapshot(self, row: SanctionsSnapshotRow, entries: list[SanctionsEntry]) -> None:
        self.session.execute(
            update(SanctionsSnapshotRow)
            .where(SanctionsSnapshotRow.list_name == row.list_name)
            .values(active=False)
        )
        self.session.add(row)
        self.session.flush()
        batch = [
            {
                "snapshot_id": row.id,
                "entry_id": e.entry_id,
                "entry_hash": entry_hash(e),
                "data": entry_to_json(e),
            }
            for e in entries
        ]
        for start in range(0, len(batch), 2000):
            self.session.execute(insert(SanctionsEntryRow), batch[start : start + 2000])

    def next_version(self, list_name: str) -> int:
        versions = [s.version for s in self.snapshots(list_name)]
        return max(versions, default=0) + 1
