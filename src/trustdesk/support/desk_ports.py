"""What routing, the roster, the SLA sweep and macros need from the outside."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from trustdesk.support.desk_config import DeskConfig
from trustdesk.support.macros import Macro, StoredText
from trustdesk.support.model import Ticket
from trustdesk.support.routing import Agent


@dataclass(frozen=True)
class AgentProfile:
    """An agent as the roster keeps them; ``load`` is counted from their open tickets."""

    id: str
    display_name: str | None
    team: str
    queues: tuple[str, ...]
    languages: tuple[str, ...]
    skills: tuple[str, ...]
    capacity: int
    online: bool
    updated_at: datetime
    load: int = 0

    def agent(self) -> Agent:
        return Agent(
            id=self.id,
            team=self.team,
            queues=frozenset(self.queues),
            languages=frozenset(self.languages),
            capacity=self.capacity,
            skills=frozenset(self.skills),
            online=self.online,
            load=self.load,
        )


class DeskStore(Protocol):
    # the roster
    def agents(self, *, lock: bool = False) -> list[AgentProfile]:
        """Every agent by id, with their load; ``lock``: the rows ``FOR UPDATE``."""

    def agent(self, agent_id: str) -> AgentProfile | None: ...
    def save_agent(self, profile: AgentProfile) -> None: ...

    # round-robin cursors (each row is also its queue's lock)
    def lock_cursors(self, queues: Sequence[str]) -> dict[str, str | None]:
        """The cursor of each queue, its row locked; locked in sorted order."""

    def set_cursor(self, queue: str, agent_id: str, at: datetime) -> None: ...

    # tickets
    def backlog(self, queue: str) -> list[Ticket]:
        """Open, unassigned tickets of the queue, locked (rows locked elsewhere skipped)."""

    def running(self) -> list[Ticket]:
        """Tickets whose SLA clock runs (the sweep's candidates)."""

    def last_public_reply(self, ticket_id: str, author_id: str) -> datetime | None: ...

    # SLA alerts: once per ticket, timer, kind and due instant
    def alerted(self, ticket_id: str, timer: str, kind: str, due: datetime) -> bool: ...
    def add_alert(
        self, ticket_id: str, timer: str, kind: str, due: datetime, at: datetime
    ) -> None: ...

    # operators' macro texts
    def macro_texts(self, macro_id: str | None = None) -> list[StoredText]: ...
    def save_macro_text(self, text: StoredText, at: datetime, by: str) -> None: ...


@dataclass(frozen=True)
class DeskSetup:
    """The desk's rules (routing, tiers, SLA), its store, and the shipped macros."""

    config: DeskConfig
    store: DeskStore
    macros: Mapping[str, Macro]
