"""Canonical JSON and hashing used wherever bytes must be reproducible."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no whitespace, UTF-8: the same value always gives the same bytes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_hex(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode()
    return hashlib.sha256(data).hexdigest()


def keyed_hash(value: str, pepper: bytes) -> str:
    """HMAC-SHA256: a stable pseudonym for an IP or device id that cannot be reversed by
    enumerating candidates without the pepper."""
    return hmac.new(pepper, value.encode(), hashlib.sha256).hexdigest()
