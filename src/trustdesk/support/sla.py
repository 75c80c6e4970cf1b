"""SLA clocks: first-response and resolution targets measured in business time.

A target is chosen per (priority, tier) and measured on one team's calendar: the target's own
``calendar`` when it names one (urgent runs on a 24/7 calendar), else the team a routing rule
pinned the ticket to, else the team that owns the tier.

The clock keeps what the ticket row keeps: the two due instants, when it was paused and for
how long. A due instant is the first instant at which that timer is breached. While the ticket
waits for the customer, or is resolved or closed, both timers pause: the due instants keep
the value they would have without the pause, and on resuming they move on by the open time
that was left at the pause (``business_time_between(paused_at, due)``). A timer already
breached when paused stays breached at its original instant. Changing priority or tier
recomputes each running timer as the new target minus the business time already used.

Escalation is data: ``escalation_for`` says what to do about a breach (move to the next tier,
or notify a manager) and the caller does it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from trustdesk.core.errors import InvalidInput
from trustdesk.support.calendar import (
    BusinessCalendar,
    add_business_time,
    business_time_between,
)


class Priority(StrEnum):
    """Same values as the ticket store's priorities, most urgent first."""

    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"

    @property
    def rank(self) -> int:
        """0 for urgent .. 3 for low: sorts the most urgent first."""
        return _PRIORITY_ORDER.index(self)

    def at_least(self, floor: Priority | None) -> Priority:
        """This priority raised to ``floor`` when that is more urgent; never lowered."""
        return floor if floor is not None and floor.rank < self.rank else self


_PRIORITY_ORDER: Final = (Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW)

# Ticket statuses (the store's values) in which the SLA clock does not run.
PAUSED_STATUSES: Final = frozenset({"waiting_customer", "resolved", "closed"})


@dataclass(frozen=True)
class TicketFacts:
    """What routing, SLA and assignment need from a ticket. ``tier`` is the queue name;
    ``team`` is the team a routing rule pinned the ticket to (None: any team)."""

    id: str
    category: str
    priority: Priority
    language: str | None
    region: str | None
    tier: str | None  # None until routed
    created_at: datetime
    status: str = "new"
    assignee: str | None = None
    team: str | None = None

    @property
    def language_code(self) -> str | None:
        """Primary language subtag, lower case (``zh-Hant`` -> ``zh``); None when unknown."""
        return primary_language(self.language)


def primary_language(tag: str | None) -> str | None:
    if tag is None:
        return None
    code = tag.strip().replace("_", "-").split("-")[0].lower()
    return None if code in ("", "und", "unknown") else code


@dataclass(frozen=True)
class Queue:
    """A tier: who owns its calendar, and what a breach there leads to."""

    name: str
    team: str
    escalate_to: str | None = None  # the next tier
    manager: str | None = None  # whom to notify when there is no next tier


