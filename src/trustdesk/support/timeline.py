"""A customer's whole story in time order: the pure merge of what each source found.

Each source (tickets, status changes, messages, assessments, challenges, KYC events) gives
its items already limited to the window; ``merge`` sorts them together, keeps the first
``limit`` and says whether more were left out. Summaries name ids, codes and sizes only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Final

from trustdesk.core.errors import InvalidInput

DEFAULT_LIMIT: Final = 200
MAX_LIMIT: Final = 1000


class ItemKind(StrEnum):
    # In this order at one instant: causes before effects (the ticket before its first
    # message, the message before the status change it caused, the decision before its
    # challenge, the challenge before the confirmation).
    TICKET_OPENED = "ticket_opened"
    MESSAGE = "message"
    STATUS_CHANGED = "status_changed"
    ASSESSMENT = "assessment"
    CHALLENGE = "challenge"
    CONFIRMATION = "confirmation"
    KYC = "kyc"


_ORDER: Final = {kind: i for i, kind in enumerate(ItemKind)}


@dataclass(frozen=True)
class TimelineItem:
    at: datetime
    kind: ItemKind
    ref: str  # the id of what happened (ticket, message, assessment, challenge, kyc event)
    summary: str
    fields: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at.astimezone(UTC).isoformat(),
            "kind": self.kind.value,
            "ref": self.ref,
            "summary": self.summary,
            **self.fields,
        }


@dataclass(frozen=True)
class Window:
    since: datetime | None
    until: datetime | None
    limit: int

    def holds(self, at: datetime) -> bool:
        return (self.since is None or at >= self.since) and (self.until is None or at < self.until)


def window(
    since: datetime | None = None, until: datetime | None = None, limit: int | None = None
) -> Window:
    """``since`` inclusive, ``until`` exclusive, ``limit`` 1-1000 (default 200)."""
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise InvalidInput(f"{name} needs a time zone (e.g. 2026-03-01T09:00:00Z)", field=name)
    if since is not None and until is not None and until <= since:
        raise InvalidInput("until must be after since", field="until")
    chosen = DEFAULT_LIMIT if limit is None else limit
    if not 1 <= chosen <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    return Window(since, until, chosen)


@dataclass(frozen=True)
class Timeline:
    customer_id: str
    items: tuple[TimelineItem, ...]
    truncated: bool  # more items lie in the window after the last one given

    def to_json(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer_id,
            "items": [item.to_json() for item in self.items],
            "truncated": self.truncated,
        }


def sort_key(item: TimelineItem) -> tuple[datetime, int, str]:
    return (item.at, _ORDER[item.kind], item.ref)


def merge(customer_id: str, sources: Iterable[Iterable[TimelineItem]], win: Window) -> Timeline:
    items = sorted((i for source in sources for i in source if win.holds(i.at)), key=sort_key)
    return Timeline(customer_id, tuple(items[: win.limit]), len(items) > win.limit)


def reasons_text(codes: Iterable[str], most: int = 3) -> str:
    listed = list(codes)
    text = ", ".join(listed[:most])
    return text + (f" +{len(listed) - most}" if len(listed) > most else "")
