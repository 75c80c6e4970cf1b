"""Composing replies (no network): subject, threading headers, encoding."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from typing import Any

import pytest

from trustdesk.core.errors import InvalidInput
from trustdesk.support.mail.outbound import (
    MAX_REFERENCES,
    compose_reply,
    reply_subject,
    thread_references,
)
from trustdesk.support.mail.parse import parse_mail

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ("Withdrawal missing", "Re: Withdrawal missing [#TD-7K2M9Q]"),
        ("Re: Withdrawal missing", "Re: Withdrawal missing [#TD-7K2M9Q]"),
        ("RE: Re: re:Withdrawal missing", "Re: Withdrawal missing [#TD-7K2M9Q]"),
        ("Re: Withdrawal missing [#TD-7K2M9Q]", "Re: Withdrawal missing [#TD-7K2M9Q]"),
        ("[#TD-7K2M9Q] Re: [#TD-7K2M9Q] x", "Re: x [#TD-7K2M9Q]"),
        ("Re: x [# td-7k2m9q ]", "Re: x [#TD-7K2M9Q]"),
        ("Re[2]: AW: Balas: x", "Re: x [#TD-7K2M9Q]"),
        ("回复：提现没到账", "Re: 提现没到账 [#TD-7K2M9Q]"),
        ("答复: 提现没到账", "Re: 提现没到账 [#TD-7K2M9Q]"),
        ("", "Re: [#TD-7K2M9Q]"),
        ("Recovery phrase", "Re: Recovery phrase [#TD-7K2M9Q]"),
    ],
)
def test_reply_subject(original: str, expected: str) -> None:
    assert reply_subject(original, "TD-7K2M9Q") == expected


def test_reply_subject_refuses_a_bad_ticket_ref() -> None:
    with pytest.raises(InvalidInput):
        reply_subject("x", "TD-7k2m9q")


def test_references_append_dedupe_and_trim() -> None:
    assert thread_references(["<a@x>", "<b@x>"], "<c@x>") == ["<a@x>", "<b@x>", "<c@x>"]
    assert thread_references(["<a@x>", "<c@x>", "<b@x>"], "<c@x>") == ["<a@x>", "<b@x>", "<c@x>"]
    assert thread_references([], None) == []
    many = [f"<m{i}@x>" for i in range(50)]
    trimmed = thread_references(many, "<last@x>")
    assert len(trimmed) == MAX_REFERENCES
    assert trimmed == ["<m0@x>", *many[-(MAX_REFERENCES - 2) :], "<last@x>"]
    with pytest.raises(InvalidInput):
        thread_references(["no brackets"], None)


def test_compose_reply_headers_and_chinese_round_trip() -> None:
    message = compose_reply(
        desk_address="support@trustdesk.example",
        desk_name="Trustdesk 客服",
        to="ana@example.co.id",
        to_name="Ana",
        subject="回复: 提现没到账",
        ticket_ref="TD-7K2M9Q",
        body="您好，已经处理。\nSudah diproses.\n",
        in_reply_to="<c3@example.co.id>",
        references=["<c1@example.co.id>", "<d2@trustdesk.example>"],
        bot=True,
        now=NOW,
    )
    wire = message.as_bytes()
    assert wire.isascii()  # 7-bit clean: encoded words and quoted-printable
    assert b"\r\n" in wire and b"\n" not in wire.replace(b"\r\n", b"")
    back = message_from_bytes(wire, policy=policy.default)
    assert back["Subject"] == "Re: 提现没到账 [#TD-7K2M9Q]"
    assert back["From"] == "Trustdesk 客服 <support@trustdesk.example>"
    assert back["To"] == "Ana <ana@example.co.id>"
    assert back["In-Reply-To"] == "<c3@example.co.id>"
    assert back["References"] == "<c1@example.co.id> <d2@trustdesk.example> <c3@example.co.id>"
    assert back["Auto-Submitted"] == "auto-replied"
    assert back["Date"] == "Sun, 01 Mar 2026 12:00:00 +0000"
    assert back["Message-ID"].endswith("@trustdesk.example>")
    # Lines travel as CRLF (RFC 5321); compare the text as written.
    assert back.get_content().replace("\r\n", "\n") == "您好，已经处理。\nSudah diproses.\n"
    ours = parse_mail(wire, max_bytes=1 << 20)
    assert (ours.subject, ours.ticket_ref, ours.from_name) == (
        "Re: 提现没到账 [#TD-7K2M9Q]",
        "TD-7K2M9Q",
        "Trustdesk 客服",
    )
    assert ours.automated


def test_agent_reply_is_not_auto_submitted_and_ids_are_fresh() -> None:
    def reply() -> str:
        m = compose_reply(
            desk_address="support@trustdesk.example",
            to="ana@example.co.id",
            subject="x",
            ticket_ref="TD-7K2M9Q",
            body="hi",
        )
        assert m["Auto-Submitted"] is None and m["In-Reply-To"] is None
        return str(m["Message-ID"])

    assert reply() != reply()


@pytest.mark.parametrize(
    ("field", "value"),
    [("to", "not an address"), ("to", "a@b\r\nBcc: x@y"), ("desk_address", "desk")],
)
def test_compose_refuses_bad_addresses(field: str, value: str) -> None:
    given: dict[str, Any] = {"desk_address": "support@trustdesk.example", "to": "ana@example.co.id"}
    given[field] = value
    with pytest.raises(InvalidInput) as caught:
        compose_reply(**given, subject="x", ticket_ref="TD-7K2M9Q", body="hi")
    assert caught.value.field == field


def test_compose_refuses_an_empty_body() -> None:
    with pytest.raises(InvalidInput):
        compose_reply(
            desk_address="support@trustdesk.example",
            to="ana@example.co.id",
            subject="x",
            ticket_ref="TD-7K2M9Q",
            body="  \n",
        )
