"""create_app(container): the REST API."""

from __future__ import annotations

import time
import uuid

import structlog
from fastapi import FastAPI, Request
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trustdesk import __version__
from trustdesk.bootstrap import Container
from trustdesk.web import assessments, compliance, errors, kb, screenings, stepup
from trustdesk.web import mail as mail_api
from trustdesk.web import support as support_api
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
    # Added first, so it runs inside the request context (the request id is set).
    app.add_middleware(BodyLimit, limit=container.settings.max_request_bytes)
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


class BodyLimit:
    """Refuses bodies over `limit` bytes, whether or not they declare a Content-Length.

    A chunked body has no length to check up front, so the body is read here, stopping as
    soon as it passes the limit, and handed on whole; the limit is small, so holding it is cheap.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = Headers(scope=scope).get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending the whole body
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self._refuse(scope, receive, send)
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

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = errors.problem(
            Request(scope),
            413,
            "input.too_large",
            "Request too large",
            f"the body may be at most {self.limit} bytes",
            "body",
        )
        await response(scope, receive, send)
