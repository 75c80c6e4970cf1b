"""Recovery codes: shown once, stored as argon2id hashes, each usable once.

A code is 12 symbols of Crockford's base32 alphabet (no i, l, o, u), 5 bits each = 60 bits,
shown as ``k7f2-9q3m-x8wd``. Typing is forgiving: case, spaces and dashes are ignored and the
look-alikes o/i/l read as 0/1/1. Marking a code used is the caller's job (it owns the rows).
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import Argon2Error

from trustdesk.core.errors import InvalidInput

ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
SYMBOLS = 12
GROUP = 4
_LOOKALIKES = str.maketrans({"o": "0", "i": "1", "l": "1"})
_IGNORED = str.maketrans("", "", " -\t")

# The codes carry 60 random bits, so guessing is out of reach whatever the hash cost; the
# hash only has to make a stolen table expensive. OWASP's argon2id floor keeps checks ~20 ms.
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)


def generate_recovery_codes(count: int = 10) -> list[str]:
    """``count`` distinct codes from the OS CSPRNG, in display form."""
    if not 1 <= count <= 100:
        raise ValueError("count must be between 1 and 100")
    codes: set[str] = set()
    while len(codes) < count:
        codes.add(_display("".join(secrets.choice(ALPHABET) for _ in range(SYMBOLS))))
    return sorted(codes)


def normalize_recovery_code(text: str) -> str:
    """The display form of what a person typed; InvalidInput if it cannot be a code."""
    compact = text.strip().lower().translate(_IGNORED).translate(_LOOKALIKES)
    if len(compact) != SYMBOLS or any(ch not in ALPHABET for ch in compact):
        raise InvalidInput(
            f"a recovery code has {SYMBOLS} letters and digits, like xxxx-xxxx-xxxx",
            field="code",
        )
    return _display(compact)


def hash_recovery_code(code: str) -> str:
    """An argon2id hash (PHC string, parameters included) of the normalized code."""
    return _hasher.hash(normalize_recovery_code(code))


def verify_recovery_code(code: str, hashed: str) -> bool:
    """True when ``code`` matches ``hashed``; False for a wrong, malformed or garbage input."""
    if not isinstance(code, str) or not isinstance(hashed, str):
        return False
    try:
        return _hasher.verify(hashed, normalize_recovery_code(code))
    except (InvalidInput, Argon2Error, ValueError):
        return False


def _display(compact: str) -> str:
    return "-".join(compact[i : i + GROUP] for i in range(0, len(compact), GROUP))
