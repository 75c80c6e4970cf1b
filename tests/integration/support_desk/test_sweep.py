"""The SLA sweep on SQLite and PostgreSQL: warning, breach and escalation at exact instants,
a manager notified, a silent agent's ticket moved on, and a second sweep at one instant
changing nothing."""

from __future__ import annotations

from datetime import datetime

from tests.integration.support.helpers import audit, write
from tests.integration.support_desk.helpers import (
    MON,
    add_agent,
    at,
    loads,
    open_ticket,
    snapshot,
    ticket,
    utc,
    view,
)
from trustdesk.bootstrap import Container
from trustdesk.support.service import ReplyIn
from trustdesk.support.sweep import SweepReport


def counts(report: SweepReport) -> tuple[int, int, int, int, int, int]:
    r = report
    return (r.warnings, r.breaches, r.escalated, r.notified, r.reassigned, r.assigned)


def sweep_twice(container: Container, when: datetime) -> SweepReport:
    """Sweep at ``when``; a second sweep at the same instant must change nothing."""
    report = container.support_sweep(when)
    assert report.failed == []
    before = snapshot(container)
    again = container.support_sweep(when)
    assert counts(again) == (0, 0, 0, 0, 0, 0)
    assert snapshot(container) == before
    return report


def notes(container: Container, ticket_id: str) -> list[str]:
    return [m.body for m in view(container, ticket_id).messages if m.author_id == "system:sla"]


def sla_entries(container: Container) -> list[tuple[str, dict[str, object]]]:
    return [
        (a, p)
        for a, _, p in audit(container)
        if a in ("support.sla_warning", "support.sla_breached")
    ]


def test_warning_breach_and_escalation_through_the_tiers(container: Container) -> None:
    at(container, MON)  # Monday 09:00 Berlin
    add_agent(container, "e1", queues="l1")
    add_agent(container, "f1", queues="l2")
    t = open_ticket(container)
    # On the bot tier (24x7): first response in 4 h (12:00 UTC), warning at 3 h used.
    assert (t.tier.value, t.first_response_due_at) == ("bot", utc(3, 2, 12))
    assert counts(container.support_sweep(utc(3, 2, 10, 59))) == (0, 0, 0, 0, 0, 0)
    assert counts(sweep_twice(container, utc(3, 2, 11))) == (1, 0, 0, 0, 0, 0)
    assert notes(container, t.id) == [
        "SLA warning: the first response is due at 2026-03-02T12:00:00+00:00 "
        "(60 min of business time left)."
    ]
    # Breached at 12:00: the bot tier escalates to L1, routed and assigned there.
    assert counts(sweep_twice(container, utc(3, 2, 12))) == (0, 1, 1, 0, 0, 0)
    moved = ticket(container, t.id)
    assert (moved.tier.value, moved.assignee, moved.last_escalated_at) == (
        "l1",
        "e1",
        utc(3, 2, 12),
    )
    # The first response stays breached at its instant (4 h of L1's 4 h used); resolution:
    # 4 h of 27 used, 23 business hours from 13:00 Berlin -> Wednesday 18:00 Berlin.
    assert (moved.first_response_due_at, moved.resolution_due_at) == (utc(3, 2, 12), utc(3, 4, 17))
    # The next day nothing new: that breach was dealt with, the resolution timer is fine.
    assert counts(sweep_twice(container, utc(3, 3, 12))) == (0, 0, 0, 0, 0, 0)
    # Resolution warning once 75 % of 27 h is used: 6 h 45 left = Wednesday 11:15 Berlin.
    assert counts(container.support_sweep(utc(3, 4, 10, 14))) == (0, 0, 0, 0, 0, 0)
    assert counts(sweep_twice(container, utc(3, 4, 10, 15))) == (1, 0, 0, 0, 0, 0)
    # Breached at Wednesday 18:00 Berlin: L1 escalates to L2.
    assert counts(sweep_twice(container, utc(3, 4, 17))) == (0, 1, 1, 0, 0, 0)
    last = ticket(container, t.id)
    assert (last.tier.value, last.assignee, last.last_escalated_at) == ("l2", "f1", utc(3, 4, 17))
    # L2's target is used up too: the breach keeps its instant and does not cascade on to
    # the manager.
    assert last.resolution_due_at == utc(3, 4, 17)
    assert counts(sweep_twice(container, utc(3, 5, 12))) == (0, 0, 0, 0, 0, 0)
    assert loads(container) == {"e1": 0, "f1": 1}
    assert notes(container, t.id) == [
        "SLA warning: the first response is due at 2026-03-02T12:00:00+00:00 "
        "(60 min of business time left).",
        "SLA breached: the first response was due at 2026-03-02T12:00:00+00:00. "
        "Escalated from tier bot to l1.",
        "SLA warning: the resolution is due at 2026-03-04T17:00:00+00:00 "
        "(405 min of business time left).",
        "SLA breached: the resolution was due at 2026-03-04T17:00:00+00:00. "
        "Escalated from tier l1 to l2.",
    ]
    assert sla_entries(container) == [
        (
            "support.sla_warning",
            {
                "ticket_id": t.id,
                "timer": "first_response",
                "due": "2026-03-02T12:00:00+00:00",
                "tier": "bot",
                "priority": "normal",
            },
        ),
        (
            "support.sla_breached",
            {
                "ticket_id": t.id,
                "timer": "first_response",
                "due": "2026-03-02T12:00:00+00:00",
                "tier": "bot",
                "priority": "normal",
                "action": "move_tier",
                "to_tier": "l1",
                "manager": None,
            },
        ),
        (
            "support.sla_warning",
            {
                "ticket_id": t.id,
                "timer": "resolution",
                "due": "2026-03-04T17:00:00+00:00",
                "tier": "l1",
                "priority": "normal",
            },
        ),
        (
            "support.sla_breached",
            {
                "ticket_id": t.id,
                "timer": "resolution",
                "due": "2026-03-04T17:00:00+00:00",
                "tier": "l1",
                "priority": "normal",
                "action": "move_tier",
                "to_tier": "l2",
                "manager": None,
            },
        ),
    ]
    routed = [
        (p["trigger"], p["tier"], p["assignee"])
        for a, _, p in audit(container)
        if a == "support.ticket_routed"
    ]
    assert routed == [("opened", "bot", None), ("escalated", "l1", "e1"), ("escalated", "l2", "f1")]


