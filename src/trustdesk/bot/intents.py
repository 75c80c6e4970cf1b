"""The intent model: what a message asks for, how sure we are, and when a person takes over.

A linear classifier over ``TextFeatures``; its margins become probabilities through one
temperature fitted on held-out data (``intent_training``), and the hand-off threshold on
those probabilities is calibrated there too. Both are stored with the model.

An artifact is two files in the model directory: ``intents-<version>.npz`` (plain arrays,
loaded with ``allow_pickle=False``) and ``intents-<version>.json`` (the model card: version,
created_at, training time, data hashes, metrics, threshold). The JSON is written last, so
a half-written artifact is never picked up; its sha256 of the arrays refuses a damaged one.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from trustdesk.bot.intent_features import FeatureSpec, IntentModelError, TextFeatures

FORMAT = 1
PREFIX = "intents-"
# Intents that go to a person whatever the confidence.
HANDOFF_INTENTS = frozenset({"ask_for_human"})


@dataclass(frozen=True)
class IntentPrediction:
    intent: str
    confidence: float
    handoff: bool
    # "low_confidence", "asked_for_human" or None
    handoff_reason: str | None = None


def handoff_reason(intent: str, confidence: float, threshold: float) -> str | None:
    """Why this prediction goes to an agent, or None when the bot may answer."""
    if confidence < threshold:
        return "low_confidence"
    if intent in HANDOFF_INTENTS:
        return "asked_for_human"
    return None


@dataclass(frozen=True)
class ModelCard:
    version: str
    created_at: str
    config: str
    training_seconds: float
    threshold: float
    temperature: float
    target_precision: float
    classes: list[str]
    features: dict[str, Any]
    data: dict[str, str] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    model_file: str = ""
    model_sha256: str = ""
    format: int = FORMAT

    @classmethod
    def from_json(cls, path: Path) -> ModelCard:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("format") != FORMAT:
                raise IntentModelError(f"{path.name}: unsupported artifact format")
            return cls(**data)
        except (ValueError, TypeError) as exc:
            raise IntentModelError(f"{path.name}: not a readable model card ({exc})") from None

    @property
    def created(self) -> datetime:
        return datetime.fromisoformat(self.created_at)


class IntentModel:
    def __init__(
        self,
        features: TextFeatures,
        coef: npt.NDArray[np.float32],
        intercept: npt.NDArray[np.float32],
        classes: Sequence[str],
        *,
        temperature: float = 1.0,
        threshold: float = 0.0,
        card: ModelCard | None = None,
    ) -> None:
        if coef.shape != (len(classes), features.width) or intercept.shape != (len(classes),):
            raise IntentModelError("model arrays do not match the features and classes")
        self.features = features
        self.coef = np.ascontiguousarray(coef, dtype=np.float32)
        # Sparse rows times a C-ordered (features × classes) matrix: no copy per message.
        self._weights = np.ascontiguousarray(self.coef.T)
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.classes: tuple[str, ...] = tuple(classes)
        self.temperature = temperature
        self.threshold = threshold
        self.card = card

    def calibrated(self, temperature: float, threshold: float) -> IntentModel:
        return IntentModel(
            self.features, self.coef, self.intercept, self.classes,
            temperature=temperature, threshold=threshold, card=self.card,
        )  # fmt: skip

    def with_features(self, features: TextFeatures) -> IntentModel:
        return IntentModel(
            features, self.coef, self.intercept, self.classes,
            temperature=self.temperature, threshold=self.threshold, card=self.card,
        )  # fmt: skip

    def scores(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """Raw margins, one row per text, one column per class."""
        rows = self.features.transform(texts)
        return np.asarray(rows @ self._weights, dtype=np.float64) + self.intercept

    def probabilities(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        return softmax(self.scores(texts), self.temperature)

    def predict(self, text: str) -> IntentPrediction:
        return self.predict_many([text])[0]

    def predict_many(self, texts: Sequence[str]) -> list[IntentPrediction]:
        out = []
        for row in self.probabilities(texts):
            best = int(np.argmax(row))
            intent, confidence = self.classes[best], float(row[best])
            reason = handoff_reason(intent, confidence, self.threshold)
            out.append(IntentPrediction(intent, confidence, reason is not None, reason))
        return out

    # --- artifacts ---

    def save(self, directory: Path, card: ModelCard) -> ModelCard:
        """Write the arrays, then the card (with the arrays' name and hash); return it."""
        directory.mkdir(parents=True, exist_ok=True)
        stem = f"{PREFIX}{card.version}"
        arrays_path, card_path = directory / f"{stem}.npz", directory / f"{stem}.json"
        if card_path.exists():
            raise IntentModelError(f"model version {card.version} already exists in {directory}")
        arrays = self.features.arrays() | {
            "coef": self.coef,
            "intercept": self.intercept,
            "classes": np.array(self.classes, dtype=str),
        }
        tmp = directory / f".{stem}.npz.tmp"
        with tmp.open("wb") as handle:
            np.savez_compressed(handle, **arrays)  # type: ignore[arg-type]
        os.replace(tmp, arrays_path)
        card = ModelCard(
            **(
                asdict(card)
                | {"model_file": arrays_path.name, "model_sha256": _sha256(arrays_path)}
            )
        )
        tmp = directory / f".{stem}.json.tmp"
        tmp.write_text(json.dumps(asdict(card), indent=2, ensure_ascii=False) + "\n")
        os.replace(tmp, card_path)
        self.card = card
        return card

    @classmethod
    def load(
        cls, directory: Path, version: str | None = None, *, encoder_threads: int = 1
    ) -> IntentModel:
        """The given version, or the newest one, from ``directory``."""
        card = find_card(directory, version)
        arrays_path = directory / card.model_file
        if not arrays_path.is_file():
            raise IntentModelError(f"{card.model_file} is missing from {directory}")
        if _sha256(arrays_path) != card.model_sha256:
            raise IntentModelError(f"{card.model_file} does not match its card (damaged?)")
        with np.load(arrays_path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        spec = FeatureSpec.from_dict(card.features)
        features = TextFeatures.from_arrays(spec, arrays, encoder_threads=encoder_threads)
        if [str(c) for c in arrays["classes"]] != card.classes:
            raise IntentModelError(f"{card.model_file}: classes differ from the card's")
        return cls(
            features, arrays["coef"], arrays["intercept"], card.classes,
            temperature=card.temperature, threshold=card.threshold, card=card,
        )  # fmt: skip


def model_cards(directory: Path) -> list[ModelCard]:
    """Every complete artifact in ``directory``, newest first."""
    if not directory.is_dir():
        return []
    cards = [ModelCard.from_json(p) for p in directory.glob(f"{PREFIX}*.json")]
    return sorted(cards, key=lambda c: (c.created, c.version), reverse=True)


def find_card(directory: Path, version: str | None = None) -> ModelCard:
    cards = model_cards(directory)
    if not cards:
        raise IntentModelError(
            f"no intent model in {directory}: train one with `trustdesk bot train`"
        )
    if version is None:
        return cards[0]
    for card in cards:
        if card.version == version:
            return card
    known = ", ".join(c.version for c in cards[:5])
    raise IntentModelError(f"no model version {version!r} in {directory} (newest: {known})")


def softmax(scores: npt.NDArray[np.float64], temperature: float) -> npt.NDArray[np.float64]:
    z = scores / temperature
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return np.asarray(e / e.sum(axis=1, keepdims=True), dtype=np.float64)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
