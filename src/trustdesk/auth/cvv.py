"""Dynamic CVV: a short card code that changes every few minutes, from a per-card secret.

The construction is ours, built from standard parts:

    step   = floor(unix_seconds(at) / period)            # T0 = 0, as in RFC 6238
    mac    = HMAC-SHA256(card_secret, step as 8-byte big-endian unsigned)
    offset = mac[31] & 0x0f                               # RFC 4226 section 5.3 dynamic truncation
    value  = int.from_bytes(mac[offset:offset + 4], "big") & 0x7fffffff
    cvv    = str(value % 10**digits).zfill(digits)

That is TOTP with SHA-256 (RFC 6238) cut to a few digits, so the RFC's SHA-256 vectors check it
at 8 digits. The secret is per card, which binds every code to its card. Three digits are
guessable one time in a thousand: the caller must limit attempts and refuse a step it already
accepted (``match_dynamic_cvv`` returns the step for that).
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from datetime import datetime

MIN_SECRET_BYTES = 16  # RFC 4226 section 4, R6: at least 128 bits
MAX_WINDOW = 10


def time_step(at: datetime, period: int = 300) -> int:
    """The counter for ``at``: whole periods since the Unix epoch."""
    if at.tzinfo is None:
        raise ValueError("dynamic CVV needs an aware datetime")
    if period < 1:
        raise ValueError("period must be at least one second")
    step = int(at.timestamp()) // period
    if step < 0:
        raise ValueError("dynamic CVV is not defined before 1970")
    return step


def cvv_for_step(secret: bytes, step: int, digits: int = 3) -> str:
    """The code for one time step (see the module docstring)."""
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"a card secret needs at least {MIN_SECRET_BYTES} bytes")
    if not 3 <= digits <= 9:
        raise ValueError("digits must be between 3 and 9")
    mac = hmac.new(secret, struct.pack(">Q", step), hashlib.sha256).digest()
    offset = mac[-1] & 0x0F
    value = int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def dynamic_cvv(secret: bytes, at: datetime, *, period: int = 300, digits: int = 3) -> str:
    """The code a card shows at ``at``."""
    return cvv_for_step(secret, time_step(at, period), digits)


def match_dynamic_cvv(
    secret: bytes,
    code: str,
    at: datetime,
    *,
    period: int = 300,
    window: int = 1,
    digits: int = 3,
) -> int | None:
    """The step whose code equals ``code`` within ``window`` steps of ``at``, else None.

    Every candidate is computed and compared in constant time, with no early exit, so timing
    does not tell which step (if any) matched. If several steps share the code, the current
    one wins, then the nearest. ``digits`` is fixed by the card, never taken from the input,
    so a shorter guess cannot lower the odds.
    """
    if not 0 <= window <= MAX_WINDOW:
        raise ValueError(f"window must be between 0 and {MAX_WINDOW}")
    now = time_step(at, period)
    well_formed = (
        isinstance(code, str) and len(code) == digits and code.isascii() and code.isdigit()
    )
    given = code.encode("ascii") if well_formed else b"\x00" * digits
    matched: int | None = None
    for step in _nearest_first(now, window):
        if step < 0:
            continue
        expected = cvv_for_step(secret, step, digits).encode("ascii")
        if hmac.compare_digest(expected, given) and matched is None:
            matched = step
    return matched if well_formed else None


def _nearest_first(now: int, window: int) -> list[int]:
    steps = [now]
    for distance in range(1, window + 1):
        steps += [now - distance, now + distance]
    return steps
