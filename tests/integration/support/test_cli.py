"""trustdesk tickets … and trustdesk customers … on SQLite and PostgreSQL.

The schema comes from the models and is stamped as current (the support tables have no
migration yet), so the command's schema check passes as on an upgraded install."""

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

from tests.integration.support.helpers import inbound, make_container, write
from trustdesk.bootstrap import Container
from trustdesk.cli.main import app
from trustdesk.db.migrate import alembic_config, head_revision
from trustdesk.support.customers import CustomerIn


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

    def refused(self, *args: str) -> str:
        result = self(*args)
        assert result.exit_code == 2, result.output
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


def seed(cli: Cli) -> tuple[str, str]:
    """Two tickets of two customers: (e-mail ticket, chat ticket)."""
    mail = cli.container.support_intake(inbound(category="kyc_rejected", language="id"))
    cli.container.clock.advance(minutes=1)  # type: ignore[attr-defined]
    chat = cli.container.support_intake(
        inbound(
            channel="inapp",
            external_id="acct-3:c1",
            sender_kind="account",
            sender="acct-3",
            subject=None,
            body="Sent USDT on the wrong network",
            language="zh",
            category="wrong_address_or_network",
            received_at=cli.container.clock.now(),
        )
    )
    return mail.ticket_id, chat.ticket_id


def test_tickets_list_json_keys(cli: Cli) -> None:
    mail_id, chat_id = seed(cli)
    rows = cli.json("tickets", "list", "--json")
    assert [r["id"] for r in rows] == [chat_id, mail_id]
    for row in rows:
        assert sorted(row) == sorted(
            [
                "id",
                "subject",
                "category",
                "language",
                "status",
                "tier",
                "customer_id",
                "priority",
                "region",
                "channel",
                "assignee",
                "tags",
                "created_at",
                "updated_at",
            ]
        )
    chat = rows[0]
    assert {k: chat[k] for k in ("subject", "category", "language", "status", "tier")} == {
        "subject": "Sent USDT on the wrong network",
        "category": "wrong_address_or_network",
        "language": "zh",
        "status": "new",
        "tier": "blockchain",  # on-chain problem in a known language: the blockchain desk
    }
    customer = chat["customer_id"]
    assert [r["id"] for r in cli.json("tickets", "list", "--customer", customer, "--json")] == [
        chat_id
    ]
    assert cli.json("tickets", "list", "--status", "closed", "--json") == []
    # KYC rejections go to the compliance queue under the shipped rules.
    assert [r["id"] for r in cli.json("tickets", "list", "--tier", "compliance", "--json")] == [
        mail_id
    ]
    assert cli.json("tickets", "list", "--tier", "bot", "--json") == []
    assert [r["id"] for r in cli.json("tickets", "list", "--tier", "blockchain", "--json")] == [
        chat_id
    ]
    table = cli.ok("tickets", "list")
    assert mail_id in table and chat_id in table and "wrong_address_or_network" in table
    assert "--status must be one of" not in cli.refused("tickets", "list", "--status", "x")
    assert cli.refused("tickets", "list", "--status", "x") == (
        "error: status must be one of new, bot, waiting_agent, waiting_customer, resolved, "
        "closed [input.invalid]"
    )


def test_tickets_show_reply_status(cli: Cli) -> None:
    mail_id, _ = seed(cli)
    assert cli.ok(
        "tickets", "reply", mail_id, "Checked: pending KYC", "--note", "--agent", "a-1"
    ).startswith("note msg_")
    replied = cli.ok("tickets", "reply", mail_id, "We are on it", "--agent", "a-1")
    assert replied.strip().endswith(f"added to {mail_id} (waiting_customer)")
    shown = cli.json("tickets", "show", mail_id, "--json")
    assert [(m["visibility"], m["author_kind"], m["body"]) for m in shown["messages"]] == [
        ("public", "customer", "My USDT withdrawal has been pending for 3 hours."),
        ("internal", "agent", "Checked: pending KYC"),
        ("public", "agent", "We are on it"),
    ]
    text_view = cli.ok("tickets", "show", mail_id)
    assert "NOTE  agent:a-1" in text_view and "We are on it" in text_view
    assert cli.ok("tickets", "status", mail_id, "resolved").strip() == f"{mail_id}: resolved"
    assert cli.refused("tickets", "status", mail_id, "new") == (
        "error: a ticket cannot go from resolved to new; from resolved it may go to: closed, "
        "waiting_agent [support.bad_transition]"
    )
    assert cli.refused("tickets", "show", "TD-000000") == (
        "error: no ticket TD-000000 [support.ticket_not_found]"
    )
    assert cli.refused("tickets", "reply", mail_id, "  ", "--agent", "a-1") == (
        "error: the message is empty [input.invalid]"
    )
    with cli.container.reading() as session:
        query = text("SELECT action FROM audit_entries WHERE actor = 'cli' ORDER BY seq")
        actions = list(session.execute(query).scalars())
    assert actions == [
        "support.message_added",
        "support.message_added",
        "support.status_changed",
        "support.status_changed",
    ]


def test_customers_show_merge_timeline(cli: Cli) -> None:
    mail_id, chat_id = seed(cli)
    rows = {r["id"]: r["customer_id"] for r in cli.json("tickets", "list", "--json")}
    keep = write(cli.container, lambda d: d.create_customer(CustomerIn(display_name="Ana P"))).id
    source = rows[mail_id]
    shown = cli.json("customers", "show", source, "--json")
    assert (shown["provisional"], shown["identities"][0]["value"]) == (
        True,
        "ana.putri@example.com",
    )
    assert cli.ok("customers", "merge", source, keep).strip() == f"merged {source} into {keep}"
    redirected = cli.json("customers", "show", source, "--json")
    assert (redirected["id"], redirected["redirected_from"]) == (keep, source)
    assert f"(merged: {source} -> {keep})" in cli.ok("customers", "show", source)
    assert cli.refused("customers", "merge", keep, keep) == (
        "error: a customer cannot be merged into itself [support.bad_merge]"
    )
    timeline = cli.json("customers", "timeline", keep, "--json")
    assert timeline["customer_id"] == keep
    assert [(i["kind"], i.get("ticket_id")) for i in timeline["items"]] == [
        ("ticket_opened", mail_id),
        ("message", mail_id),
    ]
    assert cli.refused("customers", "timeline", "cus_nobody", "--json") == (
        "error: no customer cus_nobody [support.customer_not_found]"
    )
    assert chat_id not in json.dumps(timeline)
