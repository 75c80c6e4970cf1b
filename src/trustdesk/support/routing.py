"""Routing rules, and handing tickets to agents fairly within their capacity.

**Rules** are versioned data (``policies/support.toml``), read in order. A rule matches on
category, language, region, priority, whether the language is known, and whether a team is
inside (or outside) its business hours at routing time; each field it leaves out matches
anything. A rule may set the ``queue`` (tier), pin a ``team`` and raise the priority
(``priority_at_least``). Each of the three is decided by the first matching rule that sets
it; the default rule gives the queue (and team) when no rule did. With every rule setting a
queue this is plain first-match-wins.

**Assignment**: an agent can take a ticket when online, below capacity, serving its queue,
of the pinned team (if any), speaking its language (any agent when the language is unknown)
and skilled in its category (an agent with no skills listed takes every category).

Round-robin decides whose turn it is: agents are ordered by id, and the turn goes to the first
agent that can take the ticket after the queue's cursor (the last agent the queue assigned
to), wrapping around; agents who cannot take it are skipped and keep their place. The cursor
is plain data (queue -> agent id) and still places correctly when that agent has left.
Least-loaded is the tie-break for when round-robin has no say, a queue with no cursor yet:
the turn goes to the fewest open tickets, then the most free capacity, then the lowest id.

Nobody who cannot take a ticket gets it: a ticket nobody can take waits in the queue's
backlog, and ``drain_backlog`` hands the backlog out (most urgent first, then oldest) when
agents come online or free capacity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from trustdesk.core.errors import InvalidInput
from trustdesk.support.calendar import BusinessCalendar, add_business_time, is_open
from trustdesk.support.sla import Priority, TicketFacts, primary_language

# --- rules ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    """Every field given must hold; an empty set or None matches anything."""

    categories: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()  # primary subtags: "zh" matches "zh-Hant"
    regions: frozenset[str] = frozenset()  # upper case, compared case-insensitively
    priorities: frozenset[Priority] = frozenset()
    language_known: bool | None = None
    within_hours_of: str | None = None  # a team, open at routing time
    outside_hours_of: str | None = None  # a team, closed at routing time

    def holds(
        self, ticket: TicketFacts, at: datetime, calendars: Mapping[str, BusinessCalendar]
    ) -> bool:
        language = ticket.language_code
        region = (ticket.region or "").strip().upper()
        return (
            (not self.categories or ticket.category in self.categories)
            and (not self.languages or language in self.languages)
            and (not self.regions or region in self.regions)
            and (not self.priorities or ticket.priority in self.priorities)
            and (self.language_known is None or (language is not None) == self.language_known)
            and (self.within_hours_of is None or is_open(calendars[self.within_hours_of], at))
            and (self.outside_hours_of is None or not is_open(calendars[self.outside_hours_of], at))
        )


@dataclass(frozen=True)
class Rule:
    name: str
    match: Match = Match()
    queue: str | None = None
    team: str | None = None
    priority_at_least: Priority | None = None


@dataclass(frozen=True)
class RoutingPolicy:
    version: str
    rules: tuple[Rule, ...]
    default: Rule  # its match is ignored; it has a queue
    calendars: Mapping[str, BusinessCalendar]
    # Reassign when the assignee has not replied publicly within this much business time.
    reassign_after: Mapping[Priority, timedelta]


@dataclass(frozen=True)
class Route:
    queue: str
    team: str | None
    priority: Priority
    version: str
    decided_by: tuple[tuple[str, str], ...]  # (field, "rules[2] name" or "default")


def route(policy: RoutingPolicy, ticket: TicketFacts, at: datetime) -> Route:
    """Where the ticket goes, at instant ``at`` (for the business-hours matches)."""
    queue: str | None = None
    team: str | None = None
    floor: Priority | None = None
    decided: dict[str, str] = {}
    for index, rule in enumerate(policy.rules):
        if not rule.match.holds(ticket, at, policy.calendars):
            continue
        label = f"rules[{index}] {rule.name}"
        if queue is None and rule.queue is not None:
            queue, decided["queue"] = rule.queue, label
        if team is None and rule.team is not None:
            team, decided["team"] = rule.team, label
        if floor is None and rule.priority_at_least is not None:
            floor, decided["priority"] = rule.priority_at_least, label
    if queue is None:
        queue, decided["queue"] = policy.default.queue, "default"
        if team is None and policy.default.team is not None:
            team, decided["team"] = policy.default.team, "default"
    assert queue is not None  # the default rule always has one (validated on load)
    return Route(
        queue=queue,
        team=team,
        priority=ticket.priority.at_least(floor),
        version=policy.version,
        decided_by=tuple(sorted(decided.items())),
    )


def routed(ticket: TicketFacts, target: Route) -> TicketFacts:
    """The ticket with its route applied (tier, team, priority)."""
    return replace(ticket, tier=target.queue, team=target.team, priority=target.priority)


# --- agents and the cursor ----------------------------------------------------------------------


@dataclass(frozen=True)
class Agent:
    id: str
    team: str
    queues: frozenset[str]
    languages: frozenset[str]
    capacity: int  # most open tickets at once
    skills: frozenset[str] = frozenset()  # categories; empty: all of them
    online: bool = True
    load: int = 0  # open tickets now

    def __post_init__(self) -> None:
        if self.capacity < 0 or self.load < 0:
            raise InvalidInput(f"agent {self.id}: capacity and load cannot be negative")
        # "zh-CN" in a profile means "zh", as on tickets
        codes = (primary_language(tag) for tag in self.languages)
        object.__setattr__(self, "languages", frozenset(c for c in codes if c is not None))

    def can_take(self, ticket: TicketFacts) -> bool:
        language = ticket.language_code
        return (
            self.online
            and self.load < self.capacity
            and ticket.tier in self.queues
            and (ticket.team is None or ticket.team == self.team)
            and (language is None or language in self.languages)
            and (not self.skills or ticket.category in self.skills)
        )


class CursorError(InvalidInput):
    code = "support.cursor_invalid"


@dataclass(frozen=True)
class Cursor:
    """Per queue, the agent it assigned to last. Persist ``to_data()``; read ``from_data``."""

    last: Mapping[str, str]

    @classmethod
    def empty(cls) -> Cursor:
        return cls({})

    def advanced(self, queue: str, agent_id: str) -> Cursor:
        return Cursor({**self.last, queue: agent_id})

    def to_data(self) -> dict[str, str]:
        return dict(sorted(self.last.items()))

    @classmethod
    def from_data(cls, data: object) -> Cursor:
        if not isinstance(data, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in data.items()
        ):
            raise CursorError("a round-robin cursor is an object of queue -> agent id strings")
        return cls(dict(data))


@dataclass(frozen=True)
class Assignment:
    ticket_id: str
    agent_id: str
    queue: str
    rule: str  # "round_robin", or "least_loaded" when the queue had no cursor


@dataclass(frozen=True)
class Placement:
    """The outcome of one assignment try, with the agents' loads and the cursor after it."""

    assignment: Assignment | None  # None: the ticket waits in the backlog
    agents: tuple[Agent, ...]
    cursor: Cursor


