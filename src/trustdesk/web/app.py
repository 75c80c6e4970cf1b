"""create_app(container): the REST API."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable

import structlog
from fastapi import FastAPI, Request, Response
from starlette.responses import JSONResponse

from trustdesk import __version__
from trustdesk.bootstrap import Container
from trustdesk.web import assessments, errors

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

    @app.middleware("http")
    async def _request_context(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request_id = request.headers.get("x-request-id", "")[:64] or uuid.uuid4().hex
        request.state.request_id = request_id
        length = request.headers.get("content-length")
        limit = container.settings.max_request_bytes
        if length is not None and (not length.isdigit() or int(length) > limit):
            return errors.problem(
                request,
                413,
                "input.too_large",
                "Request too large",
                f"the body may be at most {limit} bytes",
                "body",
            )
        started = time.perf_counter()
        response = await call_next(request)
        response.headers["x-request-id"] = request_id
        log.info(
            "request",
            method=request.method,
            path=request.url.path,
            status=response.status_code,
            ms=round((time.perf_counter() - started) * 1000, 2),
            request_id=request_id,
        )
        return response

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok", "policy_version": container.policy.version})

    return app
