"""assess_transaction: validate, gather facts, run the checks, apply the policy, record."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, replace

from trustdesk.chains.addresses import normalize_address
from trustdesk.chains.registry import get_chain
from trustdesk.compliance.kyc import KycLevel
from trustdesk.compliance.packs import Pack
from trustdesk.core.canonical import canonical_json, sha256_hex
from trustdesk.core.clock import Clock
from trustdesk.core.errors import Conflict
from trustdesk.core.ids import new_id
from trustdesk.risk.checks import ALL_CHECKS
from trustdesk.risk.facts import AccountHistory, Facts, Jurisdiction, NameMatch
from trustdesk.risk.model import Assessment, Party, RequestContext, Signal, TransactionRequest
from trustdesk.risk.policy import Policy
from trustdesk.risk.ports import (
    AssessmentStore,
    AuditSink,
    ListLookup,
    NameScreening,
    Velocity,
)
from trustdesk.risk.schemas import AssessmentIn, PartyIn


class IdempotencyConflict(Conflict):
    code = "assessment.idempotency_conflict"


@dataclass(frozen=True)
class RiskPorts:
    """The stores of one unit of work."""

    assessments: AssessmentStore
    velocity: Velocity
    lists: ListLookup
    audit: AuditSink
    names: NameScreening | None = None  # None: beneficiary names are not screened
    packs: Mapping[str, Pack] | None = None  # jurisdiction packs by code; None: none apply


def build_request(body: AssessmentIn) -> TransactionRequest:
    """Semantic validation on top of the schema: the chain exists, the address is valid on it."""
    chain = get_chain(body.chain)
    address = normalize_address(chain.name, body.destination)
    ctx = body.context
    return TransactionRequest(
        account_id=body.account_id,
        chain=chain.name,
        family=address.family,
        asset=body.asset,
        amount=body.amount,
        destination=address.value,
        destination_display=address.display,
        context=RequestContext(
            ip=ctx.ip,
            device_id=ctx.device_id,
            device_fingerprint=ctx.device_fingerprint,
            user_agent=ctx.user_agent,
            country=ctx.country,
            session_age_s=ctx.session_age_s,
        ),
        memo=body.memo,
        idempotency_key=body.idempotency_key,
        locale=body.locale,
        beneficiary=_party(body.beneficiary),
        originator=_party(body.originator),
        jurisdiction=body.jurisdiction,
    )


def _party(party: PartyIn | None) -> Party | None:
    if party is None:
        return None
    return Party(name=party.name, type=party.type, country=party.country, dob=party.dob)


def request_hash(body: AssessmentIn) -> str:
    """What makes two requests 'the same' for an idempotency key."""
    data = body.model_dump(mode="json", exclude={"locale"})
    # Fields added later count only when given, so hashes stored before them still match.
    for name in ("beneficiary", "originator", "jurisdiction"):
        if data[name] is None:
            del data[name]
    return sha256_hex(canonical_json(data))


def assess_transaction(
    body: AssessmentIn,
    *,
    ports: RiskPorts,
    policy: Policy,
    clock: Clock,
    actor: str,
    request_id: str | None = None,
) -> Assessment:
    req = build_request(body)
    fingerprint = request_hash(body)
    # One account's requests are decided one at a time, so that two concurrent
    # requests cannot both slip under a velocity limit, and a retry racing the
    # original finds it instead of failing on the unique key.
    ports.assessments.lock_account(req.account_id)
    if req.idempotency_key:
        earlier = ports.assessments.find_by_idempotency_key(req.account_id, req.idempotency_key)
        if earlier is not None:
            return _replay(earlier, fingerprint)
    now = clock.now()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    hits = ports.lists.hits(req, now)
    history = ports.assessments.history(req, now)
    jurisdiction = _jurisdiction(req, history, ports.packs)
    facts = Facts(
        now=now,
        history=history,
        velocity=tuple(ports.velocity.totals(req, now, policy.windows_s)),
        destination_hits=hits.destination,
        device_hits=hits.device,
        ip_hits=hits.ip,
        account_hits=hits.account,
        beneficiary_matches=_screen_beneficiary(req, ports, policy, jurisdiction),
        jurisdiction=jurisdiction,
    )
    timings["facts"] = _ms(t0)
    signals: list[Signal] = []
    for name, check in ALL_CHECKS:
        t = time.perf_counter()
        signals.extend(check(req, facts, policy.checks))
        timings[name] = _ms(t)
    verdict = policy.decide(signals, req.locale)
    assessment = Assessment(
        id=new_id("asm"),
        created_at=now,
        request=req,
        verdict=verdict,
        signals=tuple(signals),
        timings_ms=timings,
    )
    ports.assessments.save(assessment, fingerprint)
    ports.audit.record_assessment(assessment, actor, request_id)
    return assessment


def _jurisdiction(
    req: TransactionRequest, history: AccountHistory, packs: Mapping[str, Pack] | None
) -> Jurisdiction | None:
    """The request's pack, else the one of the account's KYC record (read with the history)."""
    kyc = history.kyc
    code = req.jurisdiction or (kyc.jurisdiction if kyc else None)
    pack = packs.get(code) if packs is not None and code else None
    if pack is None:
        return None
    return Jurisdiction(pack, kyc.level if kyc else KycLevel.NONE)


def _screen_beneficiary(
    req: TransactionRequest,
    ports: RiskPorts,
    policy: Policy,
    jurisdiction: Jurisdiction | None,
) -> tuple[NameMatch, ...] | None:
    """Screening costs a look-up: done only when a beneficiary is named."""
    party = req.beneficiary
    if party is None or ports.names is None:
        return None
    threshold = (
        jurisdiction.pack.screening.threshold if jurisdiction else policy.checks.name_review_at
    )
    return ports.names.screen(
        party.name, dob=party.dob, country=party.country, type=party.type, threshold=threshold
    )


def _replay(earlier: tuple[Assessment, str], fingerprint: str) -> Assessment:
    assessment, stored_hash = earlier
    if stored_hash != fingerprint:
        raise IdempotencyConflict(
            "this idempotency_key was already used for a different request; "
            "use a new key for a new transaction",
            field="idempotency_key",
        )
    return replace(assessment, replayed=True)


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)
