"""Operator-managed articles on SQLite and PostgreSQL: versions, overrides, deletes, the
audit trail and the cached index."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from trustdesk.audit.store import SqlAuditLog
from trustdesk.bot.kb import shipped_articles
from trustdesk.bot.kb_store import Draft, KbCache, KbDesk, SqlKbStore
from trustdesk.core.clock import FixedClock
from trustdesk.core.errors import Conflict, NotFound
from trustdesk.db.engine import UnitOfWork

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PEPPER = b"test-pepper"


def _desk(session: Session, clock: FixedClock) -> KbDesk:
    audit = SqlAuditLog(session, PEPPER, clock)
    return KbDesk(SqlKbStore(session), audit, clock.now, "apikey:key_1", shipped_articles())


def _draft(**overrides: object) -> Draft:
    fields: dict[str, object] = {
        "slug": "hardware-wallets",
        "lang": "en",
        "title": "Using a hardware wallet",
        "body": "Confirm every transaction on the device's own screen.",
        "tags": ("security",),
        "intents": ("hardware_wallet",),
    }
    fields.update(overrides)
    return Draft(**fields)  # type: ignore[arg-type]


def test_put_creates_then_bumps_the_version(uow: UnitOfWork) -> None:
    clock = FixedClock(NOW)
    with uow() as session:
        article, created = _desk(session, clock).put(_draft())
    assert (article.version, created, article.origin) == (1, True, "db")
    clock.advance(minutes=5)
    with uow() as session:
        again, created = _desk(session, clock).put(_draft(title="Hardware wallets", base_version=1))
    assert (again.version, created, again.updated_at) == (2, False, NOW + timedelta(minutes=5))
    with uow.read() as session:
        stored = SqlKbStore(session).get("hardware-wallets", "en")
        entries = list(SqlAuditLog(session, PEPPER, clock).iter_entries())
    assert stored is not None and stored.title == "Hardware wallets"
    assert [(e.action, e.subject) for e in entries] == [
        ("kb.article_saved", "kb-article:hardware-wallets:en"),
        ("kb.article_saved", "kb-article:hardware-wallets:en"),
    ]
    assert entries[1].payload == {"slug": "hardware-wallets", "lang": "en", "version": 2}


def test_a_stale_base_version_is_a_conflict_and_changes_nothing(uow: UnitOfWork) -> None:
    clock = FixedClock(NOW)
    with uow() as session:
        _desk(session, clock).put(_draft())
    with pytest.raises(Conflict) as caught, uow() as session:
        _desk(session, clock).put(_draft(title="Lost update", base_version=0))
    assert (caught.value.code, caught.value.field) == ("kb.version_conflict", "base_version")
    with uow.read() as session:
        stored = SqlKbStore(session).get("hardware-wallets", "en")
    assert stored is not None and (stored.title, stored.version) == ("Using a hardware wallet", 1)


def test_overriding_a_shipped_article_and_deleting_the_override(uow: UnitOfWork) -> None:
    clock = FixedClock(NOW)
    with uow() as session:
        article, created = _desk(session, clock).put(
            _draft(slug="kyc-rejected", lang="zh", title="身份认证未通过", body="请重新提交。")
        )
    assert (article.version, created) == (2, True)  # shipped version 1, then this one
    with uow.read() as session:
        desk = _desk(session, clock)
        assert desk.get("kyc-rejected", "zh").article.origin == "db"
        listed = {(f.article.slug, f.article.origin) for f in desk.articles("zh")}
    assert ("kyc-rejected", "db") in listed and ("seed-phrase-safety", "shipped") in listed
    with uow() as session:
        _desk(session, clock).delete("kyc-rejected", "zh")
    with uow.read() as session:
        back = _desk(session, clock).get("kyc-rejected", "zh").article
    assert (back.origin, back.version, back.title) == (
        "shipped",
        1,
        "身份认证（KYC）被拒：需要重新提交什么",
    )


def test_deleting_what_is_not_stored(uow: UnitOfWork) -> None:
    clock = FixedClock(NOW)
    with pytest.raises(Conflict) as shipped, uow() as session:
        _desk(session, clock).delete("kyc-rejected", "en")
    assert shipped.value.code == "kb.shipped_article"
    with pytest.raises(NotFound) as missing, uow() as session:
        _desk(session, clock).delete("no-such-article", "en")
    assert missing.value.code == "kb.not_found"


def test_the_cache_rebuilds_only_after_a_change(uow: UnitOfWork) -> None:
    clock = FixedClock(NOW)
    cache = KbCache()
    with uow.read() as session:
        first = cache.get(session)
        assert cache.get(session) is first
    assert first.search("Trezor device screen", "en", 1)[0].slug != "hardware-wallets"
    with uow() as session:
        _desk(session, clock).put(_draft(body="Plug in the Trezor; check its screen."))
    with uow.read() as session:
        second = cache.get(session)
    assert second is not first
    assert second.search("Trezor device screen", "en", 1)[0].slug == "hardware-wallets"
    with uow() as session:  # delete and re-create within one clock tick, other text
        desk = _desk(session, clock)
        desk.delete("hardware-wallets", "en")
        desk.put(_draft(body="Use a Keystone."))
    with uow.read() as session:
        third = cache.get(session)
    assert third is not second
    assert third.search("Keystone", "en", 1)[0].slug == "hardware-wallets"
