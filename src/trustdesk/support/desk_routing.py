"""The desk's rules applied to stored tickets, inside the caller's transaction.

- **New ticket**: ``route`` gives the queue (tier), team and priority (a tier the opener
  named is kept; the rules still give team and priority), the SLA clock starts from the
  ticket's creation, and off the bot tier the ticket goes to the agent whose turn it is, or
  waits in the queue's backlog (assignee null). The bot tier is never given to a person.
- **Status change**: the clock pauses (waiting_customer, resolved, closed) or resumes. A
  ticket that reaches waiting_agent while on the bot tier is handed off: routed again off the
  bot tier (the rules' queue, else the bot queue's ``escalate_to``) and assigned. A ticket
  resolved or closed frees its assignee, whose queues' backlogs are then drained.
- **Tier change** (an agent, a hand-off, an SLA escalation): routed again on the new tier,
  clock retargeted, assigned in the new queue. A priority change retargets the clock.

Every routing decision is audited as ``support.ticket_routed`` with the rule version and
the rule that decided each of queue, team and priority.

Assignments take the queue's cursor row and then the agents' rows ``FOR UPDATE`` before they
read loads (see ``desk_store``), so concurrent workers never give an agent more than their
capacity.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Final

from trustdesk.core.errors import InvalidInput
from trustdesk.support.desk_config import DeskConfig
from trustdesk.support.env import SupportEnv
from trustdesk.support.model import Priority, Status, Ticket, Tier
from trustdesk.support.routing import (
    Assignment,
    Cursor,
    Route,
    RoutingPolicy,
    assign,
    drain_backlog,
    route,
)
from trustdesk.support.sla import Priority as SlaPriority
from trustdesk.support.sla import (
    SlaClock,
    SlaReading,
    SlaTerms,
    TicketFacts,
    apply_status,
    breach_state,
    retarget,
    start_clock,
)

BOT: Final = Tier.BOT.value
_CLOSED: Final = frozenset({Status.RESOLVED, Status.CLOSED})


# --- tickets as the pure modules see them -------------------------------------------------------


def facts(ticket: Ticket) -> TicketFacts:
    return TicketFacts(
        id=ticket.id,
        category=ticket.category.value,
        priority=SlaPriority(ticket.priority.value),
        language=ticket.language,
        region=ticket.region,
        tier=ticket.tier.value,
        created_at=ticket.created_at,
        status=ticket.status.value,
        assignee=ticket.assignee,
        team=ticket.team,
    )


def clock_of(ticket: Ticket) -> SlaClock | None:
    """The ticket's SLA clock, or None for a ticket that never had one."""
    if ticket.first_response_due_at is None or ticket.resolution_due_at is None:
        return None
    return SlaClock(
        first_response_due=ticket.first_response_due_at,
        resolution_due=ticket.resolution_due_at,
        paused_at=ticket.sla_paused_at,
        paused_total=timedelta(seconds=ticket.sla_paused_total_s or 0),
        first_responded_at=ticket.first_response_at,
    )


def with_clock(ticket: Ticket, clock: SlaClock) -> Ticket:
    return replace(
        ticket,
        first_response_due_at=clock.first_response_due,
        resolution_due_at=clock.resolution_due,
        sla_paused_at=clock.paused_at,
        sla_paused_total_s=int(clock.paused_total.total_seconds()),
    )


def terms_of(config: DeskConfig, ticket: Ticket) -> SlaTerms:
    return config.sla.terms_for(facts(ticket))


def reading(config: DeskConfig, ticket: Ticket, now: datetime) -> SlaReading | None:
    clock = clock_of(ticket)
    return None if clock is None else breach_state(clock, terms_of(config, ticket), now)


# --- routing ------------------------------------------------------------------------------------


def place_new(env: SupportEnv, ticket: Ticket, *, pinned: bool = False) -> Ticket:
    """Route a new ticket, start its clock and assign it; ``pinned``: keep its tier."""
    desk = env.desk_setup()
    now = env.clock.now()
    policy = desk.config.routing
    if pinned:
        found = route_on(policy, facts(ticket), ticket.tier.value, now)
    else:
        found = route(policy, facts(ticket), now)
    placed = _routed(ticket, found, found.queue, now)
    placed = with_clock(placed, start_clock(terms_of(desk.config, placed), ticket.created_at))
    trigger = "opened_pinned" if pinned else "opened"
    return _settle(env, placed, found, trigger, keep_assignee=ticket.assignee is not None)


