"""The import use case: parse a list file, sync its source, audit the change."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from trustdesk.audit.model import AuditEvent
from trustdesk.audit.ports import AuditLog
from trustdesk.core.errors import InvalidInput
from trustdesk.lists import importers
from trustdesk.lists.model import ListType, ParseResult, SyncReport
from trustdesk.lists.ports import ListStore
from trustdesk.lists.service import sync_source

FORMATS = ("ofac-addresses", "darklist", "lightlist", "csv", "json")
DEFAULT_SOURCES = {"ofac-addresses": importers.OFAC_SOURCE}


def parse_list_file(fmt: str, path: Path, source: str | None, category: str | None) -> ParseResult:
    if fmt == "ofac-addresses":
        return importers.parse_ofac_address_dir(path, source=source or importers.OFAC_SOURCE)
    if fmt in ("darklist", "lightlist"):
        kwargs = {"category": category} if category else {}
        return importers.parse_darklist(
            path,
            source=source or f"{fmt}:{path.name}",
            list_type=ListType.ALLOW if fmt == "lightlist" else ListType.BLOCK,
            **kwargs,
        )
    if fmt == "csv":
        return importers.parse_csv(path, source=source)
    if fmt == "json":
        return importers.parse_entries_json(path, source=source)
    raise InvalidInput(
        f"unknown list format {fmt!r}; choose one of {', '.join(FORMATS)}", field="format"
    )


def import_list(
    store: ListStore,
    audit: AuditLog,
    parsed: ParseResult,
    source: str,
    now: datetime,
    actor: str,
    *,
    allow_empty: bool = False,
) -> SyncReport:
    report = sync_source(store, source, parsed, now, allow_empty=allow_empty)
    audit.append(
        AuditEvent(
            actor=actor,
            action="lists.synced",
            subject=f"list-source:{source}",
            payload={
                "source": source,
                "added": report.added,
                "removed": report.removed,
                "updated": report.updated,
                "unchanged": report.unchanged,
                "rejected": len(report.rejected),
                "added_values": sorted(e.value for e in report.added_entries)[:1000],
                "removed_values": sorted(e.value for e in report.removed_entries)[:1000],
            },
        )
    )
    return report
