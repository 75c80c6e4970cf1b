"""Assignment: round-robin over agents with different capacities and languages, the backlog
and its drain order, nobody over capacity, reassignment, and the cursor as plain data."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.support_routing._times import NY, at, minutes, office, utc
from trustdesk.core.errors import InvalidInput
from trustdesk.support.calendar import BusinessCalendar
from trustdesk.support.desk_config import default_desk_config
from trustdesk.support.routing import (
    NO_PUBLIC_REPLY,
    Agent,
    Assignment,
    Cursor,
    CursorError,
    assign,
    drain_backlog,
    reassign,
    reply_deadline,
    reply_overdue,
)
from trustdesk.support.sla import Priority, TicketFacts

P = Priority
T0 = utc(2026, 1, 12, 9)


def agent(
    id: str,
    team: str,
    langs: str,
    capacity: int,
    *,
    queues: str = "l1",
    skills: str = "",
    online: bool = True,
    load: int = 0,
) -> Agent:
    return Agent(
        id,
        team,
        frozenset(queues.split()),
        frozenset(langs.split()),
        capacity,
        frozenset(skills.split()),
        online,
        load,
    )


ROSTER = (
    agent("a1", "emea", "en de", 2),
    agent("a2", "emea", "en", 1, queues="l1 l2"),
    agent("a3", "apac", "en zh", 3),
    agent("a4", "amer", "es en", 2, online=False),
)


def ticket(
    n: int,
    language: str | None = "en",
    priority: Priority = P.NORMAL,
    *,
    category: str = "other",
    tier: str | None = "l1",
    team: str | None = None,
    assignee: str | None = None,
) -> TicketFacts:
    created = T0 + timedelta(minutes=n)
    return TicketFacts(
        f"t{n}", category, priority, language, None, tier, created, "waiting_agent", assignee, team
    )


def taker(t: TicketFacts, agents: tuple[Agent, ...], cursor: Cursor) -> str | None:
    placed = assign(t, agents, cursor).assignment
    return None if placed is None else placed.agent_id


def run(
    tickets: list[TicketFacts], agents: tuple[Agent, ...], cursor: Cursor
) -> tuple[list[tuple[str, str | None, str | None]], tuple[Agent, ...], Cursor]:
    out: list[tuple[str, str | None, str | None]] = []
    for t in tickets:
        placed = assign(t, agents, cursor)
        agents, cursor = placed.agents, placed.cursor
        a = placed.assignment
        out.append((t.id, a.agent_id if a else None, a.rule if a else None))
    return out, agents, cursor


def loads(agents: tuple[Agent, ...]) -> dict[str, int]:
    return {a.id: a.load for a in agents}


def test_round_robin_over_capacities_and_languages() -> None:
    out, agents, cursor = run([ticket(n) for n in range(1, 9)], ROSTER, Cursor.empty())
    assert out == [
        ("t1", "a3", "least_loaded"),  # no cursor: all empty, a3 has the most free capacity
        ("t2", "a1", "round_robin"),  # after a3, a4 is offline: wrap to a1
        ("t3", "a2", "round_robin"),
        ("t4", "a3", "round_robin"),
        ("t5", "a1", "round_robin"),  # a1 now full (2)
        ("t6", "a3", "round_robin"),  # a2 full (1): skipped; a3 now full (3)
        ("t7", None, None),  # everyone online is full: backlog
        ("t8", None, None),
    ]
    assert loads(agents) == {"a1": 2, "a2": 1, "a3": 3, "a4": 0}
    assert cursor.to_data() == {"l1": "a3"}


def test_only_agents_who_can_take_it() -> None:
    # zh: only a3; pinned to emea: a1 or a2; an l2 ticket: only a2; unknown language: anyone
    cursor = Cursor({"l1": "a1"})
    assert taker(ticket(1, "zh-CN"), ROSTER, cursor) == "a3"
    assert taker(ticket(1, "de"), ROSTER, Cursor({"l1": "a1"})) == "a1"
    assert taker(ticket(1, team="emea"), ROSTER, Cursor({"l1": "a2"})) == "a1"
    assert taker(ticket(1, tier="l2"), ROSTER, cursor) == "a2"
    assert taker(ticket(1, None), ROSTER, cursor) == "a2"
    assert assign(ticket(1, "fr"), ROSTER, cursor).assignment is None
    # skills: an agent with skills takes only those categories
    kyc = agent("k1", "emea", "en", 5, skills="kyc_rejected")
    assert assign(ticket(1), (kyc,), cursor).assignment is None
    assert taker(ticket(1, category="kyc_rejected"), (kyc,), cursor) == "k1"
    # capacity 0 takes nothing
    assert assign(ticket(1), (agent("z", "emea", "en", 0),), cursor).assignment is None


def test_equal_agents_take_strict_turns() -> None:
    agents = tuple(agent(f"b{i}", "emea", "en", 10) for i in range(4))
    out, agents, _ = run([ticket(n) for n in range(12)], agents, Cursor({"l1": "b1"}))
    assert [o[1] for o in out] == ["b2", "b3", "b0", "b1"] * 3
    assert loads(agents) == {"b0": 3, "b1": 3, "b2": 3, "b3": 3}


def test_cursor_on_an_agent_who_left_keeps_its_place() -> None:
    # "a25" is gone: the turn goes to the first id after it, a3
    assert taker(ticket(1), ROSTER, Cursor({"l1": "a25"})) == "a3"
    assert taker(ticket(1), ROSTER, Cursor({"l1": "zz"})) == "a1"


def test_cursor_round_trips_as_plain_data() -> None:
    _, agents, cursor = run([ticket(1), ticket(2)], ROSTER, Cursor({"l2": "a2"}))
    stored = json.dumps(cursor.to_data())
    assert stored == '{"l1": "a1", "l2": "a2"}'
    restored = Cursor.from_data(json.loads(stored))
    assert restored == cursor
    rest = [ticket(n) for n in range(3, 7)]
    assert run(rest, agents, restored)[0] == run(rest, agents, cursor)[0]
    for bad in ([["l1", "a1"]], {"l1": 3}, "a1", None):
        with pytest.raises(CursorError):
            Cursor.from_data(bad)


def test_drain_backlog_most_urgent_then_oldest_and_capacity_held_exactly() -> None:
    _, agents, cursor = run([ticket(n) for n in range(1, 7)], ROSTER, Cursor.empty())
    # a4 comes online, a2 resolves its ticket
    agents = tuple(
        replace(a, online=True) if a.id == "a4" else replace(a, load=0) if a.id == "a2" else a
        for a in agents
    )
    backlog = [ticket(7), ticket(8), ticket(9, priority=P.URGENT), ticket(0, "zh")]
    drained = drain_backlog(backlog, agents, cursor)
    assert drained.assignments == (
        Assignment("t9", "a4", "l1", "round_robin"),  # urgent first; after a3 comes a4
        Assignment("t7", "a2", "l1", "round_robin"),  # t0 (zh) is older, but only a3 speaks zh
        Assignment("t8", "a4", "l1", "round_robin"),
    )
    assert [t.id for t in drained.waiting] == ["t0"]
    assert loads(drained.agents) == {"a1": 2, "a2": 1, "a3": 3, "a4": 2}
    assert all(a.load <= a.capacity for a in drained.agents)
    assert drained.cursor.to_data() == {"l1": "a4"}
    # a3 frees one: the zh ticket goes there
    freed = tuple(replace(a, load=2) if a.id == "a3" else a for a in drained.agents)
    again = drain_backlog(drained.waiting, freed, drained.cursor)
    assert again.assignments == (Assignment("t0", "a3", "l1", "round_robin"),)
    assert again.waiting == ()


def test_an_assigned_or_unrouted_ticket_is_refused() -> None:
    with pytest.raises(InvalidInput, match="already assigned to a1"):
        assign(ticket(1, assignee="a1"), ROSTER, Cursor.empty())
    with pytest.raises(InvalidInput, match="route it first"):
        assign(ticket(1, tier=None), ROSTER, Cursor.empty())
    with pytest.raises(InvalidInput, match="appears twice"):
        assign(ticket(1), (*ROSTER, ROSTER[0]), Cursor.empty())


# --- reassignment --------------------------------------------------------------------------------


def test_reply_deadline_in_business_time_per_priority() -> None:
    policy = default_desk_config().routing
    amer = office(NY)
    always = BusinessCalendar.always_open()
    # urgent on the 24x7 calendar: 30 min of wall clock
    assert reply_deadline(policy, always, P.URGENT, T0) == T0 + minutes(30)
    # high on the office calendar, assigned Friday 17:45: 15 min Friday + 15 min Monday
    friday = at(NY, 2026, 1, 9, 17, 45)
    assert reply_deadline(policy, amer, P.HIGH, friday) == at(NY, 2026, 1, 12, 9, 15)
    assert reply_deadline(policy, amer, P.NORMAL, friday) is None
    held = ticket(1, priority=P.URGENT, assignee="a1")
    assert not reply_overdue(
        policy, always, held, T0, None, T0 + minutes(30) - timedelta(microseconds=1)
    )
    assert reply_overdue(policy, always, held, T0, None, T0 + minutes(30))
    assert not reply_overdue(policy, always, held, T0, T0 + minutes(10), T0 + minutes(45))
    # a reply from before this assignment does not count
    assert reply_overdue(policy, always, held, T0, T0 - minutes(10), T0 + minutes(45))
    assert not reply_overdue(
        policy, amer, replace(held, priority=P.NORMAL), T0, None, T0 + minutes(999)
    )


def test_reassignment_skips_the_silent_agent() -> None:
    agents = (
        agent("a1", "emea", "en", 2, load=1),
        agent("a2", "emea", "en", 2),
        agent("a3", "emea", "en", 2),
    )
    # after a3 the turn would wrap to a1, who held it and said nothing: a2 gets it
    moved = reassign(ticket(1, assignee="a1"), agents, Cursor({"l1": "a3"}))
    assert (moved.from_agent, moved.to_agent, moved.queue, moved.reason) == (
        "a1",
        "a2",
        "l1",
        NO_PUBLIC_REPLY,
    )
    assert moved.reason == "support.no_public_reply"
    assert loads(moved.placement.agents) == {"a1": 0, "a2": 1, "a3": 0}
    assert moved.placement.cursor.to_data() == {"l1": "a2"}


def test_reassignment_with_nobody_else_goes_back_to_the_backlog() -> None:
    alone = (agent("a1", "emea", "en", 2, load=1), agent("a2", "emea", "en", 2, online=False))
    moved = reassign(ticket(1, assignee="a1"), alone, Cursor({"l1": "a1"}))
    assert (moved.to_agent, loads(moved.placement.agents)) == (None, {"a1": 0, "a2": 0})
    # later drains keep it off a1, but a2 coming online takes it
    back = (alone[0], replace(alone[1], online=True))
    drained = drain_backlog([ticket(1)], back, moved.placement.cursor, excluded={"t1": ["a1"]})
    assert drained.assignments == (Assignment("t1", "a2", "l1", "round_robin"),)
    with pytest.raises(InvalidInput, match="not assigned"):
        reassign(ticket(1), alone, Cursor.empty())


# --- property: never over capacity, never to someone who cannot take it ------------------------

LANGS = ["en", "zh", "id"]
agents_strategy = st.lists(
    st.builds(
        lambda i, langs, cap, online, queues, load: Agent(
            f"g{i}",
            "emea",
            frozenset(queues),
            frozenset(langs),
            cap,
            online=online,
            load=min(load, cap),
        ),
        st.integers(0, 99),
        st.sets(st.sampled_from(LANGS), min_size=1),
        st.integers(0, 3),
        st.booleans(),
        st.sets(st.sampled_from(["l1", "l2"]), min_size=1),
        st.integers(0, 3),
    ),
    min_size=1,
    max_size=5,
    unique_by=lambda a: a.id,
)
tickets_strategy = st.lists(
    st.tuples(
        st.sampled_from([*LANGS, None]), st.sampled_from(list(P)), st.sampled_from(["l1", "l2"])
    ),
    max_size=15,
)


@settings(max_examples=200, deadline=None)
@given(agents_strategy, tickets_strategy, st.sampled_from([None, "g0", "g50", "g99"]))
def test_drain_never_overfills_and_leaves_only_what_nobody_can_take(
    agents: list[Agent], specs: list[tuple[str | None, Priority, str]], last: str | None
) -> None:
    start = T0
    backlog = [
        TicketFacts(f"t{n}", "other", prio, lang, None, tier, start + timedelta(minutes=n))
        for n, (lang, prio, tier) in enumerate(specs)
    ]
    cursor = Cursor({"l1": last} if last else {})
    before = {a.id: a.load for a in agents}
    drained = drain_backlog(backlog, agents, cursor)
    by_id = {a.id: a for a in drained.agents}
    given_to = Counter(a.agent_id for a in drained.assignments)
    for a in drained.agents:
        assert a.load <= a.capacity
        assert a.load == before[a.id] + given_to[a.id]
    tickets = {t.id: t for t in backlog}
    for assignment in drained.assignments:
        t, a = tickets[assignment.ticket_id], by_id[assignment.agent_id]
        assert a.online and t.tier in a.queues and (t.language is None or t.language in a.languages)
    assert len(drained.assignments) + len(drained.waiting) == len(backlog)
    for t in drained.waiting:
        assert not any(a.can_take(t) for a in drained.agents)
