"""Phishing domain lists in SQL. The domains themselves are list entries of kind
``domain`` (the lists domain stores, syncs and audits them); this module adds the one thing
lists have no place for, a feed's fuzzy-match tolerance, and builds the checker from both.

Use cases: ``import_feed`` (sync every part of a feed, audited) and ``load_checker``;
``CheckerCache`` rebuilds the checker only when the stored lists changed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from trustdesk.audit.model import AuditEvent
from trustdesk.audit.ports import AuditLog
from trustdesk.bot.phishing import PhishingChecker
from trustdesk.bot.phishing_feeds import Feed
from trustdesk.db.base import Base
from trustdesk.db.types import UtcDateTime
from trustdesk.lists.importing import import_list
from trustdesk.lists.model import SubjectKind, SyncReport
from trustdesk.lists.store import ListEntryRow, SqlListStore

Fingerprint = tuple[int, datetime | None, int, datetime | None]


class PhishingSourceRow(Base):
    __tablename__ = "phishing_sources"

    source: Mapped[str] = mapped_column(String(128), primary_key=True)
    tolerance: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SqlPhishingStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def tolerances(self) -> dict[str, int]:
        rows = self.session.execute(select(PhishingSourceRow.source, PhishingSourceRow.tolerance))
        return {source: tolerance for source, tolerance in rows}

    def set_tolerance(self, source: str, tolerance: int, now: datetime) -> int | None:
        """Store a source's tolerance; returns the one it replaces (None if new)."""
        row = self.session.get(PhishingSourceRow, source)
        if row is None:
            self.session.add(PhishingSourceRow(source=source, tolerance=tolerance, updated_at=now))
            self.session.flush()
            return None
        before = row.tolerance
        if before != tolerance:
            row.tolerance, row.updated_at = tolerance, now
            self.session.flush()
        return before

    def fingerprint(self) -> Fingerprint:
        """Changes whenever a domain entry or a tolerance is added, removed or changed
        (an update of a kept entry rewrites only its reason, which no verdict depends on)."""
        entries = self.session.execute(
            select(func.count(), func.max(ListEntryRow.added_at)).where(
                ListEntryRow.kind == SubjectKind.DOMAIN.value
            )
        ).one()
        sources = self.session.execute(
            select(func.sum(PhishingSourceRow.tolerance), func.max(PhishingSourceRow.updated_at))
        ).one()
        return (int(entries[0]), entries[1], int(sources[0] or 0), sources[1])


@dataclass(frozen=True)
class FeedReport:
    reports: tuple[SyncReport, ...]
    tolerances: dict[str, int]


def import_feed(
    session: Session,
    audit: AuditLog,
    feed: Feed,
    now: datetime,
    actor: str,
    *,
    allow_empty: bool = False,
) -> FeedReport:
    """Sync each part of the feed into its own list source (audited as ``lists.synced``
    by the lists domain) and record the tolerance of its protected names."""
    lists = SqlListStore(session)
    reports = tuple(
        import_list(lists, audit, part.parsed, part.source, now, actor, allow_empty=allow_empty)
        for part in feed.parts
    )
    store = SqlPhishingStore(session)
    for source, tolerance in feed.tolerances.items():
        before = store.set_tolerance(source, tolerance, now)
        if before != tolerance:
            audit.append(
                AuditEvent(
                    actor=actor,
                    action="phishing.tolerance_set",
                    subject=f"list-source:{source}",
                    payload={"source": source, "tolerance": tolerance, "before": before},
                )
            )
    return FeedReport(reports, dict(feed.tolerances))


def load_checker(session: Session, now: datetime) -> PhishingChecker:
    entries = SqlListStore(session).entries_of_kind(SubjectKind.DOMAIN, now)
    return PhishingChecker.from_entries(entries, SqlPhishingStore(session).tolerances())


class CheckerCache:
    """One checker per process, rebuilt when the stored lists change (checked with one
    cheap aggregate query per use), so N API workers never serve a stale list. An entry
    that merely expires does not change the fingerprint: it stays until the next change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built: tuple[Fingerprint, PhishingChecker] | None = None

    def get(self, session: Session, now: Callable[[], datetime]) -> PhishingChecker:
        fingerprint = SqlPhishingStore(session).fingerprint()
        built = self._built
        if built is not None and built[0] == fingerprint:
            return built[1]
        checker = load_checker(session, now())
        with self._lock:
            self._built = (fingerprint, checker)
        return checker