def hand_off(env: SupportEnv, ticket: Ticket, tier: str | None = None) -> Ticket:
    """Take the ticket off the bot tier: to ``tier``, else where the rules send it now (the
    bot learnt its language, say), else the bot queue's ``escalate_to``."""
    desk = env.desk_setup()
    target = tier
    if target is None:
        target = route(desk.config.routing, facts(ticket), env.clock.now()).queue
        if target == BOT:
            target = desk.config.queues[BOT].escalate_to or Tier.L1.value
    if target == BOT:
        raise InvalidInput("a hand-off goes to a human tier, not the bot", field="tier")
    return reroute(env, ticket, target, "hand_off")


def reroute(
    env: SupportEnv,
    ticket: Ticket,
    tier: str,
    trigger: str,
    *,
    was: Ticket | None = None,
    keep_assignee: bool = False,
    retarget_clock: bool = True,
) -> Ticket:
    """Put the ticket on ``tier``: team and priority by the rules, the clock retargeted from
    ``was`` (default: the ticket as given), assigned in the new queue."""
    desk = env.desk_setup()
    if tier not in desk.config.queues:
        raise InvalidInput(f"unknown tier {tier!r}", field="tier")
    now = env.clock.now()
    found = route_on(desk.config.routing, facts(ticket), tier, now)
    moved = replace(_routed(ticket, found, tier, now), reassigned_from=None)
    clock = clock_of(ticket)
    if clock is not None and retarget_clock:
        old = terms_of(desk.config, was or ticket)
        moved = with_clock(moved, retarget(clock, old, terms_of(desk.config, moved), now))
    return _settle(env, moved, found, trigger, keep_assignee=keep_assignee)


def route_on(policy: RoutingPolicy, ticket: TicketFacts, tier: str, at: datetime) -> Route:
    """``route`` for a ticket whose tier is decided: a rule that pins a team for another
    queue (account security -> l2 on 24x7) does not pin it here, a team-only rule (Chinese
    in APAC hours -> apac) does."""
    rules = tuple(r if r.queue in (None, tier) else replace(r, team=None) for r in policy.rules)
    found = route(replace(policy, rules=rules), ticket, at)
    decided = dict(found.decided_by)
    team = found.team
    if found.queue != tier:
        decided["queue"] = "given"
        if decided.get("team") == "default":
            team = None
            del decided["team"]
    return replace(found, queue=tier, team=team, decided_by=tuple(sorted(decided.items())))


def _routed(ticket: Ticket, found: Route, tier: str, now: datetime) -> Ticket:
    return replace(
        ticket,
        tier=Tier(tier),
        team=found.team,
        priority=Priority(found.priority.value),
        updated_at=now,
    )


def _settle(
    env: SupportEnv, ticket: Ticket, found: Route, trigger: str, *, keep_assignee: bool
) -> Ticket:
    """Assign (unless kept or on the bot tier), save, and audit the decision."""
    now = env.clock.now()
    if keep_assignee and ticket.assignee is not None:
        ticket, how = replace(ticket, assigned_at=ticket.assigned_at or now), "kept"
    else:
        ticket = replace(ticket, assignee=None, assigned_at=None)
        env.store.save_ticket(ticket)  # the old assignee's load no longer counts it
        if ticket.tier is Tier.BOT:
            how = "bot"
        else:
            ticket, how = _assign(env, ticket, now)
    env.store.save_ticket(ticket)
    decided = dict(found.decided_by)
    env.record(
        "ticket_routed",
        f"ticket:{ticket.id}",
        {
            "ticket_id": ticket.id,
            "trigger": trigger,
            "version": found.version,
            "rules": {k: decided.get(k) for k in ("queue", "team", "priority")},
            "tier": ticket.tier.value,
            "team": ticket.team,
            "priority": ticket.priority.value,
            "assignee": ticket.assignee,
            "assignment": how,
        },
    )
    return ticket


# --- assignment ---------------------------------------------------------------------------------


def _assign(
    env: SupportEnv, ticket: Ticket, now: datetime, exclude: Iterable[str] = ()
) -> tuple[Ticket, str]:
    """The agent whose turn it is takes the ticket: (ticket, rule), or ("backlog")."""
    store = env.desk_setup().store
    queue = ticket.tier.value
    last = store.lock_cursors([queue])[queue]
    roster = [p.agent() for p in store.agents(lock=True)]
    placed = assign(facts(ticket), roster, _cursor(queue, last), exclude).assignment
    if placed is None:
        return ticket, "backlog"
    store.set_cursor(queue, placed.agent_id, now)
    return replace(ticket, assignee=placed.agent_id, assigned_at=now), placed.rule


