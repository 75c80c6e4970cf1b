from __future__ import annotations

import tomllib
from typing import Any

import pytest

from trustdesk.risk.checks import SIGNAL_CODES
from trustdesk.risk.geo import CountryAtlas
from trustdesk.risk.model import Decision, Reason, Signal, Strength
from trustdesk.risk.policy import Policy, load_policy, parse_policy
from trustdesk.settings import DEFAULT_POLICY

POLICY = load_policy(DEFAULT_POLICY)
VERSION = "default-2026.12.1"


def decide(*codes: str | Signal, locale: str = "en", policy: Policy = POLICY) -> Any:
    signals = [c if isinstance(c, Signal) else Signal(c) for c in codes]
    return policy.decide(signals, locale)


def test_no_signals_allow_with_score_zero() -> None:
    v = decide()
    assert (v.decision, v.score, v.reasons, v.strength, v.cooling_off_s, v.user_prompt) == (
        Decision.ALLOW,
        0,
        (),
        None,
        0,
        None,
    )
    assert v.policy_version == VERSION


def test_score_below_challenge_allows_without_prompt() -> None:
    # NEW_ACCOUNT 10 + FIRST_TIME_DESTINATION 15 = 25 < 30; FIRST_TIME has a prompt.
    v = decide("NEW_ACCOUNT", "FIRST_TIME_DESTINATION")
    assert (v.decision, v.score, v.user_prompt) == (Decision.ALLOW, 25, None)


def test_standard_challenge_reasons_ranked_by_weight() -> None:
    # NEW_IP 5 + FIRST_TIME_DESTINATION 15 + NEW_DEVICE 20 = 40: challenge, under 50.
    v = decide("NEW_IP", "FIRST_TIME_DESTINATION", "NEW_DEVICE")
    assert (v.decision, v.score, v.strength) == (Decision.CHALLENGE, 40, Strength.STANDARD)
    assert v.reasons == (
        Reason("NEW_DEVICE", "Payment from a device not seen before on this account.", 20),
        Reason("FIRST_TIME_DESTINATION", "First payment to this address.", 15),
        Reason("NEW_IP", "Payment from a network not seen before on this account.", 5),
    )
    assert v.user_prompt == (
        "You are using a new device. Confirm this payment to keep your account safe."
    )


def test_strong_challenge_from_the_score() -> None:
    # 20 + 15 + 15 = 50 = strong_challenge_at.
    v = decide("NEW_DEVICE", "FIRST_TIME_DESTINATION", Signal("NEW_COUNTRY", {"country": "BR"}))
    assert (v.decision, v.score, v.strength) == (Decision.CHALLENGE, 50, Strength.STRONG)


def test_review_from_the_score() -> None:
    # 55 + 20 + 5 = 80 = review_at.
    v = decide(
        Signal(
            "VELOCITY_AMOUNT_EXCEEDED",
            {"window": "1d", "amount": "6", "limit": "5", "asset": "BTC"},
        ),
        "NEW_DEVICE",
        "NEW_IP",
    )
    assert (v.decision, v.score, v.strength) == (Decision.REVIEW, 80, None)
    assert v.reasons[0].message == "6 BTC sent within 1d (limit 5 BTC)."


def test_score_is_clamped_to_100_and_cooling_off_is_dropped_for_a_block() -> None:
    # 100 + 60 + 15 + 10 = 185 -> 100; ADDRESS_POISONING's 3600 s cooling-off is moot.
    v = decide(
        "SANCTIONED_DESTINATION", "ADDRESS_POISONING", "FIRST_TIME_DESTINATION", "NEW_ACCOUNT"
    )
    assert (v.decision, v.score, v.strength, v.cooling_off_s) == (Decision.BLOCK, 100, None, 0)
    assert [r.weight for r in v.reasons] == [100, 60, 15, 10]


def test_score_is_clamped_to_zero() -> None:
    v = decide("DESTINATION_ALLOWLISTED_BY_USER", "DESTINATION_ALLOWLISTED")  # -25 - 10
    assert (v.decision, v.score) == (Decision.ALLOW, 0)
    assert [r.weight for r in v.reasons] == [-25, -10]


