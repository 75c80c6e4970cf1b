"""The mail outbox's rules (pure): which replies are mailed, retry timing, which SMTP
answers are final, the reply's Message-ID and its threading headers, its recipient."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final

from trustdesk.support.model import Channel

# Replies on these channels go out by mail: e-mail tickets, and web-form tickets (the form
# promises an answer by e-mail). Telegram and in-app replies will get outboxes of their own.
MAIL_CHANNELS: Final = frozenset({Channel.EMAIL, Channel.WEBFORM})
BACKOFF_FIRST: Final = timedelta(seconds=30)
BACKOFF_CAP: Final = timedelta(hours=1)
# 5xx answers that say our login or the relay's setup is wrong, not the message: retried
# (an operator fixes the relay) instead of failing every reply queued meanwhile.
_AUTH_CODES: Final = frozenset({530, 534, 535, 538})
_MSG_ID: Final = re.compile(r"<[^<>\s@]{1,200}@[^<>\s@]{1,255}>")


class OutboxState(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"  # a permanent refusal; `trustdesk mail outbox retry` queues it again


@dataclass(frozen=True)
class Failure:
    permanent: bool
    code: str  # "smtp_550", "unreachable", "no_address" …: stored, shown, never PII


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed try: 30 s, 1 min, 2 min … at most 1 h.
    A temporary failure is retried for ever: a reply is never dropped."""
    if attempts < 1:
        return BACKOFF_FIRST
    return min(BACKOFF_FIRST * (2 ** min(attempts - 1, 16)), BACKOFF_CAP)


def classify(smtp_code: int | None, fallback: str) -> Failure:
    """A permanent 5xx fails the reply with its code; anything else is tried again."""
    if smtp_code is None:
        return Failure(False, fallback)
    code = f"smtp_{smtp_code}"
    if 500 <= smtp_code <= 599 and smtp_code not in _AUTH_CODES:
        return Failure(True, code)
    return Failure(False, code)


def is_message_id(value: str | None) -> bool:
    return value is not None and _MSG_ID.fullmatch(value) is not None


def reply_message_id(message_id: str, ticket_id: str, desk_address: str) -> str:
    """Derived from our message id, so a resend after a crash carries the same Message-ID
    (the customer's mail client shows it once) and the customer's answer threads back."""
    domain = desk_address.rsplit("@", 1)[-1].strip() or "localhost"
    return f"<{message_id}.{ticket_id}@{domain}>"


@dataclass(frozen=True)
class ThreadKey:
    key: str
    inbound: bool
    at: datetime


def thread_headers(keys: Sequence[ThreadKey]) -> tuple[str | None, list[str]]:
    """``(In-Reply-To, References)`` from the ticket's stored thread keys (oldest first):
    the reply answers the customer's last mail and names every mail of the thread before
    it. Keys that are not Message-IDs (hashed long ones, other channels') are left out."""
    ids = [k for k in keys if is_message_id(k.key)]
    inbound = [k.key for k in ids if k.inbound]
    references = list(dict.fromkeys(k.key for k in ids))
    return (inbound[-1] if inbound else None), references


@dataclass(frozen=True)
class EmailIdentity:
    given: str  # as the customer wrote it
    created_at: datetime


def recipient(identities: Sequence[EmailIdentity]) -> str | None:
    """The customer's first e-mail identity: the address they first wrote from (the core
    does not record which of several addresses each message came from)."""
    ordered = sorted(identities, key=lambda i: i.created_at)
    return ordered[0].given if ordered else None
