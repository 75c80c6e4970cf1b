"""Support's pure core: customers, tickets, messages, the status machine, intake values.

Status machine (every allowed move is in ``TRANSITIONS``)::

    new ──▶ bot ──▶ waiting_agent ◀──▶ waiting_customer ──▶ resolved ──▶ closed
     │       │  ◀──────────────────────────┘ (bot tier)        │            │
     └───────┴──▶ waiting_customer / resolved                  └─ reopen ◀──┘ (to waiting_agent)

A customer message moves waiting_customer back to whoever works the ticket (the bot on the
bot tier, else an agent) and reopens a resolved or closed ticket; a public agent or bot
reply moves the ticket to waiting_customer. Notes never change the status.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final, TypeVar

from trustdesk.core.errors import Conflict, InvalidInput

E = TypeVar("E", bound=StrEnum)


class Channel(StrEnum):
    EMAIL = "email"
    INAPP = "inapp"
    WEBFORM = "webform"
    TELEGRAM = "telegram"
    API = "api"


# Channels where a conversation is one running thread: a new message without a reference
# joins the customer's open ticket on that channel instead of opening another.
CHAT_CHANNELS: Final = frozenset({Channel.INAPP, Channel.TELEGRAM})


class IdentityKind(StrEnum):
    ACCOUNT = "account"
    EMAIL = "email"
    PHONE = "phone"
    TELEGRAM = "telegram"
    INAPP = "inapp"


class Category(StrEnum):
    DEPOSIT_WITHDRAWAL_FAILURE = "deposit_withdrawal_failure"
    TRANSACTION_STATUS = "transaction_status"
    WRONG_ADDRESS_OR_NETWORK = "wrong_address_or_network"
    KYC_REJECTED = "kyc_rejected"
    THEFT_APPEAL = "theft_appeal"
    ACCOUNT_SECURITY = "account_security"
    OTHER = "other"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Tier(StrEnum):
    BOT = "bot"
    L1 = "l1"
    L2 = "l2"
    BLOCKCHAIN = "blockchain"
    COMPLIANCE = "compliance"


class Status(StrEnum):
    NEW = "new"
    BOT = "bot"
    WAITING_AGENT = "waiting_agent"
    WAITING_CUSTOMER = "waiting_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN_STATUSES: Final = frozenset(
    {Status.NEW, Status.BOT, Status.WAITING_AGENT, Status.WAITING_CUSTOMER}
)


class Direction(StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Visibility(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"  # a note: never sent to the customer


class AuthorKind(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    BOT = "bot"


# --- the status machine ------------------------------------------------------------------------

# (from, to) -> what the move means; nothing else is allowed.
TRANSITIONS: Final[dict[tuple[Status, Status], str]] = {
    (Status.NEW, Status.BOT): "bot_takes",
    (Status.NEW, Status.WAITING_AGENT): "to_agent",
    (Status.NEW, Status.WAITING_CUSTOMER): "replied",
    (Status.NEW, Status.RESOLVED): "resolved",
    (Status.BOT, Status.WAITING_AGENT): "hand_off",
    (Status.BOT, Status.WAITING_CUSTOMER): "replied",
    (Status.BOT, Status.RESOLVED): "resolved",
    (Status.WAITING_AGENT, Status.WAITING_CUSTOMER): "replied",
    (Status.WAITING_AGENT, Status.RESOLVED): "resolved",
    (Status.WAITING_CUSTOMER, Status.WAITING_AGENT): "customer_replied",
    (Status.WAITING_CUSTOMER, Status.BOT): "customer_replied",
    (Status.WAITING_CUSTOMER, Status.RESOLVED): "resolved",
    (Status.RESOLVED, Status.CLOSED): "closed",
    (Status.RESOLVED, Status.WAITING_AGENT): "reopened",
    (Status.CLOSED, Status.WAITING_AGENT): "reopened",
}


class BadTransition(Conflict):
    code = "support.bad_transition"


def allowed_next(status: Status) -> list[Status]:
    return [to for (start, to) in TRANSITIONS if start is status]


def check_transition(current: Status, target: Status) -> str:
    """The name of the move, or ``support.bad_transition`` naming from and to."""
    move = TRANSITIONS.get((current, target))
    if move is None:
        allowed = ", ".join(allowed_next(current)) or "nothing"
        raise BadTransition(
            f"a ticket cannot go from {current.value} to {target.value}; "
            f"from {current.value} it may go to: {allowed}",
            field="status",
        )
    return move


def after_customer_message(status: Status, tier: Tier) -> Status | None:
    """Where a customer's message moves the ticket (None: it stays)."""
    if status is Status.WAITING_CUSTOMER:
        return Status.BOT if tier is Tier.BOT else Status.WAITING_AGENT
    if status in (Status.RESOLVED, Status.CLOSED):
        return Status.WAITING_AGENT
    return None


