"""Request bodies and counts for the assessment integration tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from trustdesk.audit.store import AuditRow
from trustdesk.bootstrap import Container
from trustdesk.risk.model import Assessment
from trustdesk.risk.schemas import AssessmentIn
from trustdesk.risk.store import AccountProfileRow, AccountSeenRow, AssessmentRow

PAYEE = "0x4f47bc496083c727c5fbe3ce9cdf2b0f6496270c"
OTHER_PAYEE = "0x00e01a648ff41346cdeb873182383333d2184dd1"
THIRD_PAYEE = "0x9c2fa8a4b3e9a0d5c6e1f7b3d2a1908e7f6c5d4b"
IP = "198.51.100.7"
DEVICE = "device-7f3a"
CONTEXT: dict[str, Any] = {"ip": IP, "device_id": DEVICE, "country": "SG"}


def body(**changes: Any) -> AssessmentIn:
    fields: dict[str, Any] = {
        "account_id": "acct-1",
        "chain": "ethereum",
        "asset": "ETH",
        "amount": "1",
        "destination": PAYEE,
        "context": CONTEXT,
    }
    fields.update(changes)
    return AssessmentIn.model_validate(fields)


def assess(container: Container, **changes: Any) -> Assessment:
    return container.assess(body(**changes), actor="test")


def codes(assessment: Assessment) -> set[str]:
    return {s.code for s in assessment.signals}


def signal(assessment: Assessment, code: str) -> dict[str, Any]:
    [details] = [s.details for s in assessment.signals if s.code == code]
    return details


def rows(container: Container) -> dict[str, int]:
    """How many rows each table the assessment writes holds."""
    with container.reading() as session:
        return {
            name: session.scalar(select(func.count()).select_from(table)) or 0
            for name, table in (
                ("assessments", AssessmentRow),
                ("audit", AuditRow),
                ("profiles", AccountProfileRow),
                ("seen", AccountSeenRow),
            )
        }
