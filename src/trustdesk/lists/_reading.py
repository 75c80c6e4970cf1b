"""Reading list files safely: strict UTF-8, JSON with positions, CSV that survives a bad
line, and merging of repeated entries."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from trustdesk.core.errors import InvalidInput, NotFound
from trustdesk.lists.model import EntryKey, ListEntry, ParseResult, Reject


def read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"no such list file: {path}", code="lists.file_not_found") from None
    except IsADirectoryError:
        raise InvalidInput(
            f"{path} is a directory, not a list file", code="lists.bad_format"
        ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidInput(
            f"{path.name}: not UTF-8 text (byte {exc.start}, line {line}: {exc.reason}); "
            "save the file as UTF-8 and import it again",
            code="lists.bad_encoding",
        ) from None


def load_json(path: Path) -> object:
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{path.name}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
            code="lists.bad_json",
        ) from None


def load_json_array(path: Path) -> list[object]:
    data = load_json(path)
    if not isinstance(data, list):
        raise InvalidInput(
            f"{path.name}: expected a JSON array, got {type(data).__name__}",
            code="lists.bad_format",
        )
    return data


@dataclass(frozen=True)
class CsvRecord:
    line: int  # 1-based line where the record starts
    fields: list[str] | None  # None when the record could not be read
    raw: str
    error: str = ""


def iter_csv_records(text: str) -> Iterator[CsvRecord]:
    """Records with the line each starts on. An unclosed quote would swallow the rest of the
    file into one field, so that line alone is refused and reading resumes after it."""
    lines = text.splitlines(keepends=True)
    start = 0
    while start < len(lines):
        reader = csv.reader(io.StringIO("".join(lines[start:]), newline=""), strict=True)
        consumed = 0
        try:
            for fields in reader:
                first = start + consumed
                raw = "".join(lines[first : start + reader.line_num]).rstrip("\r\n")
                consumed = reader.line_num
                if fields:
                    yield CsvRecord(first + 1, fields, raw)
        except csv.Error as exc:
            first = start + consumed
            yield CsvRecord(first + 1, None, lines[first].rstrip("\r\n"), f"malformed CSV: {exc}")
            start = first + 1
            continue
        return


class Collector:
    """Gathers candidate entries for one import. A repeated key is merged into the first
    entry: its reason part is kept (once) and it is counted as a duplicate."""

    def __init__(self, render: Callable[[list[str]], str]) -> None:
        self._render = render
        self._entries: dict[EntryKey, ListEntry] = {}
        self._parts: dict[EntryKey, list[str]] = {}
        self._rejected: list[Reject] = []
        self._duplicates = 0

    def add(self, entry: ListEntry, reason_part: str) -> None:
        parts = self._parts.get(entry.key)
        if parts is None:
            self._entries[entry.key] = entry
            self._parts[entry.key] = [reason_part]
            return
        self._duplicates += 1
        if reason_part not in parts:
            parts.append(reason_part)

    def reject(self, position: int, raw: str, why: str, file: str = "") -> None:
        self._rejected.append(Reject(position, raw, why, file))

    def result(self) -> ParseResult:
        entries = tuple(
            replace(entry, reason=self._render(self._parts[key]))
            for key, entry in self._entries.items()
        )
        return ParseResult(entries, tuple(self._rejected), self._duplicates)
