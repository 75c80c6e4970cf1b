"""The Telegram bot webhook: ``POST /v1/channels/telegram/{bot_name}``.

No API key: Telegram proves itself with the secret token given to ``setWebhook``, sent in
``X-Telegram-Bot-Api-Secret-Token`` (TRUSTDESK_TELEGRAM_WEBHOOK_SECRET). A wrong or missing
token is a 401 and nothing is read further. Any 2xx tells Telegram the update is handled,
so a redelivered update answers 200 again (the intake is idempotent on bot and update id),
and updates we do not take in (edits, group chats, …) answer 200 with the reason. Replies
to Telegram users are not sent from here: they belong to an outbox like the mail one.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Path, Request
from starlette.concurrency import run_in_threadpool

from trustdesk.core.errors import Unauthorized
from trustdesk.support.channels.telegram import (
    BOT_NAME_PATTERN,
    SECRET_HEADER,
    Ignored,
    parse_secrets,
    secret_matches,
    to_inbound,
)
from trustdesk.web.deps import ContainerDep
from trustdesk.web.errors import PROBLEM_JSON, problem
from trustdesk.web.support import bot_answer

router = APIRouter(tags=["channels"])

_PROBLEMS: dict[int | str, dict[str, Any]] = {
    code: {"content": {PROBLEM_JSON: {}}, "description": text}
    for code, text in {
        400: "malformed JSON, or not shaped like a Telegram update",
        401: "missing or wrong X-Telegram-Bot-Api-Secret-Token",
        413: "body too large",
        422: "invalid bot name",
    }.items()
}

BotName = Annotated[str, Path(pattern=BOT_NAME_PATTERN, description="the bot's name")]


class BadSecret(Unauthorized):
    code = "telegram.unauthorized"


@router.post("/v1/channels/telegram/{bot_name}", responses=_PROBLEMS)
async def telegram_update(
    bot_name: BotName, request: Request, container: ContainerDep, background: BackgroundTasks
) -> Any:
    """One Telegram ``Update``: a private chat message from a person becomes a message on
    the sender's open Telegram ticket (or a new one)."""
    configured = container.settings.telegram_webhook_secret
    secrets = parse_secrets(configured.get_secret_value()) if configured else {}
    if not secret_matches(secrets, bot_name, request.headers.get(SECRET_HEADER)):
        raise BadSecret("the Telegram webhook secret token is missing or wrong")
    raw = await request.body()
    try:
        update = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        reason = (
            exc.msg
            if isinstance(exc, json.JSONDecodeError)
            else "not UTF-8 text"
            if isinstance(exc, UnicodeDecodeError)
            else "nested too deeply"
        )
        return problem(
            request,
            400,
            "input.malformed_json",
            "Malformed JSON",
            f"the request body is not valid JSON: {reason}",
            "body",
        )
    found = to_inbound(bot_name, update)
    if isinstance(found, Ignored):
        return {"ok": True, "ignored": found.reason}
    result = await run_in_threadpool(
        container.support_intake, found, f"telegram:{bot_name}", request.state.request_id
    )
    if not result.duplicate:  # the bot answers after Telegram has its 200
        background.add_task(bot_answer, container, result.ticket_id, result.message_id)
    return {
        "ok": True,
        "ticket_id": result.ticket_id,
        "message_id": result.message_id,
        "created_ticket": result.created_ticket,
        "duplicate": result.duplicate,
    }
