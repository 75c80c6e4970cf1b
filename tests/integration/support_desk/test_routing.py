"""New tickets routed by the shipped rules, round-robin within capacity, the backlog drained,
hand-offs and tier changes, and no agent over capacity under concurrent creation; on SQLite
and PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from tests.integration.support.helpers import audit, inbound, read, write
from tests.integration.support_desk.helpers import (
    MON,
    add_agent,
    at,
    loads,
    open_ticket,
    ticket,
    utc,
)
from trustdesk.bootstrap import Container
from trustdesk.core.errors import Conflict, InvalidInput
from trustdesk.support.desk_store import SqlDeskStore
from trustdesk.support.model import IntakeResult

SECURITY = "rules[0] account security: L2, around the clock"
THEFT = "rules[1] theft appeals: L2"
KYC = "rules[2] KYC rejections: compliance"
ON_CHAIN = "rules[3] on-chain problems: blockchain desk once the language is known"
URGENT = "rules[4] urgent: the 24x7 team"
ZH_ID = "rules[5] Chinese and Indonesian in APAC hours: APAC team"
APAC_REGION = "rules[6] APAC customers in APAC hours: APAC team"
AMER_REGION = "rules[7] Americas customers in AMER hours: AMER team"

# (category, language, priority, region) -> (tier, team, priority, deciding rules)
# at Monday 08:00 UTC: Berlin and Singapore open, New York (03:00) closed.
CASES = [
    (("account_security", "en", "normal", None), ("l2", "24x7", "high", SECURITY, SECURITY)),
    (("account_security", "zh", "urgent", None), ("l2", "24x7", "urgent", SECURITY, SECURITY)),
    (("theft_appeal", "en", "normal", None), ("l2", None, "high", THEFT, None)),
    (("theft_appeal", "zh", "normal", None), ("l2", "apac", "high", THEFT, ZH_ID)),
    (("kyc_rejected", "id", "normal", None), ("compliance", "emea", "normal", KYC, KYC)),
    (
        ("deposit_withdrawal_failure", "en", "normal", None),
        ("blockchain", None, "normal", ON_CHAIN, None),
    ),
    (("transaction_status", "zh", "high", None), ("blockchain", "apac", "high", ON_CHAIN, ZH_ID)),
    (
        ("wrong_address_or_network", "id", "normal", None),
        ("blockchain", "apac", "normal", ON_CHAIN, ZH_ID),
    ),
    (("wrong_address_or_network", None, "normal", None), ("bot", None, "normal", "default", None)),
    (("other", "en", "normal", None), ("bot", None, "normal", "default", None)),
    (("other", "id", "low", None), ("bot", "apac", "low", "default", ZH_ID)),
    (("other", "en", "urgent", None), ("bot", "24x7", "urgent", "default", URGENT)),
    (("other", "en", "normal", "US"), ("bot", None, "normal", "default", None)),
    (("other", "en", "normal", "SG"), ("bot", "apac", "normal", "default", APAC_REGION)),
]


def test_new_tickets_follow_the_shipped_rules(container: Container) -> None:
    at(container, MON)
    for n, ((category, language, priority, region), expected) in enumerate(CASES):
        t = open_ticket(
            container,
            f"c{n}@example.com",
            category=category,
            language=language,
            priority=priority,
            region=region,
        )
        tier, team, prio, queue_rule, team_rule = expected
        assert (t.tier.value, t.team, t.priority.value, t.assignee) == (tier, team, prio, None)
        stored = ticket(container, t.id)
        assert (stored.tier.value, stored.team, stored.priority.value) == (tier, team, prio)
        [entry] = [
            p
            for a, _, p in audit(container)
            if a == "support.ticket_routed" and p["ticket_id"] == t.id
        ]
        assert entry["version"] == "support-2026.12.1"
        assert entry["rules"]["queue"] == queue_rule
        assert entry["rules"]["team"] == team_rule
        assert entry["assignment"] == ("bot" if tier == "bot" else "backlog")
    # Outside APAC hours (20:00 in Singapore) the language pins no team; inside AMER hours
    # (10:00 in New York) an American customer goes to the AMER team.
    at(container, utc(3, 2, 12))
    assert open_ticket(container, "late-zh@example.com", language="zh").team is None
    at(container, utc(3, 2, 15))
    us = open_ticket(container, "us@example.com", region="US")
    assert (us.tier.value, us.team) == ("bot", "amer")


def test_a_tier_named_at_opening_is_kept(container: Container) -> None:
    at(container, MON)
    t = open_ticket(container, category="account_security", tier="l1")
    # The security rule pins 24x7 for its own queue (l2) only; its priority floor holds.
    assert (t.tier.value, t.team, t.priority.value) == ("l1", None, "high")
    [entry] = [p for a, _, p in audit(container) if a == "support.ticket_routed"]
    assert (entry["trigger"], entry["rules"]) == (
        "opened_pinned",
        {"queue": "given", "team": None, "priority": SECURITY},
    )


def test_round_robin_across_three_agents_by_capacity_and_language(container: Container) -> None:
    # 13:00 in Berlin, 20:00 in Singapore: Chinese tickets are not pinned to APAC.
    at(container, utc(3, 2, 12))
    add_agent(container, "b1", capacity=1, languages="en", queues="blockchain")
    add_agent(container, "b2", capacity=2, languages="en zh", queues="blockchain")
    add_agent(container, "b3", capacity=3, languages="en id", queues="blockchain")
    languages = ["en", "zh", "id", "en", "en", "zh", "id", "en"]
    taken = []
    for n, language in enumerate(languages):
        t = open_ticket(
            container, f"rr{n}@example.com", category="transaction_status", language=language
        )
        taken.append(t.assignee)
    # b3 first (no cursor: least loaded, most free capacity), then turns by id after the
    # last one, skipping whoever is full or lacks the language; t6 (zh) and t8 wait.
    assert taken == ["b3", "b2", "b3", "b1", "b2", None, "b3", None]
    rules = [p["assignment"] for a, _, p in audit(container) if a == "support.ticket_routed"]
    assert rules == ["least_loaded"] + ["round_robin"] * 4 + ["backlog", "round_robin", "backlog"]
    assert loads(container) == {"b1": 1, "b2": 2, "b3": 3}


def test_the_backlog_drains_when_capacity_frees(container: Container) -> None:
    at(container, utc(3, 2, 12))
    add_agent(container, "b1", capacity=1, languages="en", queues="blockchain")
    first = open_ticket(container, "x1@example.com", category="transaction_status")
    waiting_zh = open_ticket(
        container, "x2@example.com", category="transaction_status", language="zh"
    )
    at(container, utc(3, 2, 12, 5))
    waiting_en = open_ticket(container, "x3@example.com", category="transaction_status")
    assert [first.assignee, waiting_zh.assignee, waiting_en.assignee] == ["b1", None, None]
    # A new agent starts offline: nothing moves until they come online.
    add_agent(container, "b4", capacity=1, languages="en zh", queues="blockchain", online=False)
    assert ticket(container, waiting_zh.id).assignee is None
    at(container, utc(3, 2, 13))
    online = write(container, lambda d: d.set_online("b4", True))
    assert (online.online, online.load) == (True, 1)
    # Oldest first: the zh ticket goes to b4 (the only one who reads it); b4 is then full.
    assert ticket(container, waiting_zh.id).assignee == "b4"
    assert ticket(container, waiting_zh.id).assigned_at == utc(3, 2, 13)
    assert ticket(container, waiting_en.id).assignee is None
    # b1 resolves their ticket: their capacity frees and the en ticket is theirs.
    at(container, utc(3, 2, 14))
    write(container, lambda d: d.set_status(first.id, "resolved"))
    assert ticket(container, waiting_en.id).assignee == "b1"
    assigned = [p for a, _, p in audit(container) if a == "support.ticket_assigned"]
    assert assigned == [
        {
            "ticket_id": waiting_zh.id,
            "agent_id": "b4",
            "queue": "blockchain",
            "rule": "round_robin",
            "trigger": "agent_online",
        },
        {
            "ticket_id": waiting_en.id,
            "agent_id": "b1",
            "queue": "blockchain",
            "rule": "round_robin",
            "trigger": "ticket_closed",
        },
    ]
    assert loads(container) == {"b1": 1, "b4": 1}
    assert [a for a, _, _ in audit(container) if a.startswith("support.agent_")] == [
        "support.agent_saved",
        "support.agent_saved",
        "support.agent_online",
    ]


def test_concurrent_creations_never_exceed_capacity(container: Container) -> None:
    at(container, MON)
    add_agent(container, "p1", capacity=1, queues="blockchain")
    add_agent(container, "p2", capacity=2, queues="blockchain")
    go = threading.Event()

    def create(n: int) -> IntakeResult:
        go.wait(10)
        return container.support_intake(
            inbound(
                external_id=f"<race{n}@x>",
                sender=f"racer{n}@example.com",
                category="deposit_withdrawal_failure",
            )
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(create, n) for n in range(8)]
        go.set()
        results = [f.result(timeout=60) for f in futures]
    assignees = [ticket(container, r.ticket_id).assignee for r in results]
    assert sorted(a or "-" for a in assignees) == ["-"] * 5 + ["p1", "p2", "p2"]
    assert loads(container) == {"p1": 1, "p2": 2}


def test_an_assignment_holds_its_queue_until_it_commits(container: Container) -> None:
    """The mechanism behind the test above (where the audit chain's own lock also orders
    the writers): while one worker assigns in a queue, another cannot take the queue's
    cursor or the agents' rows. SQLite has no row locks: it runs one writer at a time."""
    if container.engine.dialect.name != "postgresql":
        pytest.skip("SQLite serializes writers (BEGIN IMMEDIATE); no row locks to test")
    at(container, MON)
    add_agent(container, "p1", capacity=1, queues="blockchain")
    with container.session() as holder:
        SqlDeskStore(holder).lock_cursors(["blockchain"])
        SqlDeskStore(holder).agents(lock=True)
        for work in (
            lambda store: store.lock_cursors(["blockchain"]),
            lambda store: store.agents(lock=True),
        ):
            with pytest.raises(OperationalError) as waited, container.session() as other:
                other.execute(text("SET LOCAL lock_timeout = '200ms'"))
                work(SqlDeskStore(other))
            assert "lock timeout" in str(waited.value)


