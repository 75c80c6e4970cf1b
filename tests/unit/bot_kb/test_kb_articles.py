"""Knowledge-base articles: the shipped set and the Markdown + TOML front matter format."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from trustdesk.bot.kb import (
    LANGS,
    MAX_BODY,
    Article,
    ArticleError,
    merge,
    parse_article,
    read_article,
    read_articles,
    render_article,
    resolve,
    shipped_articles,
)
from trustdesk.core.errors import NotFound

SLUGS = {
    "address-whitelist",
    "check-address-before-sending",
    "failed-transaction",
    "kyc-rejected",
    "network-congestion",
    "pending-withdrawal",
    "recognising-phishing",
    "seed-phrase-safety",
    "sent-to-token-contract",
    "suspected-theft",
    "wrong-network-deposit",
}
GOOD = """+++
title = "A title"
tags = ["one", "two"]
intents = ["pending_transfer"]
version = 3
updated_at = 2026-01-02T03:04:05+01:00
+++
# Body

Some **Markdown**.
"""


def test_every_article_ships_in_every_language() -> None:
    articles = shipped_articles()
    assert {a.key for a in articles} == {(slug, lang) for slug in SLUGS for lang in LANGS}
    by_slug: dict[str, list[Article]] = {}
    for a in articles:
        by_slug.setdefault(a.slug, []).append(a)
        assert a.origin == "shipped" and a.version == 1
        assert a.updated_at == datetime(2026, 2, 1, tzinfo=UTC)
        assert len(a.body) > 300
    for variants in by_slug.values():
        # Language variants answer the same intents, in the same order.
        assert len({a.intents for a in variants}) == 1
    zh = next(a for a in articles if a.key == ("seed-phrase-safety", "zh"))
    assert zh.title == "永远不要泄露你的助记词"


def test_parse_takes_slug_and_lang_from_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "my-article.id.md"
    path.write_text(GOOD, encoding="utf-8")
    article = read_article(path)
    assert article == Article(
        slug="my-article",
        lang="id",
        title="A title",
        body="# Body\n\nSome **Markdown**.",
        tags=("one", "two"),
        intents=("pending_transfer",),
        version=3,
        updated_at=datetime(2026, 1, 2, 2, 4, 5, tzinfo=UTC),
    )
    assert parse_article(render_article(article), origin="again") == article


@pytest.mark.parametrize(
    ("text", "field", "says"),
    [
        ("title = 'x'\n+++\nbody", "front_matter", "must start with a '+++' line"),
        ("+++\ntitle = 'x'\nbody", "front_matter", "never closed"),
        ("+++\ntitle = 'x\n+++\nbody", "front_matter", "not valid TOML"),
        ("+++\ntitle = 'x'\nauthor = 'me'\n+++\nbody", "author", "unknown front matter field"),
        ("+++\ntags = ['a']\n+++\nbody", "title", "title is missing"),
        ("+++\ntitle = 5\n+++\nbody", "title", "title must be text, not int"),
        ("+++\ntitle = 'x'\ntags = 'a, b'\n+++\nbody", "tags", "tags must be a list of strings"),
        ("+++\ntitle = 'x'\nversion = '2'\n+++\nbody", "version", "must be a whole number"),
        ("+++\ntitle = 'x'\nversion = 0\n+++\nbody", "version", "version must be 1 or more"),
        ("+++\ntitle = 'x'\nintents = ['Pending']\n+++\nbody", "intents", "not an intent name"),
        ("+++\ntitle = 'x'\nlang = 'fr'\n+++\nbody", "lang", "disagrees with the file name"),
        ("+++\ntitle = 'x'\n+++\n", "body", "body must be non-empty text"),
        ("+++\ntitle = 'x'\nupdated_at = 2026-01-02T03:04:05\n+++\nb", "updated_at", "UTC offset"),
        (f"+++\ntitle = 'x'\n+++\n{'b' * (MAX_BODY + 1)}", "body", "longer than 20000"),
    ],
)
def test_front_matter_errors_name_the_file_and_the_field(
    tmp_path: Path, text: str, field: str, says: str
) -> None:
    path = tmp_path / "broken-one.en.md"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ArticleError) as caught:
        read_article(path)
    assert caught.value.field == field
    assert caught.value.message.startswith("broken-one.en.md: ")
    assert says in caught.value.message


def test_a_bad_slug_or_language_is_refused() -> None:
    for slug in ("Seed", "seed_phrase", "-seed", "seed--phrase", "a" * 81):
        with pytest.raises(ArticleError) as caught:
            Article(slug=slug, lang="en", title="t", body="b")
        assert (caught.value.field, caught.value.code) == ("slug", "kb.invalid_slug")
    with pytest.raises(ArticleError) as lang:
        Article(slug="ok", lang="fr", title="t", body="b")
    assert (lang.value.field, lang.value.code) == ("lang", "kb.invalid_lang")


def test_a_folder_with_a_bad_file_reads_nothing(tmp_path: Path) -> None:
    (tmp_path / "good.en.md").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bad.en.md").write_text("+++\ntitle = 1\n+++\nx", encoding="utf-8")
    with pytest.raises(ArticleError) as caught:
        read_articles(tmp_path)
    assert caught.value.message.startswith("bad.en.md: ")
    (tmp_path / "bad.en.md").unlink()
    (tmp_path / "dup.md").write_text(GOOD.replace("+++\n", "+++\nslug = 'good'\nlang = 'en'\n", 1))
    with pytest.raises(ArticleError) as duplicate:
        read_articles(tmp_path)
    assert duplicate.value.field == "slug"


def test_stored_articles_override_shipped_ones_and_english_stands_in() -> None:
    shipped = [
        Article(slug="a", lang="en", title="A en", body="x"),
        Article(slug="a", lang="zh", title="A zh", body="x"),
        Article(slug="b", lang="en", title="B en", body="x"),
    ]
    stored = Article(slug="a", lang="zh", title="A zh v2", body="y", version=2, origin="db")
    merged = merge(shipped, [stored])
    assert resolve(merged, "a", "zh").article == stored
    fallback = resolve(merged, "b", "id")
    assert (fallback.article.title, fallback.fallback) == ("B en", True)
    with pytest.raises(NotFound):
        resolve(merged, "c", "en")