def after_public_reply(status: Status) -> Status | None:
    """Where a public agent or bot reply moves the ticket (None: it stays)."""
    if status in (Status.NEW, Status.BOT, Status.WAITING_AGENT):
        return Status.WAITING_CUSTOMER
    return None


# --- ticket ids and subject tokens -------------------------------------------------------------

# Crockford's base32 without I, L, O and U: read aloud and typed back without confusion.
_ID_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TICKET_ID_RE: Final = re.compile(r"TD-[0-9A-HJKMNP-TV-Z]{6}")
_TOKEN_RE: Final = re.compile(r"\[#\s*(TD-[0-9A-Za-z]{6})\s*\]", re.IGNORECASE)


def new_ticket_id() -> str:
    return "TD-" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(6))


def subject_token(ticket_id: str) -> str:
    """What goes into an e-mail subject so replies thread back: ``[#TD-7K3QX9]``."""
    return f"[#{ticket_id}]"


def find_ticket_ref(text: str | None) -> str | None:
    """The ticket id of the first well-formed subject token in ``text``, upper-cased."""
    for match in _TOKEN_RE.finditer(text or ""):
        ref = match.group(1).upper()
        if TICKET_ID_RE.fullmatch(ref):
            return ref
    return None


# --- fields ------------------------------------------------------------------------------------

MAX_BODY: Final = 20_000
MAX_SUBJECT: Final = 300
MAX_TAGS: Final = 20
MAX_TAG: Final = 40
MAX_COMMENT: Final = 2_000
_TAG_RE: Final = re.compile(r"[a-z0-9][a-z0-9_.:-]*")
_LANGUAGE_RE: Final = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}")
_REGION_RE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{1,15}")


def normalize_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Lower-cased, trimmed, inner spaces as dashes, duplicates dropped, sorted."""
    found: set[str] = set()
    for raw in tags:
        tag = "-".join(str(raw).strip().lower().split())
        if not tag:
            continue
        if len(tag) > MAX_TAG or not _TAG_RE.fullmatch(tag):
            raise InvalidInput(
                f"tag {tag[:MAX_TAG]!r}: 1-{MAX_TAG} letters, digits and _ . : -",
                field="tags",
            )
        found.add(tag)
    if len(found) > MAX_TAGS:
        raise InvalidInput(f"at most {MAX_TAGS} tags", field="tags")
    return tuple(sorted(found))


def check_language(value: str, field: str = "language") -> str:
    """A short BCP 47 tag: ``en``, ``zh``, ``id``, ``pt-BR``, ``zh-Hant``."""
    text = value.strip()
    if not _LANGUAGE_RE.fullmatch(text):
        raise InvalidInput(f"{field} must be a short BCP 47 tag such as en, zh or id", field=field)
    primary, *rest = text.split("-")
    parts = [primary.lower()]
    for part in rest:
        if len(part) == 4 and part.isalpha():
            parts.append(part.title())  # script
        elif len(part) == 2 and part.isalpha():
            parts.append(part.upper())  # region
        else:
            parts.append(part.lower())
    return "-".join(parts)


def check_region(value: str, field: str = "region") -> str:
    text = value.strip()
    if not _REGION_RE.fullmatch(text):
        raise InvalidInput(
            f"{field}: an ISO country code such as ID or a short code (2-16 letters, digits)",
            field=field,
        )
    return text.upper()


_UNSTORABLE: Final = re.compile("[\x00\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Text both databases can store: NUL and lone surrogates become U+FFFD."""
    return _UNSTORABLE.sub("\ufffd", text)


