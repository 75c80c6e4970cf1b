"""Tickets: opening, the status machine applied, replies and notes, tags, CSAT, routing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final

import structlog

from trustdesk.core.errors import Conflict, InvalidInput
from trustdesk.core.ids import new_id
from trustdesk.support import attachments, desk_routing
from trustdesk.support.env import SupportEnv, TicketNotFound
from trustdesk.support.model import (
    MAX_COMMENT,
    MAX_SUBJECT,
    ROUTED_FIELDS,
    AuthorKind,
    Category,
    Channel,
    Customer,
    Direction,
    InboundAttachment,
    Message,
    Priority,
    Status,
    StatusChange,
    Ticket,
    Tier,
    Visibility,
    after_public_reply,
    check_body,
    check_language,
    check_region,
    check_transition,
    clean_text,
    enum_value,
    new_ticket_id,
    normalize_tags,
    storage_key,
)

log = structlog.get_logger("trustdesk.support")

MAX_AUTHOR: Final = 128
MAX_LIST: Final = 500
# Fields routing and SLA may set after opening (``update``); the status has its own machine.
UPDATABLE: Final = frozenset(
    {
        "tier",
        "priority",
        "assignee",
        "tags",
        "category",
        "language",
        "region",
        "first_response_due_at",
        "resolution_due_at",
        "sla_paused_at",
        "sla_paused_total_s",
    }
)


class CsatRefused(Conflict):
    code = "support.csat_refused"


class TicketClosed(Conflict):
    code = "support.ticket_closed"


@dataclass(frozen=True)
class TicketIn:
    subject: str
    category: str = Category.OTHER.value
    priority: str = Priority.NORMAL.value
    language: str | None = None
    region: str | None = None
    channel: str = Channel.API.value
    tier: str | None = None  # None: routing decides (the bot tier without a desk)
    tags: Sequence[str] = ()
    assignee: str | None = None


@dataclass(frozen=True)
class ReplyIn:
    body: str
    author_id: str | None  # the agent's id; None for the bot
    author_kind: AuthorKind = AuthorKind.AGENT
    visibility: Visibility = Visibility.PUBLIC
    channel: str | None = None  # default: the ticket's channel
    thread_key: str | None = None  # e.g. the Message-ID of the e-mail that carries it


def find(env: SupportEnv, ticket_id: str, *, lock: bool = False) -> Ticket:
    ticket = env.store.ticket(ticket_id.strip().upper(), for_update=lock)
    if ticket is None:
        raise TicketNotFound(f"no ticket {ticket_id[:40]}", field="ticket_id")
    return ticket


def subject_line(text: str | None, body: str = "") -> str:
    """One line of at most 300 characters; from the body's first line when there is none."""
    line = " ".join(clean_text(text or "").split())
    if not line:
        first = next((ln for ln in clean_text(body).splitlines() if ln.strip()), "")
        line = " ".join(first.split())[:80] or "(no subject)"
    return line[:MAX_SUBJECT]


def open_ticket(
    env: SupportEnv, customer: Customer, given: TicketIn, at: datetime | None = None
) -> Ticket:
    """A new ticket (status new); ``at``: when the customer wrote, if that was earlier."""
    now = at or env.clock.now()
    ticket = Ticket(
        id=_unused_id(env),
        customer_id=customer.id,
        subject=subject_line(given.subject),
        category=enum_value(Category, given.category, "category"),
        priority=enum_value(Priority, given.priority, "priority"),
        language=check_language(given.language) if given.language else customer.language,
        region=check_region(given.region) if given.region else customer.region,
        channel=enum_value(Channel, given.channel, "channel"),
        tier=enum_value(Tier, given.tier, "tier") if given.tier else Tier.BOT,
        status=Status.NEW,
        assignee=_author(given.assignee, "assignee"),
        tags=normalize_tags(given.tags),
        created_at=now,
        updated_at=now,
    )
    env.store.add_ticket(ticket)
    env.store.add_status_change(StatusChange(ticket.id, now, None, Status.NEW, env.actor, "opened"))
    env.record(
        "ticket_opened",
        f"ticket:{ticket.id}",
        {
            "ticket_id": ticket.id,
            "customer_id": customer.id,
            "channel": ticket.channel.value,
            "category": ticket.category.value,
            "priority": ticket.priority.value,
            "tier": ticket.tier.value,
            "language": ticket.language,
            "region": ticket.region,
        },
    )
    return ticket


def routed(env: SupportEnv, ticket: Ticket, *, pinned: bool = False) -> Ticket:
    """Place a new ticket: a custom routing hook if there is one (it keeps only the routing
    fields it changed; a failing hook is logged and the ticket stays where it is: the message
    is never lost), else the desk's rules (``desk_routing``; ``pinned``: keep its tier)."""
    if env.on_new_ticket is None:
        if env.desk is not None:
            return desk_routing.place_new(env, ticket, pinned=pinned)
        return ticket
    try:
        placed = env.on_new_ticket(ticket)
    except Exception:  # noqa: BLE001 - routing must not cost the customer's message
        log.exception("support.route_failed", ticket_id=ticket.id)
        return ticket
    if placed is None:
        return ticket
    changes = {
        f: getattr(placed, f) for f in ROUTED_FIELDS if getattr(placed, f) != getattr(ticket, f)
    }
    if not changes:
        return ticket
    return update(env, ticket, changes, action="ticket_routed", follow=False)


