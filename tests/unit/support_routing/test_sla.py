"""SLA clocks: due instants, pause/resume, reopen, retarget, warning and breach boundaries,
escalation. The calendar is New York 09:00-18:00 Mon-Fri (no holidays): a business day is
9 h; January 2026 has no DST change, so EST is UTC-5 throughout."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import MappingProxyType

import pytest

from tests.unit.support_routing._times import NY, at, hours, minutes, office
from trustdesk.support.calendar import BusinessCalendar
from trustdesk.support.sla import (
    BreachState,
    Created,
    Escalation,
    EscalationAction,
    Priority,
    PublicReply,
    Queue,
    Retargeted,
    SlaClock,
    SlaConfigError,
    SlaEvent,
    SlaPolicy,
    SlaTarget,
    StatusChanged,
    TicketFacts,
    Timer,
    apply_status,
    breach_state,
    escalation_for,
    next_change,
    read_timer,
    record_first_reply,
    remaining,
    replay,
    retarget,
    start_clock,
)

P = Priority
DAY = hours(9)
POLICY = SlaPolicy(
    targets=(
        SlaTarget(P.URGENT, None, minutes(15), hours(4), calendar="24x7"),
        SlaTarget(P.HIGH, None, hours(1), DAY),
        SlaTarget(P.NORMAL, None, hours(4), 3 * DAY),
        SlaTarget(P.LOW, None, DAY, 5 * DAY),
        SlaTarget(P.NORMAL, "vip", minutes(30), DAY),
    ),
    calendars=MappingProxyType({"amer": office(NY), "24x7": BusinessCalendar.always_open("24x7")}),
    queues=MappingProxyType(
        {
            "bot": Queue("bot", "24x7", escalate_to="l1"),
            "l1": Queue("l1", "amer", escalate_to="l2"),
            "l2": Queue("l2", "amer", manager="mgr-7"),
            "vip": Queue("vip", "amer"),
        }
    ),
    warning_share=0.75,
)


def jan(day: int, hour: int, minute: int = 0) -> datetime:
    return at(NY, 2026, 1, day, hour, minute)


def ticket(tier: str = "l1", priority: Priority = P.NORMAL) -> TicketFacts:
    return TicketFacts("t-1", "other", priority, "en", "US", tier, jan(12, 9), "waiting_agent")


L1 = POLICY.terms(P.NORMAL, "l1")


# --- due instants ------------------------------------------------------------------------------


def test_due_instants_from_creation() -> None:
    # Friday 9 Jan 16:30: 4 h -> Monday 11:30; 27 h -> 1.5 + 9 + 9 + 7.5 -> Wednesday 16:30
    clock = start_clock(L1, jan(9, 16, 30))
    assert clock.first_response_due == jan(12, 11, 30)
    assert clock.resolution_due == jan(14, 16, 30)
    assert clock.paused_at is None and clock.paused_total == timedelta(0)


def test_target_per_tier_and_the_calendar_that_measures_it() -> None:
    assert POLICY.target_for(P.NORMAL, "vip").first_response == minutes(30)
    assert POLICY.target_for(P.NORMAL, "l2").first_response == hours(4)
    assert POLICY.terms(P.NORMAL, "bot").calendar.name == "24x7"  # the tier's team
    assert POLICY.terms(P.NORMAL, "bot", team="amer").calendar.name == "office"  # pinned team
    assert POLICY.terms(P.URGENT, "l1", team="amer").calendar.name == "24x7"  # the target's
    # urgent on a Saturday night: 15 min of wall-clock time
    urgent = start_clock(POLICY.terms(P.URGENT, "l1"), jan(10, 23, 50))
    assert urgent.first_response_due == jan(11, 0, 5)
    assert urgent.resolution_due == jan(11, 3, 50)
    with pytest.raises(SlaConfigError, match="unknown tier 'l9'"):
        POLICY.terms(P.NORMAL, "l9")


# --- pause, resume, reopen ---------------------------------------------------------------------


def test_waiting_for_the_customer_pauses_and_a_reply_resumes() -> None:
    clock = start_clock(L1, jan(12, 9))
    assert (clock.first_response_due, clock.resolution_due) == (jan(12, 13), jan(14, 18))
    clock = record_first_reply(clock, jan(12, 10))
    clock = apply_status(clock, L1, "waiting_customer", jan(12, 10))
    assert clock.paused_at == jan(12, 10)
    # frozen while paused: 26 h left (8 Monday + 9 + 9), whatever the time now
    for now in (jan(12, 17), jan(13, 14)):
        assert remaining(clock, L1, Timer.RESOLUTION, now) == hours(26)
        assert read_timer(clock, L1, Timer.RESOLUTION, now).running is False
    # the customer answers Tuesday 15:00: 26 h from there -> 3 + 9 + 9 + 5 -> Friday 14:00
    clock = apply_status(clock, L1, "waiting_agent", jan(13, 15))
    assert clock.paused_at is None
    assert clock.resolution_due == jan(16, 14)
    assert clock.first_response_due == jan(12, 13)  # answered: unchanged
    assert clock.paused_total == hours(29)
    # resolved Friday 11:00 (3 h left), reopened Monday 19th 10:00 -> due 13:00
    clock = apply_status(clock, L1, "resolved", jan(16, 11))
    clock = apply_status(clock, L1, "waiting_agent", jan(19, 10))
    assert clock.resolution_due == jan(19, 13)
    assert clock.paused_total == hours(29 + 71)


def test_status_changes_that_do_not_move_the_clock() -> None:
    clock = start_clock(L1, jan(12, 9))
    assert apply_status(clock, L1, "waiting_agent", jan(12, 10)) == clock
    paused = apply_status(clock, L1, "waiting_customer", jan(12, 10))
    # resolving a ticket that waits for the customer keeps the first pause
    assert apply_status(paused, L1, "resolved", jan(12, 11)) == paused
    assert record_first_reply(
        record_first_reply(clock, jan(12, 10)), jan(12, 11)
    ).first_responded_at == jan(12, 10)


def test_a_timer_breached_before_the_pause_stays_breached() -> None:
    clock = start_clock(L1, jan(12, 9))  # first response due 13:00
    clock = apply_status(clock, L1, "waiting_customer", jan(12, 14))
    clock = apply_status(clock, L1, "waiting_agent", jan(13, 9))
    assert clock.first_response_due == jan(12, 13)
    # resolution had 27 - 5 = 22 h left at 14:00 Monday: from Tuesday 09:00, 9 + 9 + 4 -> Thu 13:00
    assert clock.resolution_due == jan(15, 13)


def test_replay_of_events_gives_the_same_clock() -> None:
    events: list[SlaEvent] = [
        Created(jan(12, 9), P.NORMAL, "l1"),
        PublicReply(jan(12, 10)),
        StatusChanged(jan(12, 10), "waiting_customer"),
        StatusChanged(jan(13, 15), "waiting_agent"),
        StatusChanged(jan(16, 11), "resolved"),
        StatusChanged(jan(19, 10), "waiting_agent"),
    ]
    assert replay(POLICY, events) == SlaClock(
        first_response_due=jan(12, 13),
        resolution_due=jan(19, 13),
        paused_total=hours(100),
        first_responded_at=jan(12, 10),
    )
    with pytest.raises(ValueError, match="before Created"):
        replay(POLICY, [PublicReply(jan(12, 10))])


# --- retarget ------------------------------------------------------------------------------------


def test_raising_the_priority_keeps_the_time_used() -> None:
    clock = start_clock(L1, jan(12, 9))
    high = POLICY.terms(P.HIGH, "l1")
    # at 09:30, 30 min used: high's 1 h leaves 30 min (10:00); 9 h leaves 8.5 h (18:00)
    early = retarget(clock, L1, high, jan(12, 9, 30))
    assert (early.first_response_due, early.resolution_due) == (jan(12, 10), jan(12, 18))
    # at 11:00, 2 h used: more than high's 1 h -> breached from 11:00; 7 h left -> 18:00
    late = retarget(clock, L1, high, jan(12, 11))
    assert (late.first_response_due, late.resolution_due) == (jan(12, 11), jan(12, 18))
    assert read_timer(late, high, Timer.FIRST_RESPONSE, jan(12, 11)).state is BreachState.BREACHED


def test_lowering_the_priority_and_moving_to_a_wall_clock_target() -> None:
    clock = start_clock(L1, jan(12, 9))
    low = retarget(clock, L1, POLICY.terms(P.LOW, "l1"), jan(12, 11))
    # 2 h used: 9 - 2 = 7 h -> Monday 18:00; 45 - 2 = 43 h -> 7 + 9 + 9 + 9 + 9 -> Friday 18:00
    assert (low.first_response_due, low.resolution_due) == (jan(12, 18), jan(16, 18))
    friday = start_clock(L1, jan(9, 16, 30))
    urgent = retarget(friday, L1, POLICY.terms(P.URGENT, "l1"), jan(9, 17))
    # 30 min used: 15 min target breached at 17:00; 4 h - 30 min on the wall clock: 20:30
    assert (urgent.first_response_due, urgent.resolution_due) == (jan(9, 17), jan(9, 20, 30))


def test_retarget_while_paused_counts_from_the_pause() -> None:
    clock = start_clock(L1, jan(12, 9))
    clock = apply_status(clock, L1, "waiting_customer", jan(12, 10))
    high = POLICY.terms(P.HIGH, "l1")
    clock = retarget(clock, L1, high, jan(12, 15))
    # 1 h used at the pause: first response (1 h) is used up there; resolution 8 h left
    assert (clock.first_response_due, clock.resolution_due) == (jan(12, 10), jan(12, 18))
    clock = apply_status(clock, high, "waiting_agent", jan(13, 9))
    assert (clock.first_response_due, clock.resolution_due) == (jan(12, 10), jan(13, 17))
    events: list[SlaEvent] = [
        Created(jan(12, 9), P.NORMAL, "l1"),
        StatusChanged(jan(12, 10), "waiting_customer"),
        Retargeted(jan(12, 15), P.HIGH, "l1"),
        StatusChanged(jan(13, 9), "waiting_agent"),
    ]
    assert replay(POLICY, events) == clock


# --- warning and breach --------------------------------------------------------------------------

TICK = timedelta(microseconds=1)


def test_warning_and_breach_exactly_at_their_thresholds() -> None:
    clock = start_clock(L1, jan(12, 9))
    # 4 h target: warning from 3 h used (12:00), breached from the due instant (13:00)
    state = lambda now: read_timer(clock, L1, Timer.FIRST_RESPONSE, now).state  # noqa: E731
    assert state(jan(12, 12) - TICK) is BreachState.OK
    assert state(jan(12, 12)) is BreachState.WARNING
    assert state(jan(12, 13) - TICK) is BreachState.WARNING
    assert state(jan(12, 13)) is BreachState.BREACHED
    reading = read_timer(clock, L1, Timer.FIRST_RESPONSE, jan(12, 14))
    assert (reading.due, reading.remaining, reading.running) == (jan(12, 13), -hours(1), True)
    overall = breach_state(clock, L1, jan(12, 13))
    assert (overall.first_response.state, overall.resolution.state) == (
        BreachState.BREACHED,
        BreachState.OK,
    )
    assert overall.worst is BreachState.BREACHED


def test_warning_counts_business_time_over_the_weekend() -> None:
    clock = start_clock(L1, jan(9, 16, 30))
    # 3 h used: 1.5 h on Friday, 1.5 h on Monday -> Monday 10:30
    assert read_timer(clock, L1, Timer.FIRST_RESPONSE, jan(10, 12)).state is BreachState.OK
    assert next_change(clock, L1, jan(9, 16, 30)) == jan(12, 10, 30)
    # then the first response breaches at 11:30, before resolution warns (Wed 09:45)
    assert next_change(clock, L1, jan(12, 10, 45)) == jan(12, 11, 30)
    answered = record_first_reply(clock, jan(12, 11))
    assert next_change(answered, L1, jan(12, 11)) == jan(14, 9, 45)
    # an answer before the due instant is met for good
    later = read_timer(answered, L1, Timer.FIRST_RESPONSE, jan(20, 9))
    assert (later.state, later.remaining, later.running) == (
        BreachState.WARNING,
        minutes(30),
        False,
    )


# --- escalation ----------------------------------------------------------------------------------


def test_escalation_chain_bot_to_l1_to_l2_then_the_manager() -> None:
    bot = POLICY.terms(P.NORMAL, "bot")  # the bot's team runs 24x7
    clock = start_clock(bot, jan(12, 9))
    facts = ticket("bot")
    assert escalation_for(POLICY, facts, clock, jan(12, 13) - TICK) is None
    first = escalation_for(POLICY, facts, clock, jan(12, 13))
    assert first == Escalation(
        "t-1", Timer.FIRST_RESPONSE, jan(12, 13), EscalationAction.MOVE_TIER, "bot", to_tier="l1"
    )
    assert first is not None and first.reason == "sla.first_response_breached"
    # the caller moves the ticket to l1: the target is used up there too, so the due stays
    clock = retarget(clock, bot, L1, jan(12, 13))
    assert clock.first_response_due == jan(12, 13)
    # 4 h of wall clock used; 23 h of l1's 27 h left from Monday 13:00 -> 5 + 9 + 9 -> Wed 18:00
    assert clock.resolution_due == jan(14, 18)
    facts = ticket("l1")
    assert (
        escalation_for(POLICY, facts, clock, jan(12, 13, 5), last_escalated_at=jan(12, 13)) is None
    )
    second = escalation_for(POLICY, facts, clock, jan(14, 18), last_escalated_at=jan(12, 13))
    assert second is not None
    assert (second.timer, second.action, second.from_tier, second.to_tier) == (
        Timer.RESOLUTION,  # the first response's breach was escalated already
        EscalationAction.MOVE_TIER,
        "l1",
        "l2",
    )
    answered = record_first_reply(clock, jan(12, 14))
    third = escalation_for(
        POLICY, ticket("l2"), answered, jan(14, 18), last_escalated_at=jan(12, 13)
    )
    assert third == Escalation(
        "t-1",
        Timer.RESOLUTION,
        jan(14, 18),
        EscalationAction.NOTIFY_MANAGER,
        "l2",
        manager_id="mgr-7",
    )
    # a tier with neither a next tier nor a manager has nothing to escalate to
    assert escalation_for(POLICY, ticket("vip"), answered, jan(20, 9)) is None


def test_no_escalation_while_paused_or_once_answered() -> None:
    clock = start_clock(L1, jan(12, 9))
    paused = apply_status(clock, L1, "waiting_customer", jan(12, 14))
    assert escalation_for(POLICY, ticket(), paused, jan(12, 15)) is None
    late = record_first_reply(clock, jan(12, 14))
    assert read_timer(late, L1, Timer.FIRST_RESPONSE, jan(12, 15)).state is BreachState.BREACHED
    assert escalation_for(POLICY, ticket(), late, jan(12, 15)) is None
