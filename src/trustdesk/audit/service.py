"""Audit use cases: verify the chain, export it, read an export back for verification."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any, TextIO

from trustdesk.audit.model import AuditEntry, VerifyResult, format_at, verify_chain
from trustdesk.audit.ports import AuditLog
from trustdesk.core.canonical import canonical_json
from trustdesk.core.errors import InvalidInput

_FIELDS = (
    "seq",
    "at",
    "actor",
    "action",
    "subject",
    "request_id",
    "ip_hash",
    "device_hash",
    "payload",
    "payload_hash",
    "prev_hash",
    "entry_hash",
)


def verify(log: AuditLog) -> VerifyResult:
    return verify_chain(log.iter_entries())


def export_jsonl(log: AuditLog, out: TextIO) -> int:
    """Write one canonical JSON object per entry (all fields, ISO times); return the count."""
    written = 0
    for entry in log.iter_entries():
        out.write(canonical_json(entry_to_json(entry)).decode())
        out.write("\n")
        written += 1
    return written


def read_jsonl(lines: Iterable[str]) -> Iterator[AuditEntry]:
    """Entries from an export, so ``verify_chain(read_jsonl(f))`` checks a file offline.

    Raises InvalidInput (``audit.bad_export``) naming the line that cannot be read."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield entry_from_json(json.loads(line))
        except (ValueError, TypeError, KeyError) as exc:
            raise InvalidInput(
                f"export line {number} is not an audit entry: {exc}",
                field=f"line {number}",
                code="audit.bad_export",
            ) from exc


def entry_to_json(entry: AuditEntry) -> dict[str, Any]:
    data = {name: getattr(entry, name) for name in _FIELDS}
    data["at"] = format_at(entry.at)
    return data


def entry_from_json(data: Mapping[str, Any]) -> AuditEntry:
    values = {name: data[name] for name in _FIELDS}
    at = datetime.fromisoformat(values["at"])
    if at.tzinfo is None:
        raise ValueError("time without a UTC offset")
    values["at"] = at
    return AuditEntry(**values)
