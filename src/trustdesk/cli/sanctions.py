"""trustdesk sanctions sync|status and trustdesk screen."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from trustdesk.cli._context import console, container, fail, out
from trustdesk.compliance.screener import candidate_json
from trustdesk.compliance.store import SqlSanctionsStore
from trustdesk.compliance.sync import SOURCES, parse_source, sync_sanctions
from trustdesk.core.errors import DomainError

app = typer.Typer(help="Sanctions lists: versioned imports of OFAC, UN and other lists.")

MAX_BATCH_NAMES = 1_000_000


@app.command("sync")
def sync_cmd(
    source: Annotated[str, typer.Option(help=f"one of {', '.join(SOURCES)}")],
    file: Annotated[Path, typer.Option(help="the list file, or the folder for ofac-csv")],
    list_name: Annotated[str | None, typer.Option("--list", help="name for a csv list")] = None,
) -> None:
    """Import a list release as a new version; a broken file changes nothing."""
    with container() as c:
        parsed = parse_source(source, file, list_name)
        with c.session() as session:
            report = sync_sanctions(
                SqlSanctionsStore(session),
                c.list_store(session),
                c.audit_log(session),
                parsed,
                c.clock.now(),
                "cli",
            )
    version = f"version {report.version}" if report.version else "unchanged, version kept"
    out.print(
        f"{report.list_name}: {report.entries} entries, {version}; added {len(report.added)}, "
        f"removed {len(report.removed)}, changed {len(report.changed)}, "
        f"unchanged {report.unchanged}; addresses added {report.addresses_added}, "
        f"removed {report.addresses_removed}",
        highlight=False,
    )


@app.command("status")
def status_cmd() -> None:
    """Every imported version, the active one marked."""
    with container() as c, c.reading() as session:
        rows = SqlSanctionsStore(session).snapshots()
    table = Table(title="sanctions lists")
    for col in ("list", "version", "active", "entries", "imported", "published", "diff"):
        table.add_column(col)
    for r in rows:
        diff = ", ".join(f"{k} {v}" for k, v in r.diff.items())
        table.add_row(
            r.list_name,
            str(r.version),
            "yes" if r.active else "",
            str(r.entry_count),
            r.imported_at.isoformat(timespec="seconds"),
            r.published or "",
            diff,
        )
    out.print(table)


def screen_command(
    name: Annotated[str | None, typer.Argument(help="the name to screen")] = None,
    file: Annotated[Path | None, typer.Option(help="one name per line (batch)")] = None,
    dob: Annotated[str | None, typer.Option(help="YYYY, YYYY-MM or YYYY-MM-DD")] = None,
    country: Annotated[str | None, typer.Option(help="country name or ISO code")] = None,
    type_: Annotated[
        str | None, typer.Option("--type", help="person|entity|vessel|aircraft")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=100)] = 10,
    threshold: Annotated[float | None, typer.Option(min=0.0, max=1.0)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Screen a name (or a file of names) against the loaded sanctions lists."""
    if (name is None) == (file is None):
        fail("give a NAME or --file NAMES.txt")
    options: dict[str, object] = {"dob": dob, "country": country, "type": type_, "limit": limit}
    if threshold is not None:
        options["threshold"] = threshold
    with container() as c:
        with c.reading() as session:
            index = c.screener.index(SqlSanctionsStore(session))
        if name is not None:
            found = [candidate_json(x) for x in index.screen(name, **options)]  # type: ignore[arg-type]
            _show(name, found, as_json)
            return
        assert file is not None
        try:
            raw = file.read_bytes()
        except OSError as exc:
            fail(f"{file}: {exc.strerror}")
        names = raw.split(b"\n")
        if names and names[-1] == b"":
            names.pop()  # the newline that ends the file opens no line
        if len(names) > MAX_BATCH_NAMES:
            fail(f"more than {MAX_BATCH_NAMES} names in one file")
        failed = 0
        for number, line in enumerate(names, 1):
            try:
                text = line.decode("utf-8").rstrip("\r")
                found = [candidate_json(x) for x in index.screen(text, **options)]  # type: ignore[arg-type]
            except (DomainError, UnicodeDecodeError) as exc:
                # One output line per input line, always: a refused line says so instead of
                # "[]", which would read as screened with no hit.
                failed += 1
                code, message = (
                    (exc.code, exc.message)
                    if isinstance(exc, DomainError)
                    else ("input.bad_encoding", "not UTF-8 text")
                )
                console.print(f"line {number}: {message}", highlight=False)
                if as_json:
                    error = {"line": number, "error": {"code": code, "message": message}}
                    out.print(
                        json.dumps(error, ensure_ascii=False), highlight=False, soft_wrap=True
                    )
                continue
            _show(text, found, as_json)
        if failed:
            raise typer.Exit(1)


def _show(name: str, found: list[dict[str, object]], as_json: bool) -> None:
    if as_json:
        out.print(json.dumps(found, ensure_ascii=False), highlight=False, soft_wrap=True)
        return
    if not found:
        out.print(f"{name}: no candidate above the threshold", highlight=False)
        return
    table = Table(title=f"screening: {name}")
    for col in ("score", "name matched", "primary name", "list", "entry", "programs"):
        table.add_column(col)
    for f in found:
        table.add_row(
            f"{f['score']:.3f}",
            str(f["name"]),
            str(f["primary_name"]),
            str(f["list"]),
            str(f["entry_id"]),
            ", ".join(f["programs"]),  # type: ignore[arg-type]
        )
    out.print(table)
