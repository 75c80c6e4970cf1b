"""The knowledge base: articles (Markdown with TOML front matter, one file per language
variant, variants sharing a slug), the shipped set, merging in operator-managed articles,
and retrieval that cites the article (see ``kb_index``). Pure: no web, no database."""

from __future__ import annotations

import re
import time
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trustdesk.core.errors import InvalidInput, NotFound

if TYPE_CHECKING:
    from trustdesk.bot.kb_index import Index

LANGS = ("en", "zh", "id")
FALLBACK_LANG = "en"
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
INTENT = re.compile(r"[a-z][a-z0-9_]*")
MAX_SLUG = 80
MAX_TITLE = 200
MAX_BODY = 20_000  # characters of Markdown: a support article, not a manual
MAX_ITEMS = 20  # tags, intents, questions each
MAX_ITEM = 200
MAX_QUERY = 1_000
MAX_K = 20
FRONT = "+++"
_KEYS = frozenset(
    {"slug", "lang", "title", "tags", "intents", "questions", "version", "updated_at"}
)

Key = tuple[str, str]  # (slug, lang)


class ArticleError(InvalidInput):
    code = "kb.invalid_article"


@dataclass(frozen=True)
class Article:
    """One language variant. ``questions`` are ways users ask for it (they are searched,
    never shown as the answer); ``origin`` is ``shipped`` or ``db``."""

    slug: str
    lang: str
    title: str
    body: str
    tags: tuple[str, ...] = ()
    intents: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    version: int = 1
    updated_at: datetime | None = None
    origin: str = "shipped"

    def __post_init__(self) -> None:
        check_slug(self.slug)
        check_lang(self.lang)
        _text("title", self.title, MAX_TITLE, one_line=True)
        _text("body", self.body, MAX_BODY)
        for name in ("tags", "intents", "questions"):
            items = getattr(self, name)
            if len(items) > MAX_ITEMS:
                raise ArticleError(f"{name}: at most {MAX_ITEMS} items", field=name)
            for item in items:
                _text(name, item, MAX_ITEM, one_line=True)
        for intent in self.intents:
            if not INTENT.fullmatch(intent):
                raise ArticleError(
                    f"intents: {intent!r} is not an intent name (lower case, digits, _)",
                    field="intents",
                )
        if self.version < 1:
            raise ArticleError("version must be 1 or more", field="version")
        if self.updated_at is not None and self.updated_at.tzinfo is None:
            raise ArticleError("updated_at must carry a UTC offset", field="updated_at")

    @property
    def key(self) -> Key:
        return (self.slug, self.lang)


def check_slug(slug: str) -> str:
    if not SLUG.fullmatch(slug) or len(slug) > MAX_SLUG:
        raise ArticleError(
            f"slug {slug[:100]!r} must be lower-case words joined by hyphens "
            f"(a-z, 0-9), at most {MAX_SLUG} characters",
            field="slug",
            code="kb.invalid_slug",
        )
    return slug


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ArticleError(
            f"lang {lang[:20]!r} is not one of {', '.join(LANGS)}",
            field="lang",
            code="kb.invalid_lang",
        )
    return lang


def _text(name: str, value: object, limit: int, *, one_line: bool = False) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ArticleError(f"{name} must be non-empty text", field=name)
    if len(value) > limit:
        raise ArticleError(f"{name} is longer than {limit} characters", field=name)
    if one_line and not value.isprintable():
        raise ArticleError(f"{name} must be one line without control characters", field=name)


# --- Markdown files with TOML front matter -----------------------------------------------------