def drain(env: SupportEnv, queues: Iterable[str], trigger: str = "capacity") -> list[Assignment]:
    """Hand out the backlogs of ``queues`` (most urgent, then oldest first) while agents can
    take tickets; one roster across queues, so an agent in two queues is counted once."""
    desk = env.desk_setup()
    wanted = sorted({q for q in queues if q != BOT and q in desk.config.queues})
    if not wanted:
        return []
    now = env.clock.now()
    lasts = desk.store.lock_cursors(wanted)
    roster = tuple(p.agent() for p in desk.store.agents(lock=True))
    if not any(a.online and a.load < a.capacity for a in roster):
        return []
    done: list[Assignment] = []
    for queue in wanted:
        backlog = {t.id: t for t in desk.store.backlog(queue)}
        if not backlog:
            continue
        skip = {t.id: (t.reassigned_from,) for t in backlog.values() if t.reassigned_from}
        cursor = _cursor(queue, lasts[queue])
        drained = drain_backlog([facts(t) for t in backlog.values()], roster, cursor, skip)
        roster = drained.agents
        for given in drained.assignments:
            ticket = replace(
                backlog[given.ticket_id],
                assignee=given.agent_id,
                assigned_at=now,
                updated_at=now,
            )
            env.store.save_ticket(ticket)
            env.record(
                "ticket_assigned",
                f"ticket:{ticket.id}",
                {
                    "ticket_id": ticket.id,
                    "agent_id": given.agent_id,
                    "queue": queue,
                    "rule": given.rule,
                    "trigger": trigger,
                },
            )
        last = drained.cursor.last.get(queue)
        if last is not None and last != lasts[queue]:
            desk.store.set_cursor(queue, last, now)
        done.extend(drained.assignments)
    return done


def _cursor(queue: str, last: str | None) -> Cursor:
    return Cursor({queue: last} if last is not None else {})


# --- what status and field changes set off ------------------------------------------------------


def after_move(env: SupportEnv, before: Ticket, after: Ticket) -> Ticket:
    """The clock follows the status; waiting_agent on the bot tier is a hand-off; a ticket
    closed off frees its assignee for the backlog."""
    desk = env.desk_setup()
    now = env.clock.now()
    changed = after
    clock = clock_of(after)
    if clock is not None:
        moved = apply_status(clock, terms_of(desk.config, after), after.status.value, now)
        changed = with_clock(after, moved)
    if changed.status is Status.WAITING_AGENT and changed.tier is Tier.BOT:
        return hand_off(env, changed)
    if changed != after:
        env.store.save_ticket(changed)
    if after.status in _CLOSED and before.status not in _CLOSED and before.assignee:
        agent = desk.store.agent(before.assignee)
        if agent is not None:
            drain(env, agent.queues, "ticket_closed")
    return changed


_CLOCK_FIELDS: Final = frozenset(
    {"first_response_due_at", "resolution_due_at", "sla_paused_at", "sla_paused_total_s"}
)


def after_update(env: SupportEnv, before: Ticket, after: Ticket, fields: set[str]) -> Ticket:
    """A tier change routes again on the new tier (an assignee given with it is kept); a
    priority change retargets the clock; a hand-picked assignee's reply deadline runs from
    now. Clock fields set by hand are left as set."""
    desk = env.desk_setup()
    now = env.clock.now()
    by_hand = bool(fields & _CLOCK_FIELDS)
    changed = after
    if "assignee" in fields and before.assignee != after.assignee:
        changed = replace(changed, assigned_at=now if after.assignee else None)
    if before.tier is not after.tier:
        return reroute(
            env,
            changed,
            after.tier.value,
            "tier_changed",
            was=before,
            keep_assignee="assignee" in fields,
            retarget_clock=not by_hand,
        )
    clock = clock_of(after)
    if before.priority is not after.priority and clock is not None and not by_hand:
        old, new = terms_of(desk.config, before), terms_of(desk.config, after)
        changed = with_clock(changed, retarget(clock, old, new, now))
    if changed != after:
        env.store.save_ticket(changed)
    return changed
