"""Connects the assessment service to the lists and audit domains, through their services."""

from __future__ import annotations

from datetime import datetime

from trustdesk.audit.model import AuditEvent
from trustdesk.audit.ports import AuditLog
from trustdesk.lists import service as lists
from trustdesk.lists.model import ListEntry, ListMatch, SubjectKind
from trustdesk.lists.ports import ListStore
from trustdesk.risk.facts import ListHit
from trustdesk.risk.model import Assessment, TransactionRequest


class ListsLookup:
    def __init__(self, store: ListStore) -> None:
        self.store = store

    def destination_hits(self, req: TransactionRequest, now: datetime) -> list[ListHit]:
        entries = self.store.match_address(req.family, req.destination, req.account_id, now)
        return [_hit(e) for e in entries]

    def context_hits(
        self, req: TransactionRequest, now: datetime
    ) -> tuple[list[ListHit], list[ListHit], list[ListHit]]:
        ctx = req.context
        devices = (
            _hits(
                lists.check_value(
                    self.store, SubjectKind.DEVICE, ctx.device_id, now, req.account_id
                )
            )
            if ctx.device_id
            else []
        )
        ips = _hits(lists.check_ip(self.store, ctx.ip, now, req.account_id)) if ctx.ip else []
        accounts = _hits(lists.check_value(self.store, SubjectKind.ACCOUNT, req.account_id, now))
        return devices, ips, accounts


def _hits(match: ListMatch) -> list[ListHit]:
    return [_hit(e) for e in match.entries]


def _hit(entry: ListEntry) -> ListHit:
    return ListHit(
        list_type=entry.list_type.value,
        kind=entry.kind.value,
        category=str(entry.category),
        source=entry.source,
        reason=entry.reason,
    )


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
