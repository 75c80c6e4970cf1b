"""POST /v1/screenings: a name against the loaded sanctions lists."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from trustdesk.auth.apikeys import ApiPrincipal
from trustdesk.bootstrap import Container
from trustdesk.compliance.screener import candidate_json
from trustdesk.compliance.store import SqlSanctionsStore
from trustdesk.web.deps import ContainerDep, require_scope
from trustdesk.web.errors import PROBLEM_JSON

router = APIRouter(tags=["compliance"])

_PROBLEMS = {
    code: {"content": {PROBLEM_JSON: {}}, "description": text}
    for code, text in {
        401: "missing or invalid API key",
        403: "the key lacks the scope",
        409: "no sanctions list is loaded",
        422: "invalid field (the problem names it)",
    }.items()
}


class ScreeningIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=300)
    dob: str | None = Field(default=None, max_length=10, description="YYYY, YYYY-MM or YYYY-MM-DD")
    country: str | None = Field(default=None, max_length=64)
    type: Literal["person", "entity", "vessel", "aircraft"] | None = None
    limit: int = Field(default=10, ge=1, le=100)
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)


class ScreeningOut(BaseModel):
    name: str
    candidates: list[dict[str, Any]]
    lists: list[dict[str, Any]]


def _screen(container: Container, body: ScreeningIn) -> ScreeningOut:
    with container.reading() as session:
        store = SqlSanctionsStore(session)
        index = container.screener.index(store)
        lists = [
            {"list": s.list_name, "version": s.version, "published": s.published}
            for s in store.active_snapshots()
        ]
    options: dict[str, Any] = {"dob": body.dob, "country": body.country, "type": body.type}
    if body.threshold is not None:
        options["threshold"] = body.threshold
    found = index.screen(body.name, limit=body.limit, **options)
    return ScreeningOut(name=body.name, candidates=[candidate_json(c) for c in found], lists=lists)


@router.post("/v1/screenings", response_model=ScreeningOut, responses=_PROBLEMS)  # type: ignore[arg-type]
async def screen(
    body: ScreeningIn,
    container: ContainerDep,
    principal: Annotated[ApiPrincipal, Depends(require_scope("screen"))],
) -> ScreeningOut:
    """Ranked candidates with score, matched name, list, program and the score's explanation."""
    return await run_in_threadpool(_screen, container, body)
