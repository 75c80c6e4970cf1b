"""Identifiers: sortable, prefixed, unguessable."""

from __future__ import annotations

import os
import threading
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
_RANDOM_BITS = 80
_lock = threading.Lock()
_last = 0


def new_id(prefix: str) -> str:
    """A 26-char time-ordered id (48-bit ms timestamp + 80 random bits), Crockford base32.

    Ids made in this process sort in the order they were made, also within one millisecond
    (the later one is the earlier plus a small random step), so "order by id" keeps the
    order in which, say, one message's attachments arrived.
    """
    global _last
    fresh = (int(time.time() * 1000) << _RANDOM_BITS) | int.from_bytes(os.urandom(10), "big")
    with _lock:
        if fresh <= _last:
            fresh = _last + 1 + int.from_bytes(os.urandom(4), "big")
        _last = fresh
    value = fresh
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return f"{prefix}_{''.join(reversed(chars))}"
