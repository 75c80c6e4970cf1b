"""Builds the support desk on a session; runs intake, and the SLA sweep, in transactions of
their own."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Final

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trustdesk.audit.ports import AuditLog
from trustdesk.core.clock import Clock
from trustdesk.db.engine import UnitOfWork
from trustdesk.support import desk_routing, sweep
from trustdesk.support.blobs import FileBlobStore
from trustdesk.support.desk_config import DeskConfig
from trustdesk.support.desk_ports import DeskSetup
from trustdesk.support.desk_store import SqlDeskStore
from trustdesk.support.env import NewTicketHook, SupportEnv
from trustdesk.support.files import AttachmentLimits
from trustdesk.support.macros import Macro
from trustdesk.support.model import InboundMessage, IntakeResult
from trustdesk.support.ports import IdentityTaken
from trustdesk.support.service import SupportDesk
from trustdesk.support.store import SqlSupportStore
from trustdesk.support.sweep import SweepReport
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
    desk_config: DeskConfig | None = None,
    macros: Mapping[str, Macro] | None = None,
) -> SupportDesk:
    desk = None
    if desk_config is not None:
        desk = DeskSetup(desk_config, SqlDeskStore(session), macros or {})
    env = SupportEnv(
        store=SqlSupportStore(session),
        blobs=FileBlobStore(attachments_dir),
        audit=audit,
        clock=clock,
        limits=limits,
        actor=actor,
        request_id=request_id,
        on_new_ticket=on_new_ticket,
        desk=desk,
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


def run_sweep(
    uow: UnitOfWork, desk_for: Callable[[Session], SupportDesk], now: datetime
) -> SweepReport:
    """One sweep at ``now`` (the desks ``desk_for`` builds must run on a clock at ``now``):
    the tickets that call for something are found in a read, then each is acted on in a
    transaction of its own (one failing ticket is logged and skipped), then the backlogs
    are drained."""
    report = SweepReport(now)
    with uow.read() as session:
        due = sweep.candidates(desk_for(session).env, now)
    for ticket_id in due:
        try:
            with uow() as session:
                report.add(sweep.act(desk_for(session).env, ticket_id, now))
        except Exception:  # noqa: BLE001 - one bad ticket must not stop the sweep
            log.exception("support.sweep_failed", ticket_id=ticket_id)
            report.failed.append(ticket_id)
    with uow() as session:
        env = desk_for(session).env
        queues = env.desk_setup().config.queues
        report.assigned += len(desk_routing.drain(env, queues, "sweep"))
    return report
