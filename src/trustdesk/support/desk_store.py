"""The desk store in SQL: the roster (loads counted from open tickets), round-robin cursors,
the backlog, SLA alerts and operators' macro texts.

Concurrency: an assignment locks its queue's cursor row, then every agent row (both
``FOR UPDATE``, in a fixed order) before it reads loads, so two workers assigning at once run
one after the other and the second sees the first's ticket in the loads. The backlog is read
``FOR UPDATE SKIP LOCKED``: a ticket another transaction holds is left to it, never waited
for. SQLite runs one writer at a time (``BEGIN IMMEDIATE``), so it needs no row locks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import exists, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from trustdesk.support.desk_ports import AgentProfile
from trustdesk.support.desk_rows import AgentRow, CursorRow, MacroRow, SlaAlertRow
from trustdesk.support.macros import StoredText
from trustdesk.support.model import OPEN_STATUSES, Direction, Status, Ticket, Visibility
from trustdesk.support.rows import MessageRow, TicketRow, to_ticket

_OPEN = sorted(s.value for s in OPEN_STATUSES)
# The clock runs (and the sweep looks) while the desk owes the customer something.
_RUNNING = sorted(s.value for s in (Status.NEW, Status.BOT, Status.WAITING_AGENT))


class SqlDeskStore:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._dialect = session.get_bind().dialect.name

    @property
    def _postgres(self) -> bool:
        return self._dialect == "postgresql"

    # --- the roster ------------------------------------------------------------------------

    def agents(self, *, lock: bool = False) -> list[AgentProfile]:
        stmt = select(AgentRow).order_by(AgentRow.id)
        if lock and self._postgres:
            stmt = stmt.with_for_update()
        rows = list(self.session.scalars(stmt))
        loads = self._loads([r.id for r in rows])
        return [_profile(r, loads.get(r.id, 0)) for r in rows]

    def agent(self, agent_id: str) -> AgentProfile | None:
        row = self.session.get(AgentRow, agent_id)
        return _profile(row, self._loads([row.id]).get(row.id, 0)) if row else None

    def save_agent(self, profile: AgentProfile) -> None:
        row = self.session.get(AgentRow, profile.id)
        if row is None:
            row = AgentRow(id=profile.id)
            self.session.add(row)
        row.display_name = profile.display_name
        row.team = profile.team
        row.queues = list(profile.queues)
        row.languages = list(profile.languages)
        row.skills = list(profile.skills)
        row.capacity = profile.capacity
        row.online = profile.online
        row.updated_at = profile.updated_at
        self.session.flush()

    def _loads(self, agent_ids: list[str]) -> dict[str, int]:
        if not agent_ids:
            return {}
        rows = self.session.execute(
            select(TicketRow.assignee, func.count())
            .where(TicketRow.assignee.in_(agent_ids), TicketRow.status.in_(_OPEN))
            .group_by(TicketRow.assignee)
        )
        return {str(agent): int(n) for agent, n in rows}

    # --- cursors ---------------------------------------------------------------------------

    def lock_cursors(self, queues: Sequence[str]) -> dict[str, str | None]:
        wanted = sorted(set(queues))
        if not wanted:
            return {}
        # The rows must exist to be locked; racing inserts of the same queue are harmless.
        values = [{"queue": q} for q in wanted]
        insert = postgresql.insert if self._postgres else sqlite.insert
        if self._dialect in ("postgresql", "sqlite"):
            self.session.execute(
                insert(CursorRow).values(values).on_conflict_do_nothing(index_elements=["queue"])
            )
        else:  # pragma: no cover - only the two supported backends
            raise RuntimeError(f"unsupported database {self._dialect}")
        stmt = select(CursorRow).where(CursorRow.queue.in_(wanted)).order_by(CursorRow.queue)
        if self._postgres:
            stmt = stmt.with_for_update()
        rows = self.session.scalars(stmt.execution_options(populate_existing=True))
        return {r.queue: r.agent_id for r in rows}

    def set_cursor(self, queue: str, agent_id: str, at: datetime) -> None:
        row = self.session.get(CursorRow, queue)
        assert row is not None, queue  # locked (so created) before anyone assigns
        row.agent_id = agent_id
        row.updated_at = at
        self.session.flush()

    # --- tickets ---------------------------------------------------------------------------

    def backlog(self, queue: str) -> list[Ticket]:
        stmt = (
            select(TicketRow)
            .where(
                TicketRow.tier == queue,
                TicketRow.assignee.is_(None),
                TicketRow.status.in_(_OPEN),
            )
            .order_by(TicketRow.created_at, TicketRow.id)
        )
        if self._postgres:
            stmt = stmt.with_for_update(skip_locked=True)
        return [to_ticket(r) for r in self.session.scalars(stmt)]

    def running(self) -> list[Ticket]:
        stmt = (
            select(TicketRow)
            .where(
                TicketRow.status.in_(_RUNNING),
                TicketRow.first_response_due_at.is_not(None),
                TicketRow.resolution_due_at.is_not(None),
            )
            .order_by(TicketRow.created_at, TicketRow.id)
        )
        return [to_ticket(r) for r in self.session.scalars(stmt)]

    def last_public_reply(self, ticket_id: str, author_id: str) -> datetime | None:
        return self.session.scalar(
            select(func.max(MessageRow.created_at)).where(
                MessageRow.ticket_id == ticket_id,
                MessageRow.author_id == author_id,
                MessageRow.direction == Direction.OUTBOUND.value,
                MessageRow.visibility == Visibility.PUBLIC.value,
            )
        )

    # --- SLA alerts ------------------------------------------------------------------------

    def alerted(self, ticket_id: str, timer: str, kind: str, due: datetime) -> bool:
        return bool(
            self.session.scalar(
                select(
                    exists().where(
                        SlaAlertRow.ticket_id == ticket_id,
                        SlaAlertRow.timer == timer,
                        SlaAlertRow.kind == kind,
                        SlaAlertRow.due_at == due,
                    )
                )
            )
        )

    def add_alert(self, ticket_id: str, timer: str, kind: str, due: datetime, at: datetime) -> None:
        self.session.add(
            SlaAlertRow(ticket_id=ticket_id, timer=timer, kind=kind, due_at=due, at=at)
        )
        self.session.flush()

    # --- macros ----------------------------------------------------------------------------

    def macro_texts(self, macro_id: str | None = None) -> list[StoredText]:
        stmt = select(MacroRow).order_by(MacroRow.macro_id, MacroRow.language)
        if macro_id is not None:
            stmt = stmt.where(MacroRow.macro_id == macro_id)
        return [
            StoredText(r.macro_id, r.language, r.title, r.body) for r in self.session.scalars(stmt)
        ]

    def save_macro_text(self, text: StoredText, at: datetime, by: str) -> None:
        row = self.session.get(MacroRow, (text.macro_id, text.language))
        if row is None:
            row = MacroRow(macro_id=text.macro_id, language=text.language)
            self.session.add(row)
        row.title = text.title
        row.body = text.body
        row.updated_at = at
        row.updated_by = by
        self.session.flush()


def _profile(row: AgentRow, load: int) -> AgentProfile:
    return AgentProfile(
        id=row.id,
        display_name=row.display_name,
        team=row.team,
        queues=tuple(_strings(row.queues)),
        languages=tuple(_strings(row.languages)),
        skills=tuple(_strings(row.skills)),
        capacity=row.capacity,
        online=row.online,
        updated_at=row.updated_at,
        load=load,
    )


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value or ()]
