"""Reading assessment batches: JSON Lines or CSV, one request per line, errors per line."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from trustdesk.risk.schemas import AssessmentIn

CSV_FIELDS = ("account_id", "chain", "asset", "amount", "destination")
CSV_OPTIONAL = ("memo", "idempotency_key", "locale")
CSV_CONTEXT = ("ip", "device_id", "device_fingerprint", "user_agent", "country", "session_age_s")
MAX_LINE_BYTES = 64 * 1024


@dataclass(frozen=True)
class BatchItem:
    line: int
    body: AssessmentIn | None
    error: dict[str, Any] | None


class BatchTooLarge(Exception):
    pass


def count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for raw in fh if raw.strip())


def read_batch(path: Path, fmt: str) -> Iterator[BatchItem]:
    if fmt == "csv":
        yield from _read_csv(path)
    else:
        yield from _read_jsonl(path)


def _read_jsonl(path: Path) -> Iterator[BatchItem]:
    with path.open("rb") as fh:
        yield from read_json_lines(fh)


def read_json_lines(lines: Iterable[bytes]) -> Iterator[BatchItem]:
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        yield parse_json_line(number, raw)


def parse_json_line(number: int, raw: bytes) -> BatchItem:
    if len(raw) > MAX_LINE_BYTES:
        return _err(number, "input.too_large", "line", f"line longer than {MAX_LINE_BYTES} bytes")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return _err(number, "input.bad_encoding", "line", "line is not valid UTF-8")
    except RecursionError:
        return _err(number, "input.malformed_json", "line", "JSON nested too deeply")
    except json.JSONDecodeError as exc:
        return _err(
            number,
            "input.malformed_json",
            "line",
            f"not valid JSON: {exc.msg} at column {exc.colno}",
        )
    return _validate(number, data)


def _read_csv(path: Path) -> Iterator[BatchItem]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        yield _err(1, "input.bad_encoding", "file", f"file is not valid UTF-8 (byte {exc.start})")
        return
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        return
    header = [h.strip() for h in header]
    known = set(CSV_FIELDS + CSV_OPTIONAL + CSV_CONTEXT)
    missing = [f for f in CSV_FIELDS if f not in header]
    unknown = [h for h in header if h not in known]
    if missing or unknown:
        yield _err(
            1,
            "input.bad_header",
            "header",
            f"CSV header: missing {missing}, unknown {unknown}; "
            f"expected {list(CSV_FIELDS + CSV_OPTIONAL + CSV_CONTEXT)}",
        )
        return
    end = 1
    for row in reader:
        start, end = end + 1, reader.line_num
        number = start
        if end > start and any("\n" in cell or "\r" in cell for cell in row):
            yield _err(
                number,
                "input.unclosed_quote",
                "line",
                f"a quoted field opened on line {start} runs to line {end}: "
                f"lines {start}-{end} were not assessed",
            )
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield _err(
                number,
                "input.truncated_line",
                "line",
                f"expected {len(header)} fields, found {len(row)} (truncated or extra commas?)",
            )
            continue
        record: dict[str, Any] = {h: v for h, v in zip(header, row, strict=True) if v != ""}
        context: dict[str, Any] = {k: record.pop(k) for k in CSV_CONTEXT if k in record}
        age = context.get("session_age_s")
        if isinstance(age, str) and age.isdigit():
            context["session_age_s"] = int(age)
        if context:
            record["context"] = context
        yield _validate(number, record)


def _validate(number: int, data: Any) -> BatchItem:
    if not isinstance(data, dict):
        return _err(number, "input.invalid", "line", "each line must be a JSON object")
    try:
        return BatchItem(number, AssessmentIn.model_validate(data), None)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "line"
        message = str(first["msg"]).removeprefix("Value error, ")
        return _err(number, "input.invalid", field, message)


def _err(number: int, code: str, field: str, message: str) -> BatchItem:
    return BatchItem(number, None, {"code": code, "field": field, "message": message})
