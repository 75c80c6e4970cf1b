"""List entries in SQL: the ``list_entries`` table and SqlListStore."""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Index,
    Row,
    Select,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    delete,
    insert,
    literal_column,
    or_,
    select,
    union_all,
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


def _to_entry(row: ListEntryRow | Row[Any]) -> ListEntry:
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


def _scope(account_id: str | None, now: datetime) -> dict[str, Any]:
    # '' twice in the IN list when there is no account: global entries only.
    return {"account_id": account_id or "", "now": now}


def _in_range(rows: Iterable[Row[Any]], ip: str) -> list[ListEntry]:
    # Ranges are few, so they are loaded and tested here; an IP-range index would
    # need backend-specific types (inet on PostgreSQL, nothing on SQLite).
    address = ipaddress.ip_address(ip)
    return [
        _to_entry(row)
        for row in rows
        if row.kind == SubjectKind.IP.value or address in ipaddress.ip_network(row.value)
    ]


# The look-ups are built once with bound parameters, so SQLAlchemy compiles each once.
_LIST = cast(Table, ListEntryRow.__table__)
_L = _LIST.c
_VISIBLE = and_(
    _L.account_id.in_(["", bindparam("account_id")]),
    or_(_L.expires_at.is_(None), _L.expires_at > bindparam("now")),
)
_ADDRESS_WHERE = and_(
    _L.kind == SubjectKind.ADDRESS.value,
    _L.value == bindparam("address"),
    _L.family == bindparam("family"),
)
_IP_WHERE = or_(
    and_(_L.kind == SubjectKind.IP.value, _L.value == bindparam("ip")),
    _L.kind == bindparam("cidr"),
)
_ADDRESS = select(_LIST).where(_ADDRESS_WHERE, _VISIBLE)
_VALUE = select(_LIST).where(_L.kind == bindparam("kind"), _L.value == bindparam("value"), _VISIBLE)
_IP = select(_LIST).where(_IP_WHERE, _VISIBLE)
_SUBJECT_KINDS = ("address", "device", "ip", "account")


def _subject(name: str, *where: ColumnElement[bool]) -> Select[Any]:
    return select(_LIST, literal_column(f"'{name}'").label("subject")).where(*where)


# Each branch is one single look-up's WHERE clause: it finds what that look-up finds.
_SUBJECTS = union_all(
    _subject("address", _ADDRESS_WHERE, _VISIBLE),
    _subject(
        "device", _L.kind == SubjectKind.DEVICE.value, _L.value == bindparam("device"), _VISIBLE
    ),
    _subject("ip", _IP_WHERE, _VISIBLE),
    # Global entries only, as the lists service's check_value gives them for the account.
    _subject(
        "account",
        _L.kind == SubjectKind.ACCOUNT.value,
        _L.value == bindparam("account"),
        _L.account_id == "",
        or_(_L.expires_at.is_(None), _L.expires_at > bindparam("now")),
    ),
)


class SqlListStore:
    """ListStore on one SQLAlchemy session; the unit of work commits."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def entries_for_source(self, source: str) -> list[ListEntry]:
        rows = self._session.scalars(select(ListEntryRow).where(ListEntryRow.source == source))
        return [_to_entry(row) for row in rows]

    def entries_of_kind(self, kind: SubjectKind, now: datetime) -> list[ListEntry]:
        """Every active global entry of one kind (domains: the phishing checker loads them)."""
        rows = self._session.scalars(
            select(ListEntryRow).where(
                ListEntryRow.kind == kind.value,
                ListEntryRow.account_id == "",
                or_(ListEntryRow.expires_at.is_(None), ListEntryRow.expires_at > now),
            )
        )
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
        params = {"family": family, "address": value, **_scope(account_id, now)}
        return [_to_entry(row) for row in self._session.execute(_ADDRESS, params)]

    def match_value(
        self, kind: SubjectKind, value: str, now: datetime, account_id: str | None = None
    ) -> list[ListEntry]:
        if kind in (SubjectKind.ADDRESS, SubjectKind.IP, SubjectKind.CIDR):
            raise ValueError(f"match_value is for devices and accounts, not {kind.value}")
        params = {"kind": kind.value, "value": value.strip(), **_scope(account_id, now)}
        return [_to_entry(row) for row in self._session.execute(_VALUE, params)]

    def match_ip(self, ip: str, now: datetime, account_id: str | None = None) -> list[ListEntry]:
        canonical = normalize_ip(ip)
        params = {"ip": canonical, "cidr": SubjectKind.CIDR.value, **_scope(account_id, now)}
        rows = self._session.execute(_IP, params)
        return _in_range(rows, canonical)

    def match_subjects(
        self,
        *,
        account_id: str,
        now: datetime,
        family: str | None = None,
        address: str | None = None,
        device: str | None = None,
        ip: str | None = None,
        account: str | None = None,
    ) -> dict[SubjectKind, list[ListEntry]]:
        """What ``match_address``, ``match_value`` (the device; the account, global entries
        only) and ``match_ip`` give for one request's subjects, in one statement.

        Values are canonical already; a subject that is None matches nothing. The result
        has the keys ADDRESS, DEVICE, IP (exact IPs and containing ranges) and ACCOUNT."""
        params = {
            "family": family,
            "address": address,
            "device": device,
            "ip": ip,
            "cidr": SubjectKind.CIDR.value if ip else None,
            "account": account,
            **_scope(account_id, now),
        }
        found: dict[str, list[Row[Any]]] = {k: [] for k in _SUBJECT_KINDS}
        for row in self._session.execute(_SUBJECTS, params):
            found[row.subject].append(row)
        return {
            SubjectKind.ADDRESS: [_to_entry(row) for row in found["address"]],
            SubjectKind.DEVICE: [_to_entry(row) for row in found["device"]],
            SubjectKind.IP: _in_range(found["ip"], ip) if ip else [],
            SubjectKind.ACCOUNT: [_to_entry(row) for row in found["account"]],
        }
