"""Support over HTTP: tickets, messages, attachments, customers, the timeline, in-app chat.

Scopes: ``support:read`` for reads, ``support:write`` for agents' changes; the in-app chat
endpoint takes ``support:chat`` (what a wallet backend needs, and no more) or
``support:write``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar
from urllib.parse import quote

import structlog
from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, Response, UploadFile

from trustdesk.auth.apikeys import ApiPrincipal
from trustdesk.bootstrap import Container
from trustdesk.core.errors import DomainError, Forbidden, InvalidInput
from trustdesk.support.identities import normalize
from trustdesk.support.model import (
    AuthorKind,
    IdentityKind,
    InboundAttachment,
    InboundMessage,
    Visibility,
)
from trustdesk.support.schemas import (
    ChatMessage,
    CsatCreate,
    CustomerCreate,
    IdentityFields,
    MergeRequest,
    ReplyCreate,
    StatusUpdate,
    TagsUpdate,
    TicketCreate,
    customer_json,
    message_json,
    ticket_json,
    ticket_view_json,
)
from trustdesk.support.service import CustomerRef, ReplyIn, SupportDesk
from trustdesk.web.deps import ContainerDep, PrincipalDep, require_scope
from trustdesk.web.errors import PROBLEM_JSON

router = APIRouter(tags=["support"])
T = TypeVar("T")

_PROBLEMS: dict[int | str, dict[str, Any]] = {
    code: {"content": {PROBLEM_JSON: {}}, "description": text}
    for code, text in {
        400: "malformed JSON",
        401: "missing or invalid API key",
        403: "the key lacks the scope",
        404: "no such ticket, customer or attachment",
        409: "not allowed in the current state (status machine, merge, CSAT, identity taken)",
        413: "body too large",
        422: "invalid field (the problem names it)",
    }.items()
}

TicketId = Annotated[str, Path(min_length=1, max_length=16)]
CustomerId = Annotated[str, Path(min_length=1, max_length=40)]
Reader = Annotated[ApiPrincipal, Depends(require_scope("support:read"))]
Writer = Annotated[ApiPrincipal, Depends(require_scope("support:write"))]


def _chatter(principal: PrincipalDep) -> ApiPrincipal:
    if not {"support:chat", "support:write", "admin"} & principal.scopes:
        raise Forbidden("this API key lacks the 'support:chat' scope")
    return principal


Chatter = Annotated[ApiPrincipal, Depends(_chatter)]


def _read(container: ContainerDep, p: ApiPrincipal, work: Callable[[SupportDesk], T]) -> T:
    with container.reading() as session:
        return work(container.support(session, p.actor))


def _write(
    container: ContainerDep,
    p: ApiPrincipal,
    request: Request,
    work: Callable[[SupportDesk], T],
) -> T:
    with container.session() as session:
        return work(container.support(session, p.actor, request.state.request_id))


# --- tickets -----------------------------------------------------------------------------------


@router.post("/v1/tickets", status_code=201, responses=_PROBLEMS)
def create_ticket(
    body: TicketCreate, request: Request, response: Response, container: ContainerDep, p: Writer
) -> dict[str, Any]:
    """Open a ticket on behalf of a customer (by id, or by an identity: an unknown one
    becomes a provisional customer); ``body`` is the customer's first message."""
    who = CustomerRef(
        customer_id=body.customer_id,
        identity=body.identity.to_domain() if body.identity else None,
        name=body.name,
    )
    view = _write(container, p, request, lambda d: d.open_ticket(who, body.ticket_in(), body.body))
    response.headers["Location"] = f"/v1/tickets/{view.ticket.id}"
    return ticket_view_json(view)


