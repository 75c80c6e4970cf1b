"""One-time codes: uniform digits, a keyed hash bound to its challenge, garbage is False."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from trustdesk.auth.onetime import code_matches, hash_code, new_code
from trustdesk.core.errors import InvalidInput

PEPPER = b"pepper-for-tests-0123456789abcdef"
BINDING = "chl_01jq0000000000000000000000:3f2a9c"


def test_new_codes_are_digits_of_the_asked_length() -> None:
    assert len(new_code()) == 6 and new_code().isdigit()
    assert len(new_code(8)) == 8
    draws = [new_code(4) for _ in range(3000)]
    assert all(len(d) == 4 and d.isascii() and d.isdigit() for d in draws)
    # Leading zeros are kept, and every first digit turns up (a miss by luck: < 1e-130).
    assert {d[0] for d in draws} == set("0123456789")


@pytest.mark.parametrize("digits", [3, 11])
def test_new_code_refuses_odd_lengths(digits: int) -> None:
    with pytest.raises(ValueError, match="digits"):
        new_code(digits)


def test_hash_is_hmac_sha256_over_length_prefixed_binding_and_code() -> None:
    # Written out independently: 4-byte big-endian length of the binding, binding, code.
    binding = BINDING.encode()
    message = len(binding).to_bytes(4, "big") + binding + b"042917"
    expected = hmac.new(PEPPER, message, hashlib.sha256).hexdigest()
    assert hash_code("042917", pepper=PEPPER, binding=BINDING) == expected
    assert hash_code("042 917", pepper=PEPPER, binding=BINDING) == expected


def test_a_stored_hash_is_useless_for_another_challenge() -> None:
    stored = hash_code("042917", pepper=PEPPER, binding=BINDING)
    assert code_matches("042917", stored, pepper=PEPPER, binding=BINDING)
    assert not code_matches("042917", stored, pepper=PEPPER, binding=BINDING + "0")
    assert not code_matches("042917", stored, pepper=PEPPER[::-1], binding=BINDING)
    # Length framing: the binding cannot swallow the code's first digit.
    assert hash_code("123456", pepper=PEPPER, binding="ab") != hash_code(
        "23456", pepper=PEPPER, binding="ab1"
    )


@pytest.mark.parametrize("typed", ["042917", " 042917 ", "042 917", "042-917"])
def test_people_may_type_spaces_and_dashes(typed: str) -> None:
    stored = hash_code("042917", pepper=PEPPER, binding=BINDING)
    assert code_matches(typed, stored, pepper=PEPPER, binding=BINDING)


@pytest.mark.parametrize(
    ("code", "hashed"),
    [
        ("042918", "stored"),
        ("42917", "stored"),
        ("", "stored"),
        ("abcdef", "stored"),
        ("０４２９１７", "stored"),  # fullwidth digits
        (None, "stored"),
        ("042917", ""),
        ("042917", "zz"),
        ("042917", None),
        ("042917", "\udcff"),
    ],
)
def test_garbage_is_false(code: str, hashed: str) -> None:
    if hashed == "stored":
        hashed = hash_code("042917", pepper=PEPPER, binding=BINDING)
    assert code_matches(code, hashed, pepper=PEPPER, binding=BINDING) is False


def test_hashing_refuses_misuse() -> None:
    with pytest.raises(InvalidInput) as excinfo:
        hash_code("12ab56", pepper=PEPPER, binding=BINDING)
    assert excinfo.value.field == "code"
    assert "12ab56" not in excinfo.value.message
    with pytest.raises(ValueError, match="pepper"):
        hash_code("123456", pepper=b"short", binding=BINDING)
    with pytest.raises(ValueError, match="bound"):
        hash_code("123456", pepper=PEPPER, binding="")
