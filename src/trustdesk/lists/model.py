"""List entries, lookups and sync reports: plain values with no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from trustdesk.core.errors import InvalidInput


class ListType(StrEnum):
    BLOCK = "block"
    GREY = "grey"
    ALLOW = "allow"


class SubjectKind(StrEnum):
    ADDRESS = "address"
    DEVICE = "device"
    IP = "ip"
    CIDR = "cidr"
    ACCOUNT = "account"
    # A host name (phishing sites), stored in its ASCII form: see ``subjects.normalize_domain``.
    DOMAIN = "domain"


# Categories are open-ended strings (a compliance team adds its own); these are the ones we ship.
Category = str
SANCTIONS: Category = "sanctions"
SCAM: Category = "scam"
PHISHING: Category = "phishing"
INTERNAL: Category = "internal"
USER_ALLOWLIST: Category = "user_allowlist"

# An address whose chain we cannot validate yet is kept verbatim under this family prefix,
# so it is not lost and matches once the chain is supported and the source is re-imported.
UNSUPPORTED_PREFIX = "unsupported:"
MAX_VALUE_LENGTH = 256
MAX_SOURCE_LENGTH = 128
MAX_CATEGORY_LENGTH = 64
MAX_ID_LENGTH = 64  # account ids and family names

# (list_type, kind, family or "", value, account_id or ""): what makes two entries of one
# source the same entry; the store's unique constraint is this key plus the source.
EntryKey = tuple[str, str, str, str, str]


@dataclass(frozen=True)
class ListEntry:
    """One listed subject. ``value`` is already canonical (see ``lists.subjects``).

    ``family`` is the chain family for addresses and None for every other kind;
    ``account_id`` None means the entry is global, otherwise it is that account's allowlist.
    ``added_at`` is None until the entry is stored.
    """

    list_type: ListType
    kind: SubjectKind
    value: str
    family: str | None
    source: str
    category: Category
    reason: str
    account_id: str | None = None
    expires_at: datetime | None = None
    added_at: datetime | None = None

    def __post_init__(self) -> None:
        if not self.value:
            raise InvalidInput(
                "a list entry needs a value", field="value", code="lists.empty_value"
            )
        if len(self.value) > MAX_VALUE_LENGTH:
            raise InvalidInput(
                f"value is longer than {MAX_VALUE_LENGTH} characters",
                field="value",
                code="lists.value_too_long",
            )
        if (self.kind is SubjectKind.ADDRESS) != bool(self.family):
            raise InvalidInput(
                "family is required for addresses and only for addresses",
                field="family",
                code="lists.family_mismatch",
            )
        if self.account_id is not None and self.list_type is not ListType.ALLOW:
            raise InvalidInput(
                "entries scoped to one account can only be allowlist entries",
                field="account_id",
                code="lists.account_scope",
            )
        if self.account_id is not None and not 0 < len(self.account_id) <= MAX_ID_LENGTH:
            raise InvalidInput(
                f"account_id must be None or 1..{MAX_ID_LENGTH} characters", field="account_id"
            )
        if self.family is not None and len(self.family) > MAX_ID_LENGTH:
            raise InvalidInput(f"family is longer than {MAX_ID_LENGTH} characters", field="family")
        if not self.source or len(self.source) > MAX_SOURCE_LENGTH:
            raise InvalidInput(f"source must be 1..{MAX_SOURCE_LENGTH} characters", field="source")
        if not self.category or len(self.category) > MAX_CATEGORY_LENGTH:
            raise InvalidInput(
                f"category must be 1..{MAX_CATEGORY_LENGTH} characters", field="category"
            )
        for name in ("expires_at", "added_at"):
            when = getattr(self, name)
            if when is not None and when.tzinfo is None:
                raise InvalidInput(f"{name} must be timezone-aware", field=name)

    @property
    def key(self) -> EntryKey:
        return (
            self.list_type.value,
            self.kind.value,
            self.family or "",
            self.value,
            self.account_id or "",
        )

    @property
    def supported(self) -> bool:
        return not (self.family or "").startswith(UNSUPPORTED_PREFIX)

    def is_active(self, now: datetime) -> bool:
        return self.expires_at is None or self.expires_at > now


@dataclass(frozen=True)
class ListMatch:
    """Every active entry that lists one subject; deciding what wins is the risk policy's job."""

    kind: SubjectKind
    value: str
    entries: tuple[ListEntry, ...]

    @property
    def list_types(self) -> frozenset[ListType]:
        return frozenset(e.list_type for e in self.entries)

    @property
    def blocked(self) -> bool:
        return ListType.BLOCK in self.list_types

    @property
    def grey(self) -> bool:
        return ListType.GREY in self.list_types

    @property
    def allowed(self) -> bool:
        return ListType.ALLOW in self.list_types

    @property
    def categories(self) -> frozenset[Category]:
        return frozenset(e.category for e in self.entries)

    def __bool__(self) -> bool:
        return bool(self.entries)


@dataclass(frozen=True)
class Reject:
    """An input record that was not imported. ``position`` is a 1-based line number for
    text and CSV files and a 0-based array index for JSON; ``file`` names the file when a
    source spans several."""

    position: int
    raw: str
    why: str
    file: str = ""


@dataclass(frozen=True)
class ParseResult:
    """What an importer read: unique candidate entries, the records it refused, and how many
    records repeated an earlier one (merged into it, their reasons kept)."""

    entries: tuple[ListEntry, ...]
    rejected: tuple[Reject, ...] = ()
    duplicates: int = 0


@dataclass(frozen=True)
class SyncReport:
    """The outcome of re-importing one source, with what an audit entry needs."""

    source: str
    at: datetime
    added: int
    removed: int
    unchanged: int
    updated: int
    duplicates: int
    rejected: tuple[Reject, ...]
    added_entries: tuple[ListEntry, ...] = field(default=(), repr=False)
    removed_entries: tuple[ListEntry, ...] = field(default=(), repr=False)

    @property
    def total(self) -> int:
        """Entries the source holds after the sync."""
        return self.added + self.unchanged + self.updated
