"""Training the intent model, and calibrating when it should hand a message to a person.

1. Hold out a stratified share of the training data (fixed seed).
2. Fit on the rest; on the held-out part fit one softmax temperature (least log-loss) and
   pick the lowest confidence threshold at which the answered messages are still right at
   least ``target_precision`` of the time; what falls below it is the hand-off rate.
3. Refit on all the data and keep that temperature and threshold.

Everything is seeded, so the same data and config give the same model.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize_scalar
from sklearn.model_selection import train_test_split
from sklearn.svm import LinearSVC

from trustdesk.bot.intent_data import Example
from trustdesk.bot.intent_features import (
    USE_NAME,
    Encoder,
    FeatureSpec,
    Floats,
    IntentModelError,
    TextFeatures,
    encoder_for,
)
from trustdesk.bot.intents import IntentModel, softmax


@dataclass(frozen=True)
class TrainConfig:
    name: str
    rows_per_class: int | None = None  # cap per class, in file order (small: quick CI runs)
    encoder: str | None = None
    C: float = 0.3  # chosen by 4-fold cross-validation on Banking77 train (never on test)
    char_min_df: int = 2
    encoder_weight: float = 2.0  # likewise chosen by cross-validation on train
    validation_share: float = 0.2
    target_precision: float = 0.95
    seed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "name"}


CONFIGS: dict[str, TrainConfig] = {
    # Seconds: TF-IDF only, at most 12 examples per intent. For tests and CI.
    "small": TrainConfig("small", rows_per_class=12, char_min_df=1),
    # All data, TF-IDF only: no package beyond scikit-learn (~91 % on Banking77 test).
    "classic": TrainConfig("classic"),
    # All data, TF-IDF + multilingual sentence embeddings (~93 % on Banking77 test).
    "full": TrainConfig("full", encoder=USE_NAME),
}


@dataclass(frozen=True)
class Calibration:
    temperature: float
    threshold: float
    target_precision: float
    validation_n: int
    validation_accuracy: float
    answered_precision: float
    handoff_rate: float

    def as_dict(self) -> dict[str, float | int]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class TrainingResult:
    model: IntentModel
    calibration: Calibration
    seconds: float


class _CachedEncoder:
    """Each training text is embedded once, though the model is fitted twice."""

    def __init__(self, inner: Encoder) -> None:
        self.inner = inner
        self.name, self.version = inner.name, inner.version
        self._memo: dict[str, Floats] = {}

    def encode(self, texts: Sequence[str]) -> Floats:
        todo = list(dict.fromkeys(t for t in texts if t not in self._memo))
        if todo:
            self._memo.update(zip(todo, self.inner.encode(todo), strict=True))
        return np.vstack([self._memo[t] for t in texts])


def train_intent_model(
    examples: Sequence[Example], config: TrainConfig, encoder: Encoder | None = None
) -> TrainingResult:
    """Fit, calibrate and refit; ``encoder`` defaults to the config's (threads for batches)."""
    started = time.perf_counter()
    examples = cap_per_class(examples, config.rows_per_class)
    counts = Counter(e.label for e in examples)
    if len(counts) < 2:
        raise IntentModelError("training needs examples of at least two intents")
    if encoder is None and config.encoder is not None:
        encoder = encoder_for(config.encoder, threads=2)
    cached = _CachedEncoder(encoder) if encoder is not None else None
    fit_part, held_out = _split(examples, config)
    draft = _fit(fit_part, config, cached)
    calibration = calibrate(draft, held_out, config.target_precision)
    final = _fit(examples, config, cached)
    if cached is not None:  # the model keeps the encoder, not the memo of training texts
        final = final.with_features(final.features.with_encoder(cached.inner))
    model = final.calibrated(calibration.temperature, calibration.threshold)
    return TrainingResult(model, calibration, time.perf_counter() - started)


def cap_per_class(examples: Sequence[Example], limit: int | None) -> list[Example]:
    """At most ``limit`` examples per intent, spread evenly over each intent's rows (so a
    file sorted by language still gives every language), in the original order."""
    if limit is None:
        return list(examples)
    rows: dict[str, list[int]] = {}
    for position, example in enumerate(examples):
        rows.setdefault(example.label, []).append(position)
    kept: set[int] = set()
    for positions in rows.values():
        picks = np.linspace(0, len(positions) - 1, min(limit, len(positions))).round()
        kept.update(positions[int(i)] for i in picks)
    return [examples[i] for i in sorted(kept)]


