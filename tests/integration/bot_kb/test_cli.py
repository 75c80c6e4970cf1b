"""trustdesk kb … and trustdesk phishing …, in-process, on SQLite and PostgreSQL.

The schema comes from the models and is stamped as current (these tables have no
migration yet), so the command's schema check lets it run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from alembic import command
from typer.testing import CliRunner, Result

from tests.conftest import shared_data
from trustdesk.cli.main import app
from trustdesk.db.engine import make_engine
from trustdesk.db.migrate import alembic_config

ARTICLE = """+++
title = "Using a hardware wallet"
tags = ["security"]
intents = ["hardware_wallet"]
+++
Confirm every transaction on the Trezor's own screen.
"""


class Run:
    def __init__(self, url: str) -> None:
        self.url = url

    def __call__(self, *args: str) -> Result:
        return CliRunner().invoke(app, list(args), env={"TRUSTDESK_DATABASE_URL": self.url})


@pytest.fixture
def run(database_url: str) -> Run:
    engine = make_engine(database_url)
    try:
        command.stamp(alembic_config(engine), "head")
    finally:
        engine.dispose()
    return Run(database_url)


def test_list_show_and_search(run: Run) -> None:
    listed = run("kb", "list", "--lang", "id", "--json")
    assert listed.exit_code == 0, listed.output
    rows = json.loads(listed.stdout)
    assert len(rows) == 11 and {r["lang"] for r in rows} == {"id"}
    shown = run("kb", "show", "suspected-theft", "--lang", "zh")
    assert shown.exit_code == 0, shown.output
    assert "# 我怀疑我的资产被盗了" in shown.stdout
    found = run("kb", "search", "助记词被人要走", "--lang", "zh", "--json")
    assert found.exit_code == 0, found.output
    assert json.loads(found.stdout)[0]["slug"] == "seed-phrase-safety"


def test_add_import_and_remove(run: Run, tmp_path: Path) -> None:
    article = tmp_path / "hardware-wallets.en.md"
    article.write_text(ARTICLE, encoding="utf-8")
    added = run("kb", "add", str(article))
    assert added.exit_code == 0, added.output
    assert "created hardware-wallets (en) version 1" in added.stdout
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "hardware-wallets.en.md").write_text(ARTICLE.replace("Trezor", "Ledger"))
    (folder / "hardware-wallets.id.md").write_text(ARTICLE)
    imported = run("kb", "import", str(folder))
    assert imported.exit_code == 0, imported.output
    assert "updated hardware-wallets (en) version 2" in imported.stdout
    assert "created hardware-wallets (id) version 1" in imported.stdout
    found = run("kb", "search", "Ledger screen", "--json")
    assert json.loads(found.stdout)[0]["slug"] == "hardware-wallets"
    removed = run("kb", "remove", "hardware-wallets", "--lang", "id")
    assert removed.exit_code == 0, removed.output
    shipped = run("kb", "remove", "kyc-rejected", "--lang", "en")
    assert shipped.exit_code == 2
    assert "kb.shipped_article" in shipped.stderr


def test_a_bad_article_file_is_named_and_nothing_is_stored(run: Run, tmp_path: Path) -> None:
    (tmp_path / "good.en.md").write_text(ARTICLE)
    (tmp_path / "bad.zh.md").write_text("+++\ntitle = 'x'\ntags = 'a'\n+++\nbody")
    failed = run("kb", "import", str(tmp_path))
    assert failed.exit_code == 2
    assert "bad.zh.md: tags must be a list of strings" in failed.stderr
    assert "good" not in run("kb", "list", "--json").stdout


def test_phishing_import_and_check(run: Run) -> None:
    imported = run(
        "phishing",
        "import",
        "--format",
        "metamask",
        str(shared_data("metamask_phishing", "config.json")),
    )
    assert imported.exit_code == 0, imported.output
    assert "metamask:fuzzylist: look-alikes within 2 edits" in imported.stdout
    mew = run("phishing", "import", "--format", "mew", str(shared_data("mew_darklists")))
    assert mew.exit_code == 0, mew.output
    assert "'twitter.com/omise__go' is a URL with a path" in mew.stderr

    clean = run("phishing", "check", "https://metamask.io/download", "--json")
    assert clean.exit_code == 0, clean.output
    assert json.loads(clean.stdout)[0]["verdict"] == "allowed"
    flagged = run("phishing", "check", "请访问 rnetamask.io 和 myetherwallet.import-tokens.com")
    assert flagged.exit_code == 1
    assert "lookalike rnetamask.io" in flagged.stdout
    assert "blocked   myetherwallet.import-tokens.com" in flagged.stdout
    bad = run("phishing", "import", "--format", "csv", "x.csv")
    assert bad.exit_code == 2
