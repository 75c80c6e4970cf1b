"""Recovery codes: format, entropy, forgiving input, argon2id at rest, garbage never raises."""

from __future__ import annotations

import math
import re

import pytest
from argon2 import PasswordHasher

from trustdesk.auth.recovery import (
    ALPHABET,
    generate_recovery_codes,
    hash_recovery_code,
    normalize_recovery_code,
    verify_recovery_code,
)
from trustdesk.core.errors import InvalidInput

CODE_SHAPE = re.compile(r"[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}")


def test_ten_distinct_codes_in_display_form() -> None:
    codes = generate_recovery_codes()
    assert len(codes) == 10
    assert len(set(codes)) == 10
    assert all(CODE_SHAPE.fullmatch(code) for code in codes), codes
    assert len(generate_recovery_codes(3)) == 3


def test_sixty_bits_from_an_unambiguous_alphabet() -> None:
    assert ALPHABET == "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32: no i, l, o, u
    assert 12 * math.log2(len(ALPHABET)) == 60
    # 1,200 symbols: every one of the 32 shows up unless the generator is broken
    # (chance of a miss by luck ~ 32 * (31/32)**1200 < 1e-14).
    used = set("".join(generate_recovery_codes(100)).replace("-", ""))
    assert used == set(ALPHABET)


@pytest.mark.parametrize(
    "typed",
    ["k7f2-9q3m-x8wd", "K7F2-9Q3M-X8WD", "k7f29q3mx8wd", " k7f2 9q3m x8wd ", "K7F2 - 9Q3M - X8WD"],
)
def test_typing_is_forgiving(typed: str) -> None:
    assert normalize_recovery_code(typed) == "k7f2-9q3m-x8wd"


def test_lookalike_letters_read_as_digits() -> None:
    assert normalize_recovery_code("O0I1-L1ab-cdef") == "0011-11ab-cdef"


@pytest.mark.parametrize(
    "typed", ["", "k7f2-9q3m", "k7f2-9q3m-x8wdx", "u7f2-9q3m-x8wd", "k7f2_9q3m_x8wd"]
)
def test_what_cannot_be_a_code_is_invalid_input(typed: str) -> None:
    with pytest.raises(InvalidInput) as excinfo:
        normalize_recovery_code(typed)
    assert excinfo.value.field == "code"


def test_hash_is_argon2id_salted_and_hides_the_code() -> None:
    first = hash_recovery_code("k7f2-9q3m-x8wd")
    second = hash_recovery_code("k7f2-9q3m-x8wd")
    assert first.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert first != second  # a fresh salt each time
    assert "k7f2" not in first and "x8wd" not in first
    assert verify_recovery_code("K7F2 9Q3M X8WD", first)
    assert verify_recovery_code("k7f29q3mx8wd", second)
    assert not verify_recovery_code("k7f2-9q3m-x8we", first)


def test_interoperates_with_a_plain_argon2_hasher() -> None:
    """Hashes read their parameters from the PHC string, so cost can change later."""
    independent = PasswordHasher()  # library defaults, not ours
    assert verify_recovery_code("K7F2-9Q3M-X8WD", independent.hash("k7f2-9q3m-x8wd"))
    assert independent.verify(hash_recovery_code("k7f29q3mx8wd"), "k7f2-9q3m-x8wd")


@pytest.mark.parametrize(
    ("code", "hashed"),
    [
        ("", "valid"),
        ("garbage", "valid"),
        (None, "valid"),
        ("k7f2-9q3m-x8wd", ""),
        ("k7f2-9q3m-x8wd", "not a hash"),
        ("k7f2-9q3m-x8wd", "$argon2id$v=19$m=19456,t=2,p=1$AAAA$BBBB"),
        ("k7f2-9q3m-x8wd", None),
    ],
)
def test_garbage_gives_false_and_never_raises(code: str, hashed: str) -> None:
    if hashed == "valid":
        hashed = hash_recovery_code("k7f2-9q3m-x8wd")
    assert verify_recovery_code(code, hashed) is False
