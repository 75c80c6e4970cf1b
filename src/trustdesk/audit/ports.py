"""What audit use cases need from storage; SqlAuditLog and MemoryAuditLog provide it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from trustdesk.audit.model import AuditEntry, AuditEvent


class AuditLog(Protocol):
    def append(self, event: AuditEvent) -> AuditEntry:
        """Record the event as the next entry, inside the caller's transaction."""

    def iter_entries(self, batch_size: int = 1000) -> Iterator[AuditEntry]:
        """Every entry in seq order."""

    def head(self) -> AuditEntry | None: ...

    def count(self) -> int: ...