def choose_agent(
    ticket: TicketFacts,
    agents: Iterable[Agent],
    cursor: Cursor,
    exclude: Iterable[str] = (),
) -> tuple[Agent, str] | None:
    """Whose turn it is for this ticket (and by which rule), or None when nobody can take it."""
    skip = set(exclude)
    able = sorted((a for a in agents if a.id not in skip and a.can_take(ticket)), key=_by_id)
    if not able:
        return None
    last = cursor.last.get(ticket.tier or "")
    if last is None:
        return min(able, key=lambda a: (a.load, a.load - a.capacity, a.id)), "least_loaded"
    after = [a for a in able if a.id > last]
    return (after or able)[0], "round_robin"


def _by_id(agent: Agent) -> str:
    return agent.id


def assign(
    ticket: TicketFacts,
    agents: Sequence[Agent],
    cursor: Cursor,
    exclude: Iterable[str] = (),
) -> Placement:
    """Give the ticket to the agent whose turn it is; count it in their load; move the
    cursor. A ticket that already has an assignee is refused (reassign it instead)."""
    _check_roster(agents)
    if ticket.assignee is not None:
        raise InvalidInput(
            f"ticket {ticket.id} is already assigned to {ticket.assignee}", field="assignee"
        )
    if ticket.tier is None:
        raise InvalidInput(f"ticket {ticket.id} has no queue yet: route it first", field="tier")
    chosen = choose_agent(ticket, agents, cursor, exclude)
    if chosen is None:
        return Placement(None, tuple(agents), cursor)
    agent, rule = chosen
    return Placement(
        Assignment(ticket.id, agent.id, ticket.tier, rule),
        _with_load(agents, agent.id, +1),
        cursor.advanced(ticket.tier, agent.id),
    )


