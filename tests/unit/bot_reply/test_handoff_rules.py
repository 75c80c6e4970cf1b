"""The hand-off rules on their own: which message goes to which queue, and why."""

from __future__ import annotations

import pytest

from trustdesk.bot.handoff import (
    BLOCKCHAIN_ESCALATION,
    CONVERSATION_LOOP,
    HandOff,
    Signals,
    Terms,
    asks_about_seed_phrase,
    decide,
    repeats,
)

HUMAN = HandOff("l1", "asked_for_human", "ask_for_human")
THEFT = HandOff("l2", "theft", "suspected_theft")
FROZEN = HandOff("l2", "frozen_account")
SANCTIONS = HandOff("compliance", "sanctions")
KYC = HandOff("compliance", "kyc_dispute", "kyc_rejected")
PHISHING = HandOff("l1", "phishing_report", "phishing_report")


def signals(
    text: str, intent: str = "balance_not_updated_after_bank_transfer", **more: object
) -> Signals:
    fields: dict[str, object] = {"text": text, "intent": intent, "confidence": 0.2} | more
    return Signals(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "转人工",
        "我要找人工",
        "客服在吗？我的币没到",
        "I want to talk to a human",
        "Can I speak to an agent please?",
        "HUMAN!!!",
        "saya mau bicara dengan manusia",
        "tolong sambungkan ke agen",
        "Ｈｕｍａｎ please",  # full-width letters, as some IMEs type them
    ],
)
def test_asking_for_a_person_in_any_language_goes_to_l1(text: str) -> None:
    assert decide(signals(text)) == HUMAN


def test_the_ask_for_human_intent_alone_goes_to_l1_whatever_the_words() -> None:
    assert (
        decide(signals("can someone real look at this", "ask_for_human", confidence=0.6)) == HUMAN
    )


@pytest.mark.parametrize(
    "text",
    [
        "人工智能能帮我查到账吗",
        "the agenda for the migration",
        "a humane question",
        "page number 12",
    ],
)
def test_words_that_only_look_like_a_request_for_a_person_do_not_match(text: str) -> None:
    assert decide(signals(text)) is None


@pytest.mark.parametrize(
    "text",
    [
        "My wallet was drained overnight",
        "someone stole my USDT",
        "我的币被盗了",
        "钱包被黑了，资产全没了",
        "Dana saya dicuri",
        "akun saya diretas",
    ],
)
def test_theft_goes_to_l2(text: str) -> None:
    assert decide(signals(text)) == THEFT


def test_theft_by_intent_or_category_goes_to_l2() -> None:
    assert decide(signals("money gone from my wallet", "suspected_theft", confidence=0.7)) == THEFT
    assert decide(signals("please look at my appeal", category="theft_appeal")) == THEFT


def test_an_intent_below_the_floor_does_not_trigger_its_rule() -> None:
    # A 0.3 guess of kyc_rejected for gibberish must not send anyone to compliance.
    assert decide(signals("asdf qwerty", "kyc_rejected", confidence=0.3)) is None
    assert decide(signals("asdf qwerty", "kyc_rejected", confidence=0.5)) == KYC


@pytest.mark.parametrize(
    "text",
    [
        "Why is my account frozen?",
        "my account is locked since yesterday",
        "please unfreeze my account",
        "我的账户被冻结了",
        "账号被锁了怎么办",
        "Akun saya dibekukan",
        "akun saya terkunci",
    ],
)
def test_frozen_accounts_go_to_l2(text: str) -> None:
    assert decide(signals(text)) == FROZEN


@pytest.mark.parametrize(
    "text",
    [
        "My transfer was blocked for compliance",
        "Is my address on the OFAC list?",
        "why am I sanctioned",
        "我的账户因制裁被冻结",  # sanctions come before the frozen-account rule
        "akun saya kena sanksi",
    ],
)
def test_sanctions_go_to_compliance(text: str) -> None:
    assert decide(signals(text)) == SANCTIONS


def test_kyc_disputes_go_to_compliance_by_intent_or_category() -> None:
    assert decide(signals("KYC 又被拒了", "kyc_rejected", confidence=0.99)) == KYC
    assert decide(signals("I disagree with your decision", category="kyc_rejected")) == KYC


def test_a_phishing_report_needs_a_named_site() -> None:
    text = "I found a phishing site"
    assert decide(signals(text)) is None
    assert decide(signals(text, names_site=True)) == PHISHING
    assert decide(signals("钓鱼网站 metamask-io.com", names_site=True)) == PHISHING
    assert decide(signals("ada situs penipuan", names_site=True)) == PHISHING


def test_a_loop_after_two_bot_answers_goes_to_l1() -> None:
    assert decide(signals("still not there", bot_answers=1)) is None
    assert decide(signals("still not there", bot_answers=2)) == CONVERSATION_LOOP


def test_the_customer_repeating_themselves_is_a_loop() -> None:
    earlier = ("My withdrawal of 50 USDT is stuck!",)
    assert (
        decide(signals("my withdrawal of 50 usdt is stuck", earlier=earlier)) == CONVERSATION_LOOP
    )
    assert decide(signals("my withdrawl of 50 usdt is stuck", earlier=earlier)) == CONVERSATION_LOOP
    assert decide(signals("thanks, it arrived", earlier=earlier)) is None


def test_repeats_compares_folded_text() -> None:
    assert repeats("  Hello   WORLD ", ["hello world"])
    assert not repeats("hello world", [])
    assert not repeats("", [""])


def test_escalating_diagnostics_go_to_blockchain_after_the_rules() -> None:
    assert decide(signals("where is my tx", escalate=True)) == BLOCKCHAIN_ESCALATION
    assert decide(signals("my funds were stolen", escalate=True)) == THEFT


def test_rules_are_read_in_order() -> None:
    # Theft and a request for a person: L2 handles both.
    assert decide(signals("my coins were stolen, I want a human")) == THEFT


def test_seed_phrase_questions_by_words_or_intent() -> None:
    assert asks_about_seed_phrase("He asked me for my 12 words", "x", 0.1)
    assert asks_about_seed_phrase("客服让我提供助记词", "x", 0.1)
    assert asks_about_seed_phrase("apakah aman membagikan frasa pemulihan?", "x", 0.1)
    assert asks_about_seed_phrase("is this safe?", "seed_phrase_question", 0.9)
    assert not asks_about_seed_phrase("is this safe?", "seed_phrase_question", 0.2)
    assert not asks_about_seed_phrase("my seeds are planted", "x", 0.9)


def test_terms_match_whole_words_and_endings() -> None:
    terms = Terms(("sanction*", "ofac"))
    assert terms.found_in("They SANCTIONED my address")
    assert terms.found_in("ofac.")
    assert not terms.found_in("the profaced letter")
    assert not Terms().found_in("anything")
