"""Connects the assessment service to the lists and audit domains, through their services."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from trustdesk.audit.model import AuditEvent
from trustdesk.audit.ports import AuditLog
from trustdesk.compliance.screener import NoSanctionsLists, Screener
from trustdesk.compliance.store import SqlSanctionsStore
from trustdesk.lists.model import ListEntry, SubjectKind
from trustdesk.lists.subjects import normalize_ip, normalize_subject
from trustdesk.risk.facts import ListHit, ListHits, NameMatch
from trustdesk.risk.model import Assessment, TransactionRequest


class SubjectStore(Protocol):
    """The lists store's batched look-up: every subject of a request in one query."""

    def match_subjects(
        self,
        *,
        account_id: str,
        now: datetime,
        family: str | None = None,
        address: str | None = None,
        device: str | None = None,
        ip: str | None = None,
        account: str | None = None,
    ) -> dict[SubjectKind, list[ListEntry]]: ...


class ListsLookup:
    def __init__(self, store: SubjectStore) -> None:
        self.store = store

    def hits(self, req: TransactionRequest, now: datetime) -> ListHits:
        """The entries check_address, check_value (device; account, global entries only)
        and check_ip would give, from one query instead of four."""
        ctx = req.context
        # Canonical values exactly as the lists service's check_value and check_ip make them.
        device = _token(SubjectKind.DEVICE, ctx.device_id) if ctx.device_id else None
        found = self.store.match_subjects(
            account_id=req.account_id,
            now=now,
            family=req.family,
            address=req.destination,
            device=device,
            ip=normalize_ip(ctx.ip) if ctx.ip else None,
            account=_token(SubjectKind.ACCOUNT, req.account_id),
        )
        return ListHits(
            destination=_hits(found[SubjectKind.ADDRESS]),
            device=_hits(found[SubjectKind.DEVICE]),
            ip=_hits(found[SubjectKind.IP]),
            account=_hits(found[SubjectKind.ACCOUNT]),
        )


def _token(kind: SubjectKind, value: str) -> str:
    return normalize_subject(kind, value)[1]


def _hits(entries: list[ListEntry]) -> tuple[ListHit, ...]:
    return tuple(_hit(e) for e in entries)


def _hit(entry: ListEntry) -> ListHit:
    return ListHit(
        list_type=entry.list_type.value,
        kind=entry.kind.value,
        category=str(entry.category),
        source=entry.source,
        reason=entry.reason,
    )


class ScreenedNames:
    """Name screening over the active sanctions snapshots, with the process's shared index."""

    def __init__(self, screener: Screener, store: SqlSanctionsStore, limit: int = 10) -> None:
        self.screener = screener
        self.store = store
        self.limit = limit

    def screen(
        self,
        name: str,
        *,
        dob: str | None,
        country: str | None,
        type: str | None,
        threshold: float,
    ) -> tuple[NameMatch, ...] | None:
        try:
            index = self.screener.index(self.store)
        except NoSanctionsLists:
            return None
        found = index.screen(
            name, dob=dob, country=country, type=type, limit=self.limit, threshold=threshold
        )
        return tuple(NameMatch(c.list, c.entry_id, c.name, c.primary_name, c.score) for c in found)


class AuditedAssessments:
    def __init__(self, log: AuditLog) -> None:
        self.log = log

    def record_assessment(self, a: Assessment, actor: str, request_id: str | None) -> None:
        req, v = a.request, a.verdict
        self.log.append(
            AuditEvent(
                actor=actor,
                action="assessment.decided",
                subject=f"assessment:{a.id}",
                payload={
                    "account_id": req.account_id,
                    "chain": req.chain,
                    "asset": req.asset,
                    "amount": str(req.amount),
                    "destination": req.destination,
                    "decision": v.decision.value,
                    "strength": v.strength.value if v.strength else None,
                    "score": v.score,
                    "reasons": [r.code for r in v.reasons],
                    "cooling_off_s": v.cooling_off_s,
                    "policy_version": v.policy_version,
                },
                request_id=request_id,
                ip=req.context.ip,
                device_fingerprint=req.context.device_fingerprint or req.context.device_id,
            )
        )
