"""Request bodies of the support API, and the JSON shapes the API and the CLI print."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from trustdesk.support.customers import CustomerIn, IdentityIn
from trustdesk.support.model import (
    MAX_BODY,
    MAX_COMMENT,
    MAX_SUBJECT,
    Attachment,
    Category,
    Channel,
    Customer,
    Identity,
    InboundAttachment,
    Message,
    Priority,
    Status,
    Ticket,
    Tier,
    Visibility,
    allowed_next,
)
from trustdesk.support.service import TicketView
from trustdesk.support.sla import SlaReading, TimerReading
from trustdesk.support.tickets import TicketIn

# --- requests ----------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IdentityFields(_Strict):
    kind: str = Field(max_length=16, description="account, email, phone, telegram or inapp")
    value: str = Field(min_length=1, max_length=320)
    verified: bool = False

    def to_domain(self) -> IdentityIn:
        return IdentityIn(self.kind, self.value, self.verified)


class CustomerCreate(_Strict):
    display_name: str | None = Field(default=None, max_length=200)
    account_id: str | None = Field(default=None, max_length=64, description="wallet account")
    language: str | None = Field(default=None, max_length=16, description="en, zh, id …")
    region: str | None = Field(default=None, max_length=16)
    identities: list[IdentityFields] = Field(default_factory=list, max_length=20)

    def to_domain(self) -> CustomerIn:
        return CustomerIn(
            display_name=self.display_name,
            account_id=self.account_id,
            language=self.language,
            region=self.region,
            identities=[i.to_domain() for i in self.identities],
        )


class TicketCreate(_Strict):
    """A ticket on a customer's behalf: give ``customer_id`` or an ``identity``."""

    customer_id: str | None = Field(default=None, max_length=40)
    identity: IdentityFields | None = None
    name: str | None = Field(default=None, max_length=200, description="for a new customer")
    subject: str = Field(min_length=1, max_length=MAX_SUBJECT)
    body: str | None = Field(
        default=None, max_length=MAX_BODY, description="the customer's first message"
    )
    category: Category = Category.OTHER
    priority: Priority = Priority.NORMAL
    language: str | None = Field(default=None, max_length=16)
    region: str | None = Field(default=None, max_length=16)
    channel: Channel = Channel.API
    tier: Tier | None = Field(default=None, description="omit: the routing rules decide")
    tags: list[str] = Field(default_factory=list, max_length=20)
    assignee: str | None = Field(default=None, max_length=128)

    def ticket_in(self) -> TicketIn:
        return TicketIn(
            subject=self.subject,
            category=self.category.value,
            priority=self.priority.value,
            language=self.language,
            region=self.region,
            channel=self.channel.value,
            tier=self.tier.value if self.tier else None,
            tags=self.tags,
            assignee=self.assignee,
        )


class ReplyCreate(_Strict):
    body: str = Field(max_length=MAX_BODY)
    visibility: Visibility = Field(
        default=Visibility.PUBLIC, description="public: to the customer; internal: a note"
    )
    author: str | None = Field(default=None, max_length=128, description="the agent's id")
    bot: bool = Field(default=False, description="the bot writes (no agent id)")
    thread_key: str | None = Field(
        default=None, max_length=998, description="e.g. the Message-ID the reply goes out with"
    )


class StatusUpdate(_Strict):
    status: Status


class TagsUpdate(_Strict):
    tags: list[str] = Field(max_length=100)


class CsatCreate(_Strict):
    score: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=MAX_COMMENT)


class MergeRequest(_Strict):
    into: str = Field(min_length=1, max_length=40, description="the customer to keep")


def _base64(value: Any) -> bytes:
    """Strict: characters outside the alphabet are an error, not silently skipped."""
    if not isinstance(value, str):
        raise ValueError("expected the file as a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not valid base64 (RFC 4648, with padding)") from None


Base64Data = Annotated[
    bytes,
    BeforeValidator(_base64),
    WithJsonSchema({"type": "string", "contentEncoding": "base64"}),
]


class ChatAttachment(_Strict):
    filename: str = Field(min_length=1, max_length=1000)
    content_type: str = Field(default="application/octet-stream", max_length=200)
    data: Base64Data = Field(description="the file, base64")

    def to_domain(self) -> InboundAttachment:
        return InboundAttachment(self.filename, self.content_type, bytes(self.data))


