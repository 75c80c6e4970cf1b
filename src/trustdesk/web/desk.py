"""The support desk over HTTP: the agent roster, macros, and the bot's hand-off.

Scopes: ``support:read`` to read, ``support:write`` to change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from trustdesk.auth.apikeys import ApiPrincipal
from trustdesk.support.desk_schemas import (
    AgentPut,
    HandOff,
    MacroPut,
    MacroUse,
    agent_json,
    macro_json,
)
from trustdesk.support.schemas import message_json, ticket_json
from trustdesk.support.service import SupportDesk
from trustdesk.web.deps import ContainerDep, require_scope
from trustdesk.web.errors import PROBLEM_JSON

router = APIRouter(tags=["support desk"])
T = TypeVar("T")

_PROBLEMS: dict[int | str, dict[str, Any]] = {
    code: {"content": {PROBLEM_JSON: {}}, "description": text}
    for code, text in {
        400: "malformed JSON",
        401: "missing or invalid API key",
        403: "the key lacks the scope",
        404: "no such agent, macro or ticket",
        409: "not allowed in the current state (a hand-off of a ticket not with the bot)",
        413: "body too large",
        422: "invalid field, unknown placeholder or missing value (the problem names it)",
    }.items()
}

AgentId = Annotated[str, Path(min_length=1, max_length=64)]
MacroId = Annotated[str, Path(min_length=1, max_length=64)]
TicketId = Annotated[str, Path(min_length=1, max_length=16)]
Language = Annotated[
    str | None, Query(max_length=16, description="en, zh, id …; English when missing")
]
Reader = Annotated[ApiPrincipal, Depends(require_scope("support:read"))]
Writer = Annotated[ApiPrincipal, Depends(require_scope("support:write"))]


def _read(container: ContainerDep, p: ApiPrincipal, work: Callable[[SupportDesk], T]) -> T:
    with container.reading() as session:
        return work(container.support(session, p.actor))


def _write(
    container: ContainerDep, p: ApiPrincipal, request: Request, work: Callable[[SupportDesk], T]
) -> T:
    with container.session() as session:
        return work(container.support(session, p.actor, request.state.request_id))


# --- agents ------------------------------------------------------------------------------------


@router.get("/v1/agents", responses=_PROBLEMS)
def list_agents(container: ContainerDep, p: Reader) -> list[dict[str, Any]]:
    """The roster by id, each with their load (open tickets assigned to them)."""
    return [agent_json(a) for a in _read(container, p, lambda d: d.agents())]


@router.get("/v1/agents/{agent_id}", responses=_PROBLEMS)
def get_agent(agent_id: AgentId, container: ContainerDep, p: Reader) -> dict[str, Any]:
    return agent_json(_read(container, p, lambda d: d.agent(agent_id)))


@router.put("/v1/agents/{agent_id}", responses=_PROBLEMS | {201: {"description": "created"}})
def put_agent(
    agent_id: AgentId,
    body: AgentPut,
    request: Request,
    response: Response,
    container: ContainerDep,
    p: Writer,
) -> dict[str, Any]:
    """Create or replace an agent: team, queues, languages, skills (categories), capacity.
    Waiting tickets they can take are assigned at once."""
    agent, created = _write(
        container, p, request, lambda d: d.save_agent(agent_id, body.to_domain())
    )
    if created:
        response.status_code = 201
        response.headers["Location"] = f"/v1/agents/{agent.id}"
    return agent_json(agent)


@router.post("/v1/agents/{agent_id}/online", responses=_PROBLEMS)
def agent_online(
    agent_id: AgentId, request: Request, container: ContainerDep, p: Writer
) -> dict[str, Any]:
    """The agent takes tickets again; the backlogs of their queues are drained to them."""
    return agent_json(_write(container, p, request, lambda d: d.set_online(agent_id, True)))


@router.post("/v1/agents/{agent_id}/offline", responses=_PROBLEMS)
def agent_offline(
    agent_id: AgentId, request: Request, container: ContainerDep, p: Writer
) -> dict[str, Any]:
    """The agent takes no new tickets; the ones they hold stay theirs until the sweep moves
    those they leave unanswered."""
    return agent_json(_write(container, p, request, lambda d: d.set_online(agent_id, False)))


# --- macros ------------------------------------------------------------------------------------


@router.get("/v1/macros", responses=_PROBLEMS)
def list_macros(container: ContainerDep, p: Reader, lang: Language = None) -> list[dict[str, Any]]:
    """Every macro; with ``lang``, each in that language (English, with ``fallback: true``
    and a notice, when a macro has no text in it)."""
    return [macro_json(m, lang) for m in _read(container, p, lambda d: d.macros())]


@router.get("/v1/macros/{macro_id}", responses=_PROBLEMS)
def get_macro(
    macro_id: MacroId, container: ContainerDep, p: Reader, lang: Language = None
) -> dict[str, Any]:
    return macro_json(_read(container, p, lambda d: d.macro(macro_id)), lang)


@router.put("/v1/macros/{macro_id}", responses=_PROBLEMS)
def put_macro(
    macro_id: MacroId, body: MacroPut, request: Request, container: ContainerDep, p: Writer
) -> dict[str, Any]:
    """An operator's texts for a macro, per language (a new macro needs ``en``); an unknown
    placeholder is a 422 naming it."""
    macro = _write(container, p, request, lambda d: d.save_macro(macro_id, body.title, body.bodies))
    return macro_json(macro)


@router.post("/v1/tickets/{ticket_id}/macros/{macro_id}", status_code=201, responses=_PROBLEMS)
def use_macro(
    ticket_id: TicketId,
    macro_id: MacroId,
    body: MacroUse,
    request: Request,
    container: ContainerDep,
    p: Writer,
) -> dict[str, Any]:
    """Render the macro in the ticket's language and send it as the agent's public reply.
    ``values`` give what the ticket cannot (``tx_hash``); a placeholder left without a value
    is a 422 naming it."""
    done = _write(
        container,
        p,
        request,
        lambda d: d.reply_with_macro(ticket_id, macro_id, body.author, body.values),
    )
    choice = done.rendered.choice
    return {
        "ticket": ticket_json(done.ticket),
        "message": message_json(done.message),
        "macro": {
            "id": done.rendered.macro_id,
            "language": choice.language,
            "requested_language": choice.requested,
            "fallback": choice.fallback,
            "notice": choice.notice,
        },
    }


# --- hand-off ----------------------------------------------------------------------------------


@router.post("/v1/tickets/{ticket_id}/handoff", responses=_PROBLEMS)
def hand_off(
    ticket_id: TicketId, body: HandOff, request: Request, container: ContainerDep, p: Writer
) -> dict[str, Any]:
    """The bot hands the ticket to people: to ``tier``, or where the routing rules send it.
    It is routed, assigned (or waits in the queue's backlog) and waits for an agent."""
    return ticket_json(_write(container, p, request, lambda d: d.hand_off(ticket_id, body.tier)))
