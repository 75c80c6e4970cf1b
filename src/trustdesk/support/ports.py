"""What the support use cases need from the outside: the store and the attachment blobs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from trustdesk.core.errors import Conflict
from trustdesk.support.model import (
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


class IdentityTaken(Conflict):
    """The identity already names another customer (or did an instant ago: a lost race)."""

    code = "support.identity_taken"


class SupportStore(Protocol):
    # customers
    def customer(self, customer_id: str, *, for_update: bool = False) -> Customer | None: ...
    def customer_by_identity(self, kind: IdentityKind, value: str) -> Customer | None: ...
    def customer_by_account(self, account_id: str) -> Customer | None: ...
    def add_customer(self, customer: Customer) -> None: ...
    def save_customer(self, customer: Customer) -> None: ...
    def add_identity(self, identity: Identity) -> None:
        """Raises IdentityTaken when (kind, value) is already someone's."""

    def merged_ids(self, customer_id: str) -> list[str]: ...
    def set_identity_verified(self, kind: IdentityKind, value: str) -> None: ...
    def move_customer(self, source: str, target: str) -> tuple[int, int]:
        """Identities and tickets of ``source`` go to ``target``; (identities, tickets) moved;
        customers merged into ``source`` before now point at ``target``."""

    # tickets
    def ticket(self, ticket_id: str, *, for_update: bool = False) -> Ticket | None: ...
    def add_ticket(self, ticket: Ticket) -> None: ...
    def save_ticket(self, ticket: Ticket) -> None: ...
    def tickets(
        self,
        *,
        customer_id: str | None = None,
        status: Status | None = None,
        tier: Tier | None = None,
        assignee: str | None = None,
        limit: int = 50,
    ) -> list[Ticket]: ...
    def open_ticket_on_channel(self, customer_id: str, channel: Channel) -> Ticket | None: ...
    def ticket_by_thread(self, customer_id: str, keys: Sequence[str]) -> Ticket | None: ...
    def add_status_change(self, change: StatusChange) -> None: ...
    def status_changes(self, ticket_id: str) -> list[StatusChange]: ...

    # messages and attachments
    def message(self, message_id: str) -> Message | None: ...
    def message_by_external(self, channel: Channel, external_id: str) -> Message | None: ...
    def add_message(self, message: Message) -> None: ...
    def first_message_id(self, ticket_id: str) -> str | None: ...
    def messages(self, ticket_id: str) -> list[Message]:
        """In time order, each with its attachments' metadata."""

    def add_attachment(self, attachment: Attachment) -> None: ...
    def attachment(self, attachment_id: str) -> Attachment | None: ...


class BlobStore(Protocol):
    def put(self, data: bytes) -> str:
        """Store the bytes; returns their SHA-256 (hex), the name they are kept under."""

    def get(self, sha256: str) -> bytes: ...
