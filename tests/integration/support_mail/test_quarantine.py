"""The quarantine's use cases on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib

import pytest

from tests.integration.support_mail.conftest import PEPPER, T0, Recorder
from trustdesk.audit.store import SqlAuditLog
from trustdesk.core.clock import FixedClock
from trustdesk.core.errors import InvalidInput
from trustdesk.support.mail.intake import MailIntake
from trustdesk.support.mail.parse import MailRejected, ParsedMail
from trustdesk.support.mail.quarantine import AlreadyReleased, QuarantineNotFound
from trustdesk.support.mail.store import Quarantine

RAW = b"From: a@example.com\r\nSubject: x\r\n\r\nhello\r\n"


def hold(q: Quarantine, raw: bytes = RAW, code: str = "no_from") -> str:
    return q.hold(
        raw,
        sender="a@example.com",
        recipients=["support@trustdesk.example"],
        reason_code=code,
        reason="why",
        source="smtp",
    ).id


def audit_actions(q: Quarantine) -> list[tuple[str, str, dict[str, object]]]:
    with q.uow.read() as session:
        entries = SqlAuditLog(session, PEPPER, q.clock).iter_entries()
        return [(e.action, e.subject, e.payload) for e in entries]


def test_hold_show_list(quarantine: Quarantine) -> None:
    clock = quarantine.clock
    assert isinstance(clock, FixedClock)
    first = hold(quarantine, RAW, "no_from")
    clock.advance(seconds=1)
    second = hold(quarantine, b"\x00garbage", "not_mail")
    shown = quarantine.show(first)
    assert shown.raw == RAW
    assert shown.sha256 == hashlib.sha256(RAW).hexdigest()
    assert (shown.size, shown.received_at, shown.released_at) == (len(RAW), T0, None)
    assert [m.id for m in quarantine.list()] == [second, first]  # newest first
    assert [m.id for m in quarantine.list(limit=1, offset=1)] == [first]
    assert all(m.raw is None for m in quarantine.list())  # lists never carry the bytes
    summary = shown.summary()
    assert summary == {
        "id": first,
        "received_at": "2026-03-01T12:00:00+00:00",
        "source": "smtp",
        "reason_code": "no_from",
        "reason": "why",
        "size": len(RAW),
        "sha256": hashlib.sha256(RAW).hexdigest(),
        "envelope_sender": "a@example.com",
        "envelope_recipients": ["support@trustdesk.example"],
        "released_at": None,
        "released_by": None,
    }


def test_envelope_and_reason_are_clipped_not_refused(quarantine: Quarantine) -> None:
    held = quarantine.hold(
        RAW,
        sender="s" * 1000,
        recipients=[f"r{i}@x.io" for i in range(300)],
        reason_code="intake_failed",
        reason="r" * 2000,
        source="smtp",
    )
    shown = quarantine.show(held.id)
    assert len(shown.envelope_sender) == 320
    assert len(shown.envelope_recipients) == 100
    assert len(shown.reason) == 500 and shown.reason.endswith("…")


def test_release_redelivers_then_marks_released(quarantine: Quarantine) -> None:
    mail_id = hold(quarantine)
    recorder = Recorder()
    released = quarantine.release(mail_id, actor="cli", redeliver=recorder)
    assert recorder.calls == [(RAW, "a@example.com", ["support@trustdesk.example"])]
    assert (released.released_at, released.released_by) == (quarantine.clock.now(), "cli")
    assert quarantine.list() == []
    assert [m.id for m in quarantine.list(include_released=True)] == [mail_id]
    with pytest.raises(AlreadyReleased):
        quarantine.release(mail_id, actor="cli")
    assert audit_actions(quarantine) == [
        ("mail.quarantined", f"mail:{mail_id}", {"reason_code": "no_from", "source": "smtp"}),
        (
            "mail.released",
            f"mail:{mail_id}",
            {"reason_code": "no_from", "source": "smtp", "redelivered": True},
        ),
    ]


def test_failed_redelivery_leaves_the_mail_held(quarantine: Quarantine) -> None:
    mail_id = hold(quarantine)

    def refuse(raw: bytes, sender: str, recipients: list[str]) -> None:
        raise MailRejected("no_from", "the message has no From header")

    with pytest.raises(MailRejected):
        quarantine.release(mail_id, actor="cli", redeliver=refuse)
    assert quarantine.show(mail_id).released_at is None
    assert [a for a, _, _ in audit_actions(quarantine)] == ["mail.quarantined"]


def test_release_through_the_intake_waives_the_size_limit(quarantine: Quarantine) -> None:
    delivered: list[str] = []

    def deliver(mail: ParsedMail, raw: bytes) -> None:
        delivered.append(mail.from_address)

    intake = MailIntake(quarantine, deliver, max_bytes=16)
    intake(RAW, "a@example.com", ["support@trustdesk.example"])  # over 16 bytes: held
    [held] = quarantine.list()
    assert (held.reason_code, delivered) == ("too_large", [])
    quarantine.release(held.id, actor="admin", redeliver=intake.redeliver)
    assert delivered == ["a@example.com"]


def test_delete(quarantine: Quarantine) -> None:
    mail_id = hold(quarantine)
    quarantine.delete(mail_id, actor="cli")
    with pytest.raises(QuarantineNotFound):
        quarantine.show(mail_id)
    with pytest.raises(QuarantineNotFound):
        quarantine.delete(mail_id, actor="cli")
    with pytest.raises(QuarantineNotFound):
        quarantine.release(mail_id, actor="cli")
    assert [a for a, _, _ in audit_actions(quarantine)] == [
        "mail.quarantined",
        "mail.quarantine_deleted",
    ]


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (501, 0), (10, -1)])
def test_bad_paging_is_refused(quarantine: Quarantine, limit: int, offset: int) -> None:
    with pytest.raises(InvalidInput):
        quarantine.list(limit=limit, offset=offset)


def test_audit_payloads_hold_no_addresses_or_content(quarantine: Quarantine) -> None:
    mail_id = hold(quarantine)
    quarantine.release(mail_id, actor="cli", redeliver=Recorder())
    for _, _, payload in audit_actions(quarantine):
        text = repr(payload)
        assert "@" not in text and "hello" not in text
