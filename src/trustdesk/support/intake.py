"""Intake: the one entry point every channel calls with an ``InboundMessage``.

1. Idempotent on (channel, external_id): a second delivery returns the first result with
   ``duplicate=True`` and writes nothing (the unique key is the guarantee under races;
   ``wiring.run_intake`` retries a transaction that lost one).
2. The sender becomes a customer (a provisional one when unknown), locked while the message
   is placed, so two messages of one customer cannot open two chat tickets.
3. The ticket: the subject token's ticket if it is the customer's, else the ticket of a
   message the mail refers to (In-Reply-To / References), else the customer's open ticket
   on a chat channel, else a new one (status new, tier bot; the routing hook may place it).
4. The message is appended; waiting_customer goes back to the bot or an agent, a resolved
   or closed ticket reopens. Nothing is lost: a body over the limit is kept whole as a
   text part, refused files are kept quarantined with their reason.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from trustdesk.core.errors import InvalidInput
from trustdesk.support import attachments, customers, tickets
from trustdesk.support.env import SupportEnv
from trustdesk.support.identities import identity_kind
from trustdesk.support.model import (
    CHAT_CHANNELS,
    MAX_BODY,
    AuthorKind,
    Category,
    Channel,
    Customer,
    Direction,
    InboundAttachment,
    InboundMessage,
    IntakeResult,
    Message,
    Ticket,
    Visibility,
    after_customer_message,
    clean_text,
    enum_value,
    storage_key,
)

MAX_THREAD_REFS: Final = 50
OVERFLOW_NAME: Final = "message-body.txt"
_CUT_NOTE: Final = "\n\n[… the full text is attached as message-body.txt]"


def intake(env: SupportEnv, msg: InboundMessage) -> IntakeResult:
    channel = enum_value(Channel, msg.channel, "channel")
    kind = identity_kind(msg.sender_kind, "sender_kind")
    if not msg.external_id.strip():
        raise InvalidInput("every inbound message needs its external id", field="external_id")
    if msg.received_at.tzinfo is None:
        raise InvalidInput("received_at needs a time zone", field="received_at")
    key = storage_key(msg.external_id)
    first = env.store.message_by_external(channel, key)
    if first is not None:
        return _duplicate(env, first)
    customer, _ = customers.resolve(
        env, kind, msg.sender, name=msg.sender_name, language=msg.language, lock=True
    )
    # Again, now that the customer is locked: a delivery that held the lock may have
    # committed this very message meanwhile.
    first = env.store.message_by_external(channel, key)
    if first is not None:
        return _duplicate(env, first)
    found = _thread(env, customer, channel, msg)
    # When the customer wrote (a channel's clock running ahead is not believed): the
    # message's time, and a new ticket's, which SLA clocks start from.
    written = min(msg.received_at, env.clock.now())
    ticket = found or tickets.open_ticket(
        env, customer, _ticket_in(env, customer, channel, msg), at=written
    )
    body, files = _body_and_files(msg)
    judged = attachments.judge_all(env, files)
    message = tickets.append(
        env,
        ticket,
        direction=Direction.INBOUND,
        visibility=Visibility.PUBLIC,
        author_kind=AuthorKind.CUSTOMER,
        author_id=customer.id,
        channel=channel,
        body=body,
        created_at=written,
        external_id=key,
        thread_key=key if channel is Channel.EMAIL else None,
    )
    kept = attachments.keep(env, message, files, judged)
    tickets.record_message(
        env, ticket, message, attachments=len(kept), quarantined=attachments.quarantined(kept)
    )
    if found is None:
        tickets.routed(env, ticket)
    else:
        _after_customer_message(env, ticket)
    return IntakeResult(ticket.id, message.id, customer.id, found is None, False)


def _duplicate(env: SupportEnv, first: Message) -> IntakeResult:
    ticket = tickets.find(env, first.ticket_id)
    opened = env.store.first_message_id(ticket.id) == first.id
    return IntakeResult(ticket.id, first.id, ticket.customer_id, opened, True)


def _thread(
    env: SupportEnv, customer: Customer, channel: Channel, msg: InboundMessage
) -> Ticket | None:
    """The customer's ticket this message belongs to, locked; None for a new one. Only the
    customer's own tickets are found: knowing a ticket id or a Message-ID is not enough to
    write into someone else's ticket."""
    found: Ticket | None = None
    if msg.ticket_ref and msg.ticket_ref.strip():
        candidate = env.store.ticket(msg.ticket_ref.strip().upper())
        if candidate is not None and candidate.customer_id == customer.id:
            found = candidate
    if found is None and msg.thread_refs:
        keys = [storage_key(r) for r in msg.thread_refs[-MAX_THREAD_REFS:] if r.strip()]
        found = env.store.ticket_by_thread(customer.id, keys) if keys else None
    if found is None and channel in CHAT_CHANNELS:
        found = env.store.open_ticket_on_channel(customer.id, channel)
    return tickets.find(env, found.id, lock=True) if found is not None else None


def _ticket_in(
    env: SupportEnv, customer: Customer, channel: Channel, msg: InboundMessage
) -> tickets.TicketIn:
    return tickets.TicketIn(
        subject=tickets.subject_line(msg.subject, msg.body),
        category=_category(msg.category),
        language=customers.soft_language(msg.language) or customer.language,
        channel=channel.value,
    )


def _category(value: str | None) -> str:
    # A channel's guess: kept when it names a category, "other" when it does not.
    text = (value or "").strip().lower()
    return text if text in {c.value for c in Category} else Category.OTHER.value


def _body_and_files(msg: InboundMessage) -> tuple[str, tuple[InboundAttachment, ...]]:
    """The body to store and the files to keep: an over-long body is cut, and kept whole
    as a text part beside the message."""
    body = clean_text(msg.body)
    files = tuple(msg.attachments)
    if len(body) <= MAX_BODY:
        return body, files
    whole = InboundAttachment(OVERFLOW_NAME, "text/plain", msg.body.encode("utf-8", "replace"))
    return body[: MAX_BODY - len(_CUT_NOTE)] + _CUT_NOTE, (*files, whole)


def _after_customer_message(env: SupportEnv, ticket: Ticket) -> Ticket:
    target = after_customer_message(ticket.status, ticket.tier)
    if target is not None:
        return tickets.move(env, ticket, target, "customer_message")
    touched = replace(ticket, updated_at=env.clock.now())
    env.store.save_ticket(touched)
    return touched
