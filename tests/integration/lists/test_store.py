from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, event, text

from trustdesk.chains.addresses import Address, detect_address
from trustdesk.core.errors import Conflict, InvalidInput, NotFound
from trustdesk.db.base import load_all_models
from trustdesk.db.engine import UnitOfWork, make_engine
from trustdesk.lists.model import ListEntry, ListType, ParseResult, SubjectKind
from trustdesk.lists.service import (
    add_manual_entry,
    add_to_allowlist,
    check_address,
    check_ip,
    check_value,
    remove_from_allowlist,
    remove_manual_entry,
    sync_source,
)
from trustdesk.lists.store import SqlListStore

NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)
EVM = "0x4f47bc496083c727c5fbe3ce9cdf2b0f6496270c"
OTHER = "0x00e01a648ff41346cdeb873182383333d2184dd1"


def address(raw: str) -> Address:
    found = detect_address(raw)
    assert found is not None, raw
    return found


def block(value: str, source: str = "feed", **changes: object) -> ListEntry:
    fields: dict[str, object] = {
        "list_type": ListType.BLOCK,
        "kind": SubjectKind.ADDRESS,
        "value": value,
        "family": "evm",
        "source": source,
        "category": "scam",
        "reason": "r",
    }
    fields.update(changes)
    return ListEntry(**fields)  # type: ignore[arg-type]


def test_per_account_allowlist_matches_only_that_account(uow: UnitOfWork) -> None:
    with uow() as session:
        store = SqlListStore(session)
        add_to_allowlist(store, "acct_1", address(EVM), NOW, reason="my cold wallet")
    with uow() as session:
        store = SqlListStore(session)
        mine = check_address(store, address(EVM), "acct_1", NOW)
        assert [(e.account_id, e.reason, e.added_at) for e in mine.entries] == [
            ("acct_1", "my cold wallet", NOW)
        ]
        assert mine.allowed and not mine.blocked
        assert not check_address(store, address(EVM), "acct_2", NOW)
        assert not check_address(store, address(EVM), None, NOW)
        with pytest.raises(Conflict) as err:
            add_to_allowlist(store, "acct_1", address(EVM), NOW)
        assert err.value.code == "lists.duplicate_entry"
    with uow() as session:
        store = SqlListStore(session)
        remove_from_allowlist(store, "acct_1", address(EVM))
        assert not check_address(store, address(EVM), "acct_1", NOW)
        with pytest.raises(NotFound) as missing:
            remove_from_allowlist(store, "acct_1", address(EVM))
        assert missing.value.code == "lists.entry_not_found"


def test_global_block_and_account_allow_both_reported(uow: UnitOfWork) -> None:
    with uow() as session:
        store = SqlListStore(session)
        sync_source(store, "feed", ParseResult((block(EVM),)), NOW)
        add_to_allowlist(store, "acct_1", address(EVM), NOW)
        match = check_address(store, address(EVM), "acct_1", NOW)
        assert match.blocked and match.allowed
        assert [e.list_type for e in check_address(store, address(EVM), "acct_2", NOW).entries] == [
            ListType.BLOCK
        ]


def test_expired_entries_do_not_match(uow: UnitOfWork) -> None:
    with uow() as session:
        store = SqlListStore(session)
        entries = (block(EVM, expires_at=NOW), block(OTHER, expires_at=NOW + timedelta(seconds=1)))
        sync_source(store, "feed", ParseResult(entries), NOW - timedelta(days=1))
    with uow() as session:
        store = SqlListStore(session)
        assert not check_address(store, address(EVM), None, NOW)
        assert [e.expires_at for e in check_address(store, address(OTHER), None, NOW).entries] == [
            NOW + timedelta(seconds=1)
        ]
        assert not check_address(store, address(OTHER), None, NOW + timedelta(seconds=1))


