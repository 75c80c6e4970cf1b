"""Sanctions list releases become versioned snapshots with a diff and an audit entry.

Parsing happens before anything is written: a broken file raises and the active version
stays. The digital-currency addresses a release names feed the `lists` domain's block
list under their own source, synced in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from trustdesk.audit.model import AuditEvent
from trustdesk.audit.ports import AuditLog
from trustdesk.compliance import sources
from trustdesk.compliance.codec import entry_hash
from trustdesk.compliance.model import ParsedList
from trustdesk.compliance.store import SanctionsSnapshotRow, SqlSanctionsStore
from trustdesk.core.canonical import sha256_hex
from trustdesk.core.errors import InvalidInput
from trustdesk.core.ids import new_id
from trustdesk.lists.importers import sanctioned_addresses
from trustdesk.lists.importing import import_list
from trustdesk.lists.ports import ListStore

SOURCES = ("ofac-csv", "ofac-xml", "un-xml", "csv")
MAX_LISTED_IDS = 500  # ids named in the audit payload; the counts are always complete


@dataclass(frozen=True)
class SanctionsSyncReport:
    list_name: str
    snapshot_id: str | None  # None when the release equals the active one
    version: int | None
    entries: int
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: int
    addresses_added: int
    addresses_removed: int


def parse_source(source: str, path: Path, list_name: str | None = None) -> ParsedList:
    if source == "ofac-csv":
        return sources.parse_ofac_csv_dir(path)
    if source == "ofac-xml":
        return sources.parse_ofac_xml(path)
    if source == "un-xml":
        return sources.parse_un_xml(path)
    if source == "csv":
        return sources.parse_generic_csv(path, source=list_name or "custom")
    raise InvalidInput(
        f"unknown source {source!r}; choose one of {', '.join(SOURCES)}", field="source"
    )


def sync_sanctions(
    store: SqlSanctionsStore,
    lists: ListStore,
    audit: AuditLog,
    parsed: ParsedList,
    now: datetime,
    actor: str,
) -> SanctionsSyncReport:
    if not parsed.entries:
        raise InvalidInput(
            "the release has no entries; refusing to replace the active list with nothing",
            field="file",
        )
    list_name = parsed.source
    current = store.active(list_name)
    before = store.entry_hashes(current.id) if current else {}
    after = {e.entry_id: entry_hash(e) for e in parsed.entries}
    added = sorted(after.keys() - before.keys())
    removed = sorted(before.keys() - after.keys())
    changed = sorted(k for k in after.keys() & before.keys() if after[k] != before[k])
    unchanged = len(after) - len(added) - len(changed)
    content_hash = sha256_hex("\n".join(f"{k}:{after[k]}" for k in sorted(after)))
    snapshot_id = version = None
    if current is None or current.content_hash != content_hash:
        snapshot_id, version = new_id("snp"), store.next_version(list_name)
        store.add_snapshot(
            SanctionsSnapshotRow(
                id=snapshot_id,
                list_name=list_name,
                version=version,
                imported_at=now,
                published=parsed.published,
                files=list(parsed.files),
                content_hash=content_hash,
                entry_count=len(after),
                active=True,
                diff={"added": len(added), "removed": len(removed), "changed": len(changed)},
            ),
            list(parsed.entries),
        )
    triples = [
        (a.asset, a.address, e.primary_name) for e in parsed.entries for a in e.currency_addresses
    ]
    addresses = import_list(
        lists,
        audit,
        sanctioned_addresses(triples, source=f"{list_name}-records"),
        f"{list_name}-records",
        now,
        actor,
        allow_empty=True,
    )
    audit.append(
        AuditEvent(
            actor=actor,
            action="sanctions.synced",
            subject=f"sanctions-list:{list_name}",
            payload={
                "list": list_name,
                "snapshot_id": snapshot_id,
                "version": version,
                "published": parsed.published,
                "files": list(parsed.files),
                "entries": len(after),
                "added": len(added),
                "removed": len(removed),
                "changed": len(changed),
                "unchanged": unchanged,
                "added_ids": added[:MAX_LISTED_IDS],
                "removed_ids": removed[:MAX_LISTED_IDS],
                "changed_ids": changed[:MAX_LISTED_IDS],
            },
        )
    )
    return SanctionsSyncReport(
        list_name=list_name,
        snapshot_id=snapshot_id,
        version=version,
        entries=len(after),
        added=tuple(added),
        removed=tuple(removed),
        changed=tuple(changed),
        unchanged=unchanged,
        addresses_added=addresses.added,
        addresses_removed=addresses.removed,
    )
