"""The mail quarantine over HTTP (scope ``admin``).

GET /v1/mail/quarantine (newest first, paged), GET /v1/mail/quarantine/{id} (the raw mail
as base64 only when asked for: it is personal data).
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel

from trustdesk.auth.apikeys import ApiPrincipal
from trustdesk.bootstrap import Container
from trustdesk.support.mail.store import MAX_PAGE, Quarantine
from trustdesk.web.deps import ContainerDep, require_scope
from trustdesk.web.errors import PROBLEM_JSON

router = APIRouter(tags=["mail"])

_PROBLEMS: dict[int | str, dict[str, Any]] = {
    code: {"content": {PROBLEM_JSON: {}}, "description": text}
    for code, text in {
        401: "missing or invalid API key",
        403: "the key lacks the admin scope",
        404: "no such quarantined mail",
        422: "invalid parameter (the problem names it)",
    }.items()
}

Admin = Annotated[ApiPrincipal, Depends(require_scope("admin"))]
MailId = Annotated[str, Path(min_length=1, max_length=40)]


class QuarantinedMailOut(BaseModel):
    id: str
    received_at: str
    source: str
    reason_code: str
    reason: str
    size: int
    sha256: str
    envelope_sender: str
    envelope_recipients: list[str]
    released_at: str | None
    released_by: str | None
    raw_base64: str | None = None


def _quarantine(container: Container) -> Quarantine:
    return Quarantine(container.uow, container.audit_log, container.clock)


@router.get("/v1/mail/quarantine", response_model=list[QuarantinedMailOut], responses=_PROBLEMS)
def list_quarantine(
    container: ContainerDep,
    p: Admin,
    include_released: bool = False,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict[str, Any]]:
    """Mail that could not be taken in, newest first; released mail only when asked for."""
    held = _quarantine(container).list(
        include_released=include_released, limit=limit, offset=offset
    )
    return [m.summary() for m in held]


@router.get("/v1/mail/quarantine/{mail_id}", response_model=QuarantinedMailOut, responses=_PROBLEMS)
def get_quarantined(
    mail_id: MailId, container: ContainerDep, p: Admin, include_raw: bool = False
) -> dict[str, Any]:
    """One held mail: envelope, reason, size, SHA-256; with ``include_raw`` its bytes."""
    mail = _quarantine(container).show(mail_id)
    body = mail.summary()
    if include_raw and mail.raw is not None:
        body["raw_base64"] = base64.b64encode(mail.raw).decode("ascii")
    return body
