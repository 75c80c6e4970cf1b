"""Mail that could not be taken in, held whole until an admin releases or deletes it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from trustdesk.core.errors import Conflict, NotFound

MAX_REASON = 500
MAX_ADDRESS = 320  # RFC 3696: 64 + 1 + 255
MAX_RECIPIENTS = 100  # RFC 5321's minimum a server must accept


@dataclass(frozen=True)
class QuarantinedMail:
    id: str
    received_at: datetime
    source: str  # "smtp", "imap", …
    reason_code: str  # a MailRejected reason, "intake_refused" or "intake_failed"
    reason: str
    size: int
    sha256: str
    envelope_sender: str  # "" for the null reverse-path (bounces) and IMAP
    envelope_recipients: tuple[str, ...]
    released_at: datetime | None = None
    released_by: str | None = None
    raw: bytes | None = None  # only when asked for (show)

    def summary(self) -> dict[str, Any]:
        """What lists and the API show: the envelope and the reason, not the content."""
        return {
            "id": self.id,
            "received_at": _iso(self.received_at),
            "source": self.source,
            "reason_code": self.reason_code,
            "reason": self.reason,
            "size": self.size,
            "sha256": self.sha256,
            "envelope_sender": self.envelope_sender,
            "envelope_recipients": list(self.envelope_recipients),
            "released_at": _iso(self.released_at),
            "released_by": self.released_by,
        }


class QuarantineNotFound(NotFound):
    code = "mail.quarantine_not_found"


class AlreadyReleased(Conflict):
    code = "mail.already_released"


def clip_envelope(sender: str, recipients: list[str]) -> tuple[str, tuple[str, ...]]:
    """The envelope as stored: bounded, so a hostile client cannot make the row fail."""
    return sender[:MAX_ADDRESS], tuple(r[:MAX_ADDRESS] for r in recipients[:MAX_RECIPIENTS])


def clip_reason(reason: str) -> str:
    return reason if len(reason) <= MAX_REASON else reason[: MAX_REASON - 1] + "…"


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None
