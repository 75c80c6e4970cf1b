"""Entry and payload hashes against preimages written out by hand (digests from sha256sum
and `openssl dgst -hmac`, cross-checked with hashlib/hmac here)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta, timezone

import pytest

from trustdesk.audit.model import (
    GENESIS_HASH,
    AuditEvent,
    build_entry,
    entry_hash,
    format_at,
    payload_hash,
    pseudonymize,
)
from trustdesk.core.errors import InvalidInput

PEPPER = b"test-pepper"
AT = datetime(2024, 5, 1, 12, 0, 0, 250, tzinfo=UTC)
PAYLOAD_BYTES = b'{"amount":"12.50","decision":"allow","note":"caf\xc3\xa9"}'
PAYLOAD_SHA = "6d663d3a329b0701fceaa43f9281492b7a4611ed1cf7a975125e6b09f0724498"
IP_HMAC = "7170d6a202a89bf64f94f5b86888089cd7290cdd9cc98c878cb825a46f9d89cb"
ENTRY_BYTES = (
    b'{"action":"assessment.decided","actor":"apikey:key_1",'
    b'"at":"2024-05-01T12:00:00.000250+00:00","device_hash":null,'
    b'"ip_hash":"7170d6a202a89bf64f94f5b86888089cd7290cdd9cc98c878cb825a46f9d89cb",'
    b'"payload_hash":"6d663d3a329b0701fceaa43f9281492b7a4611ed1cf7a975125e6b09f0724498",'
    b'"prev_hash":"0000000000000000000000000000000000000000000000000000000000000000",'
    b'"request_id":"req_1","seq":1,"subject":"assessment:asm_1"}'
)
ENTRY_SHA = "200fb9a04d5759af72049ee7b232bd785df6067fba9a89b34cc5129661598a60"


def test_hand_written_preimages_have_the_pinned_digests() -> None:
    assert hashlib.sha256(PAYLOAD_BYTES).hexdigest() == PAYLOAD_SHA
    assert hashlib.sha256(ENTRY_BYTES).hexdigest() == ENTRY_SHA
    assert hmac.new(PEPPER, b"203.0.113.7", hashlib.sha256).hexdigest() == IP_HMAC


def test_payload_hash_is_sha256_of_canonical_json() -> None:
    # Key order of the input does not matter; non-ASCII stays raw UTF-8.
    assert payload_hash({"note": "café", "decision": "allow", "amount": "12.50"}) == PAYLOAD_SHA


def test_entry_hash_covers_all_fields_in_canonical_form() -> None:
    got = entry_hash(
        seq=1,
        at=AT,
        actor="apikey:key_1",
        action="assessment.decided",
        subject="assessment:asm_1",
        request_id="req_1",
        ip_hash=IP_HMAC,
        device_hash=None,
        payload_hash=PAYLOAD_SHA,
        prev_hash=GENESIS_HASH,
    )
    assert got == ENTRY_SHA


def test_build_entry_gives_the_hand_checked_entry() -> None:
    event = AuditEvent(
        actor="apikey:key_1",
        action="assessment.decided",
        subject="assessment:asm_1",
        payload={"amount": "12.50", "decision": "allow", "note": "café"},
        request_id="req_1",
        ip="203.0.113.7",
    )
    # The same instant given in UTC+2 is stored and hashed as UTC.
    at = AT.astimezone(timezone(timedelta(hours=2)))
    entry = build_entry(event, seq=1, at=at, prev_hash=GENESIS_HASH, pepper=PEPPER)
    assert entry.at == AT and entry.at.utcoffset() == timedelta(0)
    assert entry.ip_hash == IP_HMAC
    assert entry.device_hash is None
    assert entry.payload_hash == PAYLOAD_SHA
    assert entry.entry_hash == ENTRY_SHA


def test_build_entry_redacts_and_pseudonymizes() -> None:
    event = AuditEvent(
        actor="cli",
        action="challenge.verified",
        subject="challenge:chl_1",
        payload={"otp": "123456", "factor": "totp"},
        device_fingerprint="fp-abc",
    )
    entry = build_entry(event, seq=3, at=AT, prev_hash="a" * 64, pepper=PEPPER)
    assert entry.payload == {"otp": "[redacted]", "factor": "totp"}
    assert entry.device_hash == hmac.new(PEPPER, b"fp-abc", hashlib.sha256).hexdigest()
    assert entry.prev_hash == "a" * 64 and entry.seq == 3


def test_format_at_always_has_six_fraction_digits_and_utc_offset() -> None:
    assert (
        format_at(datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)) == "2024-01-02T03:04:05.000000+00:00"
    )
    with pytest.raises(ValueError, match="timezone-aware"):
        format_at(datetime(2024, 1, 2, 3, 4, 5))


def test_pseudonymize_is_hmac_sha256_and_ip_forms_agree() -> None:
    assert pseudonymize("203.0.113.7", PEPPER) == IP_HMAC
    assert pseudonymize("203.0.113.7", b"other") != IP_HMAC
    with pytest.raises(ValueError, match="pepper"):
        pseudonymize("203.0.113.7", b"")
    a = build_entry(
        _event(ip="2001:DB8:0::0:1"), seq=1, at=AT, prev_hash=GENESIS_HASH, pepper=PEPPER
    )
    b = build_entry(_event(ip="2001:db8::1"), seq=1, at=AT, prev_hash=GENESIS_HASH, pepper=PEPPER)
    assert a.ip_hash == b.ip_hash == hmac.new(PEPPER, b"2001:db8::1", hashlib.sha256).hexdigest()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"score": float("nan")}, "payload.score"),
        ({"x": [1, float("inf")]}, "payload.x[1]"),
        ({"when": datetime(2024, 1, 1, tzinfo=UTC)}, "payload.when"),
        ({"by_id": {1: "a"}}, "payload.by_id"),
        ({"bad": "\ud800"}, "payload.bad"),
    ],
)
def test_payload_must_be_plain_json(payload: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        build_entry(_event(payload=payload), seq=1, at=AT, prev_hash=GENESIS_HASH, pepper=PEPPER)
    assert info.value.code == "audit.payload_not_json"
    assert info.value.field == field


def test_tuples_become_lists_as_the_database_returns_them() -> None:
    entry = build_entry(
        _event(payload={"pair": ("a", 1)}), seq=1, at=AT, prev_hash=GENESIS_HASH, pepper=PEPPER
    )
    assert entry.payload == {"pair": ["a", 1]}


@pytest.mark.parametrize(
    ("field", "event"),
    [
        ("actor", AuditEvent(actor="", action="a.b", subject="s:1", payload={})),
        ("action", AuditEvent(actor="cli", action="a\nb", subject="s:1", payload={})),
        ("subject", AuditEvent(actor="cli", action="a.b", subject="s" * 201, payload={})),
        ("request_id", AuditEvent("cli", "a.b", "s:1", {}, request_id="r" * 101)),
    ],
)
def test_event_labels_are_checked(field: str, event: AuditEvent) -> None:
    with pytest.raises(InvalidInput) as info:
        build_entry(event, seq=1, at=AT, prev_hash=GENESIS_HASH, pepper=PEPPER)
    assert info.value.code == "audit.invalid_event"
    assert info.value.field == field


def _event(*, payload: dict[str, object] | None = None, ip: str | None = None) -> AuditEvent:
    return AuditEvent("system", "test.done", "test:1", payload or {}, ip=ip)
