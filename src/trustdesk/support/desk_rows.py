"""The desk's own tables: the agent roster, round-robin cursors, SLA alerts and operators'
macros. Tickets keep their routing columns in ``support.rows``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from trustdesk.db.base import Base
from trustdesk.db.types import UtcDateTime


class AgentRow(Base):
    """One agent; their load is not stored but counted from their open tickets."""

    __tablename__ = "support_agents"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(200))
    team: Mapped[str] = mapped_column(String(40))
    queues: Mapped[list[str]] = mapped_column(JSON)
    languages: Mapped[list[str]] = mapped_column(JSON)
    skills: Mapped[list[str]] = mapped_column(JSON)
    capacity: Mapped[int] = mapped_column(Integer)
    online: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CursorRow(Base):
    """Per queue, the agent round-robin gave a ticket to last. The row is also the queue's
    lock: assignments in one queue take it ``FOR UPDATE`` and so run one at a time."""

    __tablename__ = "support_routing_cursors"

    queue: Mapped[str] = mapped_column(String(40), primary_key=True)
    agent_id: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class SlaAlertRow(Base):
    """A warning or breach the sweep has acted on, once per timer and due instant."""

    __tablename__ = "support_sla_alerts"
    __table_args__ = (
        UniqueConstraint("ticket_id", "timer", "kind", "due_at", name="uq_support_sla_alerts_once"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    ticket_id: Mapped[str] = mapped_column(String(16), ForeignKey("support_tickets.id"))
    timer: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(16))  # "warning" | "breached"
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class MacroRow(Base):
    """An operator's macro text in one language (overrides the shipped text, if any)."""

    __tablename__ = "support_macros"

    macro_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    language: Mapped[str] = mapped_column(String(16), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(200))
