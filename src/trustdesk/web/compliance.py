"""KYC per account and the jurisdiction packs over HTTP.

GET/POST /v1/kyc/{account_id} (scopes kyc:read / kyc:write), GET /v1/jurisdictions and
/v1/jurisdictions/{code} (kyc:read).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from trustdesk.auth.apikeys import ApiPrincipal
from trustdesk.bootstrap import Container
from trustdesk.compliance.kyc import LOCALES, DocumentIn, KycLevel
from trustdesk.compliance.kyc_store import KycDesk, KycView, kyc_desk
from trustdesk.compliance.packs import default_packs, get_pack
from trustdesk.core.errors import InvalidInput
from trustdesk.web.deps import ContainerDep, require_scope
from trustdesk.web.errors import PROBLEM_JSON

router = APIRouter(tags=["compliance"])

_PROBLEMS: dict[int | str, dict[str, Any]] = {
    code: {"content": {PROBLEM_JSON: {}}, "description": text}
    for code, text in {
        401: "missing or invalid API key",
        403: "the key lacks the scope",
        404: "no such jurisdiction pack",
        409: "the KYC state machine does not allow this action now",
        422: "invalid field (the problem names it)",
    }.items()
}

AccountId = Annotated[str, Path(min_length=1, max_length=64)]
Locale = Annotated[Literal["en", "zh", "id"], Query(description=f"one of {', '.join(LOCALES)}")]
Reader = Annotated[ApiPrincipal, Depends(require_scope("kyc:read"))]
Writer = Annotated[ApiPrincipal, Depends(require_scope("kyc:write"))]


class DocumentFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: str = Field(min_length=1, max_length=24, description="passport, national_id, …")
    country: str = Field(min_length=2, max_length=2, description="issuing country, ISO alpha-2")
    number: str = Field(min_length=1, max_length=64, description="hashed, never stored")
    expires_on: date | None = None

    def to_domain(self) -> DocumentIn:
        return DocumentIn(self.type, self.country, self.number, self.expires_on)


class KycActionIn(BaseModel):
    """One step of the state machine: submit, verify, reject or resubmit."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["submit", "verify", "reject", "resubmit"]
    level: KycLevel | None = Field(default=None, description="submit: applied for; verify")
    jurisdiction: str | None = Field(default=None, max_length=8, description="submit: pack")
    documents: list[DocumentFields] = Field(default_factory=list, max_length=10)
    reasons: list[str] = Field(default_factory=list, max_length=10, description="reject")


class ReasonOut(BaseModel):
    code: str
    text: str


class KycEventOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    seq: int
    at: str
    action: str
    from_: str = Field(alias="from")
    to: str
    level: str
    requested_level: str | None
    reasons: list[str]
    actor: str


class KycDocumentOut(BaseModel):
    id: str
    type: str
    country: str
    expires_on: str | None
    added_at: str


class KycOut(BaseModel):
    account_id: str
    jurisdiction: str | None
    status: str
    level: str
    requested_level: str | None
    reasons: list[ReasonOut]
    allowed_actions: list[str]
    verified_at: str | None
    history: list[KycEventOut]
    documents: list[KycDocumentOut]


def _desk(container: Container, session: Session, actor: str, request_id: str | None) -> KycDesk:
    return kyc_desk(
        session,
        pepper=container.pepper,
        clock=container.clock,
        audit=container.audit_log(session),
        actor=actor,
        request_id=request_id,
    )


def _apply(desk: KycDesk, account_id: str, body: KycActionIn) -> KycView:
    docs = [d.to_domain() for d in body.documents]
    if body.action == "submit":
        if body.level is None:
            raise InvalidInput("submit needs the level applied for", field="level")
        return desk.submit(account_id, body.level, docs, body.jurisdiction)
    if body.action == "resubmit":
        return desk.resubmit(account_id, docs)
    if body.action == "verify":
        return desk.verify(account_id, body.level)
    return desk.reject(account_id, body.reasons)


@router.get(
    "/v1/kyc/{account_id}",
    response_model=KycOut,
    response_model_by_alias=True,
    responses=_PROBLEMS,
)
def get_kyc(
    account_id: AccountId, container: ContainerDep, p: Reader, locale: Locale = "en"
) -> dict[str, Any]:
    """The account's KYC state, rejection reasons (texts in the locale), history, documents."""
    with container.reading() as session:
        return _desk(container, session, p.actor, None).show(account_id).to_json(locale)


@router.post(
    "/v1/kyc/{account_id}",
    response_model=KycOut,
    response_model_by_alias=True,
    responses=_PROBLEMS,
)
def post_kyc(
    account_id: AccountId,
    body: KycActionIn,
    request: Request,
    container: ContainerDep,
    p: Writer,
    locale: Locale = "en",
) -> dict[str, Any]:
    """Move the application on; a step the state machine does not allow is a 409."""
    with container.session() as session:
        desk = _desk(container, session, p.actor, request.state.request_id)
        return _apply(desk, account_id, body).to_json(locale)


@router.get("/v1/jurisdictions", responses=_PROBLEMS)
def list_jurisdictions(p: Reader) -> list[dict[str, Any]]:
    """Summaries of the jurisdiction packs."""
    return [pack.summary() for pack in default_packs().values()]


@router.get("/v1/jurisdictions/{code}", responses=_PROBLEMS)
def get_jurisdiction(
    code: Annotated[str, Path(min_length=1, max_length=16)], p: Reader
) -> dict[str, Any]:
    """One pack in full, with the sources behind each number."""
    return get_pack(default_packs(), code).model_dump(mode="json")
