"""Agents' work on tickets, on SQLite and PostgreSQL: replies, notes, status, tags, CSAT."""

from __future__ import annotations

from operator import methodcaller

import pytest

from tests.integration.support.helpers import T0, audit, clock_of, inbound, read, write
from trustdesk.bootstrap import Container
from trustdesk.core.errors import Conflict, InvalidInput, NotFound
from trustdesk.support.model import AuthorKind, BadTransition, Visibility
from trustdesk.support.service import ReplyIn


def opened(container: Container) -> str:
    return container.support_intake(inbound()).ticket_id


def test_a_note_changes_nothing_a_public_reply_answers(container: Container) -> None:
    ticket_id = opened(container)
    clock_of(container).advance(minutes=3)
    note = ReplyIn(
        body="Checked the chain: tx pending.", author_id="agent-7", visibility=Visibility.INTERNAL
    )
    ticket, message = write(container, lambda d: d.reply(ticket_id, note))
    assert (ticket.status.value, ticket.first_response_at) == ("new", None)
    assert (message.direction.value, message.visibility.value, message.author_id) == (
        "outbound",
        "internal",
        "agent-7",
    )
    clock_of(container).advance(minutes=2)
    answer = ReplyIn(body="Your withdrawal is confirming.", author_id="agent-7")
    ticket, message = write(container, lambda d: d.reply(ticket_id, answer))
    assert ticket.status.value == "waiting_customer"
    assert ticket.first_response_at == T0.replace(minute=5)
    clock_of(container).advance(minutes=2)
    ticket, _ = write(container, lambda d: d.reply(ticket_id, answer))
    assert ticket.first_response_at == T0.replace(minute=5)  # the first one counts
    public = read(container, lambda d: d.ticket(ticket_id, notes=False)).messages
    assert [m.visibility.value for m in public] == ["public", "public", "public"]
    assert len(read(container, lambda d: d.ticket(ticket_id)).messages) == 4


def test_the_bot_answers_too(container: Container) -> None:
    ticket_id = opened(container)
    write(container, lambda d: d.set_status(ticket_id, "bot"))
    bot = ReplyIn(
        body="Deposits need 12 confirmations.", author_id=None, author_kind=AuthorKind.BOT
    )
    ticket, message = write(container, lambda d: d.reply(ticket_id, bot))
    assert (ticket.status.value, message.author_kind.value, message.author_id) == (
        "waiting_customer",
        "bot",
        "bot",
    )
    assert ticket.first_response_at == T0


def test_bad_replies(container: Container) -> None:
    ticket_id = opened(container)
    for given, field in (
        (ReplyIn(body="  ", author_id="agent-7"), "body"),
        (ReplyIn(body="x" * 20_001, author_id="agent-7"), "body"),
        (ReplyIn(body="hi", author_id=None), "author"),
        (ReplyIn(body="hi", author_id="agent\n7"), "author"),
        (ReplyIn(body="hi", author_id="c", author_kind=AuthorKind.CUSTOMER), "author"),
    ):
        with pytest.raises(InvalidInput) as caught:
            write(container, methodcaller("reply", ticket_id, given))
        assert caught.value.field == field
    with pytest.raises(NotFound) as missing:
        write(container, lambda d: d.reply("TD-000000", ReplyIn(body="hi", author_id="a")))
    assert (missing.value.code, missing.value.field) == ("support.ticket_not_found", "ticket_id")


def test_status_moves_follow_the_machine(container: Container) -> None:
    ticket_id = opened(container)
    with pytest.raises(BadTransition) as caught:
        write(container, lambda d: d.set_status(ticket_id, "closed"))
    assert caught.value.message.startswith("a ticket cannot go from new to closed")
    with pytest.raises(InvalidInput) as bad:
        write(container, lambda d: d.set_status(ticket_id, "done"))
    assert bad.value.field == "status"
    clock_of(container).advance(hours=2)
    resolved = write(container, lambda d: d.set_status(ticket_id, "RESOLVED"))
    assert (resolved.status.value, resolved.resolved_at) == ("resolved", T0.replace(hour=11))
    clock_of(container).advance(hours=1)
    closed = write(container, lambda d: d.set_status(ticket_id, "closed"))
    assert (closed.closed_at, closed.resolved_at) == (T0.replace(hour=12), T0.replace(hour=11))
    reopened = write(container, lambda d: d.set_status(ticket_id, "waiting_agent"))
    assert (reopened.status.value, reopened.closed_at, reopened.resolved_at) == (
        "waiting_agent",
        None,
        None,
    )
    changes = [p for a, _, p in audit(container) if a == "support.status_changed"]
    assert changes == [
        {"ticket_id": ticket_id, "from": "new", "to": "resolved", "reason": "explicit"},
        {"ticket_id": ticket_id, "from": "resolved", "to": "closed", "reason": "explicit"},
        {"ticket_id": ticket_id, "from": "closed", "to": "waiting_agent", "reason": "explicit"},
    ]