def _split(examples: list[Example], config: TrainConfig) -> tuple[list[Example], list[Example]]:
    labels = [e.label for e in examples]
    classes = len(set(labels))
    held = max(classes, round(len(examples) * config.validation_share))
    # Stratify when every intent can give one example to each side.
    stratify = (
        labels if min(Counter(labels).values()) >= 2 and held <= len(examples) - classes else None
    )
    fit_part, held_out = train_test_split(
        examples, test_size=held if stratify else config.validation_share,
        random_state=config.seed, stratify=stratify,
    )  # fmt: skip
    return list(fit_part), list(held_out)


def _fit(examples: Sequence[Example], config: TrainConfig, encoder: Encoder | None) -> IntentModel:
    spec = FeatureSpec(char_min_df=config.char_min_df, encoder_weight=config.encoder_weight)
    features, rows = TextFeatures.fit([e.text for e in examples], spec, encoder)
    svm = LinearSVC(C=config.C, random_state=config.seed, max_iter=20_000)
    svm.fit(rows, [e.label for e in examples])
    classes = [str(c) for c in svm.classes_]
    coef, intercept = svm.coef_, svm.intercept_
    if len(classes) == 2:  # binary LinearSVC has one row of weights: make it two, symmetric
        coef, intercept = np.vstack([-coef, coef]) / 2, np.array([-intercept[0], intercept[0]]) / 2
    return IntentModel(features, coef.astype(np.float32), intercept.astype(np.float32), classes)


def calibrate(model: IntentModel, held_out: Sequence[Example], target: float) -> Calibration:
    index = {c: i for i, c in enumerate(model.classes)}
    known = [e for e in held_out if e.label in index]
    if not known:
        raise IntentModelError("no held-out examples of known intents to calibrate on")
    scores = model.scores([e.text for e in known])
    truth = np.array([index[e.label] for e in known])
    temperature = fit_temperature(scores, truth)
    probabilities = softmax(scores, temperature)
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == truth
    threshold, precision, handoff = choose_threshold(confidence, correct, target)
    return Calibration(
        temperature=temperature, threshold=threshold, target_precision=target,
        validation_n=len(known), validation_accuracy=round(float(correct.mean()), 6),
        answered_precision=precision, handoff_rate=handoff,
    )  # fmt: skip


def fit_temperature(scores: npt.NDArray[np.float64], truth: npt.NDArray[np.int_]) -> float:
    """The softmax temperature with the least log-loss on held-out margins."""

    def loss(log_t: float) -> float:
        p = softmax(scores, float(np.exp(log_t)))[np.arange(len(truth)), truth]
        return float(-np.log(np.clip(p, 1e-12, None)).mean())

    found = minimize_scalar(loss, bounds=(np.log(1e-3), np.log(10.0)), method="bounded")
    return round(float(np.exp(found.x)), 6)


def choose_threshold(
    confidence: npt.NDArray[np.float64], correct: npt.NDArray[np.bool_], target: float
) -> tuple[float, float, float]:
    """(threshold, precision of answered, hand-off rate): the lowest threshold whose answered
    messages (confidence >= threshold) are right at least ``target`` of the time. If none
    reaches it, everything is handed off."""
    order = np.argsort(-confidence, kind="stable")
    ranked, right = confidence[order], correct[order].astype(float)
    precision = np.cumsum(right) / np.arange(1, len(ranked) + 1)
    # Only cut between different confidences: ties are answered or handed off together.
    last_of_tie = np.append(ranked[1:] != ranked[:-1], True)
    ok = np.flatnonzero(last_of_tie & (precision >= target))
    if ok.size == 0:
        return float(np.nextafter(ranked[0], 2.0)), 1.0, 1.0
    k = int(ok[-1])
    handoff = 1.0 - (k + 1) / len(ranked)
    return float(ranked[k]), round(float(precision[k]), 6), round(handoff, 6)


def with_target(config: TrainConfig, target_precision: float | None) -> TrainConfig:
    if target_precision is None:
        return config
    if not 0.0 < target_precision <= 1.0:
        raise IntentModelError("the target precision must be in (0, 1]")
    return replace(config, target_precision=target_precision)
