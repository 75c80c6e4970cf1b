"""Read-only queries that feed a customer's timeline, one per source, each already limited
to the window (``limit + 1`` rows, enough for the merge to say whether more exist).

Support's own tables by customer; the risk, step-up and KYC tables by the customer's
wallet account ids. Only ids, codes, statuses and sizes leave here: no message bodies, no
addresses, no destinations.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from trustdesk.auth.store import ChallengeRow, ConfirmationRow
from trustdesk.compliance.kyc_store import KycEventRow
from trustdesk.risk.store import AssessmentRow
from trustdesk.support.rows import AttachmentRow, MessageRow, StatusChangeRow, TicketRow
from trustdesk.support.timeline import ItemKind, TimelineItem, Window, reasons_text


class SqlTimelineSources:
    def __init__(self, session: Session) -> None:
        self.session = session

    def items(
        self, customer_id: str, account_ids: Sequence[str], win: Window, *, notes: bool
    ) -> list[list[TimelineItem]]:
        found = [
            self.tickets_opened(customer_id, win),
            self.status_changes(customer_id, win),
            self.messages(customer_id, win, notes=notes),
        ]
        if account_ids:
            found += [
                self.assessments(account_ids, win),
                self.confirmations(account_ids, win),
                self.challenges(account_ids, win),
                self.kyc_events(account_ids, win),
            ]
        return found

    def tickets_opened(self, customer_id: str, win: Window) -> list[TimelineItem]:
        stmt = select(TicketRow).where(TicketRow.customer_id == customer_id)
        return [
            TimelineItem(
                r.created_at,
                ItemKind.TICKET_OPENED,
                r.id,
                f"ticket {r.id} opened via {r.channel}: {r.category}, {r.priority} priority",
                {
                    "ticket_id": r.id,
                    "channel": r.channel,
                    "category": r.category,
                    "priority": r.priority,
                    "tier": r.tier,
                    "status": r.status,
                },
            )
            for r in self.session.scalars(_window(stmt, TicketRow.created_at, win, TicketRow.id))
        ]

    def status_changes(self, customer_id: str, win: Window) -> list[TimelineItem]:
        stmt = (
            select(StatusChangeRow)
            .join(TicketRow, TicketRow.id == StatusChangeRow.ticket_id)
            .where(TicketRow.customer_id == customer_id, StatusChangeRow.from_status.is_not(None))
        )
        return [
            TimelineItem(
                r.at,
                ItemKind.STATUS_CHANGED,
                f"{r.ticket_id}:{r.id}",
                f"ticket {r.ticket_id}: {r.from_status} -> {r.to_status} ({r.reason})",
                {
                    "ticket_id": r.ticket_id,
                    "from": r.from_status,
                    "to": r.to_status,
                    "reason": r.reason,
                },
            )
            for r in self.session.scalars(
                _window(stmt, StatusChangeRow.at, win, StatusChangeRow.id)
            )
        ]

    def messages(self, customer_id: str, win: Window, *, notes: bool) -> list[TimelineItem]:
        m = MessageRow
        # The body's length, not the body: the timeline never carries message text.
        stmt = (
            select(
                m.id,
                m.ticket_id,
                m.created_at,
                m.direction,
                m.visibility,
                m.author_kind,
                m.channel,
                func.length(m.body).label("chars"),
            )
            .join(TicketRow, TicketRow.id == m.ticket_id)
            .where(TicketRow.customer_id == customer_id)
        )
        if not notes:
            stmt = stmt.where(m.visibility == "public")
        rows = list(self.session.execute(_window(stmt, m.created_at, win, m.id)))
        files = self._attachment_counts([r.id for r in rows])
        return [
            TimelineItem(
                r.created_at,
                ItemKind.MESSAGE,
                r.id,
                f"{r.direction} {'note' if r.visibility == 'internal' else 'message'} on "
                f"{r.ticket_id} via {r.channel} from {r.author_kind} "
                f"({r.chars} chars, {files.get(r.id, 0)} files)",
                {
                    "ticket_id": r.ticket_id,
                    "direction": r.direction,
                    "visibility": r.visibility,
                    "author_kind": r.author_kind,
                    "channel": r.channel,
                    "chars": int(r.chars),
                    "attachments": files.get(r.id, 0),
                },
            )
            for r in rows
        ]

    def assessments(self, account_ids: Sequence[str], win: Window) -> list[TimelineItem]:
        stmt = select(AssessmentRow).where(AssessmentRow.account_id.in_(list(account_ids)))
        items = []
        for r in self.session.scalars(
            _window(stmt, AssessmentRow.created_at, win, AssessmentRow.id)
        ):
            codes = [str(reason.get("code")) for reason in r.reasons or ()]
            items.append(
                TimelineItem(
                    r.created_at,
                    ItemKind.ASSESSMENT,
                    r.id,
                    f"{r.decision} ({r.score}) {r.amount} {r.asset} on {r.chain}"
                    + (f": {reasons_text(codes)}" if codes else ""),
                    {
                        "account_id": r.account_id,
                        "decision": r.decision,
                        "score": r.score,
                        "strength": r.strength,
                        "reason_codes": codes,
                        "chain": r.chain,
                        "asset": r.asset,
                        "amount": r.amount,
                        "policy_version": r.policy_version,
                    },
                )
            )
        return items

    def confirmations(self, account_ids: Sequence[str], win: Window) -> list[TimelineItem]:
        stmt = (
            select(ConfirmationRow, AssessmentRow.account_id)
            .join(AssessmentRow, AssessmentRow.id == ConfirmationRow.assessment_id)
            .where(AssessmentRow.account_id.in_(list(account_ids)))
        )
        stmt = _window(stmt, ConfirmationRow.confirmed_at, win, ConfirmationRow.assessment_id)
        return [
            TimelineItem(
                c.confirmed_at,
                ItemKind.CONFIRMATION,
                c.assessment_id,
                f"assessment {c.assessment_id} confirmed"
                + (f" after {c.factor_type}" if c.factor_type else ""),
                {
                    "account_id": account,
                    "assessment_id": c.assessment_id,
                    "challenge_id": c.challenge_id,
                    "factor_type": c.factor_type,
                },
            )
            for c, account in self.session.execute(stmt)
        ]

    def challenges(self, account_ids: Sequence[str], win: Window) -> list[TimelineItem]:
        stmt = select(ChallengeRow).where(ChallengeRow.account_id.in_(list(account_ids)))
        return [
            TimelineItem(
                r.created_at,
                ItemKind.CHALLENGE,
                r.id,
                f"{r.strength} step-up for {r.assessment_id}: {r.status}",
                {
                    "account_id": r.account_id,
                    "assessment_id": r.assessment_id,
                    "strength": r.strength,
                    "status": r.status,
                    "expires_at": _iso(r.expires_at),
                    "approved_at": _iso(r.approved_at),
                },
            )
            for r in self.session.scalars(
                _window(stmt, ChallengeRow.created_at, win, ChallengeRow.id)
            )
        ]

    def kyc_events(self, account_ids: Sequence[str], win: Window) -> list[TimelineItem]:
        stmt = select(KycEventRow).where(KycEventRow.account_id.in_(list(account_ids)))
        stmt = _window(stmt, KycEventRow.at, win, KycEventRow.seq)
        return [
            TimelineItem(
                r.at,
                ItemKind.KYC,
                f"kyc:{r.account_id}:{r.seq}",
                f"KYC {r.action}: {r.from_status} -> {r.to_status}, level {r.level}"
                + (f" ({reasons_text(r.reasons)})" if r.reasons else ""),
                {
                    "account_id": r.account_id,
                    "action": r.action,
                    "from": r.from_status,
                    "status": r.to_status,
                    "level": r.level,
                    "requested_level": r.requested_level,
                    "reasons": list(r.reasons or ()),
                },
            )
            for r in self.session.scalars(stmt)
        ]

    def _attachment_counts(self, message_ids: list[str]) -> dict[str, int]:
        if not message_ids:
            return {}
        rows = self.session.execute(
            select(AttachmentRow.message_id, func.count())
            .where(AttachmentRow.message_id.in_(message_ids))
            .group_by(AttachmentRow.message_id)
        )
        return {message_id: int(n) for message_id, n in rows}


def _window(
    stmt: Select[*tuple[Any, ...]],
    at: InstrumentedAttribute[datetime],
    win: Window,
    tie: InstrumentedAttribute[Any] | ColumnElement[Any],
) -> Select[*tuple[Any, ...]]:
    if win.since is not None:
        stmt = stmt.where(at >= win.since)
    if win.until is not None:
        stmt = stmt.where(at < win.until)
    return stmt.order_by(at, tie).limit(win.limit + 1)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
