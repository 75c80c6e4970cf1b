"""The wallet intents data file: its shape, its fixed split, and its languages."""

from __future__ import annotations

from collections import Counter

from trustdesk.bot.language import detect_language
from trustdesk.bot.wallet_intents import WALLET_INTENTS, WALLET_LANGUAGES, wallet_examples


def test_forty_examples_per_intent_and_language_thirty_for_training() -> None:
    every = wallet_examples()
    assert len(every) == 10 * 3 * 40
    per_cell = Counter((e.intent, e.lang, e.split) for e in every)
    for intent in WALLET_INTENTS:
        for lang in WALLET_LANGUAGES:
            assert per_cell[(intent, lang, "train")] == 30
            assert per_cell[(intent, lang, "test")] == 10
    assert len(wallet_examples("train")) == 900
    assert len(wallet_examples("test")) == 300


def test_no_sentence_is_repeated_so_the_held_out_split_is_unseen() -> None:
    texts = [e.text.casefold() for e in wallet_examples()]
    assert len(set(texts)) == len(texts)


def test_the_language_column_agrees_with_detection() -> None:
    wrong = [(e.lang, e.text) for e in wallet_examples() if detect_language(e.text).code != e.lang]
    # Five misses, all on code-switched or one-word messages, e.g. "human" and
    # "Apa bedanya private key dan seed phrase?" (more English words than Indonesian).
    assert len(wrong) == 5
    assert {lang for lang, _ in wrong} <= {"id", "en"}
    assert ("en", "human") in wrong