def test_at_least_raises_a_low_score() -> None:
    # GREYLISTED_DESTINATION alone scores 40 (a challenge) but must be at least reviewed.
    v = decide("GREYLISTED_DESTINATION")
    assert (v.decision, v.score, v.strength) == (Decision.REVIEW, 40, None)
    # VELOCITY_COUNT_EXCEEDED 45 - 25 = 20: under the threshold, but at least a challenge,
    # standard strength (no strong rule, score under 50).
    v = decide("VELOCITY_COUNT_EXCEEDED", "DESTINATION_ALLOWLISTED_BY_USER")
    assert (v.decision, v.score, v.strength) == (Decision.CHALLENGE, 20, Strength.STANDARD)


def test_a_strong_rule_makes_a_low_score_challenge_strong() -> None:
    # GREYLISTED_DEVICE 30 - 25 = 5, at least challenge, strength strong.
    v = decide("GREYLISTED_DEVICE", "DESTINATION_ALLOWLISTED_BY_USER")
    assert (v.decision, v.score, v.strength) == (Decision.CHALLENGE, 5, Strength.STRONG)


def test_at_least_never_lowers_a_decision() -> None:
    # IMPOSSIBLE_TRAVEL (at least challenge) 45 + VELOCITY_AMOUNT_EXCEEDED 55 = 100: review.
    v = decide("IMPOSSIBLE_TRAVEL", "VELOCITY_AMOUNT_EXCEEDED")
    assert (v.decision, v.score) == (Decision.REVIEW, 100)


def test_cooling_off_kept_for_a_challenge() -> None:
    details = {"lookalike_of": "0xabc2…def0", "destination": "0xabc1…def0"}
    v = decide(Signal("ADDRESS_POISONING", details), "FIRST_TIME_DESTINATION")
    assert (v.decision, v.score, v.strength, v.cooling_off_s) == (
        Decision.CHALLENGE,
        75,
        Strength.STRONG,
        3600,
    )
    # The prompt of the heaviest signal that has one, filled in from its details.
    assert v.user_prompt == (
        "Warning: this address imitates one you paid before (0xabc2…def0). Scammers plant "
        "look-alike addresses in your history. Do not copy addresses from your transaction "
        "history."
    )


def test_equal_weights_keep_signal_order() -> None:
    count = Signal(
        "VELOCITY_COUNT_EXCEEDED", {"key": "account", "window": "1h", "count": 11, "limit": 10}
    )
    travel = Signal("IMPOSSIBLE_TRAVEL", {"from": "SG", "to": "BR", "km": 17483, "minutes": 10.0})
    assert [r.code for r in decide(count, travel).reasons] == [
        "VELOCITY_COUNT_EXCEEDED",
        "IMPOSSIBLE_TRAVEL",
    ]
    assert [r.code for r in decide(travel, count).reasons] == [
        "IMPOSSIBLE_TRAVEL",
        "VELOCITY_COUNT_EXCEEDED",
    ]
    assert decide(count, travel).user_prompt == (
        "Unusually many payments in a short time. Please confirm it is really you."
    )


# --- locales ---

COUNTRY = Signal("NEW_COUNTRY", {"country": "BR"})
GREY = Signal(
    "GREYLISTED_DESTINATION", {"sources": "feed", "categories": "mixer", "list_reason": "x"}
)


@pytest.mark.parametrize(
    ("locale", "message", "prompt"),
    [
        (
            "en",
            "The destination address is on a watch list (feed).",
            "This address needs a manual check before the payment can go out.",
        ),
        ("zh", "目标地址在观察名单上（feed）。", "付款发出前，该地址需要人工审核。"),
        ("zh-CN", "目标地址在观察名单上（feed）。", "付款发出前，该地址需要人工审核。"),
        (
            "id",
            "Alamat tujuan ada dalam daftar pantauan (feed).",
            "Alamat ini perlu diperiksa secara manual sebelum pembayaran dikirim.",
        ),
        (
            "id-ID",
            "Alamat tujuan ada dalam daftar pantauan (feed).",
            "Alamat ini perlu diperiksa secara manual sebelum pembayaran dikirim.",
        ),
        (
            "fr",
            "The destination address is on a watch list (feed).",
            "This address needs a manual check before the payment can go out.",
        ),
        (
            "pt-BR",
            "The destination address is on a watch list (feed).",
            "This address needs a manual check before the payment can go out.",
        ),
    ],
)
def test_localized_reasons_and_prompt(locale: str, message: str, prompt: str) -> None:
    v = decide(GREY, locale=locale)
    assert v.reasons[0].message == message
    assert v.user_prompt == prompt


