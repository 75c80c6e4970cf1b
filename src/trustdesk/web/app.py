"""create_app(container): the REST API."""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping

import structlog
from fastapi import FastAPI, Request
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trustdesk import __version__
from trustdesk.bootstrap import Container
from trustdesk.settings import Settings
from trustdesk.support.model import MAX_BODY
from trustdesk.web import assessments, compliance, errors, kb, screenings, stepup
from trustdesk.web import desk as desk_api
from trustdesk.web import mail as mail_api
from trustdesk.web import support as support_api
from trustdesk.web import telegram as telegram_api
from trustdesk.web import webform as webform_page
from trustdesk.web.errors import loggable

log = structlog.get_logger("trustdesk.web")


def create_app(container: Container) -> FastAPI:
    app = FastAPI(
        title="trustdesk",
        version=__version__,
        description="Transaction decisions, step-up and audit for self-custody wallets.",
    )
    app.state.container = container
    errors.install(app)
    app.include_router(assessments.router)
    app.include_router(stepup.router)
    app.include_router(screenings.router)
    app.include_router(compliance.router)
    app.include_router(kb.router)
    app.include_router(mail_api.router)
    app.include_router(support_api.router)
    app.include_router(telegram_api.router)
    app.include_router(webform_page.router)
    app.include_router(desk_api.router)
    # Added first, so it runs inside the request context (the request id is set).
    app.add_middleware(
        BodyLimit,
        limit=container.settings.max_request_bytes,
        overrides=upload_limits(container.settings),
    )
    app.add_middleware(RequestContext)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok", "policy_version": container.policy.version})

    return app


class RequestContext:
    """Gives each request an id (the client's X-Request-Id, or a new one), returns it in
    the X-Request-Id header and logs one line per answered request.

    Plain ASGI rather than ``@app.middleware("http")``: Starlette's BaseHTTPMiddleware
    runs the app in a task of its own and streams the response through a memory channel,
    which cost more per request than the trivial endpoint itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        given = Headers(scope=scope).get("x-request-id", "")[:64]
        request_id = given or uuid.uuid4().hex
        # request.state reads scope["state"], here and in the error handlers.
        scope.setdefault("state", {})["request_id"] = request_id
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["x-request-id"] = request_id
            await send(message)

        # An exception goes on to the server-error handler unlogged here, as before: that
        # handler logs it with the traceback under this request id.
        await self.app(scope, receive, send_with_id)
        log.info(
            "request",
            method=scope["method"],
            path=loggable(Request(scope).url.path),
            status=status,
            ms=round((time.perf_counter() - started) * 1000, 2),
            request_id=request_id,
        )


def upload_limits(settings: Settings) -> dict[str, int]:
    """Body limits of the routes that take files: every file at its largest, plus room
    for the rest of the request (multipart part headers and form fields; base64 and a JSON
    text escaped at worst six bytes a character)."""
    files = settings.attachment_max_bytes * settings.attachment_max_files
    rest = settings.max_request_bytes
    return {
        "/v1/tickets/*/attachments": files + rest + 4 * MAX_BODY,
        "/v1/chat/messages": 4 * (files // 3 + settings.attachment_max_files)
        + rest
        + 6 * 4 * MAX_BODY,
        # The web form: one file (a phone screenshot, a PDF) and the form's text fields.
        webform_page.PATH: settings.attachment_max_bytes + rest + 4 * MAX_BODY,
    }


class BodyLimit:
    """Refuses bodies over `limit` bytes, whether or not they declare a Content-Length;
    ``overrides`` give some paths a limit of their own (``*`` stands for one path segment:
    ``/v1/tickets/*/attachments``).

    A chunked body has no length to check up front, so the body is read here, stopping as
    soon as it passes the limit, and handed on whole: the limit is small, and the upload
    routes read their files whole anyway.
    """

    def __init__(
        self, app: ASGIApp, limit: int, overrides: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.limit = limit
        self.overrides = [(p.strip("/").split("/"), n) for p, n in (overrides or {}).items()]

    def limit_for(self, path: str) -> int:
        parts = path.strip("/").split("/")
        for pattern, limit in self.overrides:
            if len(pattern) == len(parts) and all(
                want in ("*", got) and got for want, got in zip(pattern, parts, strict=True)
            ):
                return limit
        return self.limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        length = Headers(scope=scope).get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await self._refuse(scope, receive, send, limit)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending the whole body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._refuse(scope, receive, send, limit)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body: Message | None = {"type": "http.request", "body": b"".join(chunks)}

        async def replay() -> Message:
            nonlocal body
            if body is None:
                return await receive()
            message, body = body, None
            return message

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = errors.problem(
            Request(scope),
            413,
            "input.too_large",
            "Request too large",
            f"the body may be at most {limit} bytes",
            "body",
        )
        await response(scope, receive, send)
