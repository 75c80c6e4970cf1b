"""Step-up over HTTP: factors per account, challenges per assessment, the confirm call.

The caller is the wallet's backend acting for a signed-in user; it passes the user's IP
in ``X-End-User-IP`` so verification attempts are also limited per IP.
"""

from __future__ import annotations

import ipaddress
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse

from trustdesk.auth.apikeys import ApiPrincipal
from trustdesk.auth.schemas import (
    ChallengeOut,
    ConfirmationOut,
    ConfirmIn,
    EnrolledOut,
    EnrollIn,
    FactorOut,
    ProofFields,
    ProofIn,
    ResyncIn,
    SendIn,
    SentOut,
    StepUpTokenOut,
    VerifiedOut,
)
from trustdesk.bootstrap import Container
from trustdesk.core.errors import InvalidInput, NotFound
from trustdesk.risk.model import Assessment
from trustdesk.risk.store import SqlAssessmentStore
from trustdesk.web.deps import ContainerDep, require_scope
from trustdesk.web.errors import PROBLEM_JSON

router = APIRouter(tags=["step-up"])

_PROBLEMS = {
    code: {"content": {PROBLEM_JSON: {}}, "description": text}
    for code, text in {
        401: "missing API key, or the proof or step-up token was not accepted",
        403: "the key lacks the scope",
        404: "no such account factor, challenge or assessment",
        409: "the challenge is closed or the transaction cannot be confirmed",
        422: "invalid field (the problem names it)",
        429: "too many attempts (Retry-After says when to retry)",
    }.items()
}

AccountId = Annotated[str, Path(min_length=1, max_length=64)]
ObjectId = Annotated[str, Path(min_length=1, max_length=64)]
EndUserIp = Annotated[str | None, Header(alias="X-End-User-IP", max_length=64)]
Reader = Annotated[ApiPrincipal, Depends(require_scope("factors:read"))]
Writer = Annotated[ApiPrincipal, Depends(require_scope("factors:write"))]
StepUpKey = Annotated[ApiPrincipal, Depends(require_scope("stepup"))]
Assessor = Annotated[ApiPrincipal, Depends(require_scope("assess"))]


