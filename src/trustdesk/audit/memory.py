"""An in-process audit log for unit tests and tools that need no database."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from trustdesk.audit.model import GENESIS_HASH, AuditEntry, AuditEvent, build_entry
from trustdesk.core.clock import Clock


class MemoryAuditLog:
    def __init__(self, pepper: bytes, clock: Clock) -> None:
        if not pepper:
            raise ValueError("the audit pepper must not be empty")
        self._pepper = pepper
        self._clock = clock
        self._entries: list[AuditEntry] = []
        self._lock = threading.Lock()

    def append(self, event: AuditEvent) -> AuditEntry:
        with self._lock:
            head = self._entries[-1] if self._entries else None
            entry = build_entry(
                event,
                seq=head.seq + 1 if head else 1,
                at=self._clock.now(),
                prev_hash=head.entry_hash if head else GENESIS_HASH,
                pepper=self._pepper,
            )
            self._entries.append(entry)
            return entry

    def iter_entries(self, batch_size: int = 1000) -> Iterator[AuditEntry]:
        with self._lock:
            snapshot = list(self._entries)
        return iter(snapshot)

    def head(self) -> AuditEntry | None:
        with self._lock:
            return self._entries[-1] if self._entries else None

    def count(self) -> int:
        with self._lock:
            return len(self._entries)
