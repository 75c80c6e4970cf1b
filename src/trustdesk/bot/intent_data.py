"""Labelled texts for training and evaluation: reading ``text,<label>`` CSV files strictly.

A file that is missing, not UTF-8 text, not a CSV with the expected columns, empty, or with
an empty text or label is refused with a message that names the file and the row.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from trustdesk.core.errors import InvalidInput

MAX_TEXT_CHARS = 2_000


class DatasetError(InvalidInput):
    code = "bot.dataset_invalid"


@dataclass(frozen=True)
class Example:
    text: str
    label: str


def read_labelled_csv(path: Path, label_column: str = "category") -> list[Example]:
    """Rows of ``text`` and ``label_column`` (other columns are ignored)."""
    name = str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DatasetError(f"{name}: no such file", field="dataset") from None
    except IsADirectoryError:
        raise DatasetError(f"{name}: is a directory, not a CSV file", field="dataset") from None
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DatasetError(f"{name}: not a UTF-8 text CSV file", field="dataset") from None
    if "\x00" in content:
        raise DatasetError(f"{name}: not a text CSV file (binary data)", field="dataset")
    lines = content.splitlines()
    try:
        reader = csv.DictReader(lines, strict=True)
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise DatasetError(f"{name}: not a readable CSV file ({exc})", field="dataset") from None
    wanted = ["text", label_column]
    missing = [c for c in wanted if c not in header]
    if missing:
        found = ",".join(header)[:80] or "nothing"
        raise DatasetError(
            f"{name}: expected a CSV with columns text,{label_column}; missing "
            f"{', '.join(missing)} (header: {found})",
            field="dataset",
        )
    reader.fieldnames = header
    return _rows(name, reader, label_column)


def _rows(name: str, reader: csv.DictReader[str], label_column: str) -> list[Example]:
    examples = []
    try:
        for row in reader:
            line = reader.line_num
            text, label = (row.get("text") or "").strip(), (row.get(label_column) or "").strip()
            if not text or not label:
                raise DatasetError(f"{name}, line {line}: empty text or {label_column}")
            if len(text) > MAX_TEXT_CHARS:
                raise DatasetError(f"{name}, line {line}: text over {MAX_TEXT_CHARS} characters")
            examples.append(Example(text, label))
    except csv.Error as exc:
        raise DatasetError(f"{name}: not a readable CSV file ({exc})", field="dataset") from None
    if not examples:
        raise DatasetError(f"{name}: no rows after the header", field="dataset")
    return examples


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def examples_sha256(examples: Sequence[Example]) -> str:
    """A hash of exactly what was trained on, whatever files it came from."""
    digest = hashlib.sha256()
    for example in examples:
        digest.update(f"{example.label}\t{example.text}\n".encode())
    return digest.hexdigest()