class Timer(StrEnum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


@dataclass(frozen=True)
class SlaTarget:
    priority: Priority
    tier: str | None  # None: every tier without its own target
    first_response: timedelta
    resolution: timedelta
    calendar: str | None = None  # a team whose calendar measures it, e.g. "24x7"

    def limit(self, timer: Timer) -> timedelta:
        return self.first_response if timer is Timer.FIRST_RESPONSE else self.resolution


@dataclass(frozen=True)
class SlaTerms:
    """What one ticket is measured against right now."""

    target: SlaTarget
    calendar: BusinessCalendar
    warning_share: float


class SlaConfigError(InvalidInput):
    code = "support.sla_invalid"


@dataclass(frozen=True)
class SlaPolicy:
    targets: tuple[SlaTarget, ...]
    calendars: Mapping[str, BusinessCalendar]
    queues: Mapping[str, Queue]
    warning_share: float = 0.75

    def target_for(self, priority: Priority, tier: str) -> SlaTarget:
        """The target for exactly this tier, else the priority's general one."""
        general = None
        for target in self.targets:
            if target.priority is priority and target.tier == tier:
                return target
            if target.priority is priority and target.tier is None:
                general = general or target
        if general is None:
            raise SlaConfigError(f"no SLA target for priority {priority.value}", field="sla")
        return general

    def terms(self, priority: Priority, tier: str, team: str | None = None) -> SlaTerms:
        target = self.target_for(priority, tier)
        queue = self.queues.get(tier)
        if queue is None:
            raise SlaConfigError(f"unknown tier {tier!r}", field="tier")
        name = target.calendar or team or queue.team
        calendar = self.calendars.get(name)
        if calendar is None:
            raise SlaConfigError(f"no calendar for team {name!r}", field="team")
        return SlaTerms(target, calendar, self.warning_share)

    def terms_for(self, ticket: TicketFacts) -> SlaTerms:
        return self.terms(ticket.priority, _tier_of(ticket), ticket.team)


# --- the clock ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlaClock:
    """Maps onto the ticket row: ``first_response_due_at``, ``resolution_due_at``,
    ``sla_paused_at``, ``sla_paused_total_s``; ``first_responded_at`` is when the first public
    reply went out (the first-response timer stops there)."""

    first_response_due: datetime
    resolution_due: datetime
    paused_at: datetime | None = None
    paused_total: timedelta = timedelta(0)
    first_responded_at: datetime | None = None

    def due(self, timer: Timer) -> datetime:
        return self.first_response_due if timer is Timer.FIRST_RESPONSE else self.resolution_due

    def stopped_at(self, timer: Timer) -> datetime | None:
        """Where this timer's time stands still: its response, else the pause."""
        if timer is Timer.FIRST_RESPONSE and self.first_responded_at is not None:
            return self.first_responded_at
        return self.paused_at


def start_clock(terms: SlaTerms, created_at: datetime) -> SlaClock:
    cal, target = terms.calendar, terms.target
    return SlaClock(
        first_response_due=add_business_time(cal, created_at, target.first_response),
        resolution_due=add_business_time(cal, created_at, target.resolution),
    )


def record_first_reply(clock: SlaClock, at: datetime) -> SlaClock:
    """The first public reply stops the first-response timer; later replies change nothing."""
    if clock.first_responded_at is not None:
        return clock
    return replace(clock, first_responded_at=at)


def pause(clock: SlaClock, at: datetime) -> SlaClock:
    return clock if clock.paused_at is not None else replace(clock, paused_at=at)


def resume(clock: SlaClock, terms: SlaTerms, at: datetime) -> SlaClock:
    """Move each unbreached due instant on by the open time that was left at the pause."""
    if clock.paused_at is None:
        return clock
    if at < clock.paused_at:
        raise ValueError(f"resume at {at.isoformat()} is before the pause")
    paused_at, cal = clock.paused_at, terms.calendar

    def moved(due: datetime) -> datetime:
        if due <= paused_at:
            return due  # breached before the pause: stays breached at its instant
        return add_business_time(cal, at, business_time_between(cal, paused_at, due))

    first = clock.first_response_due
    if clock.first_responded_at is None:
        first = moved(first)
    return replace(
        clock,
        first_response_due=first,
        resolution_due=moved(clock.resolution_due),
        paused_at=None,
        paused_total=clock.paused_total + (at - paused_at),
    )


def apply_status(clock: SlaClock, terms: SlaTerms, status: str, at: datetime) -> SlaClock:
    """Pause on waiting_customer/resolved/closed; resume on anything else (a customer reply
    moving the ticket back to an agent or the bot, a reopen)."""
    if status in PAUSED_STATUSES:
        return pause(clock, at)
    return resume(clock, terms, at)


def retarget(clock: SlaClock, old: SlaTerms, new: SlaTerms, at: datetime) -> SlaClock:
    """New priority/tier/team: due = new target minus the business time already used.

    A timer whose new target is already used up is breached from ``at`` (from the pause, when
    paused; from its old due instant, when it was breached before)."""
    ref = at if clock.paused_at is None else clock.paused_at

    def recomputed(timer: Timer) -> datetime:
        due = clock.due(timer)
        used = old.target.limit(timer) - business_time_between(old.calendar, ref, due)
        left = new.target.limit(timer) - used
        if left > timedelta(0):
            return add_business_time(new.calendar, ref, left)
        return min(due, ref)

    first = clock.first_response_due
    if clock.first_responded_at is None:
        first = recomputed(Timer.FIRST_RESPONSE)
    return replace(clock, first_response_due=first, resolution_due=recomputed(Timer.RESOLUTION))


# --- events -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Created:
    at: datetime
    priority: Priority
    tier: str
    team: str | None = None


@dataclass(frozen=True)
class PublicReply:
    """A public reply by an agent or the bot (not the customer)."""

    at: datetime


@dataclass(frozen=True)
class StatusChanged:
    at: datetime
    status: str


@dataclass(frozen=True)
class Retargeted:
    at: datetime
    priority: Priority
    tier: str
    team: str | None = None


SlaEvent = Created | PublicReply | StatusChanged | Retargeted


def replay(policy: SlaPolicy, events: Iterable[SlaEvent]) -> SlaClock:
    """The clock after a ticket's events, in order; the first must be ``Created``."""
    clock: SlaClock | None = None
    terms: SlaTerms | None = None
    for event in events:
        if isinstance(event, Created):
            if clock is not None:
                raise ValueError("a ticket is created once")
            terms = policy.terms(event.priority, event.tier, event.team)
            clock = start_clock(terms, event.at)
            continue
        if clock is None or terms is None:
            raise ValueError(f"{type(event).__name__} before Created")
        if isinstance(event, PublicReply):
            clock = record_first_reply(clock, event.at)
        elif isinstance(event, StatusChanged):
            clock = apply_status(clock, terms, event.status, event.at)
        else:
            new = policy.terms(event.priority, event.tier, event.team)
            clock, terms = retarget(clock, terms, new, event.at), new
    if clock is None:
        raise ValueError("no Created event")
    return clock


# --- readings -----------------------------------------------------------------------------------


class BreachState(StrEnum):
    OK = "ok"
    WARNING = "warning"
    BREACHED = "breached"


_SEVERITY: Final = (BreachState.OK, BreachState.WARNING, BreachState.BREACHED)


@dataclass(frozen=True)
class TimerReading:
    timer: Timer
    state: BreachState
    due: datetime
    remaining: timedelta  # business time; negative: overdue by that much
    running: bool  # False while paused or once answered


@dataclass(frozen=True)
class SlaReading:
    first_response: TimerReading
    resolution: TimerReading

    @property
    def worst(self) -> BreachState:
        return max(self.first_response.state, self.resolution.state, key=_SEVERITY.index)


def remaining(clock: SlaClock, terms: SlaTerms, timer: Timer, now: datetime) -> timedelta:
    """Open time left until the due instant, frozen while paused or once answered."""
    ref = clock.stopped_at(timer) or now
    return business_time_between(terms.calendar, ref, clock.due(timer))


def read_timer(clock: SlaClock, terms: SlaTerms, timer: Timer, now: datetime) -> TimerReading:
    """breached from the due instant on; warning once ``warning_share`` of the target is used
    (exactly at the share counts); else ok."""
    stopped = clock.stopped_at(timer)
    ref = stopped or now
    due, limit = clock.due(timer), terms.target.limit(timer)
    left = business_time_between(terms.calendar, ref, due)
    if ref >= due:
        state = BreachState.BREACHED
    elif limit - left >= limit * terms.warning_share:
        state = BreachState.WARNING
    else:
        state = BreachState.OK
    return TimerReading(timer, state, due, left, stopped is None)


def breach_state(clock: SlaClock, terms: SlaTerms, now: datetime) -> SlaReading:
    return SlaReading(
        read_timer(clock, terms, Timer.FIRST_RESPONSE, now),
        read_timer(clock, terms, Timer.RESOLUTION, now),
    )


def next_change(clock: SlaClock, terms: SlaTerms, now: datetime) -> datetime | None:
    """When a reading next changes (a warning starts, or a timer breaches), for a scheduler;
    None while nothing runs towards a change."""
    moments: list[datetime] = []
    for timer in Timer:
        reading = read_timer(clock, terms, timer, now)
        if not reading.running or reading.state is BreachState.BREACHED:
            continue
        if reading.state is BreachState.OK:
            limit = terms.target.limit(timer)
            to_warning = limit * terms.warning_share - (limit - reading.remaining)
            moments.append(add_business_time(terms.calendar, now, to_warning))
        else:
            moments.append(reading.due)
    return min(moments, default=None)


# --- escalation ---------------------------------------------------------------------------------


class EscalationAction(StrEnum):
    MOVE_TIER = "move_tier"
    NOTIFY_MANAGER = "notify_manager"


@dataclass(frozen=True)
class Escalation:
    ticket_id: str
    timer: Timer
    due: datetime  # the breached due instant
    action: EscalationAction
    from_tier: str
    to_tier: str | None = None
    manager_id: str | None = None

    @property
    def reason(self) -> str:
        return f"sla.{self.timer.value}_breached"


def escalation_for(
    policy: SlaPolicy,
    ticket: TicketFacts,
    clock: SlaClock,
    now: datetime,
    last_escalated_at: datetime | None = None,
) -> Escalation | None:
    """What a breach of a running timer calls for, once per breach.

    A timer whose due instant is at or before ``last_escalated_at`` was dealt with already:
    after a move the recomputed due keeps its old instant when the new tier's target is used
    up too, so one breach does not cascade bot -> l1 -> l2 in one tick. The earliest breached
    timer wins; its tier's queue says move (``escalate_to``) or notify (``manager``); a tier
    with neither, a paused ticket or an answered first response give None."""
    terms = policy.terms_for(ticket)
    breached = []
    for timer in Timer:
        reading = read_timer(clock, terms, timer, now)
        fresh = last_escalated_at is None or reading.due > last_escalated_at
        if reading.running and reading.state is BreachState.BREACHED and fresh:
            breached.append((reading.due, timer))
    if not breached:
        return None
    due, timer = min(breached)
    queue = policy.queues[_tier_of(ticket)]
    if queue.escalate_to is not None:
        return Escalation(
            ticket.id, timer, due, EscalationAction.MOVE_TIER, queue.name, to_tier=queue.escalate_to
        )
    if queue.manager is not None:
        return Escalation(
            ticket.id,
            timer,
            due,
            EscalationAction.NOTIFY_MANAGER,
            queue.name,
            manager_id=queue.manager,
        )
    return None


def _tier_of(ticket: TicketFacts) -> str:
    if ticket.tier is None:
        raise InvalidInput(f"ticket {ticket.id} has no tier yet: route it first", field="tier")
    return ticket.tier
