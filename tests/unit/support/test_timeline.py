"""The pure merge of timeline sources: order, window, limit, truncation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from trustdesk.core.errors import InvalidInput
from trustdesk.support.timeline import ItemKind, TimelineItem, merge, reasons_text, window

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def item(minutes: int, kind: ItemKind, ref: str) -> TimelineItem:
    return TimelineItem(T0 + timedelta(minutes=minutes), kind, ref, f"{kind.value} {ref}")


def test_sources_interleave_in_time_order_causes_first_at_one_instant() -> None:
    tickets = [item(0, ItemKind.TICKET_OPENED, "TD-1"), item(5, ItemKind.STATUS_CHANGED, "s1")]
    messages = [item(0, ItemKind.MESSAGE, "m1"), item(5, ItemKind.MESSAGE, "m2")]
    risk = [item(-10, ItemKind.ASSESSMENT, "a1"), item(-10, ItemKind.CHALLENGE, "c1")]
    kyc = [item(3, ItemKind.KYC, "k1")]
    timeline = merge("cus_1", [tickets, messages, risk, kyc], window())
    assert [i.ref for i in timeline.items] == ["a1", "c1", "TD-1", "m1", "k1", "m2", "s1"]
    assert timeline.truncated is False


def test_window_and_limit() -> None:
    source = [item(m, ItemKind.MESSAGE, f"m{m}") for m in range(10)]
    since, until = T0 + timedelta(minutes=2), T0 + timedelta(minutes=8)
    timeline = merge("cus_1", [source], window(since, until, 4))
    assert [i.ref for i in timeline.items] == ["m2", "m3", "m4", "m5"]
    assert timeline.truncated is True
    exact = merge("cus_1", [source], window(since, until, 6))
    assert [i.ref for i in exact.items] == ["m2", "m3", "m4", "m5", "m6", "m7"]
    assert exact.truncated is False


def test_window_checks() -> None:
    assert window().limit == 200
    assert window(limit=1000).limit == 1000
    for bad in (0, 1001):
        with pytest.raises(InvalidInput) as caught:
            window(limit=bad)
        assert caught.value.field == "limit"
    with pytest.raises(InvalidInput) as caught:
        window(T0, T0)
    assert caught.value.field == "until"
    with pytest.raises(InvalidInput) as caught:
        window(datetime(2026, 3, 1))
    assert caught.value.field == "since"


def test_json_shape() -> None:
    one = TimelineItem(
        T0, ItemKind.ASSESSMENT, "asm_1", "block (95)", {"decision": "block", "score": 95}
    )
    assert merge("cus_1", [[one]], window()).to_json() == {
        "customer_id": "cus_1",
        "items": [
            {
                "at": "2026-03-01T09:00:00+00:00",
                "kind": "assessment",
                "ref": "asm_1",
                "summary": "block (95)",
                "decision": "block",
                "score": 95,
            }
        ],
        "truncated": False,
    }
    assert reasons_text(["A", "B", "C", "D", "E"]) == "A, B, C +2"
    assert reasons_text(["A"]) == "A"
