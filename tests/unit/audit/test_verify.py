"""verify_chain names the first bad seq for every kind of tampering."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from trustdesk.audit.memory import MemoryAuditLog
from trustdesk.audit.model import (
    GENESIS_HASH,
    AuditEntry,
    AuditEvent,
    build_entry,
    entry_hash,
    verify_chain,
)
from trustdesk.core.clock import FixedClock

PEPPER = b"unit-pepper"


@pytest.fixture
def chain() -> list[AuditEntry]:
    clock = FixedClock(datetime(2024, 5, 1, 12, 0, tzinfo=UTC))
    log = MemoryAuditLog(PEPPER, clock)
    for i in range(1, 21):
        clock.advance(milliseconds=1.5)
        log.append(
            AuditEvent(
                actor="apikey:key_1",
                action="assessment.decided",
                subject=f"assessment:asm_{i}",
                payload={"decision": "allow", "score": i / 10, "reasons": ["ok"]},
                request_id=f"req_{i}",
                ip="203.0.113.7",
            )
        )
    return list(log.iter_entries())


def _rehash(entry: AuditEntry) -> AuditEntry:
    """What a careful forger does: make the entry's own hash consistent again."""
    fields = {k: getattr(entry, k) for k in entry.__dataclass_fields__}
    del fields["payload"], fields["entry_hash"]
    return replace(entry, entry_hash=entry_hash(**fields))


def test_intact_chain_verifies(chain: list[AuditEntry]) -> None:
    result = verify_chain(chain)
    assert result.ok
    assert (result.checked, result.first_bad_seq, result.problem) == (20, None, None)
    assert result.head_hash == chain[-1].entry_hash
    assert [e.seq for e in chain] == list(range(1, 21))
    assert chain[0].prev_hash == GENESIS_HASH
    assert all(b.prev_hash == a.entry_hash for a, b in zip(chain, chain[1:], strict=False))


def test_empty_chain_is_ok() -> None:
    assert verify_chain([]) == verify_chain(iter(()))
    result = verify_chain([])
    assert result.ok and result.checked == 0 and result.head_hash is None


def test_modified_payload(chain: list[AuditEntry]) -> None:
    chain[6] = replace(chain[6], payload={**chain[6].payload, "decision": "block"})
    result = verify_chain(chain)
    assert not result.ok
    assert result.first_bad_seq == 7
    assert result.problem == "entry 7: payload does not match its payload hash"
    assert result.checked == 6
    assert result.head_hash == chain[5].entry_hash


def test_modified_actor(chain: list[AuditEntry]) -> None:
    chain[6] = replace(chain[6], actor="cli")
    result = verify_chain(chain)
    assert result.first_bad_seq == 7
    assert result.problem == "entry 7: stored hash does not match its contents"


def test_rehashed_modification_breaks_the_next_link(chain: list[AuditEntry]) -> None:
    chain[4] = _rehash(replace(chain[4], actor="cli"))
    result = verify_chain(chain)
    assert result.first_bad_seq == 6
    assert result.problem == "entry 6: previous hash does not link to entry 5"


def test_rewritten_first_entry_must_start_at_genesis(chain: list[AuditEntry]) -> None:
    chain[0] = _rehash(replace(chain[0], prev_hash="f" * 64))
    result = verify_chain(chain)
    assert result.first_bad_seq == 1
    assert result.problem == "entry 1: previous hash does not link to the genesis hash"
    assert result.checked == 0 and result.head_hash is None


def test_deleted_middle_entry(chain: list[AuditEntry]) -> None:
    del chain[9]
    result = verify_chain(chain)
    assert result.first_bad_seq == 10
    assert result.problem == "entry 10 is missing or out of order: found entry 11 after entry 9"


def test_deleted_first_entry(chain: list[AuditEntry]) -> None:
    result = verify_chain(chain[1:])
    assert result.first_bad_seq == 1
    assert result.problem == "entry 1 is missing or out of order: found entry 2 at the start"


def test_inserted_entry_with_a_repeated_seq(chain: list[AuditEntry]) -> None:
    forged_event = AuditEvent(
        "cli", "assessment.decided", "assessment:asm_x", {"decision": "allow"}
    )
    forged = build_entry(
        forged_event, seq=8, at=chain[6].at, prev_hash=chain[6].entry_hash, pepper=PEPPER
    )
    chain.insert(7, forged)  # ..., 7, forged 8, original 8, ...
    result = verify_chain(chain)
    assert result.first_bad_seq == 8
    assert result.problem == "entry 8 appears more than once"


def test_inserted_entry_that_does_not_link(chain: list[AuditEntry]) -> None:
    forged_event = AuditEvent("cli", "assessment.decided", "assessment:asm_x", {})
    forged = build_entry(forged_event, seq=8, at=chain[6].at, prev_hash="e" * 64, pepper=PEPPER)
    chain[7:7] = [forged]
    result = verify_chain(chain)
    assert result.first_bad_seq == 8
    assert result.problem == "entry 8: previous hash does not link to entry 7"


def test_swapped_entries(chain: list[AuditEntry]) -> None:
    chain[11], chain[12] = chain[12], chain[11]
    result = verify_chain(chain)
    assert result.first_bad_seq == 12
    assert result.problem == "entry 12 is missing or out of order: found entry 13 after entry 11"


def test_swapped_contents_keeping_seq(chain: list[AuditEntry]) -> None:
    # What reordering looks like in a table: rows keep their seq, contents move.
    a, b = chain[11], chain[12]
    chain[11], chain[12] = replace(b, seq=12), replace(a, seq=13)
    result = verify_chain(chain)
    assert result.first_bad_seq == 12
    assert result.problem == "entry 12: stored hash does not match its contents"


def test_duplicated_seq(chain: list[AuditEntry]) -> None:
    chain.insert(15, chain[14])
    result = verify_chain(chain)
    assert result.first_bad_seq == 15
    assert result.problem == "entry 15 appears more than once"
    assert result.checked == 15


def test_entry_moved_backwards(chain: list[AuditEntry]) -> None:
    chain.append(chain[2])
    result = verify_chain(chain)
    assert result.first_bad_seq == 3
    assert result.problem == "entry 3 is out of order: it comes after entry 20"
