"""The audit chain's pure core: events, entries, hashing and verification.

Canonical form, for anyone verifying the chain without this code
-----------------------------------------------------------------
*canonical JSON* is UTF-8 JSON with object keys sorted by Unicode code point, no
whitespace (separators ``,`` and ``:``), non-ASCII characters written as themselves, only
``"``, ``\\`` and characters below U+0020 escaped (``\\b \\f \\n \\r \\t``, others as
``\\u00xx`` in lowercase hex), integers in decimal, ``true``/``false``/``null``, floats as
Python's ``repr`` (producers should prefer strings for amounts), NaN and infinities refused.
In Python: ``json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False)``.

* ``payload_hash`` = lowercase hex SHA-256 of the canonical JSON of the stored (already
  redacted) payload object.
* ``entry_hash`` = lowercase hex SHA-256 of the canonical JSON of an object with exactly
  these ten keys: ``action, actor, at, device_hash, ip_hash, payload_hash, prev_hash,
  request_id, seq, subject``; ``seq`` is a JSON integer, ``at`` the UTC time as
  ``YYYY-MM-DDTHH:MM:SS.ffffff+00:00`` (always six fractional digits), ``request_id``,
  ``ip_hash`` and ``device_hash`` a string or ``null``, the rest strings. For example::

      {"action":"lists.synced","actor":"cli","at":"2024-05-01T12:00:00.000250+00:00",
       "device_hash":null,"ip_hash":null,"payload_hash":"<64 hex>","prev_hash":"000…000",
       "request_id":null,"seq":1,"subject":"list:ofac"}      (on one line)

* ``prev_hash`` of entry 1 is ``GENESIS_HASH`` (64 zeros); of entry n, entry n-1's
  ``entry_hash``. Sequence numbers start at 1 and have no gaps.
* ``ip_hash`` / ``device_hash`` are ``HMAC-SHA256(pepper, value)`` in lowercase hex (IPs in
  their compressed textual form first), so the raw values never enter the chain.
"""

from __future__ import annotations

import hmac
import ipaddress
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any, Final

from trustdesk.audit.redaction import redact
from trustdesk.core.canonical import canonical_json, sha256_hex
from trustdesk.core.errors import InvalidInput

__all__ = [
    "GENESIS_HASH",
    "AuditEntry",
    "AuditEvent",
    "VerifyResult",
    "build_entry",
    "entry_hash",
    "format_at",
    "payload_hash",
    "pseudonymize",
    "redact",
    "verify_chain",
]

GENESIS_HASH: Final = "0" * 64
# Column sizes in the store; checked here so both backends refuse the same input.
MAX_LABEL: Final = 200
MAX_REQUEST_ID: Final = 100


@dataclass(frozen=True)
class AuditEvent:
    """Something that happened, as a domain reports it; raw IP and fingerprint included."""

    actor: str  # "apikey:<id>", "cli", "system", "user:<id>"
    action: str  # "assessment.decided", "lists.synced", ...
    subject: str  # "assessment:asm_..."
    payload: Mapping[str, Any]
    request_id: str | None = None
    ip: str | None = None
    device_fingerprint: str | None = None


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    request_id: str | None
    ip_hash: str | None
    device_hash: str | None
    payload: dict[str, Any]
    payload_hash: str
    prev_hash: str
    entry_hash: str


@dataclass(frozen=True)
class VerifyResult:
    """``checked`` counts the entries found intact before the first problem (all of them
    when ``ok``); ``head_hash`` is the hash of the last intact entry (the head when ``ok``),
    ``None`` when there is none."""

    ok: bool
    checked: int
    first_bad_seq: int | None
    problem: str | None
    head_hash: str | None


def format_at(at: datetime) -> str:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("audit times must be timezone-aware")
    return at.astimezone(UTC).isoformat(timespec="microseconds")


def payload_hash(payload: Mapping[str, Any]) -> str:
    return sha256_hex(canonical_json(payload))


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject: str,
    request_id: str | None,
    ip_hash: str | None,
    device_hash: str | None,
    payload_hash: str,
    prev_hash: str,
) -> str:
    fields = {
        "seq": seq,
        "at": format_at(at),
        "actor": actor,
        "action": action,
        "subject": subject,
        "request_id": request_id,
        "ip_hash": ip_hash,
        "device_hash": device_hash,
        "payload_hash": payload_hash,
        "prev_hash": prev_hash,
    }
    return sha256_hex(canonical_json(fields))


def pseudonymize(value: str, pepper: bytes) -> str:
    """Stable keyed hash: analysts can correlate equal values without seeing them."""
    if not pepper:
        raise ValueError("the audit pepper must not be empty")
    return hmac.new(pepper, value.encode(), sha256).hexdigest()