def parse_article(
    text: str, *, origin: str, slug: str | None = None, lang: str | None = None
) -> Article:
    """An article from ``+++``-fenced TOML front matter and a Markdown body. ``slug`` and
    ``lang`` come from the file name when the front matter leaves them out, and must agree
    with it otherwise. Errors name ``origin`` (the file) and the field."""
    meta, body = _split(text, origin)
    unknown = sorted(set(meta) - _KEYS)
    if unknown:
        raise ArticleError(
            f"{origin}: unknown front matter field(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(_KEYS))}",
            field=unknown[0],
        )
    for name, given in (("slug", slug), ("lang", lang)):
        if name in meta and given is not None and meta[name] != given:
            raise ArticleError(
                f"{origin}: {name} {meta[name]!r} disagrees with the file name ({given!r})",
                field=name,
            )
    try:
        return Article(
            slug=_field(meta, "slug", str, slug, origin),
            lang=_field(meta, "lang", str, lang, origin),
            title=_field(meta, "title", str, None, origin),
            body=body,
            tags=_strings(meta, "tags", origin),
            intents=_strings(meta, "intents", origin),
            questions=_strings(meta, "questions", origin),
            version=_field(meta, "version", int, 1, origin),
            updated_at=_when(meta.get("updated_at"), origin),
        )
    except ArticleError as exc:
        if exc.message.startswith(origin):
            raise
        raise ArticleError(f"{origin}: {exc.message}", field=exc.field, code=exc.code) from None


def _split(text: str, origin: str) -> tuple[dict[str, Any], str]:
    lines = text.removeprefix("\ufeff").splitlines()
    if not lines or lines[0].strip() != FRONT:
        raise ArticleError(
            f"{origin}: must start with a '+++' line opening the TOML front matter",
            field="front_matter",
        )
    try:
        end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == FRONT)
    except StopIteration:
        raise ArticleError(
            f"{origin}: the front matter is never closed by a second '+++' line",
            field="front_matter",
        ) from None
    try:
        meta = tomllib.loads("\n".join(lines[1:end]))
    except tomllib.TOMLDecodeError as exc:
        # tomllib counts lines from the opening fence's next line.
        raise ArticleError(
            f"{origin}: front matter is not valid TOML: {exc}", field="front_matter"
        ) from None
    return meta, "\n".join(lines[end + 1 :]).strip()


def _field(meta: Mapping[str, Any], name: str, kind: type, default: Any, origin: str) -> Any:
    value = meta.get(name, default)
    if value is None:
        raise ArticleError(f"{origin}: {name} is missing", field=name)
    if type(value) is not kind:
        raise ArticleError(
            f"{origin}: {name} must be {'text' if kind is str else 'a whole number'}, "
            f"not {type(value).__name__}",
            field=name,
        )
    return value


def _strings(meta: Mapping[str, Any], name: str, origin: str) -> tuple[str, ...]:
    value = meta.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ArticleError(f"{origin}: {name} must be a list of strings", field=name)
    return tuple(v.strip() for v in value)


