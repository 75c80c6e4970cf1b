"""trustdesk audit verify|export."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from trustdesk.audit.service import export_jsonl, verify
from trustdesk.cli._context import container, out
from trustdesk.risk.store import unaudited_assessments

app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


@app.command("verify")
def verify_cmd() -> None:
    """Check every entry; exit 1 and name the first bad sequence number if any is wrong."""
    with container() as c, c.reading() as session:
        result = verify(c.audit_log(session))
        missing, since = unaudited_assessments(session) if result.ok else (0, None)
    if result.ok and not missing:
        out.print(f"audit chain OK: {result.checked} entries, head {result.head_hash}")
        return
    if result.ok:
        # The links hold, but decisions exist whose entries are gone: the tail was cut.
        out.print(
            f"audit chain BROKEN: {missing} stored decisions (the first at {since}) have no "
            f"audit entry; entries after {result.checked} were removed"
        )
        out.print(f"first bad entry: {result.checked + 1}")
    else:
        out.print(f"audit chain BROKEN: {result.problem}")
        out.print(f"first bad entry: {result.first_bad_seq}")
    raise typer.Exit(1)


@app.command("export")
def export_cmd(
    output: Annotated[
        Path | None, typer.Option("--out", "-o", help="JSONL file; default stdout")
    ] = None,
) -> None:
    """Write every entry as one JSON object per line."""
    with container() as c, c.reading() as session:
        log = c.audit_log(session)
        if output is None:
            export_jsonl(log, sys.stdout)
            return
        with output.open("w", encoding="utf-8") as fh:
            n = export_jsonl(log, fh)
    out.print(f"wrote {n} entries to {output}")
