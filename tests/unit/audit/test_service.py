from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest

from trustdesk.audit.memory import MemoryAuditLog
from trustdesk.audit.model import AuditEvent, verify_chain
from trustdesk.audit.service import export_jsonl, read_jsonl, verify
from trustdesk.core.clock import FixedClock
from trustdesk.core.errors import InvalidInput


def _log(n: int) -> MemoryAuditLog:
    clock = FixedClock(datetime(2024, 5, 1, 12, 0, tzinfo=UTC))
    log = MemoryAuditLog(b"svc-pepper", clock)
    for i in range(1, n + 1):
        clock.advance(seconds=1)
        log.append(AuditEvent("system", "lists.synced", f"list:l{i}", {"added": i, "note": "é"}))
    return log


def test_verify_uses_the_log() -> None:
    result = verify(_log(5))
    assert result.ok and result.checked == 5


def test_export_writes_one_canonical_object_per_entry() -> None:
    log = _log(3)
    out = io.StringIO()
    assert export_jsonl(log, out) == 3
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    last = log.head()
    assert last is not None
    assert lines[2] == (
        '{"action":"lists.synced","actor":"system","at":"2024-05-01T12:00:03.000000+00:00",'
        '"device_hash":null,"entry_hash":"' + last.entry_hash + '","ip_hash":null,'
        '"payload":{"added":3,"note":"é"},"payload_hash":"' + last.payload_hash + '",'
        '"prev_hash":"' + last.prev_hash + '","request_id":null,"seq":3,"subject":"list:l3"}'
    )


def test_an_export_verifies_offline_and_edits_are_caught() -> None:
    out = io.StringIO()
    export_jsonl(_log(6), out)
    lines = out.getvalue().splitlines()
    assert verify_chain(read_jsonl(lines)).ok
    edited = json.loads(lines[3])
    edited["payload"]["added"] = 400
    lines[3] = json.dumps(edited)
    result = verify_chain(read_jsonl(lines))
    assert (result.ok, result.first_bad_seq) == (False, 4)


def test_unreadable_export_line_is_named() -> None:
    with pytest.raises(InvalidInput) as info:
        list(read_jsonl(['{"seq": 1}']))
    assert info.value.code == "audit.bad_export"
    assert info.value.field == "line 1"