def _ip(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError as exc:
        raise InvalidInput("X-End-User-IP is not an IP address", field="X-End-User-IP") from exc


def _assessment(container: Container, assessment_id: str) -> Assessment:
    with container.reading() as session:
        found = SqlAssessmentStore(session, container.pepper).get(assessment_id)
    if found is None:
        raise NotFound(f"no assessment {assessment_id}", field="assessment_id")
    return found


@router.post(
    "/v1/accounts/{account_id}/factors",
    response_model=EnrolledOut,
    status_code=201,
    responses=_PROBLEMS,  # type: ignore[arg-type]
)
def enroll_factor(
    account_id: AccountId,
    body: EnrollIn,
    request: Request,
    response: Response,
    container: ContainerDep,
    p: Writer,
) -> EnrolledOut:
    """Enrol a factor. Secrets (otpauth URI, QR, recovery codes) are in this response only."""
    response.headers["Cache-Control"] = "no-store"
    return container.run_stepup(
        lambda s, _: s.enroll(account_id, body), p.actor, request.state.request_id
    )


@router.get(
    "/v1/accounts/{account_id}/factors",
    response_model=list[FactorOut],
    responses=_PROBLEMS,  # type: ignore[arg-type]
)
def list_factors(account_id: AccountId, container: ContainerDep, p: Reader) -> list[FactorOut]:
    return container.run_stepup(lambda s, _: s.factors(account_id), p.actor)


@router.delete(
    "/v1/accounts/{account_id}/factors/{factor_id}",
    response_model=FactorOut,
    responses=_PROBLEMS,  # type: ignore[arg-type]
)
def revoke_factor(
    account_id: AccountId,
    factor_id: ObjectId,
    request: Request,
    container: ContainerDep,
    p: Writer,
) -> FactorOut:
    return container.run_stepup(
        lambda s, _: s.revoke(account_id, factor_id), p.actor, request.state.request_id
    )


@router.post(
    "/v1/accounts/{account_id}/factors/{factor_id}/verify",
    response_model=VerifiedOut,
    responses=_PROBLEMS,  # type: ignore[arg-type]
)
def verify_factor(
    account_id: AccountId,
    factor_id: ObjectId,
    body: ProofFields,
    request: Request,
    container: ContainerDep,
    p: StepUpKey,
    end_user_ip: EndUserIp = None,
) -> VerifiedOut:
    """Activate a pending factor with its first proof, or check a proof outside a payment."""
    proof = ProofIn(factor_id=factor_id, **body.model_dump())
    return container.run_stepup(
        lambda s, _: s.verify_factor(account_id, proof),
        p.actor,
        request.state.request_id,
        _ip(end_user_ip),
    )


@router.post(
    "/v1/accounts/{account_id}/factors/{factor_id}/resync",
    response_model=VerifiedOut,
    responses=_PROBLEMS,  # type: ignore[arg-type]
)
def resync_factor(
    account_id: AccountId,
    factor_id: ObjectId,
    body: ResyncIn,
    request: Request,
    container: ContainerDep,
    p: StepUpKey,
) -> VerifiedOut:
    """Bring an HOTP counter back in step with two consecutive codes."""
    return container.run_stepup(
        lambda s, _: s.resync(account_id, factor_id, body.code1, body.code2),
        p.actor,
        request.state.request_id,
    )


@router.post(
    "/v1/assessments/{assessment_id}/challenges",
    response_model=ChallengeOut,
    status_code=201,
    responses=_PROBLEMS,  # type: ignore[arg-type]
)
async def start_challenge(
    assessment_id: ObjectId, request: Request, container: ContainerDep, p: StepUpKey
) -> ChallengeOut:
    """The challenge for a `challenge` decision: which factors may answer, bound to the payment."""
    assessment = await run_in_threadpool(_assessment, container, assessment_id)
    return await run_in_threadpool(
        container.run_stepup,
        lambda s, _: s.challenge(assessment),
        p.actor,
        request.state.request_id,
    )


@router.get(
    "/v1/challenges/{challenge_id}",
    response_model=ChallengeOut,
    responses=_PROBLEMS,  # type: ignore[arg-type]
)
def get_challenge(challenge_id: ObjectId, container: ContainerDep, p: StepUpKey) -> ChallengeOut:
    return container.run_stepup(lambda s, _: s.show_challenge(challenge_id), p.actor)


@router.post(
    "/v1/challenges/{challenge_id}/send",
    response_model=SentOut,
    responses=_PROBLEMS,  # type: ignore[arg-type]
)
def send_challenge(
    challenge_id: ObjectId,
    body: SendIn,
    request: Request,
    container: ContainerDep,
    p: StepUpKey,
) -> SentOut:
    """Send the SMS or e-mail code, or the push, for one of the challenge's factors."""
    return container.run_stepup(
        lambda s, _: s.send(challenge_id, body.factor_id), p.actor, request.state.request_id
    )


@router.post(
    "/v1/challenges/{challenge_id}/verify",
    response_model=StepUpTokenOut,
    responses=_PROBLEMS,  # type: ignore[arg-type]
)
def verify_challenge(
    challenge_id: ObjectId,
    body: ProofIn,
    request: Request,
    container: ContainerDep,
    p: StepUpKey,
    end_user_ip: EndUserIp = None,
) -> StepUpTokenOut:
    """Answer the challenge; success returns the step-up token that `confirm` needs."""
    return container.run_stepup(
        lambda s, _: s.verify_challenge(challenge_id, body),
        p.actor,
        request.state.request_id,
        _ip(end_user_ip),
    )


@router.post(
    "/v1/assessments/{assessment_id}/confirm",
    response_model=ConfirmationOut,
    responses=_PROBLEMS,  # type: ignore[arg-type]
)
async def confirm_assessment(
    assessment_id: ObjectId,
    request: Request,
    container: ContainerDep,
    p: Assessor,
    body: ConfirmIn | None = None,
    step_up_token: Annotated[str | None, Header(alias="Step-Up-Token", max_length=4096)] = None,
) -> ConfirmationOut:
    """Confirm before broadcasting: an `allow` needs nothing, a `challenge` needs its token."""
    token = step_up_token or (body.step_up_token if body else None)
    assessment = await run_in_threadpool(_assessment, container, assessment_id)
    return await run_in_threadpool(
        container.run_stepup,
        lambda s, _: s.confirm(assessment, token),
        p.actor,
        request.state.request_id,
    )


@router.get("/v1/stepup/public-key", response_class=PlainTextResponse)
def stepup_public_key(container: ContainerDep, response: Response) -> str:
    """The Ed25519 key (PEM) that verifies step-up tokens, for wallets that check them offline."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return container.tokens.public_key_pem
