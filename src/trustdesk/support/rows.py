"""The support tables, and how a row becomes a domain value."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from trustdesk.db.base import Base
from trustdesk.db.types import UtcDateTime
from trustdesk.support.model import (
    MAX_KEY,
    Attachment,
    AttachmentStatus,
    AuthorKind,
    Category,
    Channel,
    Direction,
    Message,
    Priority,
    Status,
    StatusChange,
    Ticket,
    Tier,
    Visibility,
)


class CustomerRow(Base):
    __tablename__ = "support_customers"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    account_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    language: Mapped[str | None] = mapped_column(String(16))
    region: Mapped[str | None] = mapped_column(String(16))
    provisional: Mapped[bool] = mapped_column(Boolean)
    merged_into: Mapped[str | None] = mapped_column(String(40), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class IdentityRow(Base):
    __tablename__ = "support_identities"
    __table_args__ = (UniqueConstraint("kind", "value", name="uq_support_identities_kind_value"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    customer_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("support_customers.id"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(320))  # normalized
    given: Mapped[str] = mapped_column(String(320))  # as received, for replies
    verified: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class TicketRow(Base):
    __tablename__ = "support_tickets"
    __table_args__ = (
        Index("ix_support_tickets_customer", "customer_id", "status"),
        Index("ix_support_tickets_queue", "status", "tier", "created_at"),
        Index("ix_support_tickets_assignee", "assignee", "status"),
    )

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(40), ForeignKey("support_customers.id"))
    subject: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(16))
    region: Mapped[str | None] = mapped_column(String(16))
    channel: Mapped[str] = mapped_column(String(16))
    tier: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24))
    assignee: Mapped[str | None] = mapped_column(String(128))
    tags: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    first_response_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    csat_score: Mapped[int | None] = mapped_column(Integer)
    csat_comment: Mapped[str | None] = mapped_column(Text)
    csat_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # SLA: due times and the paused clock, kept by the SLA service.
    first_response_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolution_due_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sla_paused_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sla_paused_total_s: Mapped[int | None] = mapped_column(Integer)
    # Routing (support.desk_routing): pinned team, assignment time, last SLA escalation, and
    # the agent a sweep took the ticket from.
    team: Mapped[str | None] = mapped_column(String(40))
    assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_escalated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reassigned_from: Mapped[str | None] = mapped_column(String(128))


class StatusChangeRow(Base):
    __tablename__ = "support_status_changes"
    __table_args__ = (Index("ix_support_status_changes_ticket", "ticket_id", "at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    ticket_id: Mapped[str] = mapped_column(String(16), ForeignKey("support_tickets.id"))
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str] = mapped_column(String(24))
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(40))


class MessageRow(Base):
    __tablename__ = "support_messages"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_support_messages_external"),
        Index("ix_support_messages_ticket", "ticket_id", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(String(16), ForeignKey("support_tickets.id"))
    direction: Mapped[str] = mapped_column(String(16))
    visibility: Mapped[str] = mapped_column(String(16))
    author_kind: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[str | None] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    external_id: Mapped[str | None] = mapped_column(String(MAX_KEY + 8))
    thread_key: Mapped[str | None] = mapped_column(String(MAX_KEY + 8), index=True)


class AttachmentRow(Base):
    __tablename__ = "support_attachments"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    ticket_id: Mapped[str] = mapped_column(String(16), ForeignKey("support_tickets.id"))
    message_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("support_messages.id"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    declared_type: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


TICKET_FIELDS = tuple(c.key for c in cast(Any, TicketRow.__table__).columns)


def to_ticket(row: TicketRow) -> Ticket:
    return Ticket(
        id=row.id,
        customer_id=row.customer_id,
        subject=row.subject,
        category=Category(row.category),
        priority=Priority(row.priority),
        language=row.language,
        region=row.region,
        channel=Channel(row.channel),
        tier=Tier(row.tier),
        status=Status(row.status),
        assignee=row.assignee,
        tags=tuple(row.tags or ()),
        created_at=row.created_at,
        updated_at=row.updated_at,
        first_response_at=row.first_response_at,
        resolved_at=row.resolved_at,
        closed_at=row.closed_at,
        csat_score=row.csat_score,
        csat_comment=row.csat_comment,
        csat_at=row.csat_at,
        first_response_due_at=row.first_response_due_at,
        resolution_due_at=row.resolution_due_at,
        sla_paused_at=row.sla_paused_at,
        sla_paused_total_s=row.sla_paused_total_s,
        team=row.team,
        assigned_at=row.assigned_at,
        last_escalated_at=row.last_escalated_at,
        reassigned_from=row.reassigned_from,
    )


def to_change(row: StatusChangeRow) -> StatusChange:
    return StatusChange(
        ticket_id=row.ticket_id,
        at=row.at,
        from_status=Status(row.from_status) if row.from_status else None,
        to_status=Status(row.to_status),
        actor=row.actor,
        reason=row.reason,
    )


def to_message(row: MessageRow, files: dict[str, list[Attachment]]) -> Message:
    return Message(
        id=row.id,
        ticket_id=row.ticket_id,
        direction=Direction(row.direction),
        visibility=Visibility(row.visibility),
        author_kind=AuthorKind(row.author_kind),
        author_id=row.author_id,
        channel=Channel(row.channel),
        body=row.body,
        created_at=row.created_at,
        external_id=row.external_id,
        thread_key=row.thread_key,
        attachments=tuple(files.get(row.id, ())),
    )


def to_attachment(row: AttachmentRow) -> Attachment:
    return Attachment(
        id=row.id,
        ticket_id=row.ticket_id,
        message_id=row.message_id,
        filename=row.filename,
        content_type=row.content_type,
        declared_type=row.declared_type,
        size=row.size,
        sha256=row.sha256,
        status=AttachmentStatus(row.status),
        reason=row.reason,
        created_at=row.created_at,
    )


class MailOutboxRow(Base):
    """A public agent or bot reply to be mailed (``support.channels.outbox``): queued, then
    sent or failed. ``claimed_until``/``claim_token`` lease a row to one dispatcher, so two
    racing dispatchers never both send it."""

    __tablename__ = "support_mail_outbox"
    __table_args__ = (Index("ix_support_mail_outbox_due", "state", "next_attempt_at"),)

    message_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("support_messages.id"), primary_key=True
    )
    ticket_id: Mapped[str] = mapped_column(String(16), ForeignKey("support_tickets.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))  # queued | sent | failed
    attempts: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    claim_token: Mapped[str | None] = mapped_column(String(40))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sent_message_id: Mapped[str | None] = mapped_column(String(MAX_KEY + 8))
    last_error_code: Mapped[str | None] = mapped_column(String(40))