def build_entry(
    event: AuditEvent, *, seq: int, at: datetime, prev_hash: str, pepper: bytes
) -> AuditEntry:
    """The entry that records ``event`` as number ``seq`` after the entry hashed ``prev_hash``.

    Raises InvalidInput (``audit.invalid_event``, ``audit.payload_not_json``)."""
    _check_label("actor", event.actor, MAX_LABEL)
    _check_label("action", event.action, MAX_LABEL)
    _check_label("subject", event.subject, MAX_LABEL)
    if event.request_id is not None:
        _check_label("request_id", event.request_id, MAX_REQUEST_ID)
    format_at(at)  # refuses naive times before anything is hashed
    payload = _json_object(redact(event.payload))
    fields: dict[str, Any] = {
        "seq": seq,
        "at": at.astimezone(UTC),
        "actor": event.actor,
        "action": event.action,
        "subject": event.subject,
        "request_id": event.request_id or None,
        "ip_hash": pseudonymize(_normal_ip(event.ip), pepper) if event.ip else None,
        "device_hash": (
            pseudonymize(event.device_fingerprint, pepper) if event.device_fingerprint else None
        ),
        "payload_hash": payload_hash(payload),
        "prev_hash": prev_hash,
    }
    return AuditEntry(payload=payload, entry_hash=entry_hash(**fields), **fields)


def verify_chain(entries: Iterable[AuditEntry]) -> VerifyResult:
    """Walk entries in the order given (seq order) and stop at the first one that is wrong."""
    expected, prev, checked = 1, GENESIS_HASH, 0
    for entry in entries:
        fault = _fault(entry, expected, prev)
        if fault is not None:
            bad_seq, problem = fault
            head = prev if checked else None
            return VerifyResult(False, checked, bad_seq, problem, head)
        expected, prev, checked = expected + 1, entry.entry_hash, checked + 1
    return VerifyResult(True, checked, None, None, prev if checked else None)


def _fault(entry: AuditEntry, expected: int, prev: str) -> tuple[int, str] | None:
    seq = entry.seq
    if seq < 1:
        return seq, f"entry {seq}: sequence numbers start at 1"
    if seq > expected:
        # A gap: deleted, or reordered; a stream cannot tell which before reading further.
        where = f"after entry {expected - 1}" if expected > 1 else "at the start"
        return expected, f"entry {expected} is missing or out of order: found entry {seq} {where}"
    if seq < expected:
        if seq == expected - 1:
            return seq, f"entry {seq} appears more than once"
        return seq, f"entry {seq} is out of order: it comes after entry {expected - 1}"
    if payload_hash(entry.payload) != entry.payload_hash:
        return seq, f"entry {seq}: payload does not match its payload hash"
    recomputed = entry_hash(
        seq=seq,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        subject=entry.subject,
        request_id=entry.request_id,
        ip_hash=entry.ip_hash,
        device_hash=entry.device_hash,
        payload_hash=entry.payload_hash,
        prev_hash=entry.prev_hash,
    )
    if recomputed != entry.entry_hash:
        return seq, f"entry {seq}: stored hash does not match its contents"
    if entry.prev_hash != prev:
        target = f"entry {seq - 1}" if seq > 1 else "the genesis hash"
        return seq, f"entry {seq}: previous hash does not link to {target}"
    return None


def _check_label(name: str, value: object, limit: int) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(f"{name} must be a non-empty string", field=name, code=_BAD_EVENT)
    if len(value) > limit or not value.isprintable():
        raise InvalidInput(
            f"{name} must be at most {limit} printable characters", field=name, code=_BAD_EVENT
        )


def _normal_ip(value: str) -> str:
    # "2001:DB8::0:1" and "2001:db8::1" are one address and must pseudonymize alike.
    try:
        return ipaddress.ip_address(value.strip()).compressed
    except ValueError:
        return value.strip()


def _json_object(payload: dict[str, Any]) -> dict[str, Any]:
    """A plain-JSON copy of the payload, exactly as a database will hand it back."""
    clean = _json_value(payload, "payload")
    assert isinstance(clean, dict)
    return clean


def _json_value(value: Any, path: str) -> Any:
    # Exact types only after conversion: what we hash must equal what the store returns.
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _utf8(str(value), path)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _not_json(path, "NaN and infinities are not JSON")
        return float(value)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise _not_json(path, f"key {key!r} is not a string")
            out[_utf8(str(key), path)] = _json_value(item, f"{path}.{key}")
        return out
    if isinstance(value, list | tuple):
        return [_json_value(item, f"{path}[{i}]") for i, item in enumerate(value)]
    raise _not_json(path, f"{type(value).__name__} is not a JSON type")


def _utf8(text: str, path: str) -> str:
    try:
        text.encode()
    except UnicodeEncodeError as exc:  # lone surrogates cannot be hashed or stored
        raise _not_json(path, "text is not valid Unicode") from exc
    return text


_BAD_EVENT: Final = "audit.invalid_event"


def _not_json(path: str, why: str) -> InvalidInput:
    return InvalidInput(
        f"audit payload must be plain JSON: {why}", field=path, code="audit.payload_not_json"
    )
