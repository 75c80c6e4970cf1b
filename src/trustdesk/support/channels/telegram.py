"""Telegram Bot API webhook updates as the support core's ``InboundMessage`` (pure).

Telegram POSTs one ``Update`` per request and, when ``setWebhook`` was given a
``secret_token``, sends it back in the ``X-Telegram-Bot-Api-Secret-Token`` header: that
header, compared in constant time, is the only proof the request came from Telegram.
Telegram redelivers an update until it gets a 2xx, so the idempotency key is the bot name
and the ``update_id``. Edited messages, channel posts, group chats and bots' own messages
are acknowledged and ignored; photos and documents are noted by ``file_id`` (nothing is
downloaded here).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from trustdesk.core.errors import DomainError
from trustdesk.support.model import InboundMessage

SECRET_HEADER: Final = "X-Telegram-Bot-Api-Secret-Token"
BOT_NAME_PATTERN: Final = r"^[A-Za-z0-9_]{1,64}$"
_BOT_NAME: Final = re.compile(BOT_NAME_PATTERN)
# What Telegram allows in a secret token (setWebhook): 1-256 of A-Z a-z 0-9 _ -.
_SECRET: Final = re.compile(r"[A-Za-z0-9_-]{1,256}")
# Media a message may carry: noted as "[kind file_id=…]" lines under the text.
_MEDIA: Final = (
    "document",
    "video",
    "voice",
    "audio",
    "animation",
    "video_note",
    "sticker",
)
MAX_NAME: Final = 200


class BadUpdate(DomainError):
    code = "telegram.bad_update"
    status = 400
    title = "Not a Telegram update"


@dataclass(frozen=True)
class Ignored:
    """An update acknowledged (200) and not taken in; ``reason`` is a stable code."""

    reason: str


# --- secrets -----------------------------------------------------------------------------------


def parse_secrets(spec: str) -> dict[str | None, str]:
    """``"s3cret"`` → one secret for every bot (key None); ``"bot_a:s1,bot_b:s2"`` → one
    per bot name. Raises ValueError naming what is wrong, never echoing a secret."""
    text = spec.strip()
    if ":" not in text:
        if not _SECRET.fullmatch(text):
            raise ValueError("a secret token is 1-256 characters of A-Z a-z 0-9 _ -")
        return {None: text}
    found: dict[str | None, str] = {}
    for part in (p.strip() for p in text.split(",")):
        name, sep, secret = part.partition(":")
        if not sep or not _BOT_NAME.fullmatch(name.strip()):
            raise ValueError("expected botname:secret pairs separated by commas")
        if not _SECRET.fullmatch(secret.strip()):
            raise ValueError(f"bot {name.strip()}: a secret token is 1-256 of A-Z a-z 0-9 _ -")
        if name.strip() in found:
            raise ValueError(f"bot {name.strip()} is named twice")
        found[name.strip()] = secret.strip()
    return found


def secret_matches(secrets: Mapping[str | None, str], bot: str, given: str | None) -> bool:
    """True when ``given`` is the bot's secret (or the shared one). Constant time in the
    secret's content; an unknown bot or a missing header is simply False."""
    expected = secrets.get(bot, secrets.get(None))
    if expected is None or given is None:
        return False
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


def check_bot_name(bot: str) -> str:
    if not _BOT_NAME.fullmatch(bot):
        raise BadUpdate("a bot name is 1-64 letters, digits and _", field="bot_name")
    return bot


# --- updates -----------------------------------------------------------------------------------


def to_inbound(bot: str, update: Any) -> InboundMessage | Ignored:
    """The update as a message for the intake, or why it is ignored; ``BadUpdate`` when it
    is not shaped like a Telegram update at all."""
    check_bot_name(bot)
    if not isinstance(update, dict):
        raise BadUpdate("the update must be a JSON object", field="body")
    update_id = _int(update, "update_id", "update_id")
    if "message" not in update:
        kinds = sorted(k for k in update if k != "update_id")
        return Ignored(kinds[0] if kinds else "empty")
    message = _object(update, "message", "message")
    chat = _object(message, "chat", "message.chat")
    if chat.get("type") != "private":
        return Ignored("not_private_chat")
    if "from" not in message:
        return Ignored("no_sender")
    sender = _object(message, "from", "message.from")
    if sender.get("is_bot") is True:
        return Ignored("from_bot")
    user_id = _int(sender, "id", "message.from.id")
    _int(message, "message_id", "message.message_id")
    body = _body(message)
    if not body:
        return Ignored("no_content")
    return InboundMessage(
        channel="telegram",
        external_id=f"{bot}:{update_id}",
        sender_kind="telegram",
        sender=str(user_id),
        sender_name=_name(sender),
        subject=None,
        body=body,
        received_at=_date(message),
        language=_text(sender.get("language_code")),
    )


def _body(message: Mapping[str, Any]) -> str:
    text = _text(message.get("text")) or _text(message.get("caption")) or ""
    notes: list[str] = []
    photos = message.get("photo")
    if isinstance(photos, list) and photos:
        largest = photos[-1]  # Telegram lists the sizes smallest first
        if isinstance(largest, dict) and _text(largest.get("file_id")):
            notes.append(f"[photo file_id={largest['file_id']}]")
    for kind in _MEDIA:
        media = message.get(kind)
        if isinstance(media, dict) and _text(media.get("file_id")):
            named = _text(media.get("file_name"))
            label = f"{kind} {named}" if named else kind
            notes.append(f"[{label} file_id={media['file_id']}]")
    return "\n".join(part for part in [text.strip(), *notes] if part)


def _name(sender: Mapping[str, Any]) -> str | None:
    parts = [_text(sender.get("first_name")), _text(sender.get("last_name"))]
    name = " ".join(p.strip() for p in parts if p and p.strip())
    if not name and _text(sender.get("username")):
        name = f"@{sender['username']}"
    return name[:MAX_NAME] or None


def _date(message: Mapping[str, Any]) -> datetime:
    seconds = _int(message, "date", "message.date")
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        raise BadUpdate("message.date is not a Unix time", field="message.date") from None


def _object(parent: Mapping[str, Any], key: str, field: str) -> Mapping[str, Any]:
    value = parent.get(key)
    if not isinstance(value, dict):
        raise BadUpdate(f"{field} must be an object", field=field)
    return value


def _int(parent: Mapping[str, Any], key: str, field: str) -> int:
    value = parent.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BadUpdate(f"{field} must be a non-negative integer", field=field)
    return value


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