def test_a_closed_ticket_takes_notes_but_no_reply_until_reopened(container: Container) -> None:
    ticket_id = opened(container)
    write(container, lambda d: d.set_status(ticket_id, "resolved"))
    write(container, lambda d: d.set_status(ticket_id, "closed"))
    answer = ReplyIn(body="One more thing.", author_id="agent-7")
    with pytest.raises(Conflict) as caught:
        write(container, lambda d: d.reply(ticket_id, answer))
    assert (caught.value.code, caught.value.message, caught.value.field) == (
        "support.ticket_closed",
        f"ticket {ticket_id} is closed: reopen it (status waiting_agent) to reply",
        "ticket_id",
    )
    note = ReplyIn(body="Customer called.", author_id="agent-7", visibility=Visibility.INTERNAL)
    ticket, _ = write(container, lambda d: d.reply(ticket_id, note))
    assert ticket.status.value == "closed"
    write(container, lambda d: d.set_status(ticket_id, "waiting_agent"))
    ticket, message = write(container, lambda d: d.reply(ticket_id, answer))
    assert (ticket.status.value, message.body) == ("waiting_customer", "One more thing.")
    messages = read(container, lambda d: d.ticket(ticket_id)).messages
    assert [m.body for m in messages][1:] == ["Customer called.", "One more thing."]


def test_tags(container: Container) -> None:
    ticket_id = opened(container)
    ticket = write(container, lambda d: d.set_tags(ticket_id, ["VIP", "chain:tron", "vip"]))
    assert ticket.tags == ("chain:tron", "vip")
    ticket = write(container, lambda d: d.set_tags(ticket_id, ["vip", "Delayed Withdrawal"]))
    assert read(container, lambda d: d.ticket(ticket_id)).ticket.tags == (
        "delayed-withdrawal",
        "vip",
    )
    [_, second] = [p for a, _, p in audit(container) if a == "support.tags_changed"]
    assert second == {
        "ticket_id": ticket_id,
        "added": ["delayed-withdrawal"],
        "removed": ["chain:tron"],
    }
    with pytest.raises(InvalidInput):
        write(container, lambda d: d.set_tags(ticket_id, [f"t{i}" for i in range(21)]))


def test_csat_once_after_resolution(container: Container) -> None:
    ticket_id = opened(container)
    with pytest.raises(Conflict) as early:
        write(container, lambda d: d.rate(ticket_id, 5))
    assert (early.value.code, early.value.message) == (
        "support.csat_refused",
        "a ticket can be rated once it is resolved; it is new",
    )
    write(container, lambda d: d.set_status(ticket_id, "resolved"))
    with pytest.raises(InvalidInput) as bad:
        write(container, lambda d: d.rate(ticket_id, 6))
    assert bad.value.field == "score"
    rated = write(container, lambda d: d.rate(ticket_id, 4, "  quick, thanks "))
    assert (rated.csat_score, rated.csat_comment, rated.csat_at) == (4, "quick, thanks", T0)
    with pytest.raises(Conflict) as twice:
        write(container, lambda d: d.rate(ticket_id, 1))
    assert twice.value.message == "this ticket has been rated already"
    [payload] = [p for a, _, p in audit(container) if a == "support.csat"]
    assert payload == {"ticket_id": ticket_id, "score": 4, "commented": True}


def test_routing_and_sla_fields(container: Container) -> None:
    ticket_id = opened(container)
    due = T0.replace(hour=13)
    ticket = write(
        container,
        lambda d: d.update(
            ticket_id,
            tier="compliance",
            priority="urgent",
            assignee="agent-2",
            first_response_due_at=due,
            sla_paused_total_s=120,
        ),
    )
    stored = read(container, lambda d: d.ticket(ticket_id)).ticket
    assert stored == ticket
    assert (stored.tier.value, stored.priority.value, stored.assignee) == (
        "compliance",
        "urgent",
        "agent-2",
    )
    assert (stored.first_response_due_at, stored.sla_paused_total_s) == (due, 120)
    for changes, field in (
        ({"status": "closed"}, "fields"),
        ({"tier": "l9"}, "tier"),
        ({"resolution_due_at": "tomorrow"}, "resolution_due_at"),
        ({"sla_paused_total_s": -1}, "sla_paused_total_s"),
    ):
        with pytest.raises(InvalidInput) as caught:
            write(container, methodcaller("update", ticket_id, **changes))
        assert caught.value.field == field


def test_listing(container: Container) -> None:
    first = opened(container)
    clock_of(container).advance(minutes=1)
    second = container.support_intake(
        inbound(external_id="<m2@x>", sender="b@example.org", received_at=T0.replace(minute=1))
    )
    write(container, lambda d: d.update(second.ticket_id, tier="l1", assignee="agent-1"))
    assert [t.id for t in read(container, lambda d: d.tickets())] == [second.ticket_id, first]
    assert [t.id for t in read(container, lambda d: d.tickets(tier="l1"))] == [second.ticket_id]
    assert [t.id for t in read(container, lambda d: d.tickets(assignee="agent-1"))] == [
        second.ticket_id
    ]
    assert read(container, lambda d: d.tickets(status="resolved")) == []
    assert [t.id for t in read(container, lambda d: d.tickets(limit=1))] == [second.ticket_id]
    with pytest.raises(InvalidInput):
        read(container, lambda d: d.tickets(status="nope"))
