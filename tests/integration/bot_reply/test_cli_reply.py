"""`trustdesk bot reply` and `trustdesk bot sweep` through the real CLI, with a real model,
anvil, the shipped articles and MetaMask's real phishing list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic import command
from typer.testing import CliRunner, Result

from tests.conftest import shared_data
from tests.integration.bot_diag.conftest import ADDR_1, KEY_0, Anvil
from tests.integration.bot_reply.helpers import ACCEPTANCE, ZH_CONFIRMATIONS, bot_container
from tests.integration.support.helpers import inbound
from trustdesk.bot.intents import IntentModel
from trustdesk.cli.main import app
from trustdesk.db.base import load_all_models
from trustdesk.db.engine import make_engine
from trustdesk.db.migrate import alembic_config

PHISHING_EN = (
    "Warning: rnetamask.io is flagged as a phishing site (a known fake or a look-alike of a "
    "genuine site), not one of our websites. Do not open it, do not connect your wallet to "
    "it, and never enter a password, code or seed phrase there."
)
REPORTED_EN = (
    "Thank you for reporting this site. Our team will check it and block it if it is "
    "fraudulent; an agent will reply here."
)


class Run:
    def __init__(self, database_url: str, model: Path) -> None:
        self.env = {
            "TRUSTDESK_DATABASE_URL": database_url,
            "TRUSTDESK_BOT_MODEL_DIR": str(model),
            "TRUSTDESK_ETH_RPC_URL": "",
        }

    def __call__(self, *args: str, **env: str) -> Result:
        return CliRunner().invoke(app, list(args), env=self.env | env)


@pytest.fixture
def desk_db(tmp_path: Path) -> str:
    """A SQLite database with the schema from the models, stamped current (the bot's table
    has no migration yet)."""
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    engine = make_engine(url)
    try:
        load_all_models().create_all(engine)
        command.stamp(alembic_config(engine), "head")
    finally:
        engine.dispose()
    return url


def test_reply_json_for_the_acceptance_case(tmp_path: Path, bot_model: Path, anvil: Anvil) -> None:
    tx = anvil.send(KEY_0, nonce=0, to=ADDR_1, value=1)
    anvil.mine()
    anvil.mine(2)
    message = ACCEPTANCE.format(tx=tx)
    run = Run(f"sqlite:///{tmp_path / 'none.db'}", bot_model)

    result = run("bot", "reply", message, "--rpc", anvil.url, "--json")

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    prediction = IntentModel.load(bot_model).predict(message)
    assert {
        k: body[k] for k in ("language", "intent", "confidence", "answer", "handoff_queue")
    } == {
        "language": "zh",
        "intent": prediction.intent,
        "confidence": round(prediction.confidence, 6),
        "answer": ZH_CONFIRMATIONS,
        "handoff_queue": None,
    }
    assert body["diagnosis"]["findings"] == [
        {
            "code": "awaiting_confirmations",
            "tx_hash": tx,
            "data": {
                "confirmations": 3,
                "required": 12,
                "chain": "ethereum",
                "remaining": 9,
                "minutes": 2,
            },
        }
    ]
    # No desk database here: said on stderr, the JSON on stdout untouched.
    assert "using the shipped articles and no phishing lists" in result.stderr


def test_reply_reports_a_look_alike_from_the_stored_lists(desk_db: str, bot_model: Path) -> None:
    run = Run(desk_db, bot_model)
    feed = str(shared_data("metamask_phishing", "config.json"))
    imported = run("phishing", "import", "--format", "metamask", feed)
    assert imported.exit_code == 0, imported.output

    result = run("bot", "reply", "I found a phishing site rnetamask.io, please block it", "--json")

    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert (body["language"], body["intent"], body["handoff_queue"], body["answer"]) == (
        "en",
        "phishing_report",
        "l1",
        PHISHING_EN + "\n\n" + REPORTED_EN,
    )
    assert body["phishing"] == [
        {
            "domain": "rnetamask.io",
            "verdict": "lookalike",
            "matched": "metamask.io",
            "reason": "reads as 'metamask' at a glance, like metamask.io",
        }
    ]
    assert body["diagnosis"] is None
    assert result.stderr == ""


def test_reply_without_a_node_hands_the_hash_to_the_blockchain_queue(
    desk_db: str, bot_model: Path
) -> None:
    tx = "0x" + "12" * 32
    result = Run(desk_db, bot_model)("bot", "reply", f"withdrawal missing {tx}", "--lang", "id")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1:] == [
        "handoff=blockchain (blockchain_escalation)",
        "findings=chain_unavailable",
        "Saat ini kami tidak dapat terhubung ke jaringan blockchain untuk memeriksa transaksi "
        "Anda.",
        "Kami telah meneruskan ini ke tim blockchain kami, dan seorang spesialis akan segera "
        "menindaklanjuti.",
    ]


def test_reply_without_a_model_says_to_train_one(desk_db: str, tmp_path: Path) -> None:
    result = Run(desk_db, tmp_path / "empty")("bot", "reply", "hello")
    assert result.exit_code == 2
    assert "train one with `trustdesk bot train`" in result.stderr
    assert result.stdout == ""


def test_sweep_answers_waiting_tickets(desk_db: str, bot_model: Path, tmp_path: Path) -> None:
    container = bot_container(desk_db, tmp_path, bot_model)
    try:
        taken = container.support_intake(inbound(body="Why can't I transfer to a beneficiary?"))
    finally:
        container.close()
    run = Run(desk_db, bot_model)

    swept = run("bot", "sweep", "--json", TRUSTDESK_ATTACHMENTS_DIR=str(tmp_path / "files"))

    assert swept.exit_code == 0, swept.output
    assert json.loads(swept.stdout) == {
        "replied": [taken.ticket_id],
        "handed_off": [],
        "failed": [],
    }
    again = run("bot", "sweep", TRUSTDESK_ATTACHMENTS_DIR=str(tmp_path / "files"))
    assert again.stdout == "replied 0, handed off 0, failed 0\n"
    no_model = Run(desk_db, tmp_path / "empty")("bot", "sweep")
    assert no_model.exit_code == 2
    assert "train one with `trustdesk bot train`" in no_model.stderr