def test_a_breach_on_the_last_tier_notifies_its_manager(container: Container) -> None:
    at(container, MON)
    t = open_ticket(container, category="deposit_withdrawal_failure")
    assert (t.tier.value, t.first_response_due_at) == ("blockchain", utc(3, 2, 12))
    assert counts(sweep_twice(container, utc(3, 2, 12))) == (0, 1, 0, 1, 0, 0)
    after = ticket(container, t.id)
    assert (after.tier.value, after.last_escalated_at) == ("blockchain", utc(3, 2, 12))
    assert notes(container, t.id) == [
        "SLA breached: the first response was due at 2026-03-02T12:00:00+00:00. "
        "Manager blockchain-lead notified (tier blockchain)."
    ]
    [(_, payload)] = sla_entries(container)
    assert (payload["action"], payload["manager"], payload["to_tier"]) == (
        "notify_manager",
        "blockchain-lead",
        None,
    )


def test_a_silent_agent_loses_the_ticket_to_another(container: Container) -> None:
    at(container, MON)  # Monday 09:00 Berlin
    add_agent(container, "g1", queues="l2")
    add_agent(container, "g2", queues="l2")
    t = open_ticket(container, category="theft_appeal")  # l2, high: reassigned after 30 min
    assert (t.tier.value, t.priority.value, t.assignee) == ("l2", "high", "g1")
    assert counts(container.support_sweep(utc(3, 2, 8, 29))) == (0, 0, 0, 0, 0, 0)
    assert counts(sweep_twice(container, utc(3, 2, 8, 30))) == (0, 0, 0, 0, 1, 0)
    moved = ticket(container, t.id)
    assert (moved.assignee, moved.assigned_at, moved.reassigned_from) == (
        "g2",
        utc(3, 2, 8, 30),
        "g1",
    )
    [entry] = [p for a, _, p in audit(container) if a == "support.ticket_reassigned"]
    assert entry == {
        "ticket_id": t.id,
        "from_agent": "g1",
        "to_agent": "g2",
        "queue": "l2",
        "reason": "support.no_public_reply",
    }
    assert notes(container, t.id) == ["Reassigned from g1 to g2: no public reply in time."]
    # g2 answers in time: the ticket waits for the customer and stays theirs.
    at(container, utc(3, 2, 8, 40))
    write(container, lambda d: d.reply(t.id, ReplyIn(body="We are on it.", author_id="g2")))
    assert counts(sweep_twice(container, utc(3, 2, 9, 30))) == (0, 0, 0, 0, 0, 0)
    assert ticket(container, t.id).assignee == "g2"
    assert loads(container) == {"g1": 0, "g2": 1}


def test_a_reassigned_ticket_nobody_else_can_take_waits(container: Container) -> None:
    at(container, MON)
    add_agent(container, "g1", queues="l2")
    t = open_ticket(container, category="theft_appeal")
    assert t.assignee == "g1"
    # Nobody else works L2: back to the backlog, and the drain skips g1 for it.
    assert counts(sweep_twice(container, utc(3, 2, 8, 30))) == (0, 0, 0, 0, 1, 0)
    waiting = ticket(container, t.id)
    assert (waiting.assignee, waiting.reassigned_from) == (None, "g1")
    add_agent(container, "g3", queues="l2")  # offline
    at(container, utc(3, 2, 8, 35))
    write(container, lambda d: d.set_online("g3", True))
    assert ticket(container, t.id).assignee == "g3"