def check_body(body: str, *, required: bool = True, field: str = "body") -> str:
    if required and not body.strip():
        raise InvalidInput("the message is empty", field=field)
    if len(body) > MAX_BODY:
        raise InvalidInput(f"the message may be at most {MAX_BODY} characters", field=field)
    return clean_text(body)


def enum_value(kind: type[E], value: str, field: str) -> E:
    """``kind(value)`` or a 422 that lists the choices."""
    try:
        return kind(str(value).strip().lower())
    except ValueError:
        choices = ", ".join(m.value for m in kind)
        raise InvalidInput(f"{field} must be one of {choices}", field=field) from None


# --- values ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    customer_id: str
    kind: IdentityKind
    value: str  # normalized: what look-ups compare
    given: str  # as received: what replies are addressed to
    verified: bool
    created_at: datetime


@dataclass(frozen=True)
class Customer:
    id: str
    display_name: str | None
    account_id: str | None
    language: str | None
    region: str | None
    provisional: bool
    merged_into: str | None
    created_at: datetime
    updated_at: datetime
    identities: tuple[Identity, ...] = ()


@dataclass(frozen=True)
class Ticket:
    id: str
    customer_id: str
    subject: str
    category: Category
    priority: Priority
    language: str | None
    region: str | None
    channel: Channel
    tier: Tier
    status: Status
    assignee: str | None
    tags: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    csat_score: int | None = None
    csat_comment: str | None = None
    csat_at: datetime | None = None
    # Kept by SLA: due times and the paused clock (seconds paused so far).
    first_response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    sla_paused_at: datetime | None = None
    sla_paused_total_s: int | None = None
    # Kept by routing: the team a rule pinned, when the assignee got it, the last SLA
    # escalation, and the agent a sweep took it from (a backlog drain skips them).
    team: str | None = None
    assigned_at: datetime | None = None
    last_escalated_at: datetime | None = None
    reassigned_from: str | None = None

    @property
    def token(self) -> str:
        return subject_token(self.id)


# What a routing hook may change on a new ticket; everything else stays the service's.
ROUTED_FIELDS: Final = (
    "tier",
    "priority",
    "assignee",
    "tags",
    "first_response_due_at",
    "resolution_due_at",
)


class AttachmentStatus(StrEnum):
    STORED = "stored"
    QUARANTINED = "quarantined"  # kept, never served: the reason says why


@dataclass(frozen=True)
class Attachment:
    id: str
    ticket_id: str
    message_id: str
    filename: str
    content_type: str  # sniffed from the bytes, not taken from the sender
    declared_type: str | None
    size: int
    sha256: str
    status: AttachmentStatus
    reason: str | None
    created_at: datetime


@dataclass(frozen=True)
class Message:
    id: str
    ticket_id: str
    direction: Direction
    visibility: Visibility
    author_kind: AuthorKind
    author_id: str | None
    channel: Channel
    body: str
    created_at: datetime
    external_id: str | None = None
    thread_key: str | None = None
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class StatusChange:
    ticket_id: str
    at: datetime
    from_status: Status | None  # None: the ticket was opened
    to_status: Status
    actor: str
    reason: str


# --- intake ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboundAttachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class InboundMessage:
    channel: str  # "email" | "inapp" | "webform" | "telegram" | "api"
    external_id: str  # idempotency key within the channel (Message-ID, update id, client id)
    sender_kind: str  # identity kind: "email" | "telegram" | "account" | "phone" | "inapp"
    sender: str  # identity value as received
    sender_name: str | None
    subject: str | None
    body: str
    received_at: datetime
    language: str | None = None  # if the channel knows it
    thread_refs: tuple[str, ...] = ()  # e.g. Message-IDs from In-Reply-To / References
    ticket_ref: str | None = None  # a ticket id found in the subject token
    category: str | None = None
    attachments: tuple[InboundAttachment, ...] = ()


@dataclass(frozen=True)
class IntakeResult:
    ticket_id: str
    message_id: str
    customer_id: str
    created_ticket: bool
    duplicate: bool


# --- storage keys ------------------------------------------------------------------------------

MAX_KEY: Final = 255


def storage_key(value: str) -> str:
    """An external id or thread key as stored: trimmed; a longer one by its SHA-256, so a
    300-character Message-ID still deduplicates and threads."""
    text = value.strip()
    if len(text) <= MAX_KEY:
        return text
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
