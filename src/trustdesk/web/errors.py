"""RFC 9457 problem+json for every error the API returns."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from trustdesk.core.errors import DomainError

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger("trustdesk.web")


def loggable(text: str, limit: int = 200) -> str:
    """Client-chosen text for a log line: control characters escaped, length capped."""
    return text[:limit].encode("unicode_escape").decode("ascii")


def problem_type(code: str) -> str:
    return f"urn:trustdesk:problem:{code}"


def problem(
    request: Request,
    status: int,
    code: str,
    title: str,
    detail: str,
    field: str | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": problem_type(code),
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        "code": code,
        "request_id": getattr(request.state, "request_id", None),
    }
    if field is not None:
        body["field"] = field
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _loc_to_field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        response = problem(request, exc.status, exc.code, exc.title, exc.message, exc.field)
        if exc.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="trustdesk"'
        retry_after = getattr(exc, "retry_after_s", None)
        if isinstance(retry_after, int):
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            ctx = errors[0].get("ctx") or {}
            return problem(
                request,
                400,
                "input.malformed_json",
                "Malformed JSON",
                f"the request body is not valid JSON: {ctx.get('error', 'parse error')}",
                "body",
            )
        items = [{"field": _loc_to_field(tuple(e["loc"])), "message": _message(e)} for e in errors]
        first = items[0]
        return problem(
            request,
            422,
            "input.invalid",
            "Invalid input",
            f"{first['field']}: {first['message']}",
            first["field"],
            errors=items,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "resource.not_found", 405: "http.method_not_allowed"}.get(
            exc.status_code, f"http.{exc.status_code}"
        )
        return problem(request, exc.status_code, code, str(exc.detail), str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The traceback goes to the log under the request id, never to the client.
        log.exception(
            "unhandled_error",
            path=loggable(request.url.path),
            request_id=getattr(request.state, "request_id", None),
        )
        return problem(
            request,
            500,
            "server.internal",
            "Internal error",
            "something went wrong on our side; quote the request_id when reporting it",
        )


def _message(error: dict[str, Any]) -> str:
    msg = str(error.get("msg", "invalid"))
    return msg.removeprefix("Value error, ")
