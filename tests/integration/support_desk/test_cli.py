"""trustdesk agents …, macros …, tickets reply --macro and support sweep, on SQLite and
PostgreSQL. The schema comes from the models and is stamped current, as on an upgraded
install."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import text
from typer.testing import CliRunner, Result

from tests.integration.support.helpers import make_container
from tests.integration.support_desk.helpers import MON, add_agent, at, open_ticket, ticket
from trustdesk.bootstrap import Container
from trustdesk.cli.main import app
from trustdesk.db.migrate import alembic_config, head_revision


@dataclass
class Cli:
    url: str
    env: dict[str, str]
    container: Container

    def __call__(self, *args: str) -> Result:
        return CliRunner().invoke(
            app, list(args), env={"TRUSTDESK_DATABASE_URL": self.url} | self.env
        )

    def ok(self, *args: str) -> str:
        result = self(*args)
        assert result.exit_code == 0, result.output
        return result.stdout

    def refused(self, *args: str, code: int = 2) -> str:
        result = self(*args)
        assert result.exit_code == code, result.output
        assert "Traceback" not in result.output
        return result.stderr.strip()

    def json(self, *args: str) -> Any:
        return json.loads(self.ok(*args))


@pytest.fixture
def cli(database_url: str, tmp_path: Path) -> Iterator[Cli]:
    container = make_container(database_url, tmp_path)
    with container.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    command.stamp(alembic_config(container.engine), head_revision() or "head")
    env = {"TRUSTDESK_ATTACHMENTS_DIR": str(tmp_path / "attachments")}
    try:
        yield Cli(database_url, env, container)
    finally:
        with container.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        container.close()


def test_agents(cli: Cli) -> None:
    assert cli.ok(
        "agents", "set", "e1", "--team", "emea", "--queue", "l2", "--queue", "l1",
        "--language", "en", "--language", "id", "--capacity", "3", "--name", "Sari", "--online",
    ).strip() == "created e1 (online, load 0/3)"  # fmt: skip
    [row] = cli.json("agents", "list", "--json")
    assert {k: v for k, v in row.items() if k != "updated_at"} == {
        "id": "e1",
        "display_name": "Sari",
        "team": "emea",
        "queues": ["l1", "l2"],
        "languages": ["en", "id"],
        "skills": [],
        "capacity": 3,
        "online": True,
        "load": 0,
    }
    assert "e1" in cli.ok("agents", "list") and "0/3" in cli.ok("agents", "list")
    assert cli.ok("agents", "offline", "e1").strip() == "e1 offline (load 0/3)"
    assert cli.ok("agents", "online", "e1").strip() == "e1 online (load 0/3)"
    assert cli.refused(
        "agents", "set", "e1", "--team", "mars", "--queue", "l1", "--language", "en",
        "--capacity", "3",
    ) == "error: unknown team 'mars'; teams: 24x7, amer, apac, emea [input.invalid]"  # fmt: skip
    assert cli.refused("agents", "online", "nobody") == (
        "error: no agent nobody [support.agent_not_found]"
    )


def test_macros_and_a_macro_reply(cli: Cli) -> None:
    rows = cli.json("macros", "list", "--json")
    assert len(rows) == 8 and {r["source"] for r in rows} == {"shipped"}
    shown = cli.ok("macros", "show", "ask_tx_hash", "--lang", "zh")
    assert shown.splitlines()[:3] == [
        "ask_tx_hash  Ask for the transaction hash  [zh]",
        "placeholders: customer_name, ticket_id, agent_name",
        "{customer_name}，您好：",
    ]
    assert cli.ok("macros", "show", "ask_tx_hash", "--lang", "fr").splitlines()[1] == (
        "note: no fr text for this macro; shown in en"
    )
    assert cli.refused("macros", "show", "nope") == "error: no macro nope [support.macro_not_found]"
    at(cli.container, MON)
    add_agent(cli.container, "e1", queues="l1", name="Sari")
    t = open_ticket(cli.container, tier="l1")
    assert cli.refused(
        "tickets", "reply", t.id, "--agent", "e1", "--macro", "withdrawal_delay_apology"
    ) == (
        "error: macro withdrawal_delay_apology (en) needs tx_hash: give it in values "
        "[support.macro_value_missing]"
    )
    assert cli.refused("tickets", "reply", t.id, "hi", "--agent", "e1", "--macro", "x") == (
        "error: --macro sends a public reply of its own: give no text and no --note"
    )
    assert cli.refused("tickets", "reply", t.id, "--agent", "e1") == (
        "error: give the reply text, or --macro NAME"
    )
    sent = cli.ok(
        "tickets", "reply", t.id, "--agent", "e1", "--macro", "withdrawal_delay_apology",
        "--value", "tx_hash=0xabc",
    ).strip()  # fmt: skip
    assert sent.startswith("macro withdrawal_delay_apology (en) sent as msg_")
    assert sent.endswith(f"on {t.id} (waiting_customer)")
    shown_ticket = cli.json("tickets", "show", t.id, "--json")
    assert "Transaction 0xabc has been broadcast" in shown_ticket["messages"][-1]["body"]


def test_the_sweep(cli: Cli) -> None:
    at(cli.container, MON)
    t = open_ticket(cli.container, category="deposit_withdrawal_failure")
    report = cli.json("support", "sweep", "--at", "2026-03-02T12:00:00Z", "--json")
    assert report == {
        "at": "2026-03-02T12:00:00+00:00",
        "warnings": 0,
        "breaches": 1,
        "escalated": 0,
        "notified": 1,
        "reassigned": 0,
        "assigned": 0,
        "failed": [],
    }
    assert ticket(cli.container, t.id).last_escalated_at is not None
    assert cli.ok("support", "sweep", "--at", "2026-03-02T12:00:00+00:00").strip() == (
        "sweep at 2026-03-02T12:00:00+00:00: 0 warnings, 0 breaches, 0 escalated, "
        "0 managers notified, 0 reassigned, 0 assigned from backlogs"
    )
    assert cli.refused("support", "sweep", "--at", "noon") == (
        "error: --at: 'noon' is not an ISO 8601 instant such as 2026-03-02T09:00:00+00:00"
    )
    assert cli.refused("support", "sweep", "--at", "2026-03-02T12:00:00") == (
        "error: --at: give the zone too, e.g. 2026-03-02T09:00:00+00:00 or …Z"
    )
