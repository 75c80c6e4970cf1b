"""trustdesk assess: one request (argument or stdin) or a JSONL/CSV batch."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from trustdesk.bootstrap import Container
from trustdesk.cli._context import console, container, fail, out
from trustdesk.cli.batch import BatchItem, count_lines, parse_json_line, read_batch
from trustdesk.core.errors import DomainError
from trustdesk.risk.schemas import AssessmentOut

ACTOR = "cli"


def assess_command(
    request: Annotated[
        str | None, typer.Argument(help="one request as JSON; '-' reads stdin")
    ] = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", "-f", help="JSONL or CSV batch", exists=True, dir_okay=False),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="where decisions go (JSONL, input order); default stdout"),
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="jsonl or csv; default from the file name")
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="no progress bar or summary")
    ] = False,
) -> None:
    """Decide on transactions: allow, challenge, review or block, with reasons."""
    if (request is None) == (file is None):
        fail("give one request as JSON (or '-' for stdin), or --file BATCH")
    with container() as c:
        if file is not None:
            fmt = fmt or ("csv" if file.suffix.lower() == ".csv" else "jsonl")
            if fmt not in ("jsonl", "csv"):
                fail("--format must be jsonl or csv")
            exit_code = run_batch(c, file, fmt, output, quiet)
            raise typer.Exit(exit_code)
        raw = sys.stdin.buffer.read() if request == "-" else (request or "").encode()
        item = parse_json_line(1, raw)
        result = decide(c, item)
        out.print_json(json.dumps(result)) if output is None else output.write_text(
            json.dumps(result) + "\n"
        )
        raise typer.Exit(1 if "error" in result else 0)


def decide(c: Container, item: BatchItem) -> dict[str, Any]:
    if item.body is None:
        return {"line": item.line, "error": item.error}
    try:
        assessment = c.assess(item.body, ACTOR)
    except DomainError as exc:
        return {
            "line": item.line,
            "error": {"code": exc.code, "field": exc.field, "message": exc.message},
        }
    result: dict[str, Any] = {"line": item.line}
    result.update(AssessmentOut.from_domain(assessment).model_dump(mode="json"))
    return result


def run_batch(c: Container, file: Path, fmt: str, output: Path | None, quiet: bool) -> int:
    total = count_lines(file) - (1 if fmt == "csv" else 0)
    limit = c.settings.max_batch_lines
    if total > limit:
        fail(f"the batch has {total} lines; the limit is {limit} (TRUSTDESK_MAX_BATCH_LINES)")
    decisions: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    errors: list[dict[str, Any]] = []
    sink = output.open("w", encoding="utf-8") if output else sys.stdout
    progress = Progress(
        TextColumn("assessing"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=quiet or output is None,
    )
    try:
        with progress:
            task = progress.add_task("assess", total=max(total, 0))
            for item in read_batch(file, fmt):
                result = decide(c, item)
                sink.write(json.dumps(result, ensure_ascii=False) + "\n")
                if "error" in result:
                    errors.append(result)
                    decisions["error"] += 1
                else:
                    decisions[result["decision"]] += 1
                    reasons.update(r["code"] for r in result["reasons"])
                progress.advance(task)
    finally:
        if output:
            sink.close()
    if not quiet:
        print_summary(decisions, reasons, errors)
    # Per-line errors never stop the batch, but a scheduler must notice them.
    return 1 if errors else 0


def print_summary(
    decisions: Counter[str], reasons: Counter[str], errors: list[dict[str, Any]]
) -> None:
    table = Table(title="Decisions")
    table.add_column("decision")
    table.add_column("count", justify="right")
    for name in ("allow", "challenge", "review", "block", "error"):
        if decisions[name]:
            table.add_row(name, str(decisions[name]))
    console.print(table)
    by_reason = Table(title="Reasons")
    by_reason.add_column("reason code")
    by_reason.add_column("count", justify="right")
    for code, n in reasons.most_common():
        by_reason.add_row(code, str(n))
    console.print(by_reason)
    for e in errors[:10]:
        err = e["error"]
        console.print(
            f"line {e['line']}: {err['code']} ({err['field']}): {err['message']}", highlight=False
        )
    if len(errors) > 10:
        console.print(f"… and {len(errors) - 10} more errors (see the output file)")
