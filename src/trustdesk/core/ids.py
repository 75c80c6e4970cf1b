"""Identifiers: sortable, prefixed, unguessable."""

from __future__ import annotations

import os
import time


def new_id(prefix: str) -> str:
    """A 26-char time-ordered id (48-bit ms timestamp + 80 random bits), Crockford base32."""
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    alphabet = "0123456789abcdefghjkmnpqrstvwxyz"
    chars = []
    for _ in range(26):
        chars.append(alphabet[value & 31])
        value >>= 5
    return f"{prefix}_{''.join(reversed(chars))}"
