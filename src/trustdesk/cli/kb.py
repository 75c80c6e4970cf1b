"""trustdesk kb …  and  trustdesk phishing …"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.table import Table

from trustdesk.bot.kb import LANGS, Article, Resolved, read_article, read_articles
from trustdesk.bot.kb_store import Draft, KbDesk, kb_desk
from trustdesk.bot.phishing import DomainVerdict, Verdict
from trustdesk.bot.phishing_feeds import FORMATS, parse_feed
from trustdesk.bot.phishing_store import import_feed, load_checker
from trustdesk.cli._context import console, container, fail, out
from trustdesk.core.errors import DomainError

app = typer.Typer(help="Knowledge-base articles: list, show, add, import, remove, search.")
phishing_app = typer.Typer(help="Phishing domain lists: import feeds, check links in text.")
for _app in (app, phishing_app):
    _app.info.no_args_is_help = True

ACTOR = "cli"
T = TypeVar("T")
LangOption = Annotated[str, typer.Option(help=f"one of {', '.join(LANGS)}")]
JsonOption = Annotated[bool, typer.Option("--json", help="print JSON")]


def _print_json(value: Any) -> None:
    out.print_json(json.dumps(value, ensure_ascii=False))


def _desk(work: Callable[[KbDesk], T]) -> T:
    with container() as c, c.session() as session:
        return work(kb_desk(session, c.audit_log(session), c.clock.now, ACTOR))


def _read(work: Callable[[], T]) -> T:
    """Article files are read before the database is opened; their errors name the file."""
    try:
        return work()
    except DomainError as exc:
        raise fail(f"{exc.message} [{exc.code}]") from None


def _draft(article: Article) -> Draft:
    return Draft(
        article.slug,
        article.lang,
        article.title,
        article.body,
        article.tags,
        article.intents,
        article.questions,
    )


def _view(found: Resolved, *, body: bool) -> dict[str, Any]:
    a = found.article
    view: dict[str, Any] = {
        "slug": a.slug,
        "lang": a.lang,
        "title": a.title,
        "tags": list(a.tags),
        "intents": list(a.intents),
        "version": a.version,
        "updated_at": a.updated_at.isoformat() if a.updated_at else None,
        "origin": a.origin,
        "fallback": found.fallback,
    }
    if body:
        view |= {"questions": list(a.questions), "body": a.body}
    return view


@app.command("list")
def list_cmd(
    lang: Annotated[str | None, typer.Option(help="one per slug in this language")] = None,
    as_json: JsonOption = False,
) -> None:
    """Shipped and stored articles (stored ones override shipped ones)."""
    found = _desk(lambda desk: desk.articles(lang))
    if as_json:
        _print_json([_view(f, body=False) for f in found])
        return
    table = Table(title="knowledge base")
    for column in ("slug", "lang", "version", "origin", "title"):
        table.add_column(column)
    for f in found:
        a = f.article
        lang_text = f"{a.lang} (fallback)" if f.fallback else a.lang
        table.add_row(a.slug, lang_text, str(a.version), a.origin, a.title)
    out.print(table)


@app.command("show")
def show(slug: str, lang: LangOption = "en", as_json: JsonOption = False) -> None:
    """One article in a language (English when it has no such variant)."""
    found = _desk(lambda desk: desk.get(slug, lang))
    if as_json:
        _print_json(_view(found, body=True))
        return
    a = found.article
    note = f"  (no {lang} version: English shown)" if found.fallback else ""
    out.print(f"{a.slug} [{a.lang}] v{a.version} {a.origin}{note}", highlight=False)
    out.print(f"# {a.title}\n\n{a.body}", highlight=False)


@app.command("add")
def add(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="<slug>.<lang>.md")],
) -> None:
    """Store one article file (TOML front matter + Markdown) as a new version."""
    article = _read(lambda: read_article(path))
    saved, created = _desk(lambda desk: desk.put(_draft(article)))
    what = "created" if created else "updated"
    out.print(f"{what} {saved.slug} ({saved.lang}) version {saved.version}", highlight=False)


@app.command("import")
def import_cmd(
    folder: Annotated[Path, typer.Argument(exists=True, file_okay=False, help="folder of .md")],
) -> None:
    """Store every article file of a folder, all or none (a bad file names itself)."""
    articles = _read(lambda: read_articles(folder))
    if not articles:
        fail(f"{folder} holds no .md article files")
    saved = _desk(lambda desk: [desk.put(_draft(a)) for a in articles])
    for article, created in saved:
        what = "created" if created else "updated"
        out.print(f"{what} {article.slug} ({article.lang}) version {article.version}")
    out.print(f"{len(saved)} article(s) stored", highlight=False)


@app.command("remove")
def remove(slug: str, lang: Annotated[str, typer.Option(help="the variant to remove")]) -> None:
    """Delete a stored variant (a shipped one of the same slug and language shows again)."""
    _desk(lambda desk: desk.delete(slug, lang))
    out.print(f"removed {slug} ({lang})", highlight=False)


@app.command("search")
def search(
    query: str,
    lang: LangOption = "en",
    k: Annotated[int, typer.Option(min=1, max=20, help="how many hits")] = 5,
    intent: Annotated[str | None, typer.Option(help="the predicted intent, if known")] = None,
    as_json: JsonOption = False,
) -> None:
    """The articles that answer a question, best first, with why each was found."""
    with container() as c, c.reading() as session:
        kb = kb_desk(session, c.audit_log(session), c.clock.now, ACTOR).knowledge_base()
        started = time.perf_counter()
        hits = kb.search(query, lang, k, intent)
        took = (time.perf_counter() - started) * 1000
    if as_json:
        _print_json([dataclasses.asdict(h) for h in hits])
        return
    if not hits:
        out.print("no article matches", highlight=False)
    for n, h in enumerate(hits, 1):
        out.print(f"{n}. {h.slug} [{h.lang}] {h.title}  score {h.score}", highlight=False)
        out.print(f"   {h.snippet}", highlight=False, soft_wrap=True)
        out.print(f"   why: {h.why}", highlight=False)
    console.print(f"index {kb.build_ms:.0f} ms, query {took:.1f} ms", highlight=False)


# --- phishing ----------------------------------------------------------------------------------


@phishing_app.command("import")
def phishing_import(
    path: Annotated[Path, typer.Argument(exists=True, help="the feed file (or MEW folder)")],
    fmt: Annotated[str, typer.Option("--format", help=f"one of: {', '.join(FORMATS)}")],
    allow_empty: Annotated[bool, typer.Option(help="let an empty list clear its source")] = False,
) -> None:
    """Import (or re-import, as a sync) a phishing feed; one line per list source."""
    if fmt not in FORMATS:
        fail(f"unknown --format {fmt!r}; choose one of {', '.join(FORMATS)}")
    with container() as c:
        feed = parse_feed(fmt, path)
        with c.session() as session:
            report = import_feed(
                session, c.audit_log(session), feed, c.clock.now(), ACTOR, allow_empty=allow_empty
            )
    table = Table(title=f"phishing feed {path.name}")
    for column in ("source", "added", "removed", "updated", "unchanged", "rejected"):
        table.add_column(column, justify="left" if column == "source" else "right")
    for r in report.reports:
        counts = (r.added, r.removed, r.updated, r.unchanged, len(r.rejected))
        table.add_row(r.source, *(str(n) for n in counts))
    out.print(table)
    for source, tolerance in report.tolerances.items():
        out.print(f"{source}: look-alikes within {tolerance} edits", highlight=False)
    for r in report.reports:
        for reject in r.rejected[:20]:
            console.print(
                f"rejected {reject.file}:{reject.position}: {reject.raw!r}: {reject.why}",
                highlight=False,
            )


def _verdict_json(v: DomainVerdict) -> dict[str, Any]:
    return {
        "domain": v.domain,
        "unicode": v.unicode,
        "verdict": v.verdict.value,
        "matched": v.matched,
        "reason": v.reason,
        "found": v.found,
    }


@phishing_app.command("check")
def phishing_check(
    text: Annotated[str, typer.Argument(help="a URL, a domain, or a whole message")],
    as_json: JsonOption = False,
) -> None:
    """Judge every domain in the text. Exit 1 when any is blocked or a look-alike."""
    with container() as c, c.reading() as session:
        verdicts = load_checker(session, c.clock.now()).check(text)
    if as_json:
        _print_json([_verdict_json(v) for v in verdicts])
    elif not verdicts:
        out.print("no domain found", highlight=False)
    for v in verdicts if not as_json else ():
        shown = v.domain if v.unicode == v.domain else f"{v.unicode} ({v.domain})"
        out.print(f"{v.verdict.value:<9} {shown}: {v.reason}", highlight=False, soft_wrap=True)
    if any(v.verdict in (Verdict.BLOCKED, Verdict.LOOKALIKE) for v in verdicts):
        raise typer.Exit(1)
