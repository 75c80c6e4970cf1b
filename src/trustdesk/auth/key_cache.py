"""API keys checked a moment ago, so a busy client's every request does not read its key.

A hit skips the key's row (a read transaction, and on the assessment route a hop to a
worker thread); the price is that a revoked key keeps working in each worker for at most
``ttl`` seconds. Entries are keyed by a SHA-256 of the Authorization header, never the
header itself; only successful checks are kept, so wrong keys always reach the store.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from trustdesk.auth.apikeys import ApiPrincipal


class KeyCache:
    def __init__(
        self,
        ttl: float,
        max_entries: int = 1024,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._now = now
        self._entries: OrderedDict[bytes, tuple[ApiPrincipal, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, authorization: str | None) -> ApiPrincipal | None:
        """The principal of a header checked less than ``ttl`` seconds ago, else None."""
        if self.ttl <= 0 or not authorization:
            return None
        key = _digest(authorization)
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return None
            principal, checked_at = found
            if self._now() - checked_at >= self.ttl:
                del self._entries[key]
                return None
            return principal

    def put(self, authorization: str | None, principal: ApiPrincipal) -> None:
        """Remember a header that was just checked against the store."""
        if self.ttl <= 0 or not authorization:
            return
        key = _digest(authorization)
        with self._lock:
            self._entries[key] = (principal, self._now())
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


def _digest(authorization: str) -> bytes:
    return hashlib.sha256(authorization.strip().encode()).digest()
