"""POST /v1/assessments and GET /v1/assessments/{id}."""

from __future__ import annotations

from typing import Annotated

import anyio
import anyio.to_thread
from fastapi import APIRouter, Depends, Header, Path, Request, Response
from fastapi.concurrency import run_in_threadpool

from trustdesk.auth.apikeys import ApiPrincipal
from trustdesk.bootstrap import Container
from trustdesk.core.errors import NotFound
from trustdesk.risk.schemas import AssessmentIn, AssessmentOut
from trustdesk.risk.store import SqlAssessmentStore
from trustdesk.web.deps import ContainerDep, get_container, get_principal, require_scope
from trustdesk.web.errors import PROBLEM_JSON

router = APIRouter(prefix="/v1/assessments", tags=["assessments"])

_PROBLEMS = {
    code: {"content": {PROBLEM_JSON: {}}, "description": text}
    for code, text in {
        400: "malformed JSON",
        401: "missing or invalid API key",
        403: "the key lacks the scope",
        409: "idempotency key reused for another request",
        413: "body too large",
        422: "invalid field (the problem names it)",
    }.items()
}


_require_assess = require_scope("assess")


def _authorize(container: Container, authorization: str | None) -> ApiPrincipal:
    return _require_assess(get_principal(container, authorization))


async def _assessor(
    request: Request, authorization: Annotated[str | None, Header()] = None
) -> ApiPrincipal:
    """``require_scope("assess")`` in one worker-thread hop instead of three.

    The shared dependencies are plain functions, so FastAPI runs each of them (container,
    key check, scope check) in a thread of its own; on this route, the busiest, those hops
    cost about as much as the key check itself. A key checked a moment ago (the key
    cache) needs no hop at all."""
    container = get_container(request)
    cached = container.key_cache.get(authorization)
    if cached is not None:
        return _require_assess(cached)
    return await run_in_threadpool(_authorize, container, authorization)


def _writer_limiter(request: Request, container: Container) -> anyio.CapacityLimiter | None:
    """On SQLite one writer at a time holds the file's lock, so more threads per worker only
    queue on it while holding the GIL the lock holder needs; they wait in the event loop
    instead. PostgreSQL writers run side by side: the shared thread pool."""
    if container.engine.dialect.name != "sqlite":
        return None
    limiter: anyio.CapacityLimiter | None = getattr(request.app.state, "writer_limiter", None)
    if limiter is None:
        limiter = request.app.state.writer_limiter = anyio.CapacityLimiter(1)
    return limiter


@router.post("", response_model=AssessmentOut, responses=_PROBLEMS)  # type: ignore[arg-type]
async def create_assessment(
    body: AssessmentIn,
    request: Request,
    response: Response,
    principal: Annotated[ApiPrincipal, Depends(_assessor)],
) -> AssessmentOut:
    """Decide on one transaction: allow, challenge (standard|strong), review or block."""
    container = get_container(request)
    assessment = await anyio.to_thread.run_sync(
        container.assess,
        body,
        principal.actor,
        request.state.request_id,
        limiter=_writer_limiter(request, container),
    )
    response.status_code = 200 if assessment.replayed else 201
    response.headers["Location"] = f"/v1/assessments/{assessment.id}"
    return AssessmentOut.from_domain(assessment)


@router.get("/{assessment_id}", response_model=AssessmentOut, responses=_PROBLEMS)  # type: ignore[arg-type]
def get_assessment(
    assessment_id: Annotated[str, Path(max_length=64)],
    container: ContainerDep,
    principal: Annotated[ApiPrincipal, Depends(require_scope("assessments:read"))],
) -> AssessmentOut:
    with container.reading() as session:
        found = SqlAssessmentStore(session, container.pepper).get(assessment_id)
    if found is None:
        raise NotFound(f"no assessment {assessment_id}", field="assessment_id")
    return AssessmentOut.from_domain(found)
