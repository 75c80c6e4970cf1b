"""Routing rules: the shipped desk configuration routes as its comments say, rule order
decides, and a bad configuration is refused naming the rule and the field."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.unit.support_routing._times import NY, SINGAPORE, at, hours, minutes
from trustdesk.support.desk_config import (
    DeskConfigError,
    default_desk_config,
    parse_desk_config,
    parse_duration,
)
from trustdesk.support.routing import Route, route, routed
from trustdesk.support.sla import Priority, TicketFacts, start_clock

P = Priority
APAC_MORNING = at(SINGAPORE, 2026, 1, 12, 10)  # Monday; EMEA and AMER are closed
APAC_EVENING = at(SINGAPORE, 2026, 1, 12, 20)  # Monday 13:00 in Berlin, 07:00 in New York
AMER_MORNING = at(NY, 2026, 1, 12, 10)  # Monday 23:00 in Singapore
SATURDAY = at(NY, 2026, 1, 10, 12)


def facts(
    category: str = "other",
    language: str | None = "en",
    region: str | None = "DE",
    priority: Priority = P.NORMAL,
) -> TicketFacts:
    return TicketFacts("t-1", category, priority, language, region, None, SATURDAY)


def where(
    category: str = "other",
    when: datetime = SATURDAY,
    *,
    language: str | None = "en",
    region: str | None = "DE",
    priority: Priority = P.NORMAL,
) -> tuple[str, str | None, str]:
    r = route(default_desk_config().routing, facts(category, language, region, priority), when)
    return (r.queue, r.team, r.priority.value)


# --- the shipped configuration -------------------------------------------------------------------


def test_the_shipped_configuration_loads_with_its_numbers() -> None:
    desk = default_desk_config()
    assert desk.version == "support-2026.12.1"
    assert sorted(desk.calendars) == ["24x7", "amer", "apac", "emea"]
    assert desk.calendars["apac"].time_zone == "Asia/Singapore"
    assert desk.calendars["apac"].holiday_country == "SG"
    assert sorted(desk.queues) == ["blockchain", "bot", "compliance", "l1", "l2"]
    assert [(q.name, q.escalate_to, q.manager) for q in desk.queues.values()][:3] == [
        ("bot", "l1", None),
        ("l1", "l2", None),
        ("l2", None, "support-manager"),
    ]
    targets = {t.priority: (t.first_response, t.resolution, t.calendar) for t in desk.sla.targets}
    assert targets == {
        P.URGENT: (minutes(15), hours(4), "24x7"),
        P.HIGH: (hours(1), hours(9), None),
        P.NORMAL: (hours(4), hours(27), None),
        P.LOW: (hours(9), hours(45), None),
    }
    assert desk.sla.warning_share == 0.75
    assert dict(desk.routing.reassign_after) == {P.URGENT: minutes(30), P.HIGH: minutes(30)}


def test_security_and_theft_go_to_l2_at_high_priority_at_least() -> None:
    assert where("account_security") == ("l2", "24x7", "high")
    assert where("account_security", priority=P.URGENT) == ("l2", "24x7", "urgent")
    assert where("theft_appeal", priority=P.LOW) == ("l2", None, "high")
    # a Chinese theft appeal in APAC hours: l2 from rule 1, the APAC team from rule 5
    r = route(default_desk_config().routing, facts("theft_appeal", "zh", "CN"), APAC_MORNING)
    assert (r.queue, r.team, r.priority) == ("l2", "apac", P.HIGH)
    assert r.decided_by == (
        ("priority", "rules[1] theft appeals: L2"),
        ("queue", "rules[1] theft appeals: L2"),
        ("team", "rules[5] Chinese and Indonesian in APAC hours: APAC team"),
    )
    assert r.version == "support-2026.12.1"


def test_kyc_goes_to_compliance_in_emea_whatever_the_language() -> None:
    assert where("kyc_rejected", APAC_MORNING, language="zh", region="CN") == (
        "compliance",
        "emea",
        "normal",
    )


def test_on_chain_problems_go_to_the_blockchain_desk_once_the_language_is_known() -> None:
    for category in (
        "wrong_address_or_network",
        "transaction_status",
        "deposit_withdrawal_failure",
    ):
        assert where(category, language="en") == ("blockchain", None, "normal")
        assert where(category, language=None) == ("bot", None, "normal")
        assert where(category, language="und") == ("bot", None, "normal")


def test_language_and_region_pin_a_team_only_in_its_hours() -> None:
    assert where(when=APAC_MORNING, language="zh-Hant", region=None) == ("bot", "apac", "normal")
    assert where(when=APAC_EVENING, language="zh", region=None) == ("bot", None, "normal")
    assert where(when=APAC_MORNING, language="en", region="sg") == ("bot", "apac", "normal")
    assert where(when=AMER_MORNING, language="en", region="US") == ("bot", "amer", "normal")
    assert where(when=SATURDAY, language="en", region="US") == ("bot", None, "normal")
    assert where(priority=P.URGENT) == ("bot", "24x7", "urgent")


def test_routed_applies_the_route() -> None:
    ticket = facts("account_security")
    target = Route("l2", "24x7", P.HIGH, "v", ())
    assert routed(ticket, target) == TicketFacts(
        "t-1", "account_security", P.HIGH, "en", "DE", "l2", SATURDAY, team="24x7"
    )


# --- rule order ----------------------------------------------------------------------------------

BASE = """
version = "test-1.0"
categories = ["a", "b"]
[teams.x]
time_zone = "UTC"
hours = { mon-fri = "09:00-17:00" }
[queues.q1]
team = "x"
escalate_to = "q2"
[queues.q2]
team = "x"
[sla]
warning_at = 0.8
[[sla.targets]]
priority = "urgent"
first_response = "10m"
resolution = "1h"
[[sla.targets]]
priority = "high"
first_response = "10m"
resolution = "1h"
[[sla.targets]]
priority = "normal"
first_response = "1h"
resolution = "2bd"
[[sla.targets]]
priority = "low"
first_response = "1bd"
resolution = "1bd"
[default]
queue = "q1"
"""


def test_the_first_matching_rule_decides_each_field() -> None:
    rules = """
