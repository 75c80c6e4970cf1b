"""The mail outbox's rules: retry timing, final answers, thread headers, the recipient."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from trustdesk.support.channels.outbox_rules import (
    EmailIdentity,
    Failure,
    ThreadKey,
    backoff,
    classify,
    is_message_id,
    recipient,
    reply_message_id,
    thread_headers,
)

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_backoff_doubles_from_30_seconds_up_to_an_hour() -> None:
    waits = [backoff(n).total_seconds() for n in range(0, 10)]
    assert waits == [30, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert backoff(10_000) == timedelta(hours=1)


def test_only_a_permanent_5xx_fails_a_reply() -> None:
    assert classify(550, "unreachable") == Failure(True, "smtp_550")
    assert classify(554, "unreachable") == Failure(True, "smtp_554")
    assert classify(451, "unreachable") == Failure(False, "smtp_451")
    assert classify(421, "unreachable") == Failure(False, "smtp_421")
    assert classify(535, "unreachable") == Failure(False, "smtp_535")  # our login: fix, retry
    assert classify(None, "unreachable") == Failure(False, "unreachable")
    assert classify(None, "tls") == Failure(False, "tls")


def test_thread_headers_answer_the_last_customer_mail() -> None:
    keys = [
        ThreadKey("<c1@example.co.id>", True, T0),
        ThreadKey("<msg_1.TD-7K2M9Q@trustdesk.example>", False, T0 + timedelta(minutes=1)),
        ThreadKey("sha256:" + "a" * 64, True, T0 + timedelta(minutes=2)),
        ThreadKey("<c2@example.co.id>", True, T0 + timedelta(minutes=3)),
        ThreadKey("<c2@example.co.id>", True, T0 + timedelta(minutes=4)),
        ThreadKey("ticket-note-key", False, T0 + timedelta(minutes=5)),
    ]
    assert thread_headers(keys) == (
        "<c2@example.co.id>",
        ["<c1@example.co.id>", "<msg_1.TD-7K2M9Q@trustdesk.example>", "<c2@example.co.id>"],
    )
    assert thread_headers([]) == (None, [])
    only_ours = [ThreadKey("<a@b.example>", False, T0)]
    assert thread_headers(only_ours) == (None, ["<a@b.example>"])


def test_message_ids() -> None:
    assert reply_message_id("msg_01abc", "TD-7K2M9Q", "Support@Desk.example") == (
        "<msg_01abc.TD-7K2M9Q@Desk.example>"
    )
    assert is_message_id("<a.b@c.example>")
    assert not is_message_id("a@b")
    assert not is_message_id("<no-at-sign>")
    assert not is_message_id(None)


def test_the_recipient_is_the_first_address() -> None:
    later = EmailIdentity("ana.work@example.com", T0 + timedelta(days=3))
    first = EmailIdentity("Ana@Example.com", T0)
    assert recipient([later, first]) == "Ana@Example.com"
    assert recipient([]) is None
