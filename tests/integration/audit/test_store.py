"""SqlAuditLog on SQLite and PostgreSQL: tamper detection, concurrency, transactions."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text

from trustdesk.audit.model import AuditEvent, VerifyResult, verify_chain
from trustdesk.audit.service import verify
from trustdesk.audit.store import SqlAuditLog
from trustdesk.core.clock import FixedClock, SystemClock
from trustdesk.db.engine import UnitOfWork, is_postgres

PEPPER = b"integration-pepper"


def _event(i: int) -> AuditEvent:
    return AuditEvent(
        actor="apikey:key_1",
        action="assessment.decided",
        subject=f"assessment:asm_{i}",
        payload={"decision": "allow", "n": i, "otp": "123456"},
        request_id=f"req_{i}",
        ip="198.51.100.9",
        device_fingerprint="fp-1",
    )


def _append(uow: UnitOfWork, n: int) -> None:
    clock = FixedClock(datetime(2024, 5, 1, 12, 0, tzinfo=UTC))
    with uow() as session:
        log = SqlAuditLog(session, PEPPER, clock)
        for i in range(1, n + 1):
            clock.advance(microseconds=1)
            log.append(_event(i))


def _verify(uow: UnitOfWork) -> VerifyResult:
    with uow() as session:
        return verify(SqlAuditLog(session, PEPPER, SystemClock()))


def test_fifty_entries_verify_and_read_back_in_order(uow: UnitOfWork) -> None:
    _append(uow, 50)
    with uow() as session:
        log = SqlAuditLog(session, PEPPER, SystemClock())
        assert log.count() == 50
        entries = list(log.iter_entries(batch_size=7))
        head = log.head()
    assert [e.seq for e in entries] == list(range(1, 51))
    assert head == entries[-1]
    assert entries[0].payload == {"decision": "allow", "n": 1, "otp": "[redacted]"}
    assert entries[0].at == datetime(2024, 5, 1, 12, 0, 0, 1, tzinfo=UTC)
    result = _verify(uow)
    assert (result.ok, result.checked, result.head_hash) == (True, 50, entries[-1].entry_hash)


def test_raw_update_is_found(uow: UnitOfWork, engine: Engine) -> None:
    _append(uow, 50)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET action = 'assessment.voided' WHERE seq = 17"))
    result = _verify(uow)
    assert (result.ok, result.first_bad_seq, result.checked) == (False, 17, 16)
    assert result.problem == "entry 17: stored hash does not match its contents"


def test_raw_delete_is_found(uow: UnitOfWork, engine: Engine) -> None:
    _append(uow, 50)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entries WHERE seq = 30"))
    result = _verify(uow)
    assert (result.ok, result.first_bad_seq) == (False, 30)


def test_forged_row_below_the_first_seq_is_found(uow: UnitOfWork, engine: Engine) -> None:
    _append(uow, 3)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_entries (seq, at, actor, action, subject, payload,"
                " payload_hash, prev_hash, entry_hash) SELECT 0, at, actor, action, subject,"
                " payload, payload_hash, prev_hash, entry_hash FROM audit_entries WHERE seq = 1"
            )
        )
    result = _verify(uow)
    assert (result.ok, result.first_bad_seq) == (False, 0)
    assert result.problem == "entry 0: sequence numbers start at 1"


def test_concurrent_writers_never_fork_the_chain(uow: UnitOfWork) -> None:
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def writer(w: int) -> None:
        try:
            start.wait()
            for i in range(25):
                with uow() as session:
                    SqlAuditLog(session, PEPPER, SystemClock()).append(_event(w * 100 + i))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with uow() as session:
        log = SqlAuditLog(session, PEPPER, SystemClock())
        entries = list(log.iter_entries())
    assert [e.seq for e in entries] == list(range(1, 201))
    assert sorted(e.subject for e in entries) == sorted(
        f"assessment:asm_{w * 100 + i}" for w in range(8) for i in range(25)
    )
    result = verify_chain(entries)
    assert (result.ok, result.checked) == (True, 200)


def test_rollback_of_the_callers_transaction_leaves_no_entry(uow: UnitOfWork) -> None:
    _append(uow, 2)
    with pytest.raises(RuntimeError), uow() as session:
        SqlAuditLog(session, PEPPER, SystemClock()).append(_event(3))
        raise RuntimeError("the decision failed to save")
    with uow() as session:
        log = SqlAuditLog(session, PEPPER, SystemClock())
        assert log.count() == 2
        head = log.head()
        assert head is not None and head.seq == 2
        assert log.append(_event(3)).seq == 3
    assert _verify(uow).ok


def test_json_payload_round_trips_to_the_same_hash(uow: UnitOfWork) -> None:
    payload = {
        "amount": "0.000000001",
        "score": 0.1 + 0.2,
        "big": 2**63 + 1,
        "tiny": 1e-7,
        "huge": 1e20,
        "neg_zero": -0.0,
        "text": 'café ✓ "quoted" \\ \n\t\x00 \u2028',
        "nested": {"list": [True, False, None, {"z": 1, "a": [1.5]}]},
        "": "empty key",
    }
    with uow() as session:
        SqlAuditLog(session, PEPPER, SystemClock()).append(
            AuditEvent("cli", "lists.synced", "list:ofac", payload)
        )
    with uow() as session:
        entry = SqlAuditLog(session, PEPPER, SystemClock()).head()
    assert entry is not None
    assert entry.payload == payload
    assert _verify(uow).ok


def test_times_read_in_another_session_time_zone_still_verify(
    uow: UnitOfWork, engine: Engine
) -> None:
    _append(uow, 3)
    with uow() as session:
        if is_postgres(engine):
            session.execute(text("SET TIME ZONE 'America/New_York'"))
        log = SqlAuditLog(session, PEPPER, SystemClock())
        entries = list(log.iter_entries())
    assert entries[0].at.utcoffset() is not None
    assert entries[0].at == datetime(2024, 5, 1, 12, 0, 0, 1, tzinfo=UTC)
    assert verify_chain(entries).ok