[[rules]]
name = "first"
match = { category = "a" }
queue = "q2"
[[rules]]
name = "second"
match = { category = ["a", "b"] }
queue = "q1"
team = "x"
priority_at_least = "high"
[[rules]]
name = "third"
match = { priority = ["high", "urgent"] }
priority_at_least = "urgent"
"""
    policy = parse_desk_config(BASE + rules).routing
    a = route(policy, facts("a"), SATURDAY)
    assert (a.queue, a.team, a.priority) == ("q2", "x", P.HIGH)
    assert a.decided_by == (
        ("priority", "rules[1] second"),
        ("queue", "rules[0] first"),
        ("team", "rules[1] second"),
    )
    b = route(policy, facts("b", priority=P.HIGH), SATURDAY)
    assert (b.queue, b.priority) == ("q1", P.HIGH)  # rule 1 set the priority first
    other = route(policy, facts("other", priority=P.HIGH), SATURDAY)
    assert (other.queue, other.team, other.priority) == ("q1", None, P.URGENT)
    assert other.decided_by == (("priority", "rules[2] third"), ("queue", "default"))


def test_business_hours_match() -> None:
    rules = """
[[rules]]
name = "open"
match = { within_hours_of = "x" }
queue = "q2"
[[rules]]
name = "closed"
match = { outside_hours_of = "x" }
team = "x"
"""
    policy = parse_desk_config(BASE + rules).routing
    monday_9 = datetime.fromisoformat("2026-01-12T09:00:00+00:00")
    assert route(policy, facts(), monday_9).queue == "q2"
    assert route(policy, facts(), monday_9 - timedelta(microseconds=1)).queue == "q1"
    assert route(policy, facts(), monday_9 - timedelta(microseconds=1)).team == "x"


# --- refused configurations ----------------------------------------------------------------------

RULE = """
[[rules]]
name = "kyc"
match = { category = "a" }
queue = "q2"
"""


@pytest.mark.parametrize(
    ("text", "message", "field"),
    [
        (
            BASE + RULE + RULE.replace('"kyc"', '"to nowhere"').replace('"q2"', '"q9"'),
            "rules[1] (\"to nowhere\").queue: unknown queue 'q9'; known: q1, q2",
            "rules[1].queue",
        ),
        (
            BASE + RULE.replace('category = "a"', 'priority = "hihg"'),
            'rules[0] ("kyc").match.priority[0]: '
            "Input should be 'urgent', 'high', 'normal' or 'low'",
            "rules[0].match.priority[0]",
        ),
        (
            BASE + RULE.replace('category = "a"', 'category = ["a", "c"]'),
            "rules[0] (\"kyc\").match.category: unknown category 'c'; known: a, b",
            "rules[0].match.category",
        ),
        (
            BASE + RULE.replace('category = "a"', 'colour = "red"'),
            'rules[0] ("kyc").match.colour: Extra inputs are not permitted',
            "rules[0].match.colour",
        ),
        (
            BASE + RULE.replace('category = "a"', 'within_hours_of = "y"'),
            "rules[0] (\"kyc\").match.within_hours_of: unknown team 'y'; known: x",
            "rules[0].match.within_hours_of",
        ),
        (
            BASE + RULE.replace('queue = "q2"', ""),
            'rules[0] ("kyc"): sets nothing: give queue, team or priority_at_least',
            "rules[0]",
        ),
        (
            BASE + RULE.replace('category = "a"', 'language = "Chinese"'),
            "rules[0] (\"kyc\").match.language[0]: String should match pattern '^[a-z]{2,3}$'",
            "rules[0].match.language[0]",
        ),
        (BASE.replace('[default]\nqueue = "q1"', ""), "default: Field required", "default"),
        (
            BASE.replace('priority = "low"', 'priority = "high"\ntier = "q2"'),
            "sla.targets: no target without a tier for low",
            "sla.targets",
        ),
        (
            BASE.replace('resolution = "2bd"', 'resolution = "2 days"'),
            "sla.targets[2].resolution: '2 days' is not a duration like 15m, 4h, 1h30m or 3bd",
            "sla.targets[2].resolution",
        ),
        (
            BASE.replace('first_response = "1h"', 'first_response = "3bd"'),
            "sla.targets[2].resolution: is shorter than first_response",
            "sla.targets[2].resolution",
        ),
        (
            BASE.replace('[queues.q2]\nteam = "x"', '[queues.q2]\nteam = "x"\nescalate_to = "q1"'),
            "queues.q1.escalate_to: escalation loops: q1 -> q2 -> q1",
            "queues.q1.escalate_to",
        ),
        (
            BASE.replace('"09:00-17:00"', '["17:00-09:00", "08:00-10:00"]'),
            "teams.x.hours: calendar 'x': mon 17:00-09:00 overlaps tue 08:00-10:00",
            "teams.x.hours",
        ),
        (
            BASE.replace('time_zone = "UTC"', 'time_zone = "Europe/Atlantis"'),
            "teams.x.time_zone: calendar 'x': unknown time zone 'Europe/Atlantis'",
            "teams.x.time_zone",
        ),
        (
            BASE.replace("warning_at = 0.8", "warning_at = 1.5"),
            "sla.warning_at: Input should be less than 1",
            "sla.warning_at",
        ),
        ("version = ", "not valid TOML", "support.toml"),
    ],
)
def test_bad_configurations_name_the_place(text: str, message: str, field: str) -> None:
    with pytest.raises(DeskConfigError) as caught:
        parse_desk_config(text)
    assert caught.value.message.startswith("support.toml: ")
    assert message in caught.value.message
    assert caught.value.field == field
    assert caught.value.code == "support.config_invalid"


def test_durations() -> None:
    day = hours(9)
    assert parse_duration("15m", day) == minutes(15)
    assert parse_duration("1h30m", day) == minutes(90)
    assert parse_duration("3bd", day) == hours(27)
    assert parse_duration("1bd4h", day) == hours(13)
    for bad in ("", "0m", "4 hours", "1d", "-1h"):
        with pytest.raises(ValueError):
            parse_duration(bad, day)


def test_route_then_sla_on_the_pinned_teams_calendar() -> None:
    desk = default_desk_config()
    ticket = routed(
        facts("other", "zh", "CN"), route(desk.routing, facts("other", "zh", "CN"), APAC_MORNING)
    )
    assert (ticket.tier, ticket.team) == ("bot", "apac")
    terms = desk.sla.terms_for(ticket)
    assert terms.calendar.name == "apac"
    clock = start_clock(terms, APAC_MORNING)
    # Monday 10:00 SGT: 4 h -> 14:00; 27 h -> 8 (Mon) + 9 + 9 + 1 -> Thursday 10:00 SGT
    assert clock.first_response_due == at(SINGAPORE, 2026, 1, 12, 14)
    assert clock.resolution_due == at(SINGAPORE, 2026, 1, 15, 10)
    # urgent runs on the 24x7 calendar wherever it is routed: Saturday noon + 15 min
    urgent = routed(
        facts(priority=P.URGENT), route(desk.routing, facts(priority=P.URGENT), SATURDAY)
    )
    assert start_clock(
        desk.sla.terms_for(urgent), SATURDAY
    ).first_response_due == SATURDAY + minutes(15)
