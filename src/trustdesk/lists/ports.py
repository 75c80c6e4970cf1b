"""What the lists service needs from storage."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from trustdesk.lists.model import ListEntry, SubjectKind


class ListStore(Protocol):
    def entries_for_source(self, source: str) -> list[ListEntry]:
        """Every entry the source holds, expired ones included."""
        ...

    def add_many(self, entries: Sequence[ListEntry]) -> int:
        """Insert entries (each with ``added_at`` set); returns how many."""
        ...

    def remove_many(self, entries: Sequence[ListEntry]) -> int:
        """Delete entries by (key, source); returns how many rows went."""
        ...

    def update_many(self, entries: Sequence[ListEntry]) -> int:
        """Rewrite category, reason and expiry of existing entries, matched by (key, source)."""
        ...

    def add_entry(self, entry: ListEntry) -> ListEntry:
        """Insert one entry; Conflict ``lists.duplicate_entry`` if the same one exists."""
        ...

    def remove_entry(self, entry: ListEntry) -> None:
        """Delete one entry by (key, source); NotFound ``lists.entry_not_found`` if absent."""
        ...

    def match_address(
        self, family: str, value: str, account_id: str | None, now: datetime
    ) -> list[ListEntry]:
        """Active global entries for the address plus that account's own entries."""
        ...

    def match_value(
        self, kind: SubjectKind, value: str, now: datetime, account_id: str | None = None
    ) -> list[ListEntry]:
        """Active entries for a device or account id (global, plus the account's own)."""
        ...

    def match_ip(self, ip: str, now: datetime, account_id: str | None = None) -> list[ListEntry]:
        """Active entries for the exact IP and every CIDR range containing it."""
        ...