def test_details_fill_the_template_in_each_locale() -> None:
    assert decide(COUNTRY).reasons[0].message == (
        "Payment from a country not seen before on this account (BR)."
    )
    assert (
        decide(COUNTRY, locale="zh").reasons[0].message
        == "付款来自该账户从未出现过的国家/地区（BR）。"
    )


def test_missing_details_leave_the_template_as_written() -> None:
    assert decide("NEW_COUNTRY").reasons[0].message == (
        "Payment from a country not seen before on this account ({country})."
    )


# --- custom policies: prompts of negative signals, exact locale before the language ---


def custom(**rules: dict[str, Any]) -> Policy:
    raw = tomllib.loads(DEFAULT_POLICY.read_text(encoding="utf-8"))
    for code, changes in rules.items():
        raw["signals"][code] = {**raw["signals"][code], **changes}
    return parse_policy(raw, CountryAtlas())


def test_a_negative_signal_never_supplies_the_prompt() -> None:
    policy = custom(DESTINATION_ALLOWLISTED_BY_USER={"weight": -90, "prompt": {"en": "saved!"}})
    v = decide("DESTINATION_ALLOWLISTED_BY_USER", "VELOCITY_COUNT_EXCEEDED", policy=policy)
    assert v.decision is Decision.CHALLENGE  # at least, with a score of 0
    assert v.score == 0
    assert v.user_prompt == (
        "Unusually many payments in a short time. Please confirm it is really you."
    )


def test_a_regional_text_wins_over_the_language() -> None:
    policy = custom(NEW_IP={"message": {"en": "new net", "zh": "新网络", "zh-TW": "新網路"}})
    assert decide("NEW_IP", locale="zh-TW", policy=policy).reasons[0].message == "新網路"
    assert decide("NEW_IP", locale="zh-CN", policy=policy).reasons[0].message == "新网络"


def test_default_policy_covers_exactly_the_signal_codes() -> None:
    expected = {
        "SANCTIONED_DESTINATION", "BLOCKLISTED_DESTINATION", "GREYLISTED_DESTINATION",
        "DESTINATION_ALLOWLISTED", "DESTINATION_ALLOWLISTED_BY_USER",
        "BLOCKLISTED_DEVICE", "GREYLISTED_DEVICE", "BLOCKLISTED_IP", "GREYLISTED_IP",
        "BLOCKLISTED_ACCOUNT", "GREYLISTED_ACCOUNT",
        "VELOCITY_COUNT_EXCEEDED", "VELOCITY_AMOUNT_EXCEEDED",
        "NEW_ACCOUNT", "NEW_DEVICE", "NEW_IP", "NEW_COUNTRY", "IMPOSSIBLE_TRAVEL", "FRESH_SESSION",
        "FIRST_TIME_DESTINATION", "ADDRESS_POISONING",
        "AMOUNT_ABOVE_HISTORY",
        "SANCTIONS_NAME_HIT", "SANCTIONS_NAME_POSSIBLE",
        "KYC_LEVEL_INSUFFICIENT", "TRAVEL_RULE_DATA_MISSING",
    }  # fmt: skip
    assert expected == SIGNAL_CODES
    assert set(POLICY.rules) == expected
    # Every rule speaks the three shipped languages.
    for code, rule in POLICY.rules.items():
        assert set(rule.message) == {"en", "zh", "id"}, code
        assert set(rule.prompt) in (set(), {"en", "zh", "id"}), code