class ChatMessage(_Strict):
    """One message from the in-app chat, as the wallet backend relays it."""

    account_id: str = Field(min_length=1, max_length=64)
    text: str = Field(max_length=4 * MAX_BODY)
    client_message_id: str = Field(
        min_length=1, max_length=200, description="the app's id for the message: retries reuse it"
    )
    language: str | None = Field(default=None, max_length=16)
    name: str | None = Field(default=None, max_length=200)
    category: Category | None = None
    attachments: list[ChatAttachment] = Field(default_factory=list, max_length=10)


# --- responses ---------------------------------------------------------------------------------


def iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def identity_json(identity: Identity) -> dict[str, Any]:
    return {
        "kind": identity.kind.value,
        "value": identity.value,
        "given": identity.given,
        "verified": identity.verified,
        "created_at": iso(identity.created_at),
    }


def customer_json(
    customer: Customer, *, merged_ids: list[str] | None = None, requested: str | None = None
) -> dict[str, Any]:
    return {
        "id": customer.id,
        "display_name": customer.display_name,
        "account_id": customer.account_id,
        "language": customer.language,
        "region": customer.region,
        "provisional": customer.provisional,
        "merged_into": customer.merged_into,
        "created_at": iso(customer.created_at),
        "updated_at": iso(customer.updated_at),
        "identities": [identity_json(i) for i in customer.identities],
        "merged_ids": merged_ids or [],
        "redirected_from": requested if requested and requested != customer.id else None,
    }


def ticket_json(ticket: Ticket) -> dict[str, Any]:
    csat = None
    if ticket.csat_score is not None:
        csat = {
            "score": ticket.csat_score,
            "comment": ticket.csat_comment,
            "at": iso(ticket.csat_at),
        }
    return {
        "id": ticket.id,
        "token": ticket.token,
        "customer_id": ticket.customer_id,
        "subject": ticket.subject,
        "category": ticket.category.value,
        "priority": ticket.priority.value,
        "language": ticket.language,
        "region": ticket.region,
        "channel": ticket.channel.value,
        "tier": ticket.tier.value,
        "status": ticket.status.value,
        "allowed_status": [s.value for s in allowed_next(ticket.status)],
        "assignee": ticket.assignee,
        "tags": list(ticket.tags),
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
        "first_response_at": iso(ticket.first_response_at),
        "resolved_at": iso(ticket.resolved_at),
        "closed_at": iso(ticket.closed_at),
        "csat": csat,
        "first_response_due_at": iso(ticket.first_response_due_at),
        "resolution_due_at": iso(ticket.resolution_due_at),
        "sla_paused_at": iso(ticket.sla_paused_at),
        "sla_paused_total_s": ticket.sla_paused_total_s,
        "team": ticket.team,
        "assigned_at": iso(ticket.assigned_at),
        "last_escalated_at": iso(ticket.last_escalated_at),
    }


def attachment_json(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "declared_type": attachment.declared_type,
        "size": attachment.size,
        "sha256": attachment.sha256,
        "status": attachment.status.value,
        "reason": attachment.reason,
        "created_at": iso(attachment.created_at),
        "url": f"/v1/attachments/{attachment.id}",
    }


def message_json(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "ticket_id": message.ticket_id,
        "direction": message.direction.value,
        "visibility": message.visibility.value,
        "author_kind": message.author_kind.value,
        "author_id": message.author_id,
        "channel": message.channel.value,
        "body": message.body,
        "created_at": iso(message.created_at),
        "attachments": [attachment_json(a) for a in message.attachments],
    }


def timer_json(reading: TimerReading) -> dict[str, Any]:
    return {
        "due": iso(reading.due),
        "state": reading.state.value,
        "remaining_s": int(reading.remaining.total_seconds()),
        "running": reading.running,
    }


def sla_json(reading: SlaReading | None) -> dict[str, Any] | None:
    """Each timer's due instant, state (ok, warning, breached), business seconds left
    (negative: overdue) and whether it runs (not while paused, nor once answered)."""
    if reading is None:
        return None
    return {
        "first_response": timer_json(reading.first_response),
        "resolution": timer_json(reading.resolution),
    }


def ticket_view_json(view: TicketView) -> dict[str, Any]:
    return ticket_json(view.ticket) | {
        "sla": sla_json(view.sla),
        "messages": [message_json(m) for m in view.messages],
    }
