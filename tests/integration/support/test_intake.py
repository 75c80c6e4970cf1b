"""Intake on SQLite and PostgreSQL: new tickets, idempotency (also under a race of twenty
deliveries), threading by Message-ID and by subject token, chat threads, reopening."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime

import pytest
from structlog.testing import capture_logs

from tests.integration.support.helpers import (
    T0,
    audit,
    clock_of,
    count,
    inbound,
    read,
    write,
)
from trustdesk.bootstrap import Container
from trustdesk.core.errors import InvalidInput
from trustdesk.support.model import IntakeResult, Ticket, Tier
from trustdesk.support.service import ReplyIn


def test_an_unknown_sender_opens_a_ticket(container: Container) -> None:
    result = container.support_intake(inbound(category="deposit_withdrawal_failure"))
    assert (result.created_ticket, result.duplicate) == (True, False)
    view = read(container, lambda d: d.ticket(result.ticket_id))
    t = view.ticket
    # On-chain problems in a known language go to the blockchain desk (shipped rules).
    assert (t.status.value, t.tier.value, t.channel.value, t.category.value) == (
        "new",
        "blockchain",
        "email",
        "deposit_withdrawal_failure",
    )
    assert (t.subject, t.language, t.priority.value, t.customer_id) == (
        "Withdrawal stuck",
        "en",
        "normal",
        result.customer_id,
    )
    assert t.token == f"[#{t.id}]"
    [message] = view.messages
    assert message.id == result.message_id
    assert (message.direction.value, message.visibility.value, message.author_kind.value) == (
        "inbound",
        "public",
        "customer",
    )
    assert (message.external_id, message.thread_key) == (
        "<m1@mail.example.com>",
        "<m1@mail.example.com>",
    )
    assert message.created_at == T0
    customer = read(container, lambda d: d.customer(result.customer_id)).customer
    assert (customer.provisional, customer.display_name, customer.language) == (
        True,
        "Ana Putri",
        "en",
    )
    [identity] = customer.identities
    assert (identity.kind.value, identity.value, identity.given, identity.verified) == (
        "email",
        "ana.putri@example.com",
        "Ana.Putri@Example.COM",
        False,
    )
    actions = [a for a, _, _ in audit(container)]
    assert actions == [
        "support.customer_created",
        "support.ticket_opened",
        "support.message_added",
        "support.ticket_routed",
    ]


def test_the_same_sender_is_the_same_customer(container: Container) -> None:
    first = container.support_intake(inbound())
    second = container.support_intake(
        inbound(external_id="<m2@x>", sender="ana.putri@example.com", subject="Another thing")
    )
    assert second.customer_id == first.customer_id
    assert second.ticket_id != first.ticket_id  # e-mail without a reference: a new ticket
    assert count(container, "support_customers") == 1
    assert count(container, "support_identities") == 1


def test_a_second_delivery_is_a_duplicate_and_writes_nothing(container: Container) -> None:
    first = container.support_intake(inbound())
    entries = len(audit(container))
    clock_of(container).advance(minutes=5)
    again = container.support_intake(inbound(body="(resent by the MTA)"))
    assert again == IntakeResult(first.ticket_id, first.message_id, first.customer_id, True, True)
    assert count(container, "support_messages") == 1
    assert count(container, "support_tickets") == 1
    assert len(audit(container)) == entries


def test_twenty_deliveries_at_once_make_one_message(container: Container) -> None:
    go = threading.Event()
    attachment_msg = inbound(external_id="<race@mail.example.com>")

    def deliver() -> IntakeResult:
        go.wait(10)
        return container.support_intake(attachment_msg)

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(deliver) for _ in range(20)]
        go.set()
        results = [f.result(timeout=60) for f in futures]
    assert {(r.ticket_id, r.message_id, r.customer_id) for r in results} == {
        (results[0].ticket_id, results[0].message_id, results[0].customer_id)
    }
    assert sorted(r.duplicate for r in results) == [False] + [True] * 19
    assert all(r.created_ticket for r in results)
    assert count(container, "support_messages") == 1
    assert count(container, "support_tickets") == 1
    assert count(container, "support_customers") == 1
    actions = [a for a, _, _ in audit(container)]
    assert actions.count("support.message_added") == 1
    assert actions.count("support.customer_created") == 1


def test_a_new_customer_chatting_fast_gets_one_customer_and_one_ticket(
    container: Container,
) -> None:
    go = threading.Event()

    def send(n: int) -> IntakeResult:
        go.wait(10)
        return container.support_intake(
            inbound(
                channel="inapp",
                external_id=f"acct-new:c{n}",
                sender_kind="account",
                sender="acct-new",
                subject=None,
                body=f"message {n}",
            )
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        futures = [pool.submit(send, n) for n in range(10)]
        go.set()
        results = [f.result(timeout=60) for f in futures]
    assert len({r.customer_id for r in results}) == 1
    assert len({r.ticket_id for r in results}) == 1
    assert sorted(r.created_ticket for r in results) == [False] * 9 + [True]
    assert not any(r.duplicate for r in results)
    assert count(container, "support_messages") == 10
    assert count(container, "support_customers") == 1


def test_a_reply_threads_by_message_id(container: Container) -> None:
    opened = container.support_intake(inbound())
    # The agent's answer goes out by mail with a Message-ID of its own.
    write(
        container,
        lambda d: d.reply(
            opened.ticket_id,
            ReplyIn(body="We are checking.", author_id="agent-7", thread_key="<out-1@desk>"),
        ),
    )
    reply = container.support_intake(
        inbound(
            external_id="<m2@mail.example.com>",
            subject="Re: Withdrawal stuck",
            thread_refs=("<m1@mail.example.com>", "<out-1@desk>"),
        )
    )
    assert (reply.ticket_id, reply.created_ticket) == (opened.ticket_id, False)
    ticket = read(container, lambda d: d.ticket(opened.ticket_id)).ticket
    assert ticket.status.value == "bot"  # waiting_customer -> back to the bot tier
    # Only In-Reply-To known: still threads.
    third = container.support_intake(
        inbound(external_id="<m3@mail.example.com>", thread_refs=("<m2@mail.example.com>",))
    )
    assert third.ticket_id == opened.ticket_id


def test_someone_elses_references_do_not_thread(container: Container) -> None:
    opened = container.support_intake(inbound())
    other = container.support_intake(
        inbound(
            external_id="<evil@x>",
            sender="mallory@example.net",
            thread_refs=("<m1@mail.example.com>",),
            ticket_ref=opened.ticket_id,
        )
    )
    assert other.created_ticket is True
    assert other.ticket_id != opened.ticket_id
    assert len(read(container, lambda d: d.ticket(opened.ticket_id)).messages) == 1


def test_a_subject_token_threads(container: Container) -> None:
    opened = container.support_intake(inbound())
    again = container.support_intake(
        inbound(
            external_id="<fresh@other-client>",
            subject=f"Re: [#{opened.ticket_id}] Withdrawal stuck",
            ticket_ref=opened.ticket_id.lower(),
        )
    )
    assert (again.ticket_id, again.created_ticket) == (opened.ticket_id, False)


def test_a_customer_reply_reopens_resolved_and_closed_tickets(container: Container) -> None:
    opened = container.support_intake(inbound())
    write(container, lambda d: d.update(opened.ticket_id, tier="l1"))
    write(container, lambda d: d.set_status(opened.ticket_id, "waiting_agent"))
    write(container, lambda d: d.set_status(opened.ticket_id, "resolved"))
    resolved = read(container, lambda d: d.ticket(opened.ticket_id)).ticket
    assert resolved.resolved_at == T0
    clock_of(container).advance(hours=1)
    container.support_intake(inbound(external_id="<m2@x>", thread_refs=("<m1@mail.example.com>",)))
    reopened = read(container, lambda d: d.ticket(opened.ticket_id)).ticket
    assert (reopened.status.value, reopened.resolved_at) == ("waiting_agent", None)
    write(container, lambda d: d.set_status(opened.ticket_id, "resolved"))
    write(container, lambda d: d.set_status(opened.ticket_id, "closed"))
    container.support_intake(inbound(external_id="<m3@x>", thread_refs=("<m2@x>",)))
    again = read(container, lambda d: d.ticket(opened.ticket_id)).ticket
    assert (again.status.value, again.closed_at) == ("waiting_agent", None)
    with container.reading() as session:
        changes = container.support(session, "t").env.store.status_changes(opened.ticket_id)
    assert [
        (c.from_status and c.from_status.value, c.to_status.value, c.reason) for c in changes
    ] == [
        (None, "new", "opened"),
        ("new", "waiting_agent", "explicit"),
        ("waiting_agent", "resolved", "explicit"),
        ("resolved", "waiting_agent", "customer_message"),
        ("waiting_agent", "resolved", "explicit"),
        ("resolved", "closed", "explicit"),
        ("closed", "waiting_agent", "customer_message"),
    ]


def test_chat_messages_join_the_open_chat_ticket(container: Container) -> None:
    def chat(n: int) -> IntakeResult:
        return container.support_intake(
            inbound(
                channel="inapp",
                external_id=f"acct-9:c{n}",
                sender_kind="account",
                sender="acct-9",
                sender_name=None,
                subject=None,
                body=f"hello {n}\nsecond line",
            )
        )

    first, second = chat(1), chat(2)
    assert (first.created_ticket, second.created_ticket) == (True, False)
    assert second.ticket_id == first.ticket_id
    ticket = read(container, lambda d: d.ticket(first.ticket_id)).ticket
    assert ticket.subject == "hello 1"
    customer = read(container, lambda d: d.customer(first.customer_id)).customer
    assert (customer.account_id, customer.identities[0].verified) == ("acct-9", True)
    write(container, lambda d: d.set_status(first.ticket_id, "resolved"))
    third = chat(3)
    assert third.created_ticket is True  # a resolved chat is not where new chat goes
    assert third.customer_id == first.customer_id


def test_the_routing_hook_places_new_tickets(container: Container) -> None:
    seen: list[Ticket] = []

    def route(ticket: Ticket) -> Ticket:
        seen.append(ticket)
        return replace(ticket, tier=Tier.L2, assignee="agent-3", status=ticket.status)

    container.on_new_ticket = route
    result = container.support_intake(inbound())
    container.support_intake(inbound(external_id="<m2@x>", thread_refs=("<m1@mail.example.com>",)))
    assert [t.id for t in seen] == [result.ticket_id]
    ticket = read(container, lambda d: d.ticket(result.ticket_id)).ticket
    assert (ticket.tier.value, ticket.assignee, ticket.status.value) == ("l2", "agent-3", "new")
    routed = [p for a, _, p in audit(container) if a == "support.ticket_routed"]
    assert routed == [
        {
            "ticket_id": result.ticket_id,
            "fields": ["assignee", "tier"],
            "tier": "l2",
            "priority": "normal",
            "assigned": True,
        }
    ]


def test_a_failing_hook_loses_nothing(container: Container) -> None:
    def broken(ticket: Ticket) -> Ticket:
        raise RuntimeError("routing table missing")

    container.on_new_ticket = broken
    with capture_logs() as logs:
        result = container.support_intake(inbound())
    assert count(container, "support_messages") == 1
    assert read(container, lambda d: d.ticket(result.ticket_id)).ticket.tier.value == "bot"
    assert [e["ticket_id"] for e in logs if e["event"] == "support.route_failed"] == [
        result.ticket_id
    ]


def test_an_over_long_body_is_kept_whole_beside_the_message(container: Container) -> None:
    body = "x" * 25_000
    result = container.support_intake(inbound(body=body))
    [message] = read(container, lambda d: d.ticket(result.ticket_id)).messages
    assert len(message.body) == 20_000
    assert message.body.endswith("[… the full text is attached as message-body.txt]")
    [part] = message.attachments
    assert (part.filename, part.content_type, part.size, part.status.value) == (
        "message-body.txt",
        "text/plain",
        25_000,
        "stored",
    )
    assert read(container, lambda d: d.download(part.id)).data == body.encode()


def test_bad_intake_is_refused_before_anything_is_written(container: Container) -> None:
    for msg, field in (
        (inbound(channel="fax"), "channel"),
        (inbound(sender_kind="pager"), "sender_kind"),
        (inbound(external_id="  "), "external_id"),
        (inbound(sender="not-an-address"), "sender"),
    ):
        with pytest.raises(InvalidInput) as caught:
            container.support_intake(msg)
        assert caught.value.field == field
    assert count(container, "support_customers") == 0
    assert audit(container) == []


def test_audit_entries_name_no_addresses_or_text(container: Container) -> None:
    container.support_intake(inbound(subject="secret subject", body="secret body"))
    dumped = repr(audit(container)).lower()
    for private in ("ana.putri", "example.com", "secret subject", "secret body", "ana putri"):
        assert private not in dumped
    [payload] = [p for a, _, p in audit(container) if a == "support.message_added"]
    assert payload | {"ticket_id": "", "message_id": ""} == {
        "ticket_id": "",
        "message_id": "",
        "direction": "inbound",
        "visibility": "public",
        "author_kind": "customer",
        "channel": "email",
        "chars": 11,
        "attachments": 0,
        "quarantined": [],
    }


def test_the_time_the_customer_wrote(container: Container) -> None:
    clock_of(container).advance(hours=1)
    queued = container.support_intake(inbound(received_at=T0.replace(minute=30)))
    view = read(container, lambda d: d.ticket(queued.ticket_id))
    # A message that waited in a queue keeps its time; SLA clocks start there.
    assert (view.ticket.created_at, view.messages[0].created_at) == (
        T0.replace(minute=30),
        T0.replace(minute=30),
    )
    ahead = container.support_intake(inbound(external_id="<m2@x>", received_at=T0.replace(hour=23)))
    [message] = read(container, lambda d: d.ticket(ahead.ticket_id)).messages
    assert message.created_at == T0.replace(hour=10)  # a clock running ahead is not believed
    with pytest.raises(InvalidInput) as caught:
        container.support_intake(inbound(external_id="<m3@x>", received_at=datetime(2026, 3, 1)))
    assert caught.value.field == "received_at"
