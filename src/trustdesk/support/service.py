"""The support desk: every support use case for one actor, inside the caller's transaction.

Get one from the container: ``container.support(session, actor, request_id)``; channels
call ``container.support_intake(msg)``, which runs ``intake`` in a transaction of its own
and is safe when the same delivery races itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from trustdesk.core.errors import Conflict, InvalidInput
from trustdesk.support import (
    agents,
    attachments,
    customers,
    desk_routing,
    intake,
    macro_desk,
    tickets,
)
from trustdesk.support.agents import AgentIn
from trustdesk.support.attachments import Download
from trustdesk.support.customers import CustomerIn, Found, IdentityIn
from trustdesk.support.desk_ports import AgentProfile
from trustdesk.support.env import SupportEnv
from trustdesk.support.identities import identity_kind
from trustdesk.support.macro_desk import MacroReply
from trustdesk.support.macros import Macro
from trustdesk.support.model import (
    AuthorKind,
    Customer,
    Direction,
    IdentityKind,
    InboundAttachment,
    InboundMessage,
    IntakeResult,
    Message,
    Status,
    Ticket,
    Tier,
    Visibility,
    check_body,
    check_transition,
    enum_value,
)
from trustdesk.support.sla import SlaReading
from trustdesk.support.tickets import ReplyIn, TicketIn
from trustdesk.support.timeline import Timeline, TimelineItem, Window, merge, window

__all__ = [
    "AgentIn",
    "CustomerIn",
    "CustomerRef",
    "Found",
    "IdentityIn",
    "ReplyIn",
    "SupportDesk",
    "TicketIn",
    "TicketView",
]


class TimelineSources(Protocol):
    def items(
        self, customer_id: str, account_ids: Sequence[str], win: Window, *, notes: bool
    ) -> list[list[TimelineItem]]: ...


@dataclass(frozen=True)
class CustomerRef:
    """Who a ticket is for: a customer id, or an identity (an unknown one becomes a
    provisional customer)."""

    customer_id: str | None = None
    identity: IdentityIn | None = None
    name: str | None = None


@dataclass(frozen=True)
class TicketView:
    ticket: Ticket
    messages: tuple[Message, ...]
    sla: SlaReading | None = None  # the timers now; None without a desk or a clock


class NotWithTheBot(Conflict):
    code = "support.not_with_bot"


@dataclass(frozen=True)
class SupportDesk:
    env: SupportEnv
    sources: TimelineSources | None = None

    # --- customers -------------------------------------------------------------------------

    def create_customer(self, given: CustomerIn) -> Customer:
        return customers.create(self.env, given)

    def customer(self, customer_id: str) -> Found:
        return customers.find(self.env, customer_id)

    def resolve(self, kind: str, value: str, name: str | None = None) -> Customer:
        return customers.resolve(self.env, identity_kind(kind), value, name=name)[0]

    def merged_ids(self, customer_id: str) -> list[str]:
        """The customers that were merged into this one."""
        return self.env.store.merged_ids(customer_id)

    def add_identity(self, customer_id: str, given: IdentityIn) -> Customer:
        return customers.add_identity(self.env, customer_id, given)

    def merge(self, source_id: str, into_id: str) -> Customer:
        return customers.merge(self.env, source_id, into_id)

    # --- tickets ---------------------------------------------------------------------------

    def open_ticket(self, who: CustomerRef, given: TicketIn, body: str | None = None) -> TicketView:
        """A ticket opened on a customer's behalf (an agent, the API); ``body``, if any, is
        the customer's first message."""
        text = check_body(body, required=False) if body is not None else ""
        customer = self._customer_for(who)
        ticket = tickets.open_ticket(self.env, customer, given)
        if text.strip():
            message = tickets.append(
                self.env,
                ticket,
                direction=Direction.INBOUND,
                visibility=Visibility.PUBLIC,
                author_kind=AuthorKind.CUSTOMER,
                author_id=customer.id,
                channel=ticket.channel,
                body=text,
                created_at=ticket.created_at,
            )
            tickets.record_message(self.env, ticket, message, attachments=0, quarantined=[])
        tickets.routed(self.env, ticket, pinned=given.tier is not None)
        return self.ticket(ticket.id)

    def ticket(self, ticket_id: str, *, notes: bool = True) -> TicketView:
        ticket = tickets.find(self.env, ticket_id)
        messages = self.env.store.messages(ticket.id)
        if not notes:
            messages = [m for m in messages if m.visibility is Visibility.PUBLIC]
        sla = None
        if self.env.desk is not None:
            sla = desk_routing.reading(self.env.desk.config, ticket, self.env.clock.now())
        return TicketView(ticket, tuple(messages), sla)

    def tickets(
        self,
        *,
        customer_id: str | None = None,
        status: str | None = None,
        tier: str | None = None,
        assignee: str | None = None,
        limit: int = 50,
    ) -> list[Ticket]:
        if customer_id is not None:
            customer_id = customers.find(self.env, customer_id).customer.id
        return tickets.list_tickets(
            self.env,
            customer_id=customer_id,
            status=status,
            tier=tier,
            assignee=assignee,
            limit=limit,
        )

    def reply(
        self, ticket_id: str, given: ReplyIn, files: Sequence[InboundAttachment] = ()
    ) -> tuple[Ticket, Message]:
        return tickets.reply(self.env, ticket_id, given, files)

    def set_status(self, ticket_id: str, status: str) -> Ticket:
        return tickets.set_status(self.env, ticket_id, status)

    def set_tags(self, ticket_id: str, tags: Sequence[str]) -> Ticket:
        return tickets.set_tags(self.env, ticket_id, tags)

    def rate(self, ticket_id: str, score: int, comment: str | None = None) -> Ticket:
        return tickets.rate(self.env, ticket_id, score, comment)

    def update(self, ticket_id: str, **changes: Any) -> Ticket:
        """Routing and SLA fields: tier, priority, assignee, tags, category, language,
        region, first_response_due_at, resolution_due_at, sla_paused_at, sla_paused_total_s."""
        ticket = tickets.find(self.env, ticket_id, lock=True)
        return tickets.update(self.env, ticket, changes)

    def download(self, attachment_id: str) -> Download:
        return attachments.download(self.env, attachment_id)

    def hand_off(self, ticket_id: str, tier: str | None = None) -> Ticket:
        """The bot gives the ticket to people: to ``tier`` (l1, l2, blockchain, compliance),
        or where the rules send it now; it is routed, assigned and waits for an agent."""
        ticket = tickets.find(self.env, ticket_id, lock=True)
        if ticket.tier is not Tier.BOT:
            raise NotWithTheBot(
                f"ticket {ticket.id} is on tier {ticket.tier.value}, not with the bot",
                field="ticket_id",
            )
        check_transition(ticket.status, Status.WAITING_AGENT)
        target = _tier_or_none(tier)
        ticket = desk_routing.hand_off(self.env, ticket, target)
        return tickets.move(self.env, ticket, Status.WAITING_AGENT, "hand_off")

    # --- the roster and macros -------------------------------------------------------------

    def agents(self) -> list[AgentProfile]:
        return agents.roster(self.env)

    def agent(self, agent_id: str) -> AgentProfile:
        return agents.find(self.env, agent_id)

    def save_agent(self, agent_id: str, given: AgentIn) -> tuple[AgentProfile, bool]:
        """Create or replace an agent: (the agent, created?)."""
        return agents.save(self.env, agent_id, given)

    def set_online(self, agent_id: str, online: bool) -> AgentProfile:
        return agents.set_online(self.env, agent_id, online)

    def macros(self) -> list[Macro]:
        return list(macro_desk.catalog(self.env).values())

    def macro(self, macro_id: str) -> Macro:
        return macro_desk.find(self.env, macro_id)

    def save_macro(self, macro_id: str, title: str, bodies: dict[str, str]) -> Macro:
        return macro_desk.save(self.env, macro_id, title, bodies)

    def reply_with_macro(
        self, ticket_id: str, macro_id: str, author: str, values: dict[str, str] | None = None
    ) -> MacroReply:
        return macro_desk.reply(self.env, ticket_id, macro_id, author, values)

    # --- channels and the timeline ---------------------------------------------------------

    def intake(self, msg: InboundMessage) -> IntakeResult:
        return intake.intake(self.env, msg)

    def timeline(
        self,
        customer_id: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
        notes: bool = True,
    ) -> Timeline:
        win = window(since, until, limit)
        customer = customers.find(self.env, customer_id).customer
        if self.sources is None:
            raise RuntimeError("this desk was built without timeline sources")
        accounts = sorted(
            {i.value for i in customer.identities if i.kind is IdentityKind.ACCOUNT}
            | ({customer.account_id} if customer.account_id else set())
        )
        found = self.sources.items(customer.id, accounts, win, notes=notes)
        return merge(customer.id, found, win)

    def _customer_for(self, who: CustomerRef) -> Customer:
        if (who.customer_id is None) == (who.identity is None):
            raise InvalidInput("give either customer_id or identity", field="customer_id")
        if who.customer_id is not None:
            return customers.find(self.env, who.customer_id, lock=True).customer
        assert who.identity is not None
        kind = identity_kind(who.identity.kind, "identity.kind")
        customer, _ = customers.resolve(
            self.env, kind, who.identity.value, name=who.name, lock=True, field="identity.value"
        )
        return customer


def _tier_or_none(tier: str | None) -> str | None:
    """A tier named by a caller, checked (None: let the rules decide)."""
    if tier is None or not tier.strip():
        return None
    return enum_value(Tier, tier, "tier").value
