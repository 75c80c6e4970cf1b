"""What every support use case runs with: ports, clock, limits, who acts, the routing hook."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from trustdesk.audit.model import AuditEvent
from trustdesk.audit.ports import AuditLog
from trustdesk.core.clock import Clock
from trustdesk.core.errors import DomainError, NotFound
from trustdesk.support.desk_ports import DeskSetup
from trustdesk.support.files import AttachmentLimits
from trustdesk.support.model import Ticket
from trustdesk.support.ports import BlobStore, SupportStore

# Called once per new ticket, inside the transaction that opens it, after its first
# message. It may return the ticket with routing fields changed (see ``ROUTED_FIELDS``);
# the service keeps those and nothing else.
NewTicketHook = Callable[[Ticket], Ticket | None]


@dataclass(frozen=True)
class SupportEnv:
    store: SupportStore
    blobs: BlobStore
    audit: AuditLog
    clock: Clock
    limits: AttachmentLimits
    actor: str  # "apikey:<id>", "cli", "system:mail", "bot" …
    request_id: str | None = None
    on_new_ticket: NewTicketHook | None = None
    # Routing, tiers, SLA clocks, the roster and macros (support.desk_routing); None: tickets
    # stay where they are opened. A custom ``on_new_ticket`` hook replaces routing new tickets.
    desk: DeskSetup | None = None

    def desk_setup(self) -> DeskSetup:
        if self.desk is None:
            raise DeskNotConfigured("this support desk was built without its desk configuration")
        return self.desk

    def record(self, action: str, subject: str, payload: Mapping[str, Any]) -> None:
        """One audit entry: ids, codes, channels and sizes only, never text or addresses."""
        self.audit.append(
            AuditEvent(
                actor=self.actor,
                action=f"support.{action}",
                subject=subject,
                payload=dict(payload),
                request_id=self.request_id,
            )
        )


class CustomerNotFound(NotFound):
    code = "support.customer_not_found"


class TicketNotFound(NotFound):
    code = "support.ticket_not_found"


class AttachmentNotFound(NotFound):
    code = "support.attachment_not_found"


class DeskNotConfigured(DomainError):
    code = "support.desk_not_configured"
    status = 500
    title = "Configuration error"
