"""SLA clocks on stored tickets: due instants from the shipped targets (computed by hand),
pause and resume through real status changes, and the readings; SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

from tests.integration.support.helpers import inbound, write
from tests.integration.support_desk.helpers import (
    MON,
    add_agent,
    at,
    open_ticket,
    ticket,
    utc,
    view,
)
from trustdesk.bootstrap import Container
from trustdesk.support.service import ReplyIn

# Friday 2026-03-06 16:30 UTC: 17:30 in Berlin (open until 18:00), 00:30 Saturday in
# Singapore (closed), 11:30 in New York (open; EST, DST starts Sunday 8 March).
FRI = utc(3, 6, 16, 30)

# (category, language, priority, region) -> (tier, team, first response due, resolution due)
DUE: list[tuple[tuple[str, str, str, str | None], tuple[str, str | None, datetime, datetime]]] = [
    # high on L2 (Berlin hours): 1 h = 30 min Friday + 30 min Monday; 1 bd = 9 h = 30 min
    # Friday + 8 h 30 Monday.
    (("theft_appeal", "en", "normal", None), ("l2", None, utc(3, 9, 8, 30), utc(3, 9, 16, 30))),
    # pinned to 24x7: wall clock, 1 h and 9 h.
    (
        ("account_security", "en", "normal", None),
        ("l2", "24x7", utc(3, 6, 17, 30), utc(3, 7, 1, 30)),
    ),
    # normal on compliance (Berlin): 4 h = 30 min + 3 h 30 Monday; 3 bd = 27 h = 30 min +
    # 9 h Monday + 9 h Tuesday + 8 h 30 Wednesday.
    (
        ("kyc_rejected", "en", "normal", None),
        ("compliance", "emea", utc(3, 9, 11, 30), utc(3, 11, 16, 30)),
    ),
    # urgent: its target runs on the 24x7 calendar: 15 min and 4 h.
    (("other", "en", "urgent", None), ("bot", "24x7", utc(3, 6, 16, 45), utc(3, 6, 20, 30))),
    # an American customer in New York hours: AMER's calendar, across the DST change: 4 h
    # to 15:30 EST; 27 h = 6 h 30 Friday + 9 Monday + 9 Tuesday + 2 h 30 Wednesday (EDT).
    (("other", "en", "normal", "US"), ("bot", "amer", utc(3, 6, 20, 30), utc(3, 11, 15, 30))),
    # Chinese outside APAC hours: the bot tier's own 24x7 calendar.
    (("other", "zh", "normal", None), ("bot", None, utc(3, 6, 20, 30), utc(3, 7, 19, 30))),
    # low on blockchain (Berlin): 1 bd = 30 min + 8 h 30 Monday; 5 bd = 45 h ends Friday
    # 13 March 17:30 Berlin.
    (
        ("transaction_status", "id", "low", None),
        ("blockchain", None, utc(3, 9, 16, 30), utc(3, 13, 16, 30)),
    ),
]


def test_due_instants_from_the_shipped_targets(container: Container) -> None:
    at(container, FRI)
    for n, ((category, language, priority, region), expected) in enumerate(DUE):
        t = open_ticket(
            container,
            f"due{n}@example.com",
            category=category,
            language=language,
            priority=priority,
            region=region,
        )
        stored = ticket(container, t.id)
        got = (
            stored.tier.value,
            stored.team,
            stored.first_response_due_at,
            stored.resolution_due_at,
        )
        assert got == expected, (category, language, priority, region)
        assert (stored.sla_paused_at, stored.sla_paused_total_s) == (None, 0)


def test_pause_and_resume_through_status_changes(container: Container) -> None:
    at(container, MON)  # Monday 09:00 in Berlin
    add_agent(container, "e1", queues="l1")
    t = open_ticket(container, tier="l1")
    assert (t.first_response_due_at, t.resolution_due_at) == (utc(3, 2, 12), utc(3, 4, 17))
    # The agent answers at 10:00 Berlin: first response recorded, the ticket waits for the
    # customer and the clock stops.
    at(container, utc(3, 2, 9))
    write(container, lambda d: d.reply(t.id, ReplyIn(body="Checking.", author_id="e1")))
    paused = ticket(container, t.id)
    assert (paused.status.value, paused.first_response_at, paused.sla_paused_at) == (
        "waiting_customer",
        utc(3, 2, 9),
        utc(3, 2, 9),
    )
    at(container, utc(3, 2, 12))
    sla = view(container, t.id).sla
    assert sla is not None
    # 26 business hours were left (Monday 10:00-18:00, Tuesday, Wednesday), frozen.
    assert (sla.resolution.running, sla.resolution.remaining.total_seconds()) == (False, 93_600)
    # The customer answers on Tuesday 09:00 Berlin: the 26 h run from there, to Thursday
    # 17:00 Berlin; 23 h were paused.
    at(container, utc(3, 3, 8))
    container.support_intake(
        inbound(external_id="<r1@x>", sender="ana@example.com", ticket_ref=t.id)
    )
    resumed = ticket(container, t.id)
    assert (resumed.status.value, resumed.sla_paused_at, resumed.sla_paused_total_s) == (
        "waiting_agent",
        None,
        82_800,
    )
    assert (resumed.first_response_due_at, resumed.resolution_due_at) == (
        utc(3, 2, 12),
        utc(3, 5, 16),
    )
    # Resolved on Thursday 09:00 Berlin with 8 h left; reopened by the customer on Friday
    # 09:00 Berlin: due Friday 17:00 Berlin.
    at(container, utc(3, 5, 8))
    write(container, lambda d: d.set_status(t.id, "resolved"))
    assert ticket(container, t.id).sla_paused_at == utc(3, 5, 8)
    at(container, utc(3, 6, 8))
    container.support_intake(
        inbound(external_id="<r2@x>", sender="ana@example.com", ticket_ref=t.id)
    )
    reopened = ticket(container, t.id)
    assert (reopened.status.value, reopened.resolution_due_at, reopened.sla_paused_total_s) == (
        "waiting_agent",
        utc(3, 6, 16),
        169_200,
    )
    sla = view(container, t.id).sla
    assert sla is not None
    # The first response stopped at 10:00 Monday with 3 h of its 4 h left.
    first, resolution = sla.first_response, sla.resolution
    assert (first.state.value, first.running, first.remaining.total_seconds()) == (
        "ok",
        False,
        10_800,
    )
    assert (resolution.state.value, resolution.running, resolution.remaining.total_seconds()) == (
        "ok",
        True,
        28_800,
    )


def test_a_priority_change_retargets_the_clock(container: Container) -> None:
    at(container, MON)
    t = open_ticket(container, tier="l1")
    # One business hour later (10:00 Berlin) the ticket becomes high: 1 h first response
    # with 1 h used is due now; 9 h resolution with 1 h used leaves 8 h: 18:00 Berlin.
    at(container, utc(3, 2, 9))
    high = write(container, lambda d: d.update(t.id, priority="high"))
    assert (high.first_response_due_at, high.resolution_due_at) == (utc(3, 2, 9), utc(3, 2, 17))
    assert ticket(container, t.id) == high