def test_ip_and_cidr_matches(uow: UnitOfWork) -> None:
    with uow() as session:
        store = SqlListStore(session)
        for kind, value in [
            (SubjectKind.CIDR, "10.1.2.3/8"),
            (SubjectKind.IP, "10.1.2.3"),
            (SubjectKind.CIDR, "2001:db8::/32"),
            (SubjectKind.IP, "2001:0db8:0000:0000:0000:0000:0000:0001"),
            (SubjectKind.CIDR, "192.168.0.0/16"),
        ]:
            add_manual_entry(
                store,
                list_type=ListType.BLOCK,
                kind=kind,
                value=value,
                category="abuse",
                reason=value,
                now=NOW,
            )
    with uow() as session:
        store = SqlListStore(session)
        match = check_ip(store, "10.1.2.3", NOW)
        assert sorted((e.kind.value, e.value) for e in match.entries) == [
            ("cidr", "10.0.0.0/8"),
            ("ip", "10.1.2.3"),
        ]
        assert [e.value for e in check_ip(store, "::ffff:10.200.0.1", NOW).entries] == [
            "10.0.0.0/8"
        ]
        assert sorted(e.value for e in check_ip(store, "2001:DB8::1", NOW).entries) == [
            "2001:db8::/32",
            "2001:db8::1",
        ]
        assert [e.value for e in check_ip(store, "2001:db8:ffff::9", NOW).entries] == [
            "2001:db8::/32"
        ]
        assert not check_ip(store, "11.0.0.1", NOW)
        assert not check_ip(store, "2001:db9::1", NOW)
        with pytest.raises(InvalidInput) as err:
            check_ip(store, "10.0.0.256", NOW)
        assert err.value.code == "lists.invalid_ip"


def test_devices_and_accounts(uow: UnitOfWork) -> None:
    with uow() as session:
        store = SqlListStore(session)
        add_manual_entry(
            store,
            list_type=ListType.GREY,
            kind=SubjectKind.DEVICE,
            value=" dev-1 ",
            category="fraud",
            reason="shared by 40 accounts",
            now=NOW,
        )
        add_manual_entry(
            store,
            list_type=ListType.BLOCK,
            kind=SubjectKind.ACCOUNT,
            value="acct_9",
            category="fraud",
            reason="mule",
            now=NOW,
        )
        assert check_value(store, SubjectKind.DEVICE, "dev-1", NOW).grey
        assert check_value(store, SubjectKind.ACCOUNT, "acct_9", NOW).blocked
        assert not check_value(store, SubjectKind.DEVICE, "acct_9", NOW)
        remove_manual_entry(store, list_type=ListType.GREY, kind=SubjectKind.DEVICE, value="dev-1")
        assert not check_value(store, SubjectKind.DEVICE, "dev-1", NOW)


def _keys(entries: list[ListEntry]) -> list[tuple[str, str, str, str | None]]:
    return sorted((e.list_type.value, e.kind.value, e.value, e.account_id) for e in entries)


def test_match_subjects_is_the_four_lookups_in_one(uow: UnitOfWork, engine: Engine) -> None:
    with uow() as session:
        store = SqlListStore(session)
        sync_source(store, "feed", ParseResult((block(EVM), block(OTHER))), NOW)
        add_to_allowlist(store, "acct_1", address(EVM), NOW)
        add_to_allowlist(store, "acct_2", address(EVM), NOW)
        for list_type, kind, value, expires in [
            (ListType.GREY, SubjectKind.DEVICE, "dev-1", None),
            (ListType.BLOCK, SubjectKind.DEVICE, "dev-2", None),
            (ListType.BLOCK, SubjectKind.IP, "10.1.2.3", None),
            (ListType.GREY, SubjectKind.CIDR, "10.0.0.0/8", None),
            (ListType.BLOCK, SubjectKind.CIDR, "10.1.0.0/16", NOW),  # expired
            (ListType.GREY, SubjectKind.CIDR, "192.168.0.0/16", None),
            (ListType.BLOCK, SubjectKind.ACCOUNT, "acct_1", None),
            (ListType.GREY, SubjectKind.ACCOUNT, "acct_2", None),
        ]:
            add_manual_entry(
                store,
                list_type=list_type,
                kind=kind,
                value=value,
                category="fraud",
                reason=value,
                now=NOW - timedelta(days=1),
                expires_at=expires,
            )
    with uow() as session:
        store = SqlListStore(session)
        session.execute(text("select 1"))  # the transaction is open before counting
        with counted_statements(engine) as statements:
            found = store.match_subjects(
                account_id="acct_1",
                now=NOW,
                family="evm",
                address=EVM,
                device="dev-1",
                ip="10.1.2.3",
                account="acct_1",
            )
        assert len(statements) == 1
        assert {kind: _keys(entries) for kind, entries in found.items()} == {
            SubjectKind.ADDRESS: [
                ("allow", "address", EVM, "acct_1"),
                ("block", "address", EVM, None),
            ],
            SubjectKind.DEVICE: [("grey", "device", "dev-1", None)],
            SubjectKind.IP: [
                ("block", "ip", "10.1.2.3", None),
                ("grey", "cidr", "10.0.0.0/8", None),
            ],
            SubjectKind.ACCOUNT: [("block", "account", "acct_1", None)],
        }
        # The same entries, field for field, as the single look-ups give.
        for kind, single in [
            (SubjectKind.ADDRESS, store.match_address("evm", EVM, "acct_1", NOW)),
            (SubjectKind.DEVICE, store.match_value(SubjectKind.DEVICE, "dev-1", NOW, "acct_1")),
            (SubjectKind.IP, store.match_ip("10.1.2.3", NOW, "acct_1")),
            (SubjectKind.ACCOUNT, store.match_value(SubjectKind.ACCOUNT, "acct_1", NOW)),
        ]:
            assert sorted(found[kind], key=repr) == sorted(single, key=repr)
        # No device and no IP: nothing for them, not even the ranges.
        bare = store.match_subjects(account_id="acct_9", now=NOW, account="acct_9")
        assert bare == {
            SubjectKind.ADDRESS: [],
            SubjectKind.DEVICE: [],
            SubjectKind.IP: [],
            SubjectKind.ACCOUNT: [],
        }


