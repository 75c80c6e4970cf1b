"""The screening index over the active sanctions snapshots, kept in memory per process.

Building it costs a second or two for the full OFAC and UN lists, so it is built once and
rebuilt only when the set of active snapshots changes (a sync in any process).
"""

from __future__ import annotations

import threading
from dataclasses import asdict
from typing import Any

from trustdesk.compliance.screening import Candidate, ScreeningIndex
from trustdesk.compliance.store import SqlSanctionsStore
from trustdesk.core.errors import DomainError


class NoSanctionsLists(DomainError):
    code = "compliance.no_lists"
    status = 409
    title = "No sanctions lists loaded"


class Screener:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: tuple[str, ...] | None = None
        self._index: ScreeningIndex | None = None

    def index(self, store: SqlSanctionsStore) -> ScreeningIndex:
        snapshots = store.active_snapshots()
        key = tuple(s.id for s in snapshots)
        if not key:
            raise NoSanctionsLists(
                "no sanctions list is loaded; run: trustdesk sanctions sync --source … --file …"
            )
        with self._lock:
            if key != self._key or self._index is None:
                entries = [e for s in snapshots for e in store.entries(s.id)]
                self._index = ScreeningIndex(entries)
                self._key = key
            return self._index


def candidate_json(c: Candidate) -> dict[str, Any]:
    return {
        "entry_id": c.entry_id,
        "list": c.list,
        "name": c.name,
        "primary_name": c.primary_name,
        "score": round(c.score, 4),
        "programs": list(c.programs),
        "type": c.type.value,
        "matched": c.matched,
        "explanation": asdict(c.explanation),
    }