def update(
    env: SupportEnv,
    ticket: Ticket,
    changes: dict[str, Any],
    action: str = "ticket_updated",
    *,
    follow: bool = True,
) -> Ticket:
    """Set routing and SLA fields (``UPDATABLE``), checked like everything else; with a desk
    (and ``follow``), a new tier routes the ticket again and a new priority retargets its
    SLA clock."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise InvalidInput(f"cannot set {', '.join(sorted(unknown))} here", field="fields")
    clean = {name: _checked(name, value) for name, value in changes.items()}
    changed = replace(ticket, **clean, updated_at=env.clock.now())
    env.store.save_ticket(changed)
    env.record(
        action,
        f"ticket:{ticket.id}",
        {
            "ticket_id": ticket.id,
            "fields": sorted(clean),
            "tier": changed.tier.value,
            "priority": changed.priority.value,
            "assigned": changed.assignee is not None,
        },
    )
    if follow and env.desk is not None:
        return desk_routing.after_update(env, ticket, changed, set(clean))
    return changed


def move(env: SupportEnv, ticket: Ticket, target: Status, reason: str) -> Ticket:
    """The ticket in ``target`` if the machine allows it (else ``support.bad_transition``)."""
    move_name = check_transition(ticket.status, target)
    now = env.clock.now()
    stamps: dict[str, Any] = {}
    if target is Status.RESOLVED:
        stamps["resolved_at"] = now
    elif target is Status.CLOSED:
        stamps["closed_at"] = now
    elif move_name == "reopened":
        stamps = {"resolved_at": None, "closed_at": None}
    changed = replace(ticket, status=target, updated_at=now, **stamps)
    env.store.save_ticket(changed)
    env.store.add_status_change(
        StatusChange(ticket.id, now, ticket.status, target, env.actor, reason)
    )
    env.record(
        "status_changed",
        f"ticket:{ticket.id}",
        {"ticket_id": ticket.id, "from": ticket.status.value, "to": target.value, "reason": reason},
    )
    if env.desk is not None:  # the SLA clock follows; waiting_agent on the bot tier hands off
        return desk_routing.after_move(env, ticket, changed)
    return changed


def set_status(env: SupportEnv, ticket_id: str, status: str) -> Ticket:
    target = enum_value(Status, status, "status")
    return move(env, find(env, ticket_id, lock=True), target, "explicit")


def append(
    env: SupportEnv,
    ticket: Ticket,
    *,
    direction: Direction,
    visibility: Visibility,
    author_kind: AuthorKind,
    author_id: str | None,
    channel: Channel,
    body: str,
    created_at: datetime,
    external_id: str | None = None,
    thread_key: str | None = None,
) -> Message:
    message = Message(
        id=new_id("msg"),
        ticket_id=ticket.id,
        direction=direction,
        visibility=visibility,
        author_kind=author_kind,
        author_id=author_id,
        channel=channel,
        body=body,
        created_at=created_at,
        external_id=external_id,
        thread_key=storage_key(thread_key) if thread_key and thread_key.strip() else None,
    )
    env.store.add_message(message)
    return message


def reply(
    env: SupportEnv,
    ticket_id: str,
    given: ReplyIn,
    files: Sequence[InboundAttachment] = (),
) -> tuple[Ticket, Message]:
    """An agent's or the bot's reply (public: sets first_response_at and moves the ticket to
    waiting_customer) or an internal note (changes nothing but the record), with files if
    any; a refused file refuses the whole reply (422 naming it)."""
    body = check_body(given.body, required=not files)
    judged = attachments.judge_all(env, files)
    attachments.refuse_any(env, judged)
    author = _author(given.author_id, "author")
    if given.author_kind is AuthorKind.AGENT and author is None:
        raise InvalidInput("an agent reply names its agent", field="author")
    if given.author_kind is AuthorKind.CUSTOMER:
        raise InvalidInput("customer messages arrive through intake", field="author")
    ticket = find(env, ticket_id, lock=True)
    if ticket.status is Status.CLOSED and given.visibility is Visibility.PUBLIC:
        # A closed ticket is the record of a finished conversation: reopen it to write again.
        raise TicketClosed(
            f"ticket {ticket.id} is closed: reopen it (status waiting_agent) to reply",
            field="ticket_id",
        )
    channel = enum_value(Channel, given.channel, "channel") if given.channel else ticket.channel
    now = env.clock.now()
    message = append(
        env,
        ticket,
        direction=Direction.OUTBOUND,
        visibility=given.visibility,
        author_kind=given.author_kind,
        author_id=author if given.author_kind is AuthorKind.AGENT else "bot",
        channel=channel,
        body=body,
        created_at=now,
        thread_key=given.thread_key,
    )
    kept = attachments.keep(env, message, files, judged)
    message = replace(message, attachments=tuple(kept))
    record_message(env, ticket, message, attachments=len(kept), quarantined=[])
    if given.visibility is Visibility.PUBLIC:
        if ticket.first_response_at is None:
            ticket = replace(ticket, first_response_at=now, updated_at=now)
            env.store.save_ticket(ticket)
        target = after_public_reply(ticket.status)
        if target is not None:
            ticket = move(env, ticket, target, f"{given.author_kind.value}_reply")
    return ticket, message


def record_message(
    env: SupportEnv,
    ticket: Ticket,
    message: Message,
    *,
    attachments: int,
    quarantined: list[dict[str, str]],
) -> None:
    env.record(
        "message_added",
        f"ticket:{ticket.id}",
        {
            "ticket_id": ticket.id,
            "message_id": message.id,
            "direction": message.direction.value,
            "visibility": message.visibility.value,
            "author_kind": message.author_kind.value,
            "channel": message.channel.value,
            "chars": len(message.body),
            "attachments": attachments,
            "quarantined": quarantined,
        },
    )


def set_tags(env: SupportEnv, ticket_id: str, tags: Sequence[str]) -> Ticket:
    clean = normalize_tags(tags)
    ticket = find(env, ticket_id, lock=True)
    changed = replace(ticket, tags=clean, updated_at=env.clock.now())
    env.store.save_ticket(changed)
    env.record(
        "tags_changed",
        f"ticket:{ticket.id}",
        {
            "ticket_id": ticket.id,
            "added": sorted(set(clean) - set(ticket.tags)),
            "removed": sorted(set(ticket.tags) - set(clean)),
        },
    )
    return changed


def rate(env: SupportEnv, ticket_id: str, score: int, comment: str | None) -> Ticket:
    """CSAT 1-5 with an optional comment: once, and only once the ticket is resolved."""
    if not 1 <= score <= 5:
        raise InvalidInput("the score is 1 to 5", field="score")
    text = (comment or "").strip() or None
    if text is not None and len(text) > MAX_COMMENT:
        raise InvalidInput(f"the comment may be at most {MAX_COMMENT} characters", field="comment")
    ticket = find(env, ticket_id, lock=True)
    if ticket.csat_score is not None:
        raise CsatRefused("this ticket has been rated already", field="score")
    if ticket.status not in (Status.RESOLVED, Status.CLOSED):
        raise CsatRefused(
            f"a ticket can be rated once it is resolved; it is {ticket.status.value}",
            field="score",
        )
    now = env.clock.now()
    changed = replace(ticket, csat_score=score, csat_comment=text, csat_at=now, updated_at=now)
    env.store.save_ticket(changed)
    env.record(
        "csat",
        f"ticket:{ticket.id}",
        {"ticket_id": ticket.id, "score": score, "commented": text is not None},
    )
    return changed


def list_tickets(
    env: SupportEnv,
    *,
    customer_id: str | None = None,
    status: str | None = None,
    tier: str | None = None,
    assignee: str | None = None,
    limit: int = 50,
) -> list[Ticket]:
    if not 1 <= limit <= MAX_LIST:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIST}", field="limit")
    return env.store.tickets(
        customer_id=customer_id,
        status=enum_value(Status, status, "status") if status else None,
        tier=enum_value(Tier, tier, "tier") if tier else None,
        assignee=assignee,
        limit=limit,
    )


def _unused_id(env: SupportEnv) -> str:
    # 32^6 ids: a clash is rare, and the look-up makes it harmless.
    for _ in range(8):
        candidate = new_ticket_id()
        if env.store.ticket(candidate) is None:
            return candidate
    raise RuntimeError("could not find an unused ticket id")  # pragma: no cover


def _author(value: str | None, field: str) -> str | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    if len(text) > MAX_AUTHOR or not text.isprintable():
        raise InvalidInput(f"{field}: at most {MAX_AUTHOR} printable characters", field=field)
    return text


def _checked(name: str, value: Any) -> Any:
    if value is None:
        if name == "tags":
            return ()
        if name in {"tier", "priority", "category"}:
            raise InvalidInput(f"{name} cannot be empty", field=name)
        return None
    if name == "tier":
        return enum_value(Tier, str(value), name)
    if name == "priority":
        return enum_value(Priority, str(value), name)
    if name == "category":
        return enum_value(Category, str(value), name)
    if name == "language":
        return check_language(str(value))
    if name == "region":
        return check_region(str(value))
    if name == "assignee":
        return _author(str(value), name)
    if name == "tags":
        return normalize_tags(value)
    if name == "sla_paused_total_s":
        if not isinstance(value, int) or value < 0:
            raise InvalidInput("sla_paused_total_s is a count of seconds", field=name)
        return value
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidInput(f"{name} must be an aware datetime", field=name)
    return value
