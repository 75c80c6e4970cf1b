"""trustdesk lists import|allow."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from trustdesk.cli._context import console, container, fail, out
from trustdesk.lists.importing import FORMATS, import_list, parse_list_file

app = typer.Typer(help="Block, grey and allow lists.", no_args_is_help=True)


@app.command("import")
def import_cmd(
    path: Annotated[
        Path, typer.Argument(help="a file, or a folder for ofac-addresses", exists=True)
    ],
    fmt: Annotated[str, typer.Option("--format", help=f"one of: {', '.join(FORMATS)}")],
    source: Annotated[
        str | None, typer.Option(help="source name; re-importing a source syncs it")
    ] = None,
    category: Annotated[
        str | None, typer.Option(help="category for darklists (default scam)")
    ] = None,
    allow_empty: Annotated[bool, typer.Option(help="let an empty file clear the source")] = False,
) -> None:
    """Import (or re-import, as a sync) a list; prints added / removed / unchanged."""
    if fmt not in FORMATS:
        fail(f"unknown --format {fmt!r}; choose one of {', '.join(FORMATS)}")
    with container() as c:
        parsed = parse_list_file(fmt, path, source, category)
        src = parsed.entries[0].source if parsed.entries else (source or fmt)
        with c.session() as session:
            report = import_list(
                c.list_store(session),
                c.audit_log(session),
                parsed,
                src,
                c.clock.now(),
                "cli",
                allow_empty=allow_empty,
            )
    table = Table(title=f"list source {report.source}")
    for col in ("added", "removed", "updated", "unchanged", "rejected"):
        table.add_column(col, justify="right")
    table.add_row(
        *(
            str(x)
            for x in (
                report.added,
                report.removed,
                report.updated,
                report.unchanged,
                len(report.rejected),
            )
        )
    )
    out.print(table)
    for reject in report.rejected[:20]:
        where = f"{reject.file}:" if reject.file else ""
        console.print(
            f"rejected {where}{reject.position}: {reject.raw!r}: {reject.why}", highlight=False
        )
    if len(report.rejected) > 20:
        console.print(f"… and {len(report.rejected) - 20} more rejected")
    if report.rejected and report.total == 0:
        fail(f"nothing in {path} could be imported as --format {fmt}", code=1)
