"""`trustdesk bot train | eval | ask`, run for real with the small config."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sklearn.metrics import accuracy_score, f1_score
from typer.testing import CliRunner, Result

from tests.conftest import shared_data
from trustdesk.bot.intent_data import read_labelled_csv
from trustdesk.bot.intents import IntentModel
from trustdesk.cli.main import app

EVAL_KEYS = {"accuracy": float, "macro_f1": float, "p50_ms": float, "p99_ms": float, "n": int}


def run(*args: str, **env: str) -> Result:
    return CliRunner().invoke(app, list(args), env=env)


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bot-models")
    data = shared_data("banking77")
    result = run("bot", "train", "--config", "small", "--data", str(data), "--out", str(folder))
    assert result.exit_code == 0, result.output
    assert "saved in" in result.output
    return folder


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every 40th Banking77 test row (77 rows, one or two per category), as text,category."""
    rows = read_labelled_csv(shared_data("banking77", "test.csv"))[::40]
    path = tmp_path_factory.mktemp("eval") / "sample.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "category"])
        writer.writerows((e.text, e.label) for e in rows)
    return path


def test_train_writes_a_versioned_artifact_with_its_card(model_dir: Path) -> None:
    [card_file] = model_dir.glob("intents-*.json")
    card = json.loads(card_file.read_text())
    assert (model_dir / card["model_file"]).is_file()
    assert card["config"] == "small"
    assert len(card["classes"]) == 77 + 10
    assert set(card["data"]) == {"banking77/train.csv", "wallet_intents.csv", "examples"}
    assert card["metrics"]["banking77_test"]["n"] == 3080
    assert set(card["metrics"]["wallet_test"]["accuracy_by_language"]) == {"en", "id", "zh"}


def test_eval_json_has_the_keys_and_matches_sklearn(model_dir: Path, sample: Path) -> None:
    result = run("bot", "eval", "--dataset", str(sample), "--model-dir", str(model_dir), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    for key, kind in EVAL_KEYS.items():
        assert type(report[key]) is kind, key
    assert report["n"] == 77
    assert 0 < report["p50_ms"] <= report["p99_ms"]
    # Recomputed independently on the same (deterministic) predictions.
    examples = read_labelled_csv(sample)
    model = IntentModel.load(model_dir)
    truth = [e.label for e in examples]
    guessed = [model.predict(e.text).intent for e in examples]
    assert report["accuracy"] == round(accuracy_score(truth, guessed), 6)
    labels = sorted(set(truth))
    assert report["macro_f1"] == round(f1_score(truth, guessed, labels=labels, average="macro"), 6)


def test_eval_prints_only_json_on_stdout(model_dir: Path, sample: Path) -> None:
    trustdesk = str(Path(sys.executable).parent / "trustdesk")
    command = [trustdesk, "bot", "eval", "--dataset", str(sample), "--json"]
    env = os.environ | {"TRUSTDESK_BOT_MODEL_DIR": str(model_dir)}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert set(json.loads(done.stdout)) >= set(EVAL_KEYS)
    assert done.stdout.count("\n") == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("sentence,label\nhi,card_arrival\n", "missing text, category"),
        ("", "expected a CSV with columns text,category"),
        ("text,category\n", "no rows after the header"),
        ("text,category\nwhere is my card,no_such_intent\n", "1 label(s) the model does not know"),
        (b"\x00\x01\x02\xff\xfe", "not a UTF-8 text CSV file"),
    ],
)
def test_bad_datasets_fail_with_a_message(
    model_dir: Path, tmp_path: Path, content: str | bytes, message: str
) -> None:
    path = tmp_path / "bad.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    result = run("bot", "eval", "--dataset", str(path), "--model-dir", str(model_dir), "--json")
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_eval_without_a_model_or_a_file(model_dir: Path, tmp_path: Path, sample: Path) -> None:
    missing = run(
        "bot", "eval", "--dataset", str(tmp_path / "nope.csv"), "--model-dir", str(model_dir)
    )
    assert missing.exit_code == 2 and "no such file" in missing.stderr
    empty = run("bot", "eval", "--dataset", str(sample), "--model-dir", str(tmp_path / "none"))
    assert empty.exit_code == 2 and "no intent model in" in empty.stderr


def test_train_without_data_fails_clearly(tmp_path: Path) -> None:
    result = run(
        "bot", "train", "--config", "small", "--data", str(tmp_path), "--out", str(tmp_path)
    )
    assert result.exit_code == 2
    assert "no train.csv" in result.stderr


def test_ask_gives_language_intent_and_handoff(model_dir: Path) -> None:
    result = run("bot", "ask", "我的提现 0xabc… pending", "--model-dir", str(model_dir), "--json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["language"] == "zh"
    assert answer["handoff"] == (answer["handoff_reason"] is not None)
    human = run(
        "bot", "ask", "I want to talk to a human agent", "--model-dir", str(model_dir), "--json"
    )
    assert json.loads(human.stdout)["intent"] == "ask_for_human"
    assert json.loads(human.stdout)["handoff"] is True
