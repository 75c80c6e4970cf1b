"""A parsed mail as the support core's ``InboundMessage`` (pure adapter).

The received time is ours, not the Date header (which the sender writes). A reply in a
thread contributes its new part only; a first mail keeps its whole text, since what a
customer forwards to open a case is often the point of it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from trustdesk.core.clock import Clock
from trustdesk.support.mail.intake import Deliver
from trustdesk.support.mail.parse import ParsedMail
from trustdesk.support.model import InboundAttachment, InboundMessage

ATTACHMENTS_ONLY = "(no text; see the attachments)"
UNNAMED = "attachment"


def to_inbound(mail: ParsedMail, received_at: datetime) -> InboundMessage:
    threaded = mail.ticket_ref is not None or mail.in_reply_to is not None
    body = (mail.reply_text if threaded else "") or mail.text
    if not body.strip() and mail.attachments:
        body = ATTACHMENTS_ONLY
    refs = tuple(
        dict.fromkeys([*([mail.in_reply_to] if mail.in_reply_to else []), *mail.references])
    )
    return InboundMessage(
        channel="email",
        external_id=mail.message_id,
        sender_kind="email",
        sender=mail.from_address,
        sender_name=mail.from_name,
        subject=mail.subject or None,
        body=body,
        received_at=received_at,
        thread_refs=refs,
        ticket_ref=mail.ticket_ref,
        attachments=tuple(
            InboundAttachment(a.filename or UNNAMED, a.content_type, a.data)
            for a in mail.attachments
        ),
    )


def deliver_to(intake: Callable[[InboundMessage], object], clock: Clock) -> Deliver:
    """A ``Deliver`` for ``MailIntake`` from the support core's intake entry point."""

    def deliver(mail: ParsedMail, raw: bytes) -> None:
        intake(to_inbound(mail, clock.now()))

    return deliver