def _with_load(agents: Iterable[Agent], agent_id: str, change: int) -> tuple[Agent, ...]:
    return tuple(
        replace(a, load=max(0, a.load + change)) if a.id == agent_id else a for a in agents
    )


def _check_roster(agents: Sequence[Agent]) -> None:
    ids = [a.id for a in agents]
    if len(set(ids)) != len(ids):
        raise InvalidInput("an agent appears twice in the roster", field="agents")


# --- the backlog --------------------------------------------------------------------------------


def backlog_order(ticket: TicketFacts) -> tuple[int, datetime, str]:
    """Most urgent first, then oldest, then by id (for a stable order)."""
    return (ticket.priority.rank, ticket.created_at, ticket.id)


@dataclass(frozen=True)
class Drained:
    assignments: tuple[Assignment, ...]
    waiting: tuple[TicketFacts, ...]  # still in the backlog, in backlog order
    agents: tuple[Agent, ...]
    cursor: Cursor


def drain_backlog(
    backlog: Iterable[TicketFacts],
    agents: Sequence[Agent],
    cursor: Cursor,
    excluded: Mapping[str, Iterable[str]] | None = None,
) -> Drained:
    """Hand out waiting tickets in backlog order while anyone can take them. A ticket nobody
    can take (its language, say) does not hold up the ones behind it. ``excluded`` names,
    per ticket id, agents it must not go back to (after a reassignment)."""
    excluded = excluded or {}
    assignments: list[Assignment] = []
    waiting: list[TicketFacts] = []
    roster = tuple(agents)
    for ticket in sorted(backlog, key=backlog_order):
        placed = assign(ticket, roster, cursor, excluded.get(ticket.id, ()))
        roster, cursor = placed.agents, placed.cursor
        if placed.assignment is None:
            waiting.append(ticket)
        else:
            assignments.append(placed.assignment)
    return Drained(tuple(assignments), tuple(waiting), roster, cursor)


# --- reassignment -------------------------------------------------------------------------------

NO_PUBLIC_REPLY = "support.no_public_reply"


def reply_deadline(
    policy: RoutingPolicy, calendar: BusinessCalendar, priority: Priority, assigned_at: datetime
) -> datetime | None:
    """When an assignee who has not replied publicly loses the ticket (None: never)."""
    limit = policy.reassign_after.get(priority)
    return None if limit is None else add_business_time(calendar, assigned_at, limit)


def reply_overdue(
    policy: RoutingPolicy,
    calendar: BusinessCalendar,
    ticket: TicketFacts,
    assigned_at: datetime,
    last_reply_at: datetime | None,
    now: datetime,
) -> bool:
    """True from the deadline on, unless the assignee replied publicly since assignment.
    ``calendar`` is the one the ticket's SLA runs on."""
    if ticket.assignee is None:
        return False
    if last_reply_at is not None and last_reply_at >= assigned_at:
        return False
    deadline = reply_deadline(policy, calendar, ticket.priority, assigned_at)
    return deadline is not None and now >= deadline


@dataclass(frozen=True)
class Reassignment:
    ticket_id: str
    from_agent: str
    to_agent: str | None  # None: back in the queue's backlog
    queue: str
    reason: str
    placement: Placement


def reassign(
    ticket: TicketFacts,
    agents: Sequence[Agent],
    cursor: Cursor,
    reason: str = NO_PUBLIC_REPLY,
    exclude: Iterable[str] = (),
) -> Reassignment:
    """Take the ticket back from its assignee (freeing their capacity) and give it to the
    next agent whose turn it is, never the same one; the reason is kept with the move."""
    if ticket.assignee is None or ticket.tier is None:
        raise InvalidInput(f"ticket {ticket.id} is not assigned", field="assignee")
    previous = ticket.assignee
    released = _with_load(agents, previous, -1)
    placement = assign(replace(ticket, assignee=None), released, cursor, {previous, *exclude})
    to_agent = placement.assignment.agent_id if placement.assignment else None
    return Reassignment(ticket.id, previous, to_agent, ticket.tier, reason, placement)
