"""The SLA sweep: what a ticket's timers and assignee call for at an instant, and doing it.

For each ticket whose clock runs:

- a timer that reached its warning share is **warned** once per due instant (an internal
  note and ``support.sla_warning``);
- a timer that reached its due instant is **breached** once per due instant (a note and
  ``support.sla_breached``), and the breach **escalates** as the desk says (``escalation_for``):
  to the queue's next tier, routed and assigned there, or to its manager (named in the note
  and the audit entry);
- an assignee who has not replied publicly within the ``[reassign]`` time loses the ticket
  to the next agent whose turn it is, never the same one (``support.ticket_reassigned``).

Then the backlogs are drained (``desk_routing.drain``). Everything acted on leaves a mark (an
alert row, ``last_escalated_at``, a new ``assigned_at``), so a second sweep at the same
instant finds nothing to do. ``wiring.run_sweep`` runs one transaction per ticket.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Final

from trustdesk.support import desk_routing, tickets
from trustdesk.support.env import SupportEnv
from trustdesk.support.model import AuthorKind, Direction, Status, Ticket, Visibility
from trustdesk.support.routing import (
    NO_PUBLIC_REPLY,
    Cursor,
    reassign,
    reply_deadline,
    reply_overdue,
)
from trustdesk.support.sla import (
    BreachState,
    Escalation,
    EscalationAction,
    Timer,
    TimerReading,
    escalation_for,
)

AUTHOR: Final = "system:sla"  # who the sweep's internal notes are from
WARNING: Final = "warning"
BREACHED: Final = "breached"
# An assignee is expected to act while the ticket waits on the desk.
_AWAITING_AGENT: Final = frozenset({Status.NEW, Status.WAITING_AGENT})


@dataclass
class SweepReport:
    at: datetime
    warnings: int = 0
    breaches: int = 0
    escalated: int = 0  # moved to the next tier
    notified: int = 0  # a manager named
    reassigned: int = 0
    assigned: int = 0  # from the backlogs
    failed: list[str] = field(default_factory=list)  # ticket ids whose step raised

    def add(self, other: SweepReport) -> None:
        self.warnings += other.warnings
        self.breaches += other.breaches
        self.escalated += other.escalated
        self.notified += other.notified
        self.reassigned += other.reassigned
        self.assigned += other.assigned
        self.failed.extend(other.failed)

    def to_json(self) -> dict[str, object]:
        return {
            "at": self.at.astimezone(UTC).isoformat(),
            "warnings": self.warnings,
            "breaches": self.breaches,
            "escalated": self.escalated,
            "notified": self.notified,
            "reassigned": self.reassigned,
            "assigned": self.assigned,
            "failed": list(self.failed),
        }


@dataclass(frozen=True)
class Work:
    """What one ticket calls for now."""

    warn: tuple[TimerReading, ...] = ()
    breach: tuple[TimerReading, ...] = ()
    escalation: Escalation | None = None
    reassign: bool = False

    def __bool__(self) -> bool:
        return bool(self.warn or self.breach or self.escalation or self.reassign)


def work_for(env: SupportEnv, ticket: Ticket, now: datetime) -> Work:
    desk = env.desk_setup()
    clock = desk_routing.clock_of(ticket)
    if clock is None or ticket.status not in (Status.NEW, Status.BOT, Status.WAITING_AGENT):
        return Work()
    config = desk.config
    reading = desk_routing.reading(config, ticket, now)
    assert reading is not None
    fresh: dict[str, list[TimerReading]] = {WARNING: [], BREACHED: []}
    for timer in (reading.first_response, reading.resolution):
        if not timer.running or timer.state is BreachState.OK:
            continue
        kind = WARNING if timer.state is BreachState.WARNING else BREACHED
        if not desk.store.alerted(ticket.id, timer.timer.value, kind, timer.due):
            fresh[kind].append(timer)
    facts = desk_routing.facts(ticket)
    escalation = escalation_for(config.sla, facts, clock, now, ticket.last_escalated_at)
    overdue = False
    if ticket.assignee and ticket.assigned_at and ticket.status in _AWAITING_AGENT:
        calendar = desk_routing.terms_of(config, ticket).calendar
        deadline = reply_deadline(config.routing, calendar, facts.priority, ticket.assigned_at)
        if deadline is not None and now >= deadline:  # only then is their last reply asked
            last = desk.store.last_public_reply(ticket.id, ticket.assignee)
            assigned = ticket.assigned_at
            overdue = reply_overdue(config.routing, calendar, facts, assigned, last, now)
    return Work(tuple(fresh[WARNING]), tuple(fresh[BREACHED]), escalation, overdue)


def candidates(env: SupportEnv, now: datetime) -> list[str]:
    """Ids of the tickets that call for something now (read only)."""
    return [t.id for t in env.desk_setup().store.running() if work_for(env, t, now)]


def act(env: SupportEnv, ticket_id: str, now: datetime) -> SweepReport:
    """Do what the ticket calls for now, its row locked; nothing when that is nothing."""
    report = SweepReport(now)
    ticket = tickets.find(env, ticket_id, lock=True)
    work = work_for(env, ticket, now)
    store = env.desk_setup().store
    for timer in work.warn:
        store.add_alert(ticket.id, timer.timer.value, WARNING, timer.due, now)
        _note(env, ticket, _warning_text(timer))
        env.record("sla_warning", f"ticket:{ticket.id}", _timer_payload(ticket, timer))
        report.warnings += 1
    for timer in work.breach:
        store.add_alert(ticket.id, timer.timer.value, BREACHED, timer.due, now)
        report.breaches += 1
    esc = work.escalation
    for timer in work.breach:
        mine = esc if esc is not None and esc.timer is timer.timer else None
        _note(env, ticket, _breach_text(timer, mine))
        payload = _timer_payload(ticket, timer) | {
            "action": mine.action.value if mine else "none",
            "to_tier": mine.to_tier if mine else None,
            "manager": mine.manager_id if mine else None,
        }
        env.record("sla_breached", f"ticket:{ticket.id}", payload)
    if esc is not None:
        ticket = replace(ticket, last_escalated_at=now)
        if esc.action is EscalationAction.MOVE_TIER and esc.to_tier is not None:
            desk_routing.reroute(env, ticket, esc.to_tier, "escalated")
            report.escalated += 1
        else:
            if not any(t.timer is esc.timer for t in work.breach):  # breach noted before
                _note(env, ticket, _breach_text(None, esc))
            env.store.save_ticket(ticket)
            report.notified += 1
        return report
    if work.reassign:
        _reassign(env, ticket, now)
        report.reassigned += 1
    return report


def _reassign(env: SupportEnv, ticket: Ticket, now: datetime) -> None:
    store = env.desk_setup().store
    queue = ticket.tier.value
    last = store.lock_cursors([queue])[queue]
    roster = [p.agent() for p in store.agents(lock=True)]
    cursor = Cursor({queue: last} if last else {})
    skip = {ticket.reassigned_from} if ticket.reassigned_from else set()
    moved = reassign(desk_routing.facts(ticket), roster, cursor, NO_PUBLIC_REPLY, skip)
    changed = replace(
        ticket,
        assignee=moved.to_agent,
        assigned_at=now if moved.to_agent else None,
        reassigned_from=moved.from_agent,
        updated_at=now,
    )
    env.store.save_ticket(changed)
    if moved.to_agent is not None:
        store.set_cursor(queue, moved.to_agent, now)
    to = moved.to_agent or "the queue's backlog"
    _note(env, changed, f"Reassigned from {moved.from_agent} to {to}: no public reply in time.")
    env.record(
        "ticket_reassigned",
        f"ticket:{ticket.id}",
        {
            "ticket_id": ticket.id,
            "from_agent": moved.from_agent,
            "to_agent": moved.to_agent,
            "queue": queue,
            "reason": moved.reason,
        },
    )


def _note(env: SupportEnv, ticket: Ticket, text: str) -> None:
    message = tickets.append(
        env,
        ticket,
        direction=Direction.OUTBOUND,
        visibility=Visibility.INTERNAL,
        author_kind=AuthorKind.AGENT,
        author_id=AUTHOR,
        channel=ticket.channel,
        body=text,
        created_at=env.clock.now(),
    )
    tickets.record_message(env, ticket, message, attachments=0, quarantined=[])


def _label(timer: Timer) -> str:
    return timer.value.replace("_", " ")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _warning_text(timer: TimerReading) -> str:
    minutes = int(timer.remaining.total_seconds() // 60)
    return (
        f"SLA warning: the {_label(timer.timer)} is due at {_iso(timer.due)} "
        f"({minutes} min of business time left)."
    )


def _breach_text(timer: TimerReading | None, esc: Escalation | None) -> str:
    what = timer.timer if timer is not None else esc.timer if esc is not None else None
    due = timer.due if timer is not None else esc.due if esc is not None else None
    text = "SLA breached"
    if what is not None and due is not None:
        text += f": the {_label(what)} was due at {_iso(due)}"
    if esc is None:
        return text + "."
    if esc.action is EscalationAction.MOVE_TIER:
        return text + f". Escalated from tier {esc.from_tier} to {esc.to_tier}."
    return text + f". Manager {esc.manager_id} notified (tier {esc.from_tier})."


def _timer_payload(ticket: Ticket, timer: TimerReading) -> dict[str, object]:
    return {
        "ticket_id": ticket.id,
        "timer": timer.timer.value,
        "due": _iso(timer.due),
        "tier": ticket.tier.value,
        "priority": ticket.priority.value,
    }
