"""The support store in SQL: customers, identities, tickets, status changes, messages and
attachment metadata.

What must be unique is a constraint, so racing writers on PostgreSQL (or queued ones on
SQLite) cannot both win: an identity (kind, value), a customer's account id, a message's
(channel, external_id). Rows that a use case changes are read ``FOR UPDATE`` on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trustdesk.support.model import (
    OPEN_STATUSES,
    Attachment,
    Channel,
    Customer,
    Identity,
    IdentityKind,
    Message,
    Status,
    StatusChange,
    Ticket,
    Tier,
)
from trustdesk.support.ports import IdentityTaken
from trustdesk.support.rows import (
    TICKET_FIELDS,
    AttachmentRow,
    CustomerRow,
    IdentityRow,
    MessageRow,
    StatusChangeRow,
    TicketRow,
    to_attachment,
    to_change,
    to_message,
    to_ticket,
)

__all__ = [
    "AttachmentRow",
    "CustomerRow",
    "IdentityRow",
    "MessageRow",
    "SqlSupportStore",
    "StatusChangeRow",
    "TicketRow",
]


class SqlSupportStore:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._postgres = session.get_bind().dialect.name == "postgresql"

    # --- customers -------------------------------------------------------------------------

    def customer(self, customer_id: str, *, for_update: bool = False) -> Customer | None:
        stmt = select(CustomerRow).where(CustomerRow.id == customer_id)
        if for_update and self._postgres:
            stmt = stmt.with_for_update()
        row = self.session.scalars(stmt).first()
        return self._customer(row) if row else None

    def customer_by_identity(self, kind: IdentityKind, value: str) -> Customer | None:
        row = self.session.scalars(
            select(CustomerRow)
            .join(IdentityRow, IdentityRow.customer_id == CustomerRow.id)
            .where(IdentityRow.kind == kind.value, IdentityRow.value == value)
        ).first()
        return self._customer(row) if row else None

    def customer_by_account(self, account_id: str) -> Customer | None:
        row = self.session.scalars(
            select(CustomerRow).where(CustomerRow.account_id == account_id)
        ).first()
        return self._customer(row) if row else None

    def add_customer(self, customer: Customer) -> None:
        self._fill_customer(CustomerRow(id=customer.id), customer, add=True)

    def save_customer(self, customer: Customer) -> None:
        row = self.session.get(CustomerRow, customer.id)
        assert row is not None, customer.id
        self._fill_customer(row, customer)

    def _fill_customer(self, row: CustomerRow, customer: Customer, *, add: bool = False) -> None:
        row.display_name = customer.display_name
        row.account_id = customer.account_id
        row.language = customer.language
        row.region = customer.region
        row.provisional = customer.provisional
        row.merged_into = customer.merged_into
        row.created_at = customer.created_at
        row.updated_at = customer.updated_at
        if add:
            self.session.add(row)
        self.session.flush()

    def add_identity(self, identity: Identity) -> None:
        try:
            with self.session.begin_nested():
                self.session.add(
                    IdentityRow(
                        customer_id=identity.customer_id,
                        kind=identity.kind.value,
                        value=identity.value,
                        given=identity.given,
                        verified=identity.verified,
                        created_at=identity.created_at,
                    )
                )
        except IntegrityError:
            raise IdentityTaken(
                f"this {identity.kind.value} identity already belongs to a customer",
                field="value",
            ) from None

    def set_identity_verified(self, kind: IdentityKind, value: str) -> None:
        self.session.execute(
            update(IdentityRow)
            .where(IdentityRow.kind == kind.value, IdentityRow.value == value)
            .values(verified=True)
        )

    def move_customer(self, source: str, target: str) -> tuple[int, int]:
        identities = self.session.execute(
            update(IdentityRow).where(IdentityRow.customer_id == source).values(customer_id=target)
        )
        tickets = self.session.execute(
            update(TicketRow).where(TicketRow.customer_id == source).values(customer_id=target)
        )
        # Kept flat: whoever was merged into the source now points at the target directly.
        self.session.execute(
            update(CustomerRow).where(CustomerRow.merged_into == source).values(merged_into=target)
        )
        self.session.expire_all()
        return _count(identities), _count(tickets)

    def identities(self, customer_id: str) -> list[Identity]:
        rows = self.session.scalars(
            select(IdentityRow)
            .where(IdentityRow.customer_id == customer_id)
            .order_by(IdentityRow.created_at, IdentityRow.id)
        )
        return [
            Identity(
                r.customer_id, IdentityKind(r.kind), r.value, r.given, r.verified, r.created_at
            )
            for r in rows
        ]

    def merged_ids(self, customer_id: str) -> list[str]:
        """The customers merged into this one."""
        return list(
            self.session.scalars(
                select(CustomerRow.id)
                .where(CustomerRow.merged_into == customer_id)
                .order_by(CustomerRow.id)
            )
        )

    def _customer(self, row: CustomerRow) -> Customer:
        return Customer(
            id=row.id,
            display_name=row.display_name,
            account_id=row.account_id,
            language=row.language,
            region=row.region,
            provisional=row.provisional,
            merged_into=row.merged_into,
            created_at=row.created_at,
            updated_at=row.updated_at,
            identities=tuple(self.identities(row.id)) if row.merged_into is None else (),
        )

    # --- tickets ---------------------------------------------------------------------------

    def ticket(self, ticket_id: str, *, for_update: bool = False) -> Ticket | None:
        stmt = select(TicketRow).where(TicketRow.id == ticket_id)
        if for_update and self._postgres:
            stmt = stmt.with_for_update()
        row = self.session.scalars(stmt).first()
        return to_ticket(row) if row else None

    def add_ticket(self, ticket: Ticket) -> None:
        row = TicketRow()
        self._fill_ticket(row, ticket)
        self.session.add(row)
        self.session.flush()

    def save_ticket(self, ticket: Ticket) -> None:
        row = self.session.get(TicketRow, ticket.id)
        assert row is not None, ticket.id
        self._fill_ticket(row, ticket)
        self.session.flush()

    @staticmethod
    def _fill_ticket(row: TicketRow, ticket: Ticket) -> None:
        for name in TICKET_FIELDS:
            value = getattr(ticket, name)
            if name == "tags":
                value = list(value)
            elif isinstance(value, StrEnum):
                value = value.value
            setattr(row, name, value)

    def tickets(
        self,
        *,
        customer_id: str | None = None,
        status: Status | None = None,
        tier: Tier | None = None,
        assignee: str | None = None,
        limit: int = 50,
    ) -> list[Ticket]:
        stmt = select(TicketRow)
        if customer_id is not None:
            stmt = stmt.where(TicketRow.customer_id == customer_id)
        if status is not None:
            stmt = stmt.where(TicketRow.status == status.value)
        if tier is not None:
            stmt = stmt.where(TicketRow.tier == tier.value)
        if assignee is not None:
            stmt = stmt.where(TicketRow.assignee == assignee)
        stmt = stmt.order_by(TicketRow.created_at.desc(), TicketRow.id.desc()).limit(limit)
        return [to_ticket(r) for r in self.session.scalars(stmt)]

    def open_ticket_on_channel(self, customer_id: str, channel: Channel) -> Ticket | None:
        row = self.session.scalars(
            select(TicketRow)
            .where(
                TicketRow.customer_id == customer_id,
                TicketRow.channel == channel.value,
                TicketRow.status.in_([s.value for s in OPEN_STATUSES]),
            )
            .order_by(TicketRow.updated_at.desc(), TicketRow.id.desc())
            .limit(1)
        ).first()
        return to_ticket(row) if row else None

    def ticket_by_thread(self, customer_id: str, keys: Sequence[str]) -> Ticket | None:
        row = self.session.scalars(
            select(TicketRow)
            .join(MessageRow, MessageRow.ticket_id == TicketRow.id)
            .where(TicketRow.customer_id == customer_id, MessageRow.thread_key.in_(list(keys)))
            .order_by(MessageRow.created_at.desc(), MessageRow.id.desc())
            .limit(1)
        ).first()
        return to_ticket(row) if row else None

    def add_status_change(self, change: StatusChange) -> None:
        self.session.add(
            StatusChangeRow(
                ticket_id=change.ticket_id,
                at=change.at,
                from_status=change.from_status.value if change.from_status else None,
                to_status=change.to_status.value,
                actor=change.actor,
                reason=change.reason,
            )
        )
        self.session.flush()

    def status_changes(self, ticket_id: str) -> list[StatusChange]:
        rows = self.session.scalars(
            select(StatusChangeRow)
            .where(StatusChangeRow.ticket_id == ticket_id)
            .order_by(StatusChangeRow.at, StatusChangeRow.id)
        )
        return [to_change(r) for r in rows]

    # --- messages and attachments ----------------------------------------------------------

    def message(self, message_id: str) -> Message | None:
        row = self.session.get(MessageRow, message_id)
        return to_message(row, self._attachments([message_id])) if row else None

    def message_by_external(self, channel: Channel, external_id: str) -> Message | None:
        row = self.session.scalars(
            select(MessageRow).where(
                MessageRow.channel == channel.value, MessageRow.external_id == external_id
            )
        ).first()
        return to_message(row, {}) if row else None

    def add_message(self, message: Message) -> None:
        self.session.add(
            MessageRow(
                id=message.id,
                ticket_id=message.ticket_id,
                direction=message.direction.value,
                visibility=message.visibility.value,
                author_kind=message.author_kind.value,
                author_id=message.author_id,
                channel=message.channel.value,
                body=message.body,
                created_at=message.created_at,
                external_id=message.external_id,
                thread_key=message.thread_key,
            )
        )
        self.session.flush()

    def first_message_id(self, ticket_id: str) -> str | None:
        return self.session.scalar(
            select(MessageRow.id)
            .where(MessageRow.ticket_id == ticket_id)
            .order_by(MessageRow.created_at, MessageRow.id)
            .limit(1)
        )

    def messages(self, ticket_id: str) -> list[Message]:
        rows = list(
            self.session.scalars(
                select(MessageRow)
                .where(MessageRow.ticket_id == ticket_id)
                .order_by(MessageRow.created_at, MessageRow.id)
            )
        )
        files = self._attachments([r.id for r in rows])
        return [to_message(r, files) for r in rows]

    def add_attachment(self, attachment: Attachment) -> None:
        a = attachment
        self.session.add(
            AttachmentRow(
                id=a.id,
                ticket_id=a.ticket_id,
                message_id=a.message_id,
                filename=a.filename,
                content_type=a.content_type,
                declared_type=a.declared_type,
                size=a.size,
                sha256=a.sha256,
                status=a.status.value,
                reason=a.reason,
                created_at=a.created_at,
            )
        )
        self.session.flush()

    def attachment(self, attachment_id: str) -> Attachment | None:
        row = self.session.get(AttachmentRow, attachment_id)
        return to_attachment(row) if row else None

    def _attachments(self, message_ids: list[str]) -> dict[str, list[Attachment]]:
        found: dict[str, list[Attachment]] = {}
        if not message_ids:
            return found
        rows = self.session.scalars(
            select(AttachmentRow)
            .where(AttachmentRow.message_id.in_(message_ids))
            .order_by(AttachmentRow.created_at, AttachmentRow.id)
        )
        for row in rows:
            found.setdefault(row.message_id, []).append(to_attachment(row))
        return found


def _count(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