@router.get("/v1/tickets", responses=_PROBLEMS)
def list_tickets(
    container: ContainerDep,
    p: Reader,
    customer: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=24)] = None,
    tier: Annotated[str | None, Query(max_length=16)] = None,
    assignee: Annotated[str | None, Query(max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[dict[str, Any]]:
    """Tickets, newest first, filtered by customer, status, tier and assignee."""
    found = _read(
        container,
        p,
        lambda d: d.tickets(
            customer_id=customer, status=status, tier=tier, assignee=assignee, limit=limit
        ),
    )
    return [ticket_json(t) for t in found]


@router.get("/v1/tickets/{ticket_id}", responses=_PROBLEMS)
def get_ticket(ticket_id: TicketId, container: ContainerDep, p: Reader) -> dict[str, Any]:
    """The ticket with its messages (notes included) and attachments' metadata."""
    return ticket_view_json(_read(container, p, lambda d: d.ticket(ticket_id)))


@router.post("/v1/tickets/{ticket_id}/messages", status_code=201, responses=_PROBLEMS)
def add_message(
    ticket_id: TicketId, body: ReplyCreate, request: Request, container: ContainerDep, p: Writer
) -> dict[str, Any]:
    """An agent's (or the bot's) public reply, or an internal note. A public reply sets
    first_response_at and moves the ticket to waiting_customer."""
    given = ReplyIn(
        body=body.body,
        author_id=None if body.bot else body.author,
        author_kind=AuthorKind.BOT if body.bot else AuthorKind.AGENT,
        visibility=body.visibility,
        thread_key=body.thread_key,
    )
    ticket, message = _write(container, p, request, lambda d: d.reply(ticket_id, given))
    return {"ticket": ticket_json(ticket), "message": message_json(message)}


@router.post("/v1/tickets/{ticket_id}/status", responses=_PROBLEMS)
def set_status(
    ticket_id: TicketId, body: StatusUpdate, request: Request, container: ContainerDep, p: Writer
) -> dict[str, Any]:
    """Move the ticket; a move the status machine does not allow is a 409 naming from/to."""
    return ticket_json(
        _write(container, p, request, lambda d: d.set_status(ticket_id, body.status.value))
    )


@router.put("/v1/tickets/{ticket_id}/tags", responses=_PROBLEMS)
def set_tags(
    ticket_id: TicketId, body: TagsUpdate, request: Request, container: ContainerDep, p: Writer
) -> dict[str, Any]:
    """Replace the tags (lower-cased, at most 20 of at most 40 characters)."""
    return ticket_json(_write(container, p, request, lambda d: d.set_tags(ticket_id, body.tags)))


@router.post("/v1/tickets/{ticket_id}/csat", responses=_PROBLEMS)
def rate_ticket(
    ticket_id: TicketId, body: CsatCreate, request: Request, container: ContainerDep, p: Writer
) -> dict[str, Any]:
    """The customer's satisfaction, 1-5: once, after the ticket is resolved."""
    return ticket_json(
        _write(container, p, request, lambda d: d.rate(ticket_id, body.score, body.comment))
    )


@router.post("/v1/tickets/{ticket_id}/attachments", status_code=201, responses=_PROBLEMS)
def upload_attachments(
    ticket_id: TicketId,
    request: Request,
    container: ContainerDep,
    p: Writer,
    files: Annotated[list[UploadFile], File(description="1-5 files")],
    author: Annotated[str, Form(min_length=1, max_length=128, description="agent id")],
    visibility: Annotated[Visibility, Form()] = Visibility.INTERNAL,
    body: Annotated[str, Form(max_length=20_000)] = "",
) -> dict[str, Any]:
    """Files from an agent, as a message of their own (an internal note unless
    ``visibility=public``). One refused file refuses all: 422 naming it."""
    # The request's size is bounded by the app's body limit, so reading whole is bounded too.
    given = [
        InboundAttachment(f.filename or "", f.content_type or "", f.file.read()) for f in files
    ]
    reply = ReplyIn(body=body, author_id=author, visibility=visibility)
    ticket, message = _write(container, p, request, lambda d: d.reply(ticket_id, reply, given))
    return {"ticket": ticket_json(ticket), "message": message_json(message)}


@router.get(
    "/v1/attachments/{attachment_id}",
    responses=_PROBLEMS | {200: {"content": {"application/octet-stream": {}}}},
    response_class=Response,
)
def download_attachment(
    attachment_id: Annotated[str, Path(min_length=1, max_length=40)],
    container: ContainerDep,
    p: Reader,
) -> Response:
    """The file, always as a download, with the type sniffed when it was stored."""
    found = _read(container, p, lambda d: d.download(attachment_id))
    media = found.attachment.content_type
    if media.startswith("text/"):
        media += "; charset=utf-8"
    return Response(
        content=found.data,
        media_type=media,
        headers={
            "Content-Disposition": _disposition(found.attachment.filename),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
        },
    )


def _disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the exact one per RFC 6266/8187."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


# --- customers ---------------------------------------------------------------------------------


def _customer_view(desk: SupportDesk, customer_id: str) -> dict[str, Any]:
    found = desk.customer(customer_id)
    return customer_json(
        found.customer, merged_ids=desk.merged_ids(found.customer.id), requested=customer_id
    )


@router.post("/v1/customers", status_code=201, responses=_PROBLEMS)
def create_customer(
    body: CustomerCreate, request: Request, response: Response, container: ContainerDep, p: Writer
) -> dict[str, Any]:
    """A known customer with its identities (e-mail, phone, Telegram, in-app, account)."""

    def work(desk: SupportDesk) -> dict[str, Any]:
        return _customer_view(desk, desk.create_customer(body.to_domain()).id)

    view = _write(container, p, request, work)
    response.headers["Location"] = f"/v1/customers/{view['id']}"
    return view


@router.get("/v1/customers/{customer_id}", responses=_PROBLEMS)
def get_customer(customer_id: CustomerId, container: ContainerDep, p: Reader) -> dict[str, Any]:
    """The customer; a merged-away id gives the customer it was merged into
    (``redirected_from`` names the id asked for)."""
    return _read(container, p, lambda d: _customer_view(d, customer_id))


@router.post("/v1/customers/{customer_id}/identities", status_code=201, responses=_PROBLEMS)
def add_identity(
    customer_id: CustomerId,
    body: IdentityFields,
    request: Request,
    container: ContainerDep,
    p: Writer,
) -> dict[str, Any]:
    """Another way to reach the customer; 409 when it already names someone else."""

    def work(desk: SupportDesk) -> dict[str, Any]:
        return _customer_view(desk, desk.add_identity(customer_id, body.to_domain()).id)

    return _write(container, p, request, work)


@router.post("/v1/customers/{customer_id}/merge", responses=_PROBLEMS)
def merge_customer(
    customer_id: CustomerId,
    body: MergeRequest,
    request: Request,
    container: ContainerDep,
    p: Writer,
) -> dict[str, Any]:
    """Merge this customer into ``into``: identities and tickets move; this id then reads
    as ``into``. 409 when merging into itself or into a merged customer."""

    def work(desk: SupportDesk) -> dict[str, Any]:
        return _customer_view(desk, desk.merge(customer_id, body.into).id)

    return _write(container, p, request, work)


@router.get("/v1/customers/{customer_id}/timeline", responses=_PROBLEMS)
def customer_timeline(
    customer_id: CustomerId,
    container: ContainerDep,
    p: Reader,
    since: Annotated[datetime | None, Query(description="inclusive, ISO 8601 with zone")] = None,
    until: Annotated[datetime | None, Query(description="exclusive")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    notes: Annotated[bool, Query(description="include agents' internal notes")] = True,
) -> dict[str, Any]:
    """Tickets, status changes, messages, assessments, confirmations, step-up challenges
    and KYC events, oldest first; ``truncated`` says whether more follow the last item."""
    timeline = _read(
        container,
        p,
        lambda d: d.timeline(customer_id, since=since, until=until, limit=limit, notes=notes),
    )
    return timeline.to_json()


# --- in-app chat -------------------------------------------------------------------------------


@router.post("/v1/chat/messages", status_code=201, responses=_PROBLEMS)
def chat_message(
    body: ChatMessage, request: Request, response: Response, container: ContainerDep, p: Chatter
) -> dict[str, Any]:
    """A message from the in-app chat: it joins the account's open chat ticket or opens
    one. Retrying with the same ``client_message_id`` changes nothing (200, duplicate)."""
    account = normalize(IdentityKind.ACCOUNT, body.account_id, "account_id")
    if not body.text.strip() and not body.attachments:
        raise InvalidInput("the message is empty", field="text")
    msg = InboundMessage(
        channel="inapp",
        external_id=f"{account}:{body.client_message_id}",
        sender_kind="account",
        sender=account,
        sender_name=body.name,
        subject=None,
        body=body.text,
        received_at=container.clock.now(),
        language=body.language,
        category=body.category.value if body.category else None,
        attachments=tuple(a.to_domain() for a in body.attachments),
    )
    result = container.support_intake(msg, p.actor, request.state.request_id)
    if result.duplicate:
        response.status_code = 200
    return {
        "ticket_id": result.ticket_id,
        "message_id": result.message_id,
        "customer_id": result.customer_id,
        "created_ticket": result.created_ticket,
        "duplicate": result.duplicate,
        "bot": bot_answer(container, result.ticket_id, result.message_id),
    }


def bot_answer(container: Container, ticket_id: str, message_id: str) -> dict[str, Any] | None:
    """The bot's answer or hand-off notice (``answer``, ``handoff_queue``, ``language``,
    ``intent``), once the message is committed; null when the ticket is not the bot's. A
    failing bot costs the answer, never the message: ``trustdesk bot sweep`` answers later."""
    log = structlog.get_logger("trustdesk.web")
    try:
        run = container.run_bot(ticket_id, message_id)
    except DomainError as exc:  # no model trained yet, say
        log.warning("bot.unavailable", ticket_id=ticket_id, error=exc.code)
        return None
    except Exception:  # noqa: BLE001 - the customer's message is already safe
        log.exception("bot.chat_failed", ticket_id=ticket_id)
        return None
    return None if run is None else run.chat_json()
