"""What the assessment service needs from the outside world."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from trustdesk.risk.facts import AccountHistory, ListHits, NameMatch, WindowTotals
from trustdesk.risk.model import Assessment, TransactionRequest


class AssessmentStore(Protocol):
    def find_by_idempotency_key(self, account_id: str, key: str) -> tuple[Assessment, str] | None:
        """The stored assessment for that key and the hash of the request that made it."""

    def lock_account(self, account_id: str) -> None:
        """Serialize assessments of one account until the transaction ends."""

    def history(self, req: TransactionRequest, now: datetime) -> AccountHistory: ...

    def save(self, assessment: Assessment, request_hash: str) -> None: ...

    def get(self, assessment_id: str) -> Assessment | None: ...


class Velocity(Protocol):
    def totals(
        self, req: TransactionRequest, now: datetime, windows_s: Sequence[int]
    ) -> list[WindowTotals]:
        """Totals per key and window, counting this request as if it were already recorded."""


class ListLookup(Protocol):
    def hits(self, req: TransactionRequest, now: datetime) -> ListHits:
        """Entries for the destination, the device, the IP (and ranges holding it), and the
        account (global entries only), all in one look-up."""


class NameScreening(Protocol):
    def screen(
        self,
        name: str,
        *,
        dob: str | None,
        country: str | None,
        type: str | None,
        threshold: float,
    ) -> tuple[NameMatch, ...] | None:
        """Listed names matching at or above ``threshold``, best first; None when no
        sanctions list is loaded (screening is then skipped, not failed)."""


class AuditSink(Protocol):
    def record_assessment(
        self, assessment: Assessment, actor: str, request_id: str | None
    ) -> None: ...
