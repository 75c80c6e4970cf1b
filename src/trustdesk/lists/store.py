"""List entries in SQL: the ``list_entries`` table and SqlListStore."""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    delete,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from trustdesk.core.errors import Conflict, NotFound
from trustdesk.core.ids import new_id
from trustdesk.db.base import Base
from trustdesk.db.types import UtcDateTime
from trustdesk.lists.model import ListEntry, ListType, SubjectKind
from trustdesk.lists.subjects import normalize_ip

_CHUNK = 500  # values per IN (...) when deleting; well under every backend's parameter limit


class ListEntryRow(Base):
    __tablename__ = "list_entries"
    # family and account_id use '' for "none": NULLs never collide in a unique constraint.
    __table_args__ = (
        UniqueConstraint(
            "list_type",
            "kind",
            "family",
            "value",
            "account_id",
            "source",
            name="uq_list_entries_identity",
        ),
        Index("ix_list_entries_kind_value", "kind", "value"),
        Index("ix_list_entries_source", "source"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    list_type: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(8))
    family: Mapped[str] = mapped_column(String(64), default="")
    value: Mapped[str] = mapped_column(String(256))
    account_id: Mapped[str] = mapped_column(String(64), default="")
    source: Mapped[str] = mapped_column(String(128))
    category: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


def _to_row(entry: ListEntry) -> dict[str, Any]:
    if entry.added_at is None:
        raise ValueError("an entry is stamped with added_at before it is stored")
    return {
        "id": new_id("lst"),
        "list_type": entry.list_type.value,
        "kind": entry.kind.value,
        "family": entry.family or "",
        "value": entry.value,
        "account_id": entry.account_id or "",
        "source": entry.source,
        "category": entry.category,
        "reason": entry.reason,
        "added_at": entry.added_at,
        "expires_at": entry.expires_at,
    }


def _to_entry(row: ListEntryRow) -> ListEntry:
    return ListEntry(
        list_type=ListType(row.list_type),
        kind=SubjectKind(row.kind),
        value=row.value,
        family=row.family or None,
        source=row.source,
        category=row.category,
        reason=row.reason,
        account_id=row.account_id or None,
        expires_at=row.expires_at,
        added_at=row.added_at,
    )


def _same(entry: ListEntry) -> ColumnElement[bool]:
    return and_(
        ListEntryRow.list_type == entry.list_type.value,
        ListEntryRow.kind == entry.kind.value,
        ListEntryRow.family == (entry.family or ""),
        ListEntryRow.value == entry.value,
        ListEntryRow.account_id == (entry.account_id or ""),
        ListEntryRow.source == entry.source,
    )


def _visible(account_id: str | None, now: datetime) -> ColumnElement[bool]:
    scope = (
        ListEntryRow.account_id.in_(["", account_id])
        if account_id
        else ListEntryRow.account_id == ""
    )
    return and_(scope, or_(ListEntryRow.expires_at.is_(None), ListEntryRow.expires_at > now))


class SqlListStore:
    """ListStore on one SQLAlchemy session; the unit of work commits."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def entries_for_source(self, source: str) -> list[ListEntry]:
        rows = self._session.scalars(select(ListEntryRow).where(ListEntryRow.source == source))
        return [_to_entry(row) for row in rows]

    def add_many(self, entries: Sequence[ListEntry]) -> int:
        if entries:
            self._session.execute(insert(ListEntryRow), [_to_row(e) for e in entries])
        return len(entries)

    def remove_many(self, entries: Sequence[ListEntry]) -> int:
        # One DELETE per (list, kind, family, account, source) group and chunk of values,
        # not one per entry: a source that drops thousands of entries stays quick.
        groups: dict[tuple[str, str, str, str, str], list[str]] = defaultdict(list)
        for e in entries:
            key = (e.list_type.value, e.kind.value, e.family or "", e.account_id or "", e.source)
            groups[key].append(e.value)
        removed = 0
        for (list_type, kind, family, account_id, source), values in groups.items():
            for i in range(0, len(values), _CHUNK):
                result = self._session.execute(
                    delete(ListEntryRow).where(
                        ListEntryRow.list_type == list_type,
                        ListEntryRow.kind == kind,
                        ListEntryRow.family == family,
                        ListEntryRow.account_id == account_id,
                        ListEntryRow.source == source,
                        ListEntryRow.value.in_(values[i : i + _CHUNK]),
                    )
                )
                removed += result.rowcount  # type: ignore[attr-defined]
        return removed

    def update_many(self, entries: Sequence[ListEntry]) -> int:
        updated = 0
        for e in entries:
            result = self._session.execute(
                update(ListEntryRow)
                .where(_same(e))
                .values(category=e.category, reason=e.reason, expires_at=e.expires_at)
            )
            updated += result.rowcount  # type: ignore[attr-defined]
        return updated

    def add_entry(self, entry: ListEntry) -> ListEntry:
        try:
            with self._session.begin_nested():
                self._session.execute(insert(ListEntryRow), [_to_row(entry)])
        except IntegrityError:
            raise Conflict(
                f"{entry.value} is already on the {entry.list_type.value} list from {entry.source}",
                field="value",
                code="lists.duplicate_entry",
            ) from None
        return entry

    def remove_entry(self, entry: ListEntry) -> None:
        result = self._session.execute(delete(ListEntryRow).where(_same(entry)))
        if result.rowcount == 0:  # type: ignore[attr-defined]
            raise NotFound(
                f"{entry.value} is not on the {entry.list_type.value} list from {entry.source}",
                field="value",
                code="lists.entry_not_found",
            )

    def match_address(
        self, family: str, value: str, account_id: str | None, now: datetime
    ) -> list[ListEntry]:
        rows = self._session.scalars(
            select(ListEntryRow).where(
                ListEntryRow.kind == SubjectKind.ADDRESS.value,
                ListEntryRow.value == value,
                ListEntryRow.family == family,
                _visible(account_id, now),
            )
        )
        return [_to_entry(row) for row in rows]

    def match_value(
        self, kind: SubjectKind, value: str, now: datetime, account_id: str | None = None
    ) -> list[ListEntry]:
        if kind in (SubjectKind.ADDRESS, SubjectKind.IP, SubjectKind.CIDR):
            raise ValueError(f"match_value is for devices and accounts, not {kind.value}")
        rows = self._session.scalars(
            select(ListEntryRow).where(
                ListEntryRow.kind == kind.value,
                ListEntryRow.value == value.strip(),
                _visible(account_id, now),
            )
        )
        return [_to_entry(row) for row in rows]

    def match_ip(self, ip: str, now: datetime, account_id: str | None = None) -> list[ListEntry]:
        # Ranges are few, so they are loaded and tested here; an IP-range index would
        # need backend-specific types (inet on PostgreSQL, nothing on SQLite).
        canonical = normalize_ip(ip)
        address = ipaddress.ip_address(canonical)
        rows = self._session.scalars(
            select(ListEntryRow).where(
                or_(
                    and_(
                        ListEntryRow.kind == SubjectKind.IP.value, ListEntryRow.value == canonical
                    ),
                    ListEntryRow.kind == SubjectKind.CIDR.value,
                ),
                _visible(account_id, now),
            )
        )
        return [
            _to_entry(row)
            for row in rows
            if row.kind == SubjectKind.IP.value or address in ipaddress.ip_network(row.value)
        ]
