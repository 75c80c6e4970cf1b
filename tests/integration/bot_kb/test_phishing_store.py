"""Importing the real phishing feeds into the lists on SQLite and PostgreSQL: counts, a
re-import as a sync, the audit trail, and the checker loaded back from the database."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import idna

from tests.conftest import shared_data
from trustdesk.audit.store import SqlAuditLog
from trustdesk.bot.phishing import Verdict
from trustdesk.bot.phishing_feeds import parse_metamask, parse_mew
from trustdesk.bot.phishing_store import CheckerCache, FeedReport, import_feed, load_checker
from trustdesk.core.clock import FixedClock
from trustdesk.db.engine import UnitOfWork

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PEPPER = b"test-pepper"


def _import(uow: UnitOfWork, feed_path: Path, fmt: str, clock: FixedClock) -> FeedReport:
    feed = parse_metamask(feed_path) if fmt == "metamask" else parse_mew(feed_path)
    with uow() as session:
        return import_feed(session, SqlAuditLog(session, PEPPER, clock), feed, clock.now(), "cli")


def _domains(items: list[str]) -> set[str]:
    forms = set()
    for raw in items:
        text = raw.strip().lower().split("://", 1)[-1].rstrip("/")
        if text.startswith("www."):
            text = text[4:]
        if "/" not in text and len(text.rsplit(".", 1)[-1]) >= 2:
            forms.add(idna.encode(text, uts46=True).decode("ascii"))
    return forms


def test_import_counts_sync_and_audit(uow: UnitOfWork, tmp_path: Path) -> None:
    path = shared_data("metamask_phishing", "config.json")
    config = json.loads(path.read_text(encoding="utf-8"))
    clock = FixedClock(NOW)
    first = _import(uow, path, "metamask", clock)
    added = {r.source: r.added for r in first.reports}
    assert (
        added
        == {
            "metamask:blacklist": len(_domains(config["blacklist"])),
            "metamask:whitelist": len(_domains(config["whitelist"])),
            "metamask:fuzzylist": len(_domains(config["fuzzylist"])),
        }
        == {"metamask:blacklist": 693, "metamask:whitelist": 71, "metamask:fuzzylist": 2}
    )

    again = _import(uow, path, "metamask", clock)
    assert [(r.added, r.removed, r.unchanged) for r in again.reports] == [
        (0, 0, 693),
        (0, 0, 71),
        (0, 0, 2),
    ]

    # A newer feed drops two domains, adds one and widens the tolerance.
    dropped = config["blacklist"][:2]
    config["blacklist"] = config["blacklist"][2:] + ["new-phish.example"]
    config["tolerance"] = 3
    newer = tmp_path / "config.json"
    newer.write_text(json.dumps(config), encoding="utf-8")
    synced = _import(uow, newer, "metamask", clock)
    blacklist = synced.reports[0]
    assert (blacklist.added, blacklist.removed, blacklist.unchanged) == (1, 2, 691)
    assert sorted(e.value for e in blacklist.removed_entries) == sorted(dropped)

    with uow.read() as session:
        checker = load_checker(session, clock.now())
        actions = [
            (e.action, e.subject) for e in SqlAuditLog(session, PEPPER, clock).iter_entries()
        ]
    assert checker.protected["metamask.io"].tolerance == 3
    assert checker.check(dropped[0])[0].verdict is not Verdict.BLOCKED
    assert checker.check("new-phish.example")[0].verdict is Verdict.BLOCKED
    assert actions.count(("lists.synced", "list-source:metamask:blacklist")) == 3
    assert actions.count(("phishing.tolerance_set", "list-source:metamask:fuzzylist")) == 2


def test_both_feeds_checked_from_the_database(uow: UnitOfWork) -> None:
    clock = FixedClock(NOW)
    _import(uow, shared_data("metamask_phishing", "config.json"), "metamask", clock)
    mew = _import(uow, shared_data("mew_darklists"), "mew", clock)
    dark = json.loads(
        shared_data("mew_darklists", "urls-darklist.json").read_text(encoding="utf-8")
    )
    assert {r.source: r.added for r in mew.reports} == {
        "mew:urls-darklist": len(_domains([d["id"] for d in dark])),
        "mew:urls-lightlist": 30,
    }
    cache = CheckerCache()
    with uow.read() as session:
        checker = cache.get(session, clock.now)
        assert cache.get(session, clock.now) is checker
    text = "快去 myetherwallet.import-tokens.com 或 https://metamask.io@evil-example.org 领取"
    assert [(v.domain, v.verdict) for v in checker.check(text)] == [
        ("myetherwallet.import-tokens.com", Verdict.BLOCKED),
        ("evil-example.org", Verdict.LOOKALIKE),
    ]
    assert checker.check("https://www.kraken.com")[0].verdict is Verdict.ALLOWED


def test_the_cache_sees_a_new_import(uow: UnitOfWork, tmp_path: Path) -> None:
    clock = FixedClock(NOW)
    cache = CheckerCache()
    with uow.read() as session:
        empty = cache.get(session, clock.now)
    assert empty.check("rnetamask.io")[0].verdict is Verdict.UNKNOWN
    _import(uow, shared_data("metamask_phishing", "config.json"), "metamask", clock)
    with uow.read() as session:
        loaded = cache.get(session, clock.now)
    assert loaded is not empty
    assert loaded.check("rnetamask.io")[0].verdict is Verdict.LOOKALIKE