def test_the_bot_hands_off_to_a_tier(container: Container) -> None:
    at(container, MON)
    add_agent(container, "e1", queues="l1")
    add_agent(container, "k1", queues="compliance", languages="en zh", team="apac")
    bot_ticket = open_ticket(container)
    assert (bot_ticket.tier.value, bot_ticket.assignee) == ("bot", None)
    write(container, lambda d: d.set_status(bot_ticket.id, "bot"))
    at(container, utc(3, 2, 9))
    # No tier named: the rules send it nowhere but the bot, so to the bot queue's next tier.
    handed = write(container, lambda d: d.hand_off(bot_ticket.id))
    assert (handed.tier.value, handed.status.value, handed.assignee) == (
        "l1",
        "waiting_agent",
        "e1",
    )
    # The clock is retargeted: 1 h of the bot's 4 h used (wall clock), 3 h left in Berlin
    # hours from 10:00; resolution 27 h - 1 h = 26 business hours -> Wednesday 18:00 Berlin.
    assert (handed.first_response_due_at, handed.resolution_due_at) == (
        utc(3, 2, 12),
        utc(3, 4, 17),
    )
    with pytest.raises(Conflict) as again:
        write(container, lambda d: d.hand_off(bot_ticket.id))
    assert again.value.code == "support.not_with_bot"
    # A named tier; the bot tier is refused as a target.
    other = open_ticket(container, "zh@example.com", language="zh")
    with pytest.raises(InvalidInput) as bad:
        write(container, lambda d: d.hand_off(other.id, "bot"))
    assert bad.value.field == "tier"
    # 17:00 in Singapore: a Chinese ticket stays with the APAC team on any tier.
    moved = write(container, lambda d: d.hand_off(other.id, "compliance"))
    assert (moved.tier.value, moved.team, moved.assignee) == ("compliance", "apac", "k1")
    # Moving a bot-tier ticket to waiting_agent by hand hands it off too.
    third = open_ticket(container, "third@example.com")
    by_status = write(container, lambda d: d.set_status(third.id, "waiting_agent"))
    assert (by_status.tier.value, by_status.assignee) == ("l1", "e1")
    triggers = [p["trigger"] for a, _, p in audit(container) if a == "support.ticket_routed"]
    assert triggers == ["opened", "hand_off", "opened", "hand_off", "opened", "hand_off"]


def test_a_tier_change_routes_again(container: Container) -> None:
    at(container, MON)
    add_agent(container, "e1", queues="l1")
    add_agent(container, "f1", queues="l2")
    t = open_ticket(container, tier="l1")
    assert t.assignee == "e1"
    moved = write(container, lambda d: d.update(t.id, tier="l2"))
    assert (moved.tier.value, moved.assignee) == ("l2", "f1")
    assert loads(container) == {"e1": 0, "f1": 1}
    # An assignee given with the tier is kept; their reply deadline runs from then.
    at(container, utc(3, 2, 9))
    kept = write(container, lambda d: d.update(t.id, tier="l1", assignee="e1"))
    assert (kept.tier.value, kept.assignee, kept.assigned_at) == ("l1", "e1", utc(3, 2, 9))
    assert read(container, lambda d: d.ticket(t.id)).ticket == kept
    at(container, utc(3, 2, 10))
    picked = write(container, lambda d: d.update(t.id, assignee="f1"))
    assert (picked.tier.value, picked.assignee, picked.assigned_at) == ("l1", "f1", utc(3, 2, 10))
    assert read(container, lambda d: d.ticket(t.id)).ticket == picked
