"""Shared by the desk tests: a container on a hand-moved clock, agents, tickets opened at
chosen instants, and what the store holds.

Times are written in UTC; the shipped desk (policies/support.toml) works Berlin 09:00-18:00
(CET, UTC+1 until 2026-03-29), Singapore 09:00-18:00 (UTC+8) and New York 09:00-18:00 (EST
UTC-5 until 2026-03-08, then EDT UTC-4). Monday 2026-03-02 08:00 UTC is 09:00 in Berlin,
16:00 in Singapore and 03:00 in New York.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from tests.integration.support.helpers import clock_of, read, write
from trustdesk.bootstrap import Container
from trustdesk.support.agents import AgentIn
from trustdesk.support.customers import IdentityIn
from trustdesk.support.desk_ports import AgentProfile
from trustdesk.support.model import Ticket
from trustdesk.support.service import CustomerRef, TicketIn, TicketView

MON = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Monday 09:00 in Berlin


def utc(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def at(container: Container, when: datetime) -> None:
    clock_of(container).set(when)


def add_agent(
    container: Container,
    agent_id: str,
    *,
    capacity: int = 5,
    languages: str = "en",
    queues: str = "l1",
    team: str = "emea",
    skills: str = "",
    online: bool = True,
    name: str | None = None,
) -> AgentProfile:
    given = AgentIn(
        team=team,
        queues=tuple(queues.split()),
        languages=tuple(languages.split()),
        capacity=capacity,
        skills=tuple(skills.split()),
        display_name=name,
        online=online,
    )
    return write(container, lambda d: d.save_agent(agent_id, given))[0]


def open_ticket(
    container: Container,
    who: str = "ana@example.com",
    *,
    category: str = "other",
    language: str | None = "en",
    priority: str = "normal",
    region: str | None = None,
    tier: str | None = None,
    name: str | None = "Ana Putri",
    channel: str = "email",
) -> Ticket:
    """A ticket opened for the customer with e-mail ``who`` at the clock's instant."""
    given = TicketIn(
        subject="Help",
        category=category,
        priority=priority,
        language=language,
        region=region,
        tier=tier,
        channel=channel,
    )
    ref = CustomerRef(identity=IdentityIn("email", who), name=name)
    view = write(container, lambda d: d.open_ticket(ref, given, "Please help."))
    return view.ticket


def ticket(container: Container, ticket_id: str) -> Ticket:
    return read(container, lambda d: d.ticket(ticket_id)).ticket


def view(container: Container, ticket_id: str) -> TicketView:
    return read(container, lambda d: d.ticket(ticket_id))


def loads(container: Container) -> dict[str, int]:
    return {a.id: a.load for a in read(container, lambda d: d.agents())}


def snapshot(container: Container) -> dict[str, Any]:
    """Everything a sweep could change, to compare before and after."""
    with container.reading() as session:

        def rows(query: str) -> list[tuple[Any, ...]]:
            return [tuple(r) for r in session.execute(text(query))]

        return {
            "tickets": rows("SELECT * FROM support_tickets ORDER BY id"),
            "messages": rows("SELECT id, ticket_id, body FROM support_messages ORDER BY id"),
            "alerts": rows("SELECT ticket_id, timer, kind FROM support_sla_alerts ORDER BY id"),
            "cursors": rows("SELECT * FROM support_routing_cursors ORDER BY queue"),
            "audit": rows("SELECT count(*) FROM audit_entries"),
        }
