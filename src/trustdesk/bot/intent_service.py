"""Use cases: build a versioned intent model from the data folders, evaluate one on a file.

Training data: Banking77's ``train.csv`` (77 banking intents, English) plus the train split
of our wallet intents (zh, en, id). Where ``test.csv`` sits beside it, and always for the
wallet held-out split, the model card records test metrics, so every artifact says how good
it was when it was made.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from trustdesk.bot.intent_data import (
    DatasetError,
    Example,
    examples_sha256,
    file_sha256,
    read_labelled_csv,
)
from trustdesk.bot.intent_eval import EvalReport, accuracy_by, evaluate
from trustdesk.bot.intent_training import TrainConfig, TrainingResult, train_intent_model
from trustdesk.bot.intents import IntentModel, ModelCard
from trustdesk.bot.wallet_intents import DATA_FILE, wallet_data_sha256, wallet_examples

BANKING_TRAIN = "train.csv"
BANKING_TEST = "test.csv"


def training_examples(data_dir: Path) -> tuple[list[Example], dict[str, str]]:
    """Banking77 train + wallet train split, and the sha256 of each source."""
    train_file = data_dir / BANKING_TRAIN
    if not train_file.is_file():
        raise DatasetError(f"{data_dir}: no {BANKING_TRAIN} (give the Banking77 folder)")
    banking = read_labelled_csv(train_file)
    wallet = [Example(w.text, w.intent) for w in wallet_examples("train")]
    overlap = {e.label for e in banking} & {e.label for e in wallet}
    if overlap:
        raise DatasetError(f"wallet intents clash with labels in {train_file}: {sorted(overlap)}")
    hashes = {
        f"banking77/{BANKING_TRAIN}": file_sha256(train_file),
        DATA_FILE: wallet_data_sha256(),
    }
    return banking + wallet, hashes


def build_intent_model(
    data_dir: Path, out_dir: Path, config: TrainConfig, now: datetime
) -> tuple[IntentModel, ModelCard]:
    """Train, measure, and save a new version in ``out_dir``."""
    examples, hashes = training_examples(data_dir)
    result = train_intent_model(examples, config)
    hashes["examples"] = examples_sha256(examples)
    metrics = test_metrics(result.model, data_dir)
    card = new_card(result, config, now, hashes, metrics)
    card = result.model.save(out_dir, card)
    return result.model, card


def test_metrics(model: IntentModel, data_dir: Path) -> dict[str, Any]:
    metrics: dict[str, Any] = {}
    test_file = data_dir / BANKING_TEST
    if test_file.is_file():
        report = evaluate(model, read_labelled_csv(test_file), timed=False)
        metrics["banking77_test"] = _quality(report) | {"sha256": file_sha256(test_file)}
    held_out = wallet_examples("test")
    examples = [Example(w.text, w.intent) for w in held_out]
    metrics["wallet_test"] = _quality(evaluate(model, examples, timed=False)) | {
        "accuracy_by_language": accuracy_by(model, examples, [w.lang for w in held_out])
    }
    return metrics


def new_card(
    result: TrainingResult,
    config: TrainConfig,
    now: datetime,
    data: dict[str, str],
    metrics: dict[str, Any],
) -> ModelCard:
    model, calibration = result.model, result.calibration
    return ModelCard(
        version=now.strftime("%Y%m%d-%H%M%S-%f"),
        created_at=now.isoformat(),
        config=config.name,
        training_seconds=round(result.seconds, 3),
        threshold=model.threshold,
        temperature=model.temperature,
        target_precision=config.target_precision,
        classes=list(model.classes),
        features=model.features.spec.as_dict(),
        data=data,
        metrics={"validation": calibration.as_dict(), "settings": config.as_dict()} | metrics,
    )


def evaluate_file(model: IntentModel, dataset: Path) -> EvalReport:
    """Per-message evaluation of a ``text,category`` CSV (labels must be known)."""
    return evaluate(model, read_labelled_csv(dataset), timed=True)


def card_summary(card: ModelCard) -> dict[str, Any]:
    data = asdict(card)
    data.pop("classes")
    data["intents"] = len(card.classes)
    return data


def _quality(report: EvalReport) -> dict[str, Any]:
    return {
        "accuracy": report.accuracy,
        "macro_f1": report.macro_f1,
        "n": report.n,
        "handoff_rate": report.handoff_rate,
        "answered_accuracy": report.answered_accuracy,
    }
