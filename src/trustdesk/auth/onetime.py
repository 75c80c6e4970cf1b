"""One-time codes sent by SMS or email: random digits, kept only as a keyed hash.

The hash is HMAC-SHA256 under a server pepper over the challenge binding and the code, so a
leaked table is useless without the pepper, and a stored hash cannot be replayed against
another challenge (the binding is the challenge id plus the digest of what it approves).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import struct

from trustdesk.core.errors import InvalidInput

MIN_PEPPER_BYTES = 16
_TYPING_NOISE = str.maketrans("", "", " -\t")


def new_code(digits: int = 6) -> str:
    """A uniformly random code of ``digits`` decimal digits (leading zeros kept)."""
    if not 4 <= digits <= 10:
        raise ValueError("digits must be between 4 and 10")
    return str(secrets.randbelow(10**digits)).zfill(digits)


def hash_code(code: str, *, pepper: bytes, binding: str) -> str:
    """Hex HMAC-SHA256(pepper, len(binding) || binding || code).

    The 4-byte length prefix keeps (binding, code) pairs from running into each other:
    ("ab1", "23456") and ("ab", "123456") hash differently.
    """
    if len(pepper) < MIN_PEPPER_BYTES:
        raise ValueError(f"the pepper needs at least {MIN_PEPPER_BYTES} bytes")
    if not binding:
        raise ValueError("a one-time code must be bound to a challenge")
    digits = _normalize(code)
    if digits is None:
        raise InvalidInput("a one-time code is made of digits only", field="code")
    bound = binding.encode("utf-8")
    message = struct.pack(">I", len(bound)) + bound + digits.encode("ascii")
    return hmac.new(pepper, message, hashlib.sha256).hexdigest()


def code_matches(code: str, hashed: str, *, pepper: bytes, binding: str) -> bool:
    """True when ``code`` is the one hashed for this binding; garbage gives False."""
    if not isinstance(code, str) or not isinstance(hashed, str) or _normalize(code) is None:
        return False
    try:
        expected = hash_code(code, pepper=pepper, binding=binding)
    except (InvalidInput, UnicodeEncodeError):
        return False
    return hmac.compare_digest(expected.encode("ascii"), hashed.encode("utf-8", "replace"))


def _normalize(code: str) -> str | None:
    """What a person typed, without spaces or dashes ("123 456"); None if not all digits."""
    compact = code.strip().translate(_TYPING_NOISE)
    if not compact or len(compact) > 10 or not (compact.isascii() and compact.isdigit()):
        return None
    return compact
