from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from trustdesk.risk.checks.config import VelocityLimits
from trustdesk.risk.policy import PolicyError, load_policy, parse_window
from trustdesk.settings import DEFAULT_POLICY

TEXT = DEFAULT_POLICY.read_text(encoding="utf-8")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    return path


def refused(tmp_path: Path, text: str) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        load_policy(write(tmp_path, text))
    assert info.value.code == "policy.invalid"
    return info.value


def edit(old: str, new: str) -> str:
    assert TEXT.count(old) == 1, old
    return TEXT.replace(old, new)


def test_default_policy_parameters() -> None:
    policy = load_policy(DEFAULT_POLICY)
    t = policy.thresholds
    assert (t.challenge_at, t.strong_challenge_at, t.review_at) == (30, 50, 80)
    assert policy.checks.velocity == VelocityLimits(
        counts={
            "account": {3600: 10, 86400: 40},
            "device": {3600: 15, 86400: 60},
            "ip": {3600: 30, 86400: 120},
        },
        amounts={
            "BTC": {86400: Decimal("5")},
            "ETH": {86400: Decimal("100")},
            "USDT": {3600: Decimal("20000"), 86400: Decimal("100000")},
            "USDC": {3600: Decimal("20000"), 86400: Decimal("100000")},
        },
    )
    assert policy.windows_s == (3600, 86400)
    c = policy.checks
    assert (c.fresh_session_s, c.max_travel_kmh, c.min_travel_km) == (60, 900.0, 500.0)
    assert (c.poisoning_min_prefix, c.poisoning_min_suffix, c.poisoning_min_total) == (3, 4, 7)
    assert (c.amount_min_history, c.amount_factor) == (5, Decimal(5))


def test_copy_of_the_default_loads(tmp_path: Path) -> None:
    assert load_policy(write(tmp_path, TEXT)).version == "default-2026.12.1"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as info:
        load_policy(tmp_path / "nope.toml")
    assert info.value.code == "policy.invalid"
    assert "cannot read policy file" in info.value.message


def test_bad_toml(tmp_path: Path) -> None:
    error = refused(tmp_path, TEXT + "\n[decision\n")
    assert "is not valid TOML" in error.message


def test_missing_signal_rule(tmp_path: Path) -> None:
    cut = TEXT[: TEXT.index("[signals.AMOUNT_ABOVE_HISTORY]")]
    error = refused(tmp_path, cut)
    assert error.message.endswith(
        "signals without a rule: ['AMOUNT_ABOVE_HISTORY']; rules for unknown signals: none"
    )


def test_rule_for_an_unknown_signal(tmp_path: Path) -> None:
    error = refused(tmp_path, TEXT + '\n[signals.MOON_PHASE]\nweight = 5\nmessage = { en = "x" }\n')
    assert error.message.endswith(
        "signals without a rule: none; rules for unknown signals: ['MOON_PHASE']"
    )


def test_bad_window(tmp_path: Path) -> None:
    error = refused(
        tmp_path,
        edit(
            "[checks.velocity.counts.account]\n1h = 10", "[checks.velocity.counts.account]\n5x = 10"
        ),
    )
    assert error.message == "window '5x' must look like 90s, 15m, 1h or 7d"


def test_thresholds_out_of_order(tmp_path: Path) -> None:
    error = refused(tmp_path, edit("challenge_at = 30\n", "challenge_at = 60\n"))
    assert error.message.endswith("need challenge_at <= strong_challenge_at <= review_at")


def test_schema_errors_name_the_field(tmp_path: Path) -> None:
    error = refused(tmp_path, edit("review_at = 80", "review_at = 101"))
    assert error.field == "decision.review_at"
    error = refused(
        tmp_path, edit("[signals.NEW_IP]\nweight = 5", "[signals.NEW_IP]\nweight = 5\nmood = 1")
    )
    assert error.field == "signals.NEW_IP.mood"
    error = refused(
        tmp_path,
        edit(
            'at_least = "review"\nmessage = { en = "This account',
            'at_least = "maybe"\nmessage = { en = "This account',
        ),
    )
    assert error.field == "signals.GREYLISTED_ACCOUNT.at_least"


def test_texts_need_the_english_fallback(tmp_path: Path) -> None:
    no_en = re.sub(r'message = \{ en = "First payment to this address\.", ', "message = { ", TEXT)
    assert refused(tmp_path, no_en).field == "signals.FIRST_TIME_DESTINATION.message"
    prompt_no_en = edit(
        'prompt = { en = "You have never paid this address before. Check every character of '
        "it against the recipient's own copy.\", ",
        "prompt = { ",
    )
    assert refused(tmp_path, prompt_no_en).field == "signals.FIRST_TIME_DESTINATION.prompt"


def test_velocity_counts_for_an_unknown_key(tmp_path: Path) -> None:
    error = refused(
        tmp_path, TEXT.replace("[checks.velocity.counts.ip]", "[checks.velocity.counts.email]")
    )
    assert error.message.endswith("velocity counts for unknown keys ['email']")


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("15m", 900), ("1h", 3600), ("24h", 86400), ("7d", 604800)]
)
def test_parse_window(text: str, seconds: int) -> None:
    assert parse_window(text) == seconds


@pytest.mark.parametrize("text", ["5x", "0h", "h", "", "1.5h", "-1h", "1 h", "1H", "²h", "١h"])
def test_parse_window_refuses(text: str) -> None:
    with pytest.raises(PolicyError) as info:
        parse_window(text)
    assert info.value.code == "policy.invalid"
