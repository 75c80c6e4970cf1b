"""The public support form: ``GET /support/form`` and ``POST /support/form``.

Plain HTML, no JavaScript, no API key. The page is in English, Chinese or Indonesian
(``?lang=`` or Accept-Language). A POST needs the CSRF cookie and token
(``support.channels.webform``), is counted per client IP per hour in the shared
``auth_rate_counters`` table (so the limit holds across workers; the IP is stored only as
an HMAC), and a filled honeypot gets the thank-you page with nothing stored. Errors come
back on the page, per field, with HTTP 422; a success shows the ticket id.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import asdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

from fastapi import APIRouter, BackgroundTasks, Request
from jinja2 import Environment, FileSystemLoader
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import HTMLResponse

from trustdesk.auth.store import SqlStepUpStore
from trustdesk.bootstrap import Container
from trustdesk.core.errors import DomainError
from trustdesk.support.channels.webform import (
    HONEYPOT,
    TOKEN_MAX_AGE,
    FormFile,
    FormInput,
    csrf_refusal,
    csrf_token,
    is_spam,
    to_inbound,
    validate,
)
from trustdesk.support.channels.webform_text import (
    CATEGORIES,
    LANGUAGES,
    TEXT,
    choose_language,
    size_label,
)
from trustdesk.support.model import IntakeResult
from trustdesk.web.deps import ContainerDep
from trustdesk.web.support import bot_answer

router = APIRouter(include_in_schema=False)

PATH: Final = "/support/form"
COOKIE: Final = "td_form"
ACTOR: Final = "webform"
RATE_WINDOW: Final = timedelta(hours=1)
SECURITY_HEADERS: Final = {
    # No scripts, no styles from anywhere, no framing; the form posts only to us.
    "Content-Security-Policy": (
        "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


@router.get(PATH, response_class=HTMLResponse)
def form_page(request: Request, container: ContainerDep, lang: str | None = None) -> HTMLResponse:
    language = choose_language(lang, request.headers.get("accept-language"))
    nonce = _nonce(request)
    return _form(request, container, language, nonce, {}, {}, 200)


@router.post(PATH, response_class=HTMLResponse)
async def submit(
    request: Request, container: ContainerDep, background: BackgroundTasks
) -> HTMLResponse:
    form = await request.form(max_files=1, max_fields=20)
    try:
        fields = {k: v for k, v in form.multi_items() if isinstance(v, str)}
        upload = form.get("attachment")
        file = await _file(upload) if isinstance(upload, UploadFile) else None
    finally:
        await form.close()
    language = choose_language(fields.get("lang"), request.headers.get("accept-language"))
    now = container.clock.now()
    nonce = request.cookies.get(COOKIE)
    if csrf_refusal(_csrf_key(container), nonce, fields.get("csrf"), now, TOKEN_MAX_AGE):
        return _notice(request, language, "refused", 403)
    if not await run_in_threadpool(_within_rate, container, _client_ip(request), now):
        retry_after = str(int(RATE_WINDOW.total_seconds()))
        return _notice(request, language, "limited", 429, {"Retry-After": retry_after})
    given = FormInput(**{k: fields.get(k, "") for k in FormInput.__dataclass_fields__})
    if is_spam(given):
        return _notice(request, language, "done", 200)
    max_file = _max_file(container)
    valid, errors = validate(given, file, language, max_file)
    assert nonce is not None  # csrf_refusal refused a missing cookie
    if valid is None:
        return _form(request, container, language, nonce, asdict(given), errors, 422)
    msg = to_inbound(valid, token=fields["csrf"], received_at=now, language=language)
    try:
        result: IntakeResult = await run_in_threadpool(
            container.support_intake, msg, ACTOR, request.state.request_id
        )
    except DomainError as exc:
        reason = TEXT[language]["err_intake"].format(reason=exc.message)
        return _form(request, container, language, nonce, asdict(given), {"form": reason}, 422)
    if not result.duplicate:  # the bot's answer goes out by mail, after this page
        background.add_task(bot_answer, container, result.ticket_id, result.message_id)
    return _notice(request, language, "done", 200, ticket_id=result.ticket_id)


# --- pages -------------------------------------------------------------------------------------


def _form(
    request: Request,
    container: Container,
    language: str,
    nonce: str,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int,
) -> HTMLResponse:
    html = _templates.get_template("webform.html").render(
        t=TEXT[language],
        lang=language,
        languages=LANGUAGES,
        categories=CATEGORIES[language],
        values={k: values.get(k, "") for k in ("email", "name", "category", "subject", "message")},
        errors=errors,
        csrf=csrf_token(_csrf_key(container), nonce, container.clock.now()),
        honeypot=HONEYPOT,
        max_file=size_label(_max_file(container)),
        action=PATH,
    )
    response = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
    if request.cookies.get(COOKIE) != nonce:
        response.set_cookie(
            COOKIE,
            nonce,
            max_age=int(TOKEN_MAX_AGE.total_seconds()),
            path=PATH,
            secure=request.url.scheme == "https",
            httponly=True,
            samesite="strict",
        )
    return response


def _notice(
    request: Request,
    language: str,
    kind: str,
    status: int,
    headers: dict[str, str] | None = None,
    ticket_id: str | None = None,
) -> HTMLResponse:
    html = _templates.get_template("webform_notice.html").render(
        t=TEXT[language], lang=language, kind=kind, ticket_id=ticket_id, action=PATH
    )
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS | (headers or {}))


# --- helpers -----------------------------------------------------------------------------------


def _nonce(request: Request) -> str:
    given = request.cookies.get(COOKIE, "")
    if 20 <= len(given) <= 64 and given.replace("-", "").replace("_", "").isalnum():
        return given
    return secrets.token_urlsafe(24)


def _csrf_key(container: Container) -> bytes:
    # Derived, so the pepper itself is never used as a MAC key for something else.
    return hmac.new(container.pepper, b"trustdesk.webform-csrf", hashlib.sha256).digest()


def _client_ip(request: Request) -> str:
    # uvicorn has already applied X-Forwarded-For from trusted proxies (--forwarded-allow-ips).
    return request.client.host if request.client else "unknown"


def _within_rate(container: Container, ip: str, now: datetime) -> bool:
    """Count this submission in the IP's hourly window; False past the limit."""
    digest = hmac.new(container.pepper, f"webform-ip|{ip}".encode(), hashlib.sha256).hexdigest()
    start = now.replace(minute=0, second=0, microsecond=0)
    with container.session() as session:
        count = SqlStepUpStore(session).hit(f"webform:{digest[:40]}", start)
    return count <= container.settings.webform_max_per_hour


def _max_file(container: Container) -> int:
    # The form's body limit makes room for one such file (web.app.upload_limits).
    return container.settings.attachment_max_bytes


async def _file(upload: UploadFile) -> FormFile | None:
    data = await upload.read()
    if not upload.filename and not data:
        return None  # the file input left empty
    return FormFile(upload.filename or "", upload.content_type or "", data)