def test_unique_entry_without_family_or_account(uow: UnitOfWork) -> None:
    # '' instead of NULL: the same global device entry cannot be stored twice on either backend.
    with uow() as session:
        store = SqlListStore(session)
        kwargs = {
            "list_type": ListType.BLOCK,
            "kind": SubjectKind.DEVICE,
            "value": "dev-1",
            "category": "fraud",
            "reason": "r",
            "now": NOW,
        }
        add_manual_entry(store, **kwargs)  # type: ignore[arg-type]
        with pytest.raises(Conflict):
            add_manual_entry(store, **kwargs)  # type: ignore[arg-type]
        # The savepoint kept the first insert.
        assert len(store.entries_for_source("manual")) == 1


def test_sync_reports_and_applies_changes(uow: UnitOfWork) -> None:
    with uow() as session:
        store = SqlListStore(session)
        add_manual_entry(
            store,
            list_type=ListType.BLOCK,
            kind=SubjectKind.ADDRESS,
            value=EVM,
            category="scam",
            reason="ops",
            now=NOW,
        )
        first = sync_source(store, "feed", ParseResult((block(EVM), block(OTHER))), NOW)
        assert (first.added, first.removed, first.unchanged, first.updated) == (2, 0, 0, 0)
        later = NOW + timedelta(days=1)
        second = sync_source(
            store, "feed", ParseResult((block(EVM, reason="new"), block(EVM))), later
        )
        assert (second.added, second.removed, second.unchanged, second.updated) == (0, 1, 0, 1)
        assert second.duplicates == 1
        assert [e.value for e in second.removed_entries] == [OTHER]
        assert [(e.reason, e.added_at) for e in store.entries_for_source("feed")] == [("new", NOW)]
        # The manual entry of the same address is another source's and stays.
        assert [e.source for e in store.entries_for_source("manual")] == ["manual"]
        with pytest.raises(Conflict) as empty:
            sync_source(store, "feed", ParseResult(()), later)
        assert empty.value.code == "lists.empty_sync"
        cleared = sync_source(store, "feed", ParseResult(()), later, allow_empty=True)
        assert (cleared.removed, cleared.total) == (1, 0)
        with pytest.raises(InvalidInput) as mismatch:
            sync_source(store, "other", ParseResult((block(EVM),)), later)
        assert mismatch.value.code == "lists.source_mismatch"


@contextmanager
def counted_statements(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_match_address_is_one_select(uow: UnitOfWork, engine: Engine) -> None:
    with uow() as session:
        store = SqlListStore(session)
        sync_source(store, "feed", ParseResult((block(EVM),)), NOW)
        session.execute(text("select 1"))  # the transaction is open before counting
        with counted_statements(engine) as statements:
            assert len(store.match_address("evm", EVM, "acct_1", NOW)) == 1
        assert len(statements) == 1 and statements[0].lstrip().upper().startswith("SELECT")


def test_match_address_uses_the_kind_value_index(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'plan.db'}")
    load_all_models().create_all(engine)
    with engine.connect() as conn:
        plan = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT * FROM list_entries WHERE kind = 'address' "
            "AND value = '0xabc' AND family = 'evm' AND account_id IN ('', 'a') "
            "AND (expires_at IS NULL OR expires_at > '2025-01-01')"
        ).all()
    engine.dispose()
    assert any("ix_list_entries_kind_value" in str(row) for row in plan), plan
