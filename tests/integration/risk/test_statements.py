"""The hot path's statement budget: one statement per look-up, whatever the account's size."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from trustdesk.bootstrap import Container

from ._support import OTHER_PAYEE, assess


@contextmanager
def statements(container: Container) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    event.listen(container.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(container.engine, "before_cursor_execute", record)


def test_an_assessment_is_ten_statements_on_sqlite_eleven_on_postgresql(
    container: Container,
) -> None:
    # History to read: a profile, a known device, IP, country and payees, past amounts.
    assess(container, idempotency_key="k-1")
    assess(container, idempotency_key="k-2", destination=OTHER_PAYEE)
    with statements(container) as seen:
        assert assess(container, idempotency_key="k-last").verdict.decision.value == "allow"
    postgres = container.engine.dialect.name == "postgresql"
    lock = ["SELECT pg_advisory_xact_lock("] if postgres else []  # SQLite: BEGIN IMMEDIATE
    begin = [] if postgres else ["BEGIN IMMEDIATE"]
    reads = [
        *lock,  # the account
        "SELECT assessments.id, assessments.account_id,",  # the idempotency key
        "SELECT list_entries.id, list_entries.list_type,",  # destination, device, IP, account
        "SELECT 'profile' AS",  # history
        "SELECT 'amount' AS",  # velocity
    ]
    writes = [
        "INSERT INTO assessments",
        "INSERT INTO account_seen",
        "INSERT INTO account_profiles",
        *lock,  # the audit chain
        "SELECT audit_entries.seq, audit_entries.entry_hash",  # its head
        "INSERT INTO audit_entries",
    ]
    expected = [*begin, *reads, *writes]
    assert len(seen) == len(expected), seen
    for statement, start in zip(seen, expected, strict=True):
        assert statement.startswith(start), (statement, start)
