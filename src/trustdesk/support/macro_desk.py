"""Macros at work: the catalog (shipped texts with operators' texts laid over them), an
operator's new or changed macro, and a macro sent as a public reply on a ticket."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from trustdesk.core.errors import InvalidInput
from trustdesk.support import tickets
from trustdesk.support.env import SupportEnv
from trustdesk.support.macros import (
    FALLBACK,
    MAX_TEXT,
    Macro,
    MacroNotFound,
    Rendered,
    StoredText,
    check_id,
    check_language,
    check_text,
    check_values,
    combine,
    render,
)
from trustdesk.support.model import Message, Ticket
from trustdesk.support.tickets import ReplyIn

MAX_TITLE = 200


@dataclass(frozen=True)
class MacroReply:
    ticket: Ticket
    message: Message
    rendered: Rendered


def catalog(env: SupportEnv) -> dict[str, Macro]:
    desk = env.desk_setup()
    return combine(desk.macros, desk.store.macro_texts())


def find(env: SupportEnv, macro_id: str) -> Macro:
    found = catalog(env).get(macro_id.strip())
    if found is None:
        raise MacroNotFound(f"no macro {macro_id[:64]}", field="macro_id")
    return found


def save(env: SupportEnv, macro_id: str, title: str, bodies: Mapping[str, str]) -> Macro:
    """An operator's texts for a macro, per language (others are kept). A macro new to the
    catalog needs an English text: every other language falls back to it."""
    desk = env.desk_setup()
    macro_id = check_id(macro_id.strip())
    heading = " ".join(title.split())
    if not heading or len(heading) > MAX_TITLE:
        raise InvalidInput(f"title: 1-{MAX_TITLE} characters", field="title")
    if not bodies:
        raise InvalidInput("give at least one text in bodies", field="bodies")
    texts = {}
    for language, body in bodies.items():
        code = check_language(language, f"bodies.{language}")
        texts[code] = check_text(macro_id, code, body)
    known = catalog(env).get(macro_id)
    if FALLBACK not in texts and (known is None or FALLBACK not in known.bodies):
        raise InvalidInput(
            f"a new macro needs an {FALLBACK} text: other languages fall back to it",
            field=f"bodies.{FALLBACK}",
        )
    now = env.clock.now()
    for code, body in sorted(texts.items()):
        desk.store.save_macro_text(StoredText(macro_id, code, heading, body), now, env.actor)
    env.record(
        "macro_saved",
        f"macro:{macro_id}",
        {"macro_id": macro_id, "languages": sorted(texts), "created": known is None},
    )
    return find(env, macro_id)


def reply(
    env: SupportEnv,
    ticket_id: str,
    macro_id: str,
    author: str,
    values: Mapping[str, str] | None = None,
) -> MacroReply:
    """Render the macro in the ticket's language (English when it has none, said so in the
    result) and send it as the agent's public reply. ``values`` fill placeholders the ticket
    cannot (``tx_hash``) and override those it can (``customer_name``)."""
    given = check_values(values or {})
    macro = find(env, macro_id)
    ticket = tickets.find(env, ticket_id)
    customer = env.store.customer(ticket.customer_id)
    agent = env.desk_setup().store.agent(author.strip()) if author.strip() else None
    known: dict[str, str | None] = {
        "ticket_id": ticket.id,
        "customer_name": customer.display_name if customer else None,
        "agent_name": agent.display_name if agent else None,
    }
    rendered = render(macro, ticket.language, known | given)
    if len(rendered.text) > MAX_TEXT:
        raise InvalidInput(f"the rendered macro is over {MAX_TEXT} characters", field="values")
    ticket, message = tickets.reply(env, ticket.id, ReplyIn(body=rendered.text, author_id=author))
    env.record(
        "macro_used",
        f"ticket:{ticket.id}",
        {
            "ticket_id": ticket.id,
            "message_id": message.id,
            "macro_id": macro.id,
            "language": rendered.choice.language,
            "fallback": rendered.choice.fallback,
        },
    )
    return MacroReply(ticket, message, rendered)
