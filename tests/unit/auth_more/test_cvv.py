"""Dynamic CVV: RFC 6238 SHA-256 vectors at 8 digits, one value worked out by hand at 3."""

from __future__ import annotations

import hashlib
import hmac
import json
import struct
from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import shared_data
from trustdesk.auth.cvv import cvv_for_step, dynamic_cvv, match_dynamic_cvv, time_step

CARD_SECRET = bytes(range(32))
AT = datetime(2026, 3, 1, 12, 3, 7, tzinfo=UTC)  # unix 1772366587, step 5907888 at 300 s


def test_rfc_6238_sha256_vectors() -> None:
    """At 8 digits and 30 s our construction is exactly TOTP-SHA256 (RFC 6238 Appendix B)."""
    data = json.loads(shared_data("otp_test_vectors", "rfc_otp_vectors.json").read_text())
    totp = data["rfc6238_totp"]
    secret = totp["secrets_ascii"]["SHA256"].encode("ascii")
    rows = [v for v in totp["vectors"] if v["mode"] == "SHA256"]
    assert len(rows) == 6
    for row in rows:
        at = datetime.fromtimestamp(row["time_unix"], UTC)
        assert dynamic_cvv(secret, at, period=30, digits=8) == row["totp"], row


def test_one_code_worked_out_by_hand() -> None:
    # Written out independently of trustdesk.auth.cvv:
    step = 1772366587 // 300
    mac = hmac.new(CARD_SECRET, struct.pack(">Q", step), hashlib.sha256).digest()
    offset = mac[31] & 0x0F
    (word,) = struct.unpack(">I", mac[offset : offset + 4])
    by_hand = f"{(word & 0x7FFFFFFF) % 1000:03d}"
    # The intermediate values, recorded once from the lines above.
    assert (step, offset, word & 0x7FFFFFFF) == (5907888, 12, 490917102)
    assert by_hand == "102"
    assert dynamic_cvv(CARD_SECRET, AT) == by_hand


def test_the_code_holds_for_the_whole_period_and_then_changes() -> None:
    start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert time_step(start) == time_step(start + timedelta(seconds=299)) == 5907888
    assert time_step(start + timedelta(seconds=300)) == 5907889
    assert dynamic_cvv(CARD_SECRET, start) == dynamic_cvv(CARD_SECRET, AT) == "102"
    # Any timezone names the same instant.
    jakarta = AT.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Jakarta"))
    assert dynamic_cvv(CARD_SECRET, jakarta) == "102"


def test_codes_keep_their_leading_zeros() -> None:
    assert cvv_for_step(CARD_SECRET, 5908151) == "005"


def test_another_card_gets_another_code() -> None:
    assert dynamic_cvv(bytes(range(1, 33)), AT) != dynamic_cvv(CARD_SECRET, AT)


def test_match_returns_the_step_within_the_window() -> None:
    now = 5907888
    assert match_dynamic_cvv(CARD_SECRET, "102", AT) == now
    previous = cvv_for_step(CARD_SECRET, now - 1)
    following = cvv_for_step(CARD_SECRET, now + 1)
    too_old = cvv_for_step(CARD_SECRET, now - 2)
    # Preconditions: these four codes are distinct for this card, so the asserts below are exact.
    assert len({"102", previous, following, too_old}) == 4
    assert match_dynamic_cvv(CARD_SECRET, previous, AT) == now - 1
    assert match_dynamic_cvv(CARD_SECRET, following, AT) == now + 1
    assert match_dynamic_cvv(CARD_SECRET, too_old, AT) is None
    assert match_dynamic_cvv(CARD_SECRET, too_old, AT, window=2) == now - 2
    assert match_dynamic_cvv(CARD_SECRET, previous, AT, window=0) is None


def test_when_two_steps_share_a_code_the_current_one_wins() -> None:
    shared = cvv_for_step(CARD_SECRET, 5908080)
    assert cvv_for_step(CARD_SECRET, 5908081) == shared  # found by search; a 1-in-1000 event
    in_later_step = datetime.fromtimestamp(5908081 * 300 + 10, UTC)
    in_earlier_step = datetime.fromtimestamp(5908080 * 300 + 10, UTC)
    assert match_dynamic_cvv(CARD_SECRET, shared, in_later_step) == 5908081
    assert match_dynamic_cvv(CARD_SECRET, shared, in_earlier_step) == 5908080


@pytest.mark.parametrize("code", ["", "10", "1020", "10a", " 102", "１０２", "١٠٢", None])
def test_malformed_codes_never_match(code: str) -> None:
    assert match_dynamic_cvv(CARD_SECRET, code, AT) is None


def test_four_digit_cards_never_accept_a_three_digit_guess() -> None:
    four = dynamic_cvv(CARD_SECRET, AT, digits=4)
    assert len(four) == 4
    assert match_dynamic_cvv(CARD_SECRET, four, AT, digits=4) == 5907888
    assert match_dynamic_cvv(CARD_SECRET, four[1:], AT, digits=4) is None


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: dynamic_cvv(b"short", AT), "at least 16 bytes"),
        (lambda: dynamic_cvv(CARD_SECRET, datetime(2026, 3, 1)), "aware datetime"),
        (lambda: dynamic_cvv(CARD_SECRET, AT, period=0), "period"),
        (lambda: dynamic_cvv(CARD_SECRET, AT, digits=2), "digits"),
        (lambda: match_dynamic_cvv(CARD_SECRET, "102", AT, window=11), "window"),
        (lambda: dynamic_cvv(CARD_SECRET, datetime(1969, 1, 1, tzinfo=UTC)), "1970"),
    ],
)
def test_misuse_is_refused(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]
