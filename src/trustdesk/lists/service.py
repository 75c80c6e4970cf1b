"""List use cases: sync an imported source, keep per-user allowlists, look subjects up."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from trustdesk.chains.addresses import Address
from trustdesk.core.errors import Conflict, InvalidInput
from trustdesk.lists.model import (
    USER_ALLOWLIST,
    Category,
    EntryKey,
    ListEntry,
    ListMatch,
    ListType,
    ParseResult,
    SubjectKind,
    SyncReport,
)
from trustdesk.lists.ports import ListStore
from trustdesk.lists.subjects import normalize_ip, normalize_subject

USER_SOURCE = "user"
MANUAL_SOURCE = "manual"


def sync_source(
    store: ListStore,
    source: str,
    parsed: ParseResult,
    now: datetime,
    *,
    allow_empty: bool = False,
) -> SyncReport:
    """Make the store hold exactly what ``parsed`` holds for ``source``.

    Entries new to the source are added (stamped ``now``), ones it no longer lists are
    removed, ones whose category, reason or expiry changed are updated in place (keeping
    their ``added_at``). Other sources are untouched. An empty import refuses to wipe a
    non-empty source unless ``allow_empty``: a truncated download must not lift sanctions.
    """
    incoming: dict[EntryKey, ListEntry] = {}
    duplicates = parsed.duplicates
    for entry in parsed.entries:
        if entry.source != source:
            raise InvalidInput(
                f"entry {entry.value} belongs to source {entry.source!r}, not {source!r}",
                field="source",
                code="lists.source_mismatch",
            )
        if entry.key in incoming:
            duplicates += 1
            continue
        incoming[entry.key] = entry
    existing = {entry.key: entry for entry in store.entries_for_source(source)}
    if not incoming and existing and not allow_empty:
        raise Conflict(
            f"the import for {source!r} is empty but the source holds {len(existing)} entries; "
            "refusing to remove them all",
            code="lists.empty_sync",
        )
    added = [replace(e, added_at=now) for k, e in incoming.items() if k not in existing]
    removed = [e for k, e in existing.items() if k not in incoming]
    changed = [
        replace(e, added_at=existing[k].added_at)
        for k, e in incoming.items()
        if k in existing and _details(e) != _details(existing[k])
    ]
    store.remove_many(removed)
    store.add_many(added)
    store.update_many(changed)
    return SyncReport(
        source=source,
        at=now,
        added=len(added),
        removed=len(removed),
        unchanged=len(incoming) - len(added) - len(changed),
        updated=len(changed),
        duplicates=duplicates,
        rejected=parsed.rejected,
        added_entries=tuple(added),
        removed_entries=tuple(removed),
    )


def _details(entry: ListEntry) -> tuple[str, str, datetime | None]:
    return (entry.category, entry.reason, entry.expires_at)


def add_to_allowlist(
    store: ListStore,
    account_id: str,
    address: Address,
    now: datetime,
    *,
    reason: str = "",
    expires_at: datetime | None = None,
) -> ListEntry:
    """Whitelist an address for one account (Conflict ``lists.duplicate_entry`` if it is)."""
    entry = ListEntry(
        list_type=ListType.ALLOW,
        kind=SubjectKind.ADDRESS,
        value=address.value,
        family=address.family,
        source=USER_SOURCE,
        category=USER_ALLOWLIST,
        reason=reason or "added by the account holder",
        account_id=_account(account_id),
        expires_at=expires_at,
        added_at=now,
    )
    return store.add_entry(entry)


def remove_from_allowlist(store: ListStore, account_id: str, address: Address) -> None:
    """Remove an account's whitelisted address (NotFound ``lists.entry_not_found`` if absent)."""
    store.remove_entry(
        ListEntry(
            list_type=ListType.ALLOW,
            kind=SubjectKind.ADDRESS,
            value=address.value,
            family=address.family,
            source=USER_SOURCE,
            category=USER_ALLOWLIST,
            reason="",
            account_id=_account(account_id),
        )
    )


def add_manual_entry(
    store: ListStore,
    *,
    list_type: ListType,
    kind: SubjectKind,
    value: str,
    category: Category,
    reason: str,
    now: datetime,
    family: str | None = None,
    expires_at: datetime | None = None,
) -> ListEntry:
    """A global entry an operator adds by hand; the value is validated and normalized."""
    family, canonical = normalize_subject(kind, value, family)
    entry = ListEntry(
        list_type=list_type,
        kind=kind,
        value=canonical,
        family=family,
        source=MANUAL_SOURCE,
        category=category,
        reason=reason.strip(),
        expires_at=expires_at,
        added_at=now,
    )
    return store.add_entry(entry)


def remove_manual_entry(
    store: ListStore,
    *,
    list_type: ListType,
    kind: SubjectKind,
    value: str,
    family: str | None = None,
) -> None:
    """Remove an operator's entry (NotFound ``lists.entry_not_found`` if absent); the
    category and reason play no part in which entry that is."""
    family, canonical = normalize_subject(kind, value, family)
    store.remove_entry(ListEntry(list_type, kind, canonical, family, MANUAL_SOURCE, "-", ""))


def check_address(
    store: ListStore, address: Address, account_id: str | None, now: datetime
) -> ListMatch:
    entries = store.match_address(address.family, address.value, account_id, now)
    return ListMatch(SubjectKind.ADDRESS, address.value, tuple(entries))


def check_ip(store: ListStore, ip: str, now: datetime, account_id: str | None = None) -> ListMatch:
    canonical = normalize_ip(ip)
    return ListMatch(SubjectKind.IP, canonical, tuple(store.match_ip(canonical, now, account_id)))


def check_value(
    store: ListStore, kind: SubjectKind, value: str, now: datetime, account_id: str | None = None
) -> ListMatch:
    _, canonical = normalize_subject(kind, value)
    entries = store.match_value(kind, canonical, now, account_id)
    return ListMatch(kind, canonical, tuple(entries))


def _account(account_id: str) -> str:
    account_id = account_id.strip()
    if not account_id:
        raise InvalidInput("account_id is empty", field="account_id", code="lists.empty_account")
    return account_id
