"""API keys for machine clients: shown once, stored as SHA-256, scoped, revocable."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import JSON, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from trustdesk.core.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from trustdesk.core.ids import new_id
from trustdesk.db.base import Base
from trustdesk.db.types import UtcDateTime

SCOPES = frozenset(
    {
        "assess",
        "assessments:read",
        "lists:write",
        "lists:read",
        "audit:read",
        "factors:read",
        "factors:write",
        "stepup",
        "screen",
        "kyc:read",
        "kyc:write",
        "kb:read",
        "kb:write",
        "support:read",
        "support:write",
        "support:chat",
        "admin",
    }
)


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


@dataclass(frozen=True)
class ApiPrincipal:
    key_id: str
    name: str
    scopes: frozenset[str]

    @property
    def actor(self) -> str:
        return f"apikey:{self.key_id}"

    def require(self, scope: str) -> None:
        if scope not in self.scopes and "admin" not in self.scopes:
            raise Forbidden(f"this API key lacks the '{scope}' scope")


def parse_scopes(text: str) -> frozenset[str]:
    scopes = frozenset(s.strip() for s in text.split(",") if s.strip())
    unknown = scopes - SCOPES
    if not scopes or unknown:
        raise InvalidInput(
            f"unknown scopes {sorted(unknown)}; choose from {sorted(SCOPES)}"
            if unknown
            else f"give at least one scope from {sorted(SCOPES)}",
            field="scopes",
        )
    return scopes


def create_api_key(session: Session, name: str, scopes: frozenset[str], now: datetime) -> str:
    """Stores a new key and returns its full text; the text is never stored or shown again."""
    if not name.strip() or len(name) > 128:
        raise InvalidInput("a key needs a name of 1-128 characters", field="name")
    key_id = new_id("key")
    secret = secrets.token_urlsafe(32)
    session.add(
        ApiKeyRow(
            id=key_id,
            name=name.strip(),
            secret_hash=_hash(secret),
            scopes=sorted(scopes),
            created_at=now,
            revoked_at=None,
        )
    )
    return f"td.{key_id}.{secret}"


def revoke_api_key(session: Session, key_id: str, now: datetime) -> ApiKeyRow:
    """Marks a key revoked; it stays listed for the record. A running server stops taking
    it once its workers' key caches forget it (``api_key_cache_seconds``, 5 s by default)."""
    row = session.get(ApiKeyRow, key_id)
    if row is None:
        raise NotFound(f"no API key {key_id}", field="key_id")
    if row.revoked_at is None:
        row.revoked_at = now
    return row


def authenticate(session: Session, authorization: str | None) -> ApiPrincipal:
    scheme, _, credentials = (authorization or "").strip().partition(" ")
    # The scheme name is case-insensitive (RFC 9110, 11.1).
    if scheme.lower() != "bearer" or not credentials.strip():
        raise Unauthorized("send the API key as 'Authorization: Bearer <key>'")
    parts = credentials.strip().split(".")
    if len(parts) != 3 or parts[0] != "td":
        raise Unauthorized("the API key is not valid")
    row = session.get(ApiKeyRow, parts[1])
    # Compare even when the id is unknown, so timing does not tell ids apart.
    expected = row.secret_hash if row is not None else _hash("")
    if not hmac.compare_digest(expected, _hash(parts[2])) or row is None or row.revoked_at:
        raise Unauthorized("the API key is not valid")
    return ApiPrincipal(row.id, row.name, frozenset(row.scopes))


def list_api_keys(session: Session) -> list[ApiKeyRow]:
    return list(session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.created_at)))


def _hash(secret: str) -> str:
    # Keys carry 256 random bits, so a fast hash is enough (no dictionary to guess from).
    return hashlib.sha256(secret.encode()).hexdigest()
