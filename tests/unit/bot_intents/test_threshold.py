"""The hand-off rule and its calibration, on numbers worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from trustdesk.bot.intent_training import choose_threshold, fit_temperature
from trustdesk.bot.intents import handoff_reason, softmax


def test_below_the_threshold_goes_to_an_agent() -> None:
    assert handoff_reason("card_arrival", 0.59, threshold=0.6) == "low_confidence"
    assert handoff_reason("card_arrival", 0.6, threshold=0.6) is None
    assert handoff_reason("card_arrival", 0.99, threshold=0.6) is None


def test_asking_for_a_human_always_goes_to_an_agent() -> None:
    assert handoff_reason("ask_for_human", 0.99, threshold=0.6) == "asked_for_human"
    assert handoff_reason("ask_for_human", 0.1, threshold=0.6) == "low_confidence"


def test_threshold_keeps_the_most_answers_at_the_target_precision() -> None:
    confidence = np.array([0.5, 0.9, 0.7, 0.6, 0.8])
    correct = np.array([False, True, False, True, True])
    # Ranked: 0.9 ✓, 0.8 ✓, 0.7 ✗, 0.6 ✓, 0.5 ✗ → precision 1, 1, 2/3, 3/4, 3/5.
    assert choose_threshold(confidence, correct, 0.75) == (0.6, 0.75, 0.2)
    assert choose_threshold(confidence, correct, 0.8) == (0.8, 1.0, 0.6)
    assert choose_threshold(confidence, correct, 0.6) == (0.5, 0.6, 0.0)


def test_ties_are_never_split_and_an_unreachable_target_hands_off_everything() -> None:
    confidence = np.array([0.9, 0.9, 0.5])
    correct = np.array([True, False, True])
    threshold, precision, handoff = choose_threshold(confidence, correct, 1.0)
    assert threshold > 0.9 and (precision, handoff) == (1.0, 1.0)
    assert choose_threshold(confidence, correct, 0.5) == (0.5, 0.666667, 0.0)


def test_temperature_matches_the_closed_form() -> None:
    # Two classes, margin 1, right 3 times out of 4: the least log-loss puts
    # sigmoid(1/T) = 3/4, so T = 1 / ln 3.
    scores = np.array([[1.0, 0.0]] * 4)
    truth = np.array([0, 0, 0, 1])
    assert fit_temperature(scores, truth) == pytest.approx(1 / math.log(3), abs=1e-4)


def test_softmax_rows_sum_to_one_and_temperature_sharpens() -> None:
    scores = np.array([[2.0, 1.0, 0.0]])
    warm, cold = softmax(scores, 1.0), softmax(scores, 0.5)
    assert warm.sum() == pytest.approx(1.0)
    e = np.exp([2.0, 1.0, 0.0])
    assert warm[0] == pytest.approx(e / e.sum())
    assert cold[0, 0] > warm[0, 0]
