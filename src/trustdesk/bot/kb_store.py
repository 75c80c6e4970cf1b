"""Operator-managed knowledge-base articles in SQL, and the KB use cases: put (create or
update with a version bump), delete, list, get, search. Stored articles override shipped
ones with the same slug and language; deleting one brings the shipped one back. Audit
entries name the slug, language and version, never the text."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import JSON, Integer, String, Text, delete, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from trustdesk.audit.model import AuditEvent
from trustdesk.audit.ports import AuditLog
from trustdesk.bot.kb import (
    Article,
    Key,
    KnowledgeBase,
    Resolved,
    check_lang,
    check_slug,
    in_language,
    merge,
    resolve,
    shipped_articles,
)
from trustdesk.core.errors import Conflict, NotFound
from trustdesk.db.base import Base
from trustdesk.db.types import UtcDateTime

Fingerprint = tuple[int, datetime | None, int, int]


class KbArticleRow(Base):
    __tablename__ = "kb_articles"

    slug: Mapped[str] = mapped_column(String(80), primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    tags: Mapped[list[str]] = mapped_column(JSON)
    intents: Mapped[list[str]] = mapped_column(JSON)
    questions: Mapped[list[str]] = mapped_column(JSON)
    body: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(200))


def _article(row: KbArticleRow) -> Article:
    return Article(
        slug=row.slug,
        lang=row.lang,
        title=row.title,
        body=row.body,
        tags=tuple(row.tags or ()),
        intents=tuple(row.intents or ()),
        questions=tuple(row.questions or ()),
        version=row.version,
        updated_at=row.updated_at,
        origin="db",
    )


class SqlKbStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> list[Article]:
        rows = self.session.scalars(select(KbArticleRow).order_by(KbArticleRow.slug))
        return [_article(row) for row in rows]

    def get(self, slug: str, lang: str) -> Article | None:
        row = self.session.get(KbArticleRow, (slug, lang))
        return _article(row) if row else None

    def save(self, article: Article, actor: str) -> None:
        row = self.session.get(KbArticleRow, (article.slug, article.lang))
        if row is None:
            row = KbArticleRow(slug=article.slug, lang=article.lang)
            self.session.add(row)
        row.title = article.title
        row.tags = list(article.tags)
        row.intents = list(article.intents)
        row.questions = list(article.questions)
        row.body = article.body
        row.version = article.version
        if article.updated_at is None:
            raise ValueError("an article is stamped with updated_at before it is stored")
        row.updated_at = article.updated_at
        row.updated_by = actor[:200]
        self.session.flush()

    def delete(self, slug: str, lang: str) -> bool:
        result = self.session.execute(
            delete(KbArticleRow).where(KbArticleRow.slug == slug, KbArticleRow.lang == lang)
        )
        return bool(getattr(result, "rowcount", 0))

    def fingerprint(self) -> Fingerprint:
        """Changes with every put and delete: count, latest change, sum of versions and of
        body lengths (the last for a delete and re-create within one clock tick)."""
        count, latest, versions, lengths = self.session.execute(
            select(
                func.count(),
                func.max(KbArticleRow.updated_at),
                func.sum(KbArticleRow.version),
                func.sum(func.length(KbArticleRow.body)),
            )
        ).one()
        return (int(count), latest, int(versions or 0), int(lengths or 0))


# --- use cases ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    """What an operator sends: the article without version and time (put assigns them).
    ``base_version``, when given, must be the version being replaced (lost-update guard)."""

    slug: str
    lang: str
    title: str
    body: str
    tags: tuple[str, ...] = ()
    intents: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    base_version: int | None = None


@dataclass
class KbDesk:
    store: SqlKbStore
    audit: AuditLog
    now: Callable[[], datetime]
    actor: str
    shipped: Sequence[Article] = ()
    request_id: str | None = None

    def _merged(self) -> dict[Key, Article]:
        return merge(self.shipped, self.store.all())

    def articles(self, lang: str | None = None) -> list[Resolved]:
        """Every variant (no ``lang``), or one per slug in ``lang`` with English fallback."""
        merged = self._merged()
        if lang is None:
            return [Resolved(a, a.lang) for a in merged.values()]
        return in_language(merged, lang)

    def get(self, slug: str, lang: str) -> Resolved:
        return resolve(self._merged(), slug, lang)

    def put(self, draft: Draft) -> tuple[Article, bool]:
        """Create or replace the stored variant; returns it and whether it is new. The
        version follows the one it replaces (stored or shipped), starting at 1."""
        check_slug(draft.slug)
        check_lang(draft.lang)
        stored = self.store.get(draft.slug, draft.lang)
        current = stored or _shipped(self.shipped, draft.slug, draft.lang)
        before = current.version if current else 0
        if draft.base_version is not None and draft.base_version != before:
            raise Conflict(
                f"{draft.slug} ({draft.lang}) is at version {before}, not {draft.base_version}: "
                "reload it and apply your change again",
                field="base_version",
                code="kb.version_conflict",
            )
        article = Article(
            slug=draft.slug,
            lang=draft.lang,
            title=draft.title.strip(),
            body=draft.body.strip(),
            tags=tuple(t.strip() for t in draft.tags),
            intents=tuple(i.strip() for i in draft.intents),
            questions=tuple(q.strip() for q in draft.questions),
            version=before + 1,
            updated_at=self.now(),
            origin="db",
        )
        self.store.save(article, self.actor)
        self._audit("kb.article_saved", article.slug, article.lang, article.version)
        return article, stored is None

    def delete(self, slug: str, lang: str) -> None:
        """Delete a stored variant; a shipped article of that slug and language shows again.
        Shipped articles themselves cannot be deleted (override them instead)."""
        check_slug(slug)
        check_lang(lang)
        if not self.store.delete(slug, lang):
            if _shipped(self.shipped, slug, lang):
                raise Conflict(
                    f"{slug} ({lang}) ships with trustdesk and cannot be deleted; "
                    "put a new version to override it",
                    field="slug",
                    code="kb.shipped_article",
                )
            raise NotFound(f"no stored article {slug} ({lang})", field="slug", code="kb.not_found")
        self._audit("kb.article_deleted", slug, lang, None)

    def knowledge_base(self) -> KnowledgeBase:
        return KnowledgeBase.load(self.store.all(), shipped=self.shipped)

    def _audit(self, action: str, slug: str, lang: str, version: int | None) -> None:
        self.audit.append(
            AuditEvent(
                actor=self.actor,
                action=action,
                subject=f"kb-article:{slug}:{lang}",
                payload={"slug": slug, "lang": lang, "version": version},
                request_id=self.request_id,
            )
        )


def _shipped(shipped: Sequence[Article], slug: str, lang: str) -> Article | None:
    return next((a for a in shipped if a.key == (slug, lang)), None)


def kb_desk(
    session: Session,
    audit: AuditLog,
    now: Callable[[], datetime],
    actor: str,
    request_id: str | None = None,
) -> KbDesk:
    return KbDesk(SqlKbStore(session), audit, now, actor, shipped_articles(), request_id)


class KbCache:
    """One built knowledge base per process, rebuilt only when the stored articles change
    (one aggregate query per use tells), so searching never rebuilds the index."""

    def __init__(self, shipped: Sequence[Article] | None = None) -> None:
        self._lock = threading.Lock()
        self._shipped = shipped
        self._built: tuple[Fingerprint, KnowledgeBase] | None = None

    def get(self, session: Session) -> KnowledgeBase:
        store = SqlKbStore(session)
        fingerprint = store.fingerprint()
        built = self._built
        if built is not None and built[0] == fingerprint:
            return built[1]
        with self._lock:
            built = self._built
            if built is not None and built[0] == fingerprint:
                return built[1]
            shipped = shipped_articles() if self._shipped is None else self._shipped
            kb = KnowledgeBase.load(store.all(), shipped=shipped)
            self._built = (fingerprint, kb)
            return kb
