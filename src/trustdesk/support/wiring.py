"""Builds the support desk on a session, and runs intake in a transaction of its own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Final

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trustdesk.audit.ports import AuditLog
from trustdesk.core.clock import Clock
from trustdesk.db.engine import UnitOfWork
from trustdesk.support.blobs import FileBlobStore
from trustdesk.support.env import NewTicketHook, SupportEnv
from trustdesk.support.files import AttachmentLimits
from trustdesk.support.model import InboundMessage, IntakeResult
from trustdesk.support.ports import IdentityTaken
from trustdesk.support.service import SupportDesk
from trustdesk.support.store import SqlSupportStore
from trustdesk.support.timeline_sources import SqlTimelineSources

log = structlog.get_logger("trustdesk.support")

INTAKE_ATTEMPTS: Final = 5


def support_desk(
    session: Session,
    *,
    audit: AuditLog,
    clock: Clock,
    attachments_dir: Path,
    limits: AttachmentLimits,
    actor: str,
    request_id: str | None = None,
    on_new_ticket: NewTicketHook | None = None,
) -> SupportDesk:
    env = SupportEnv(
        store=SqlSupportStore(session),
        blobs=FileBlobStore(attachments_dir),
        audit=audit,
        clock=clock,
        limits=limits,
        actor=actor,
        request_id=request_id,
        on_new_ticket=on_new_ticket,
    )
    return SupportDesk(env, SqlTimelineSources(session))


def run_intake(
    uow: UnitOfWork, desk_for: Callable[[Session], SupportDesk], msg: InboundMessage
) -> IntakeResult:
    """``intake`` in its own transaction. A transaction that loses a race on a unique key
    (the same delivery, or the same unknown sender, committed by another worker first) is
    rolled back whole and run again: the next run finds the winner's rows, so a repeated
    delivery comes back as ``duplicate`` and nothing is written twice."""
    for attempt in range(1, INTAKE_ATTEMPTS + 1):
        try:
            with uow() as session:
                return desk_for(session).intake(msg)
        except (IntegrityError, IdentityTaken):
            if attempt == INTAKE_ATTEMPTS:
                raise
            log.info("support.intake_retry", channel=msg.channel, attempt=attempt)
    raise AssertionError("unreachable")  # pragma: no cover
