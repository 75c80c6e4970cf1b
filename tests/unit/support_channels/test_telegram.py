"""Telegram updates as inbound messages, and the webhook secret, without a server."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from trustdesk.support.channels.telegram import (
    BadUpdate,
    Ignored,
    parse_secrets,
    secret_matches,
    to_inbound,
)
from trustdesk.support.model import InboundMessage

# 2026-03-01 09:00:00 UTC
DATE = 1772355600


def update(**message: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "message_id": 17,
        "date": DATE,
        "chat": {"id": 5512345678, "type": "private", "first_name": "Budi"},
        "from": {
            "id": 5512345678,
            "is_bot": False,
            "first_name": "Budi",
            "last_name": "Santoso",
            "username": "budis",
            "language_code": "id",
        },
        "text": "Halo, saldo USDT saya belum masuk",
    }
    base.update(message)
    return {"update_id": 900001, "message": base}


def test_a_text_message_becomes_an_inbound_message() -> None:
    assert to_inbound("wallet_bot", update()) == InboundMessage(
        channel="telegram",
        external_id="wallet_bot:900001",
        sender_kind="telegram",
        sender="5512345678",
        sender_name="Budi Santoso",
        subject=None,
        body="Halo, saldo USDT saya belum masuk",
        received_at=datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
        language="id",
    )


def test_media_are_noted_by_file_id_under_the_caption() -> None:
    photo = update(
        text=None,
        caption="这是截图",
        photo=[
            {"file_id": "AgAD-small", "file_unique_id": "s", "width": 90, "height": 90},
            {"file_id": "AgAD-large", "file_unique_id": "l", "width": 1280, "height": 960},
        ],
    )
    found = to_inbound("bot", photo)
    assert isinstance(found, InboundMessage)
    assert found.body == "这是截图\n[photo file_id=AgAD-large]"
    document = update(text=None, document={"file_id": "BQAC-1", "file_name": "收据.pdf"})
    found = to_inbound("bot", document)
    assert isinstance(found, InboundMessage)
    assert found.body == "[document 收据.pdf file_id=BQAC-1]"
    assert found.attachments == ()  # nothing is downloaded


def test_names_fall_back_to_the_username() -> None:
    sender = {"id": 7, "is_bot": False, "first_name": "", "username": "ana_p"}
    found = to_inbound("bot", update(**{"from": sender}))
    assert isinstance(found, InboundMessage)
    assert (found.sender, found.sender_name, found.language) == ("7", "@ana_p", None)


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ({"update_id": 1, "edited_message": update()["message"]}, "edited_message"),
        ({"update_id": 1, "callback_query": {"id": "x"}}, "callback_query"),
        ({"update_id": 1}, "empty"),
        (update(chat={"id": -100200, "type": "supergroup"}), "not_private_chat"),
        (update(**{"from": {"id": 9, "is_bot": True, "first_name": "Other"}}), "from_bot"),
        (update(text=None), "no_content"),
        (update(text=None, sticker={"file_id": ""}), "no_content"),
    ],
)
def test_updates_that_are_acknowledged_and_not_taken_in(given: Any, reason: str) -> None:
    assert to_inbound("bot", given) == Ignored(reason)


def test_a_channel_post_without_sender_is_ignored() -> None:
    message = update()["message"]
    del message["from"]
    assert to_inbound("bot", {"update_id": 3, "message": message}) == Ignored("no_sender")


@pytest.mark.parametrize(
    ("given", "field"),
    [
        ([1, 2], "body"),
        ({"message": {}}, "update_id"),
        ({"update_id": "12", "message": {}}, "update_id"),
        ({"update_id": True, "message": {}}, "update_id"),
        ({"update_id": -1, "message": {}}, "update_id"),
        ({"update_id": 1, "message": "hi"}, "message"),
        ({"update_id": 1, "message": {"chat": None}}, "message.chat"),
        (update(**{"from": {"id": "x", "is_bot": False}}), "message.from.id"),
        (update(message_id=None), "message.message_id"),
        (update(date="yesterday"), "message.date"),
        (update(date=10**13), "message.date"),
    ],
)
def test_malformed_updates_name_the_field(given: Any, field: str) -> None:
    with pytest.raises(BadUpdate) as caught:
        to_inbound("bot", given)
    assert caught.value.field == field
    assert caught.value.status == 400


def test_bot_names_are_checked() -> None:
    with pytest.raises(BadUpdate) as caught:
        to_inbound("bad name", update())
    assert caught.value.field == "bot_name"


def test_one_secret_for_every_bot_or_one_per_bot() -> None:
    assert parse_secrets(" s3cret-Token_1 ") == {None: "s3cret-Token_1"}
    assert parse_secrets("wallet_bot:aaa, help_bot:bbb") == {"wallet_bot": "aaa", "help_bot": "bbb"}
    shared = parse_secrets("s3cret")
    assert secret_matches(shared, "any_bot", "s3cret")
    assert not secret_matches(shared, "any_bot", "s3cre")
    assert not secret_matches(shared, "any_bot", None)
    per_bot = parse_secrets("wallet_bot:aaa,help_bot:bbb")
    assert secret_matches(per_bot, "wallet_bot", "aaa")
    assert not secret_matches(per_bot, "wallet_bot", "bbb")  # another bot's secret
    assert not secret_matches(per_bot, "other_bot", "aaa")  # an unknown bot
    assert not secret_matches({}, "wallet_bot", "aaa")  # nothing configured
    assert not secret_matches(shared, "bot", "s3cret\u00e9")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("has space", "a secret token is 1-256 characters of A-Z a-z 0-9 _ -"),
        ("x" * 257, "a secret token is 1-256 characters of A-Z a-z 0-9 _ -"),
        ("wallet_bot:", "bot wallet_bot: a secret token is 1-256 of A-Z a-z 0-9 _ -"),
        ("bad-name:abc", "expected botname:secret pairs separated by commas"),
        ("a:x,a:y", "bot a is named twice"),
    ],
)
def test_bad_secret_specs_are_refused_without_echoing_them(spec: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_secrets(spec)
    assert str(caught.value) == message
