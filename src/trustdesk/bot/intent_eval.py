"""How good and how fast an intent model is on a labelled set.

Latency is measured as in production: one message at a time, after one untimed warm-up
message (the encoder loads its weights on first use).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

from trustdesk.bot.intent_data import DatasetError, Example
from trustdesk.bot.intents import IntentModel, IntentPrediction

SHOWN_UNKNOWN = 5


@dataclass(frozen=True)
class EvalReport:
    accuracy: float
    # Macro over the dataset's own labels: a wrong guess of another intent is still an error.
    macro_f1: float
    p50_ms: float | None
    p99_ms: float | None
    n: int
    handoff_rate: float
    answered_accuracy: float | None  # on the messages the bot would answer itself
    threshold: float
    model_version: str | None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def check_labels(model: IntentModel, examples: Sequence[Example]) -> None:
    known = set(model.classes)
    unknown = sorted({e.label for e in examples} - known)
    if unknown:
        shown = ", ".join(unknown[:SHOWN_UNKNOWN]) + (" …" if len(unknown) > SHOWN_UNKNOWN else "")
        raise DatasetError(
            f"{len(unknown)} label(s) the model does not know: {shown} "
            f"(the model knows {len(known)} intents)",
            field="category",
        )


def evaluate(model: IntentModel, examples: Sequence[Example], *, timed: bool = True) -> EvalReport:
    """``timed``: predict one message at a time and report p50/p99; else one batch, faster."""
    if not examples:
        raise DatasetError("nothing to evaluate")
    check_labels(model, examples)
    texts = [e.text for e in examples]
    latencies: list[float] = []
    if timed:
        model.predict(texts[0])  # warm-up, untimed
        predictions: list[IntentPrediction] = []
        for text in texts:
            started = time.perf_counter()
            predictions.append(model.predict(text))
            latencies.append((time.perf_counter() - started) * 1000)
    else:
        predictions = model.predict_many(texts)
    return _report(model, examples, predictions, latencies)


def _report(
    model: IntentModel,
    examples: Sequence[Example],
    predictions: Sequence[IntentPrediction],
    latencies: list[float],
) -> EvalReport:
    truth = [e.label for e in examples]
    guessed = [p.intent for p in predictions]
    answered = [i for i, p in enumerate(predictions) if p.handoff_reason != "low_confidence"]
    answered_accuracy = (
        accuracy_score([truth[i] for i in answered], [guessed[i] for i in answered])
        if answered
        else None
    )
    card = model.card
    return EvalReport(
        accuracy=round(float(accuracy_score(truth, guessed)), 6),
        macro_f1=round(
            float(
                f1_score(
                    truth, guessed, labels=sorted(set(truth)), average="macro", zero_division=0
                )
            ),
            6,
        ),
        p50_ms=round(float(np.percentile(latencies, 50)), 3) if latencies else None,
        p99_ms=round(float(np.percentile(latencies, 99)), 3) if latencies else None,
        n=len(examples),
        handoff_rate=round(1 - len(answered) / len(examples), 6),
        answered_accuracy=None if answered_accuracy is None else round(float(answered_accuracy), 6),
        threshold=model.threshold,
        model_version=card.version if card else None,
    )


def accuracy_by(
    model: IntentModel, examples: Sequence[Example], groups: Sequence[str]
) -> dict[str, float]:
    """Accuracy per group (e.g. language), predicted in one batch."""
    guessed = [p.intent for p in model.predict_many([e.text for e in examples])]
    out = {}
    for group in sorted(set(groups)):
        idx = [i for i, g in enumerate(groups) if g == group]
        out[group] = round(sum(guessed[i] == examples[i].label for i in idx) / len(idx), 6)
    return out
