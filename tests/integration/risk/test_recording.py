from __future__ import annotations

import hashlib
import hmac
import io
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from eth_utils import to_checksum_address

from trustdesk.audit.service import export_jsonl, verify
from trustdesk.bootstrap import Container
from trustdesk.core.errors import DomainError
from trustdesk.risk.model import Assessment
from trustdesk.risk.store import AssessmentRow

from ._support import DEVICE, IP, PAYEE, assess, body, rows

# The EIP-55 spelling of PAYEE, 0x4F47Bc49..., with the case of its first letter flipped.
BAD_CASE = "0x4f47Bc496083C727c5fbe3CE9CDf2B0f6496270c"


def hmac_hex(pepper: bytes, value: str) -> str:
    return hmac.new(pepper, value.encode(), hashlib.sha256).hexdigest()


def test_same_key_same_body_replays(container: Container) -> None:
    first = assess(container, idempotency_key="k-1")
    before = rows(container)
    again = assess(container, idempotency_key="k-1")
    # The locale is presentation, not the transaction: it does not change the request.
    in_chinese = assess(container, idempotency_key="k-1", locale="zh")
    for replay in (again, in_chinese):
        assert replay.replayed is True
        assert replay.id == first.id
        assert replay.verdict == first.verdict
        assert replay.signals == first.signals
    assert first.replayed is False
    assert rows(container) == before  # no second row, no second audit entry


def test_same_key_different_amount_is_a_conflict(container: Container) -> None:
    assess(container, idempotency_key="k-1")
    before = rows(container)
    with pytest.raises(DomainError) as info:
        assess(container, idempotency_key="k-1", amount="2")
    assert (info.value.code, info.value.field) == (
        "assessment.idempotency_conflict",
        "idempotency_key",
    )
    assert rows(container) == before


def test_keys_belong_to_one_account(container: Container) -> None:
    a = assess(container, idempotency_key="k-1")
    b = assess(container, account_id="acct-2", idempotency_key="k-1", amount="2")
    assert a.id != b.id
    assert not b.replayed


def test_concurrent_retries_of_one_key_give_one_assessment(container: Container) -> None:
    start = threading.Barrier(8)

    def one(_: int) -> Assessment:
        start.wait()
        return container.assess(body(idempotency_key="k-race"), actor="test")

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one, range(8)))
    assert len({a.id for a in results}) == 1
    assert sorted(a.replayed for a in results) == [False] + [True] * 7
    assert rows(container)["assessments"] == 1
    assert rows(container)["audit"] == 1


def test_each_assessment_is_one_audit_entry_without_raw_ip_or_device(container: Container) -> None:
    ipv6 = "2001:DB8:0:0:0:0:0:7"
    made = [
        assess(container),
        assess(container, amount="2", context={"ip": ipv6, "device_id": DEVICE, "country": "SG"}),
        assess(container, amount="3", context={}),
    ]
    with container.reading() as session:
        log = container.audit_log(session)
        entries = list(log.iter_entries())
        result = verify(log)
        out = io.StringIO()
        export_jsonl(log, out)
        stored = {
            row.id: row for row in session.query(AssessmentRow).order_by(AssessmentRow.created_at)
        }
    assert (result.ok, result.checked, result.first_bad_seq) == (True, 3, None)
    assert [(e.seq, e.action, e.subject, e.actor) for e in entries] == [
        (i + 1, "assessment.decided", f"assessment:{a.id}", "test") for i, a in enumerate(made)
    ]
    pepper = container.pepper
    assert [e.ip_hash for e in entries] == [
        hmac_hex(pepper, IP),
        hmac_hex(pepper, "2001:db8::7"),
        None,
    ]
    assert [e.device_hash for e in entries] == [
        hmac_hex(pepper, DEVICE),
        hmac_hex(pepper, DEVICE),
        None,
    ]
    assert entries[0].payload == {
        "account_id": "acct-1",
        "chain": "ethereum",
        "asset": "ETH",
        "amount": "1",
        "destination": PAYEE,
        "decision": "allow",
        "strength": None,
        "score": 25,
        "reasons": ["FIRST_TIME_DESTINATION", "NEW_ACCOUNT"],
        "cooling_off_s": 0,
        "policy_version": "default-2026.12.1",
    }
    exported = out.getvalue()
    assert exported.count("\n") == 3
    for raw in (IP, "2001:db8::7", ipv6, DEVICE):
        assert raw not in exported
    assert stored[made[0].id].ip_hash == hmac_hex(pepper, IP)
    assert stored[made[0].id].device_hash == hmac_hex(pepper, DEVICE)


def test_bad_case_differs_from_eip55_in_one_letter() -> None:
    good = to_checksum_address(PAYEE)
    assert sum(a != b for a, b in zip(good, BAD_CASE, strict=True)) == 1


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"destination": BAD_CASE}, "chains.bad_checksum"),
        ({"chain": "dogecoin"}, "chains.unknown_chain"),
        ({"destination": "0x4f47bc496083c727c5fbe3ce9cdf2b0f649627"}, "chains.malformed_address"),
        (
            {"chain": "bitcoin", "destination": "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"},
            "chains.wrong_network",
        ),
    ],
)
def test_invalid_input_writes_nothing(
    container: Container, changes: dict[str, str], code: str
) -> None:
    with pytest.raises(DomainError) as info:
        assess(container, **changes)
    assert info.value.code == code
    assert rows(container) == {"assessments": 0, "audit": 0, "profiles": 0, "seen": 0}