def _when(value: object, origin: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ArticleError(f"{origin}: updated_at needs a UTC offset", field="updated_at")
        return value.astimezone(UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    raise ArticleError(f"{origin}: updated_at must be a TOML date or date-time", field="updated_at")


def render_article(article: Article) -> str:
    """The file form of an article (what ``parse_article`` reads back)."""

    def strings(items: Sequence[str]) -> str:
        return "[" + ", ".join(_toml_str(s) for s in items) + "]"

    lines = [
        FRONT,
        f"slug = {_toml_str(article.slug)}",
        f"lang = {_toml_str(article.lang)}",
        f"title = {_toml_str(article.title)}",
        f"tags = {strings(article.tags)}",
        f"intents = {strings(article.intents)}",
        f"questions = {strings(article.questions)}",
        f"version = {article.version}",
    ]
    if article.updated_at is not None:
        lines.append(f"updated_at = {article.updated_at.isoformat()}")
    return "\n".join([*lines, FRONT, article.body, ""])


def _toml_str(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def name_parts(path: Path) -> Key | None:
    """(slug, lang) from ``<slug>.<lang>.md``; None when the name does not say."""
    parts = path.name.split(".")
    if len(parts) == 3 and parts[2] == "md" and parts[1] in LANGS:
        return parts[0], parts[1]
    return None


def read_article(path: Path) -> Article:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ArticleError(f"{path.name}: not UTF-8 text", field="body") from None
    named = name_parts(path)
    slug, lang = named if named else (None, None)
    return parse_article(text, origin=path.name, slug=slug, lang=lang)


def read_articles(folder: Path) -> list[Article]:
    """Every ``*.md`` in a folder; the first bad file stops it (nothing half-read)."""
    if not folder.is_dir():
        raise NotFound(f"{folder} is not a folder", field="path", code="kb.no_folder")
    articles: dict[Key, Article] = {}
    for path in sorted(folder.glob("*.md")):
        article = read_article(path)
        if article.key in articles:
            raise ArticleError(
                f"{path.name}: a second file for slug {article.slug!r} in {article.lang!r}",
                field="slug",
            )
        articles[article.key] = article
    return list(articles.values())


@lru_cache(maxsize=1)
def shipped_articles() -> tuple[Article, ...]:
    """The articles in ``trustdesk/bot/articles`` (package data), read once."""
    folder = resources.files("trustdesk.bot") / "articles"
    return tuple(read_articles(Path(str(folder))))


# --- merging and looking up --------------------------------------------------------------------


def merge(shipped: Iterable[Article], overrides: Iterable[Article]) -> dict[Key, Article]:
    """Shipped articles with operator-managed ones on top (same slug and language wins)."""
    merged = {a.key: a for a in shipped}
    merged.update((a.key, a) for a in overrides)
    return dict(sorted(merged.items()))


@dataclass(frozen=True)
class Resolved:
    article: Article
    requested_lang: str

    @property
    def fallback(self) -> bool:
        return self.article.lang != self.requested_lang


def resolve(articles: Mapping[Key, Article], slug: str, lang: str) -> Resolved:
    """The article in ``lang``, else its English variant (``fallback`` says so)."""
    check_slug(slug)
    check_lang(lang)
    for key in ((slug, lang), (slug, FALLBACK_LANG)):
        if key in articles:
            return Resolved(articles[key], lang)
    raise NotFound(
        f"no article {slug!r} in {lang} or {FALLBACK_LANG}", field="slug", code="kb.not_found"
    )


def in_language(articles: Mapping[Key, Article], lang: str) -> list[Resolved]:
    """One variant per slug: the one in ``lang``, else English."""
    check_lang(lang)
    slugs = sorted({slug for slug, _ in articles})
    found = []
    for slug in slugs:
        article = articles.get((slug, lang)) or articles.get((slug, FALLBACK_LANG))
        if article is not None:
            found.append(Resolved(article, lang))
    return found


# --- retrieval ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """A search result citing one article variant. ``why`` lists the signals that found it
    (words, meaning, intent) and says when the English variant stands in."""

    slug: str
    lang: str
    title: str
    score: float
    snippet: str
    why: str
    fallback: bool = False


@dataclass
class KnowledgeBase:
    articles: dict[Key, Article]
    index: Index = field(repr=False)
    build_ms: float = 0.0

    @classmethod
    def load(
        cls, overrides: Iterable[Article] = (), shipped: Iterable[Article] | None = None
    ) -> KnowledgeBase:
        """The shipped articles (or ``shipped``) merged with ``overrides``; the search index
        is built here, once."""
        from trustdesk.bot.kb_index import Index  # scikit-learn: loaded only when searching

        articles = merge(shipped_articles() if shipped is None else shipped, overrides)
        started = time.perf_counter()
        index = Index(list(articles.values()))
        return cls(articles, index, (time.perf_counter() - started) * 1000)

    def get(self, slug: str, lang: str = FALLBACK_LANG) -> Resolved:
        return resolve(self.articles, slug, lang)

    def variants(self, lang: str) -> list[Resolved]:
        return in_language(self.articles, lang)

    def search(
        self, query: str, lang: str = FALLBACK_LANG, k: int = 5, intent: str | None = None
    ) -> list[Hit]:
        """The ``k`` best articles for the query in ``lang`` (English where an article has
        no such variant). ``intent`` is the caller's predicted intent for the query."""
        check_lang(lang)
        if not query.strip():
            raise InvalidInput("the query is empty", field="q", code="kb.empty_query")
        if len(query) > MAX_QUERY:
            raise InvalidInput(f"the query is longer than {MAX_QUERY} characters", field="q")
        if not 1 <= k <= MAX_K:
            raise InvalidInput(f"k must be 1..{MAX_K}", field="k")
        candidates = [r.article for r in self.variants(lang)]
        hits = self.index.rank(query, lang, candidates, k, intent)
        return [
            replace(hit, fallback=True, why=f"{hit.why}; no {lang} version, English shown")
            if hit.lang != lang
            else hit
            for hit in hits
        ]
