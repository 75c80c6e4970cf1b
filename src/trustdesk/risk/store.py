"""Assessments, per-account history and SQL velocity counters."""

from __future__ import annotations

import functools
import statistics
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.dml import Insert

from trustdesk.core.canonical import keyed_hash
from trustdesk.db.base import Base
from trustdesk.db.types import UtcDateTime
from trustdesk.risk.facts import AccountHistory, AmountHistory, LastSeen, WindowTotals
from trustdesk.risk.model import (
    Assessment,
    Decision,
    Reason,
    RequestContext,
    Signal,
    Strength,
    TransactionRequest,
    Verdict,
)

AMOUNT_HISTORY_SAMPLE = 50  # recent amounts the "usual amount" is taken from
COUNTERPARTY_SAMPLE = 500  # recent destinations compared for look-alikes


class AssessmentRow(Base):
    __tablename__ = "assessments"
    __table_args__ = (
        UniqueConstraint("account_id", "idempotency_key", name="uq_assessments_idempotency"),
        Index("ix_assessments_account_time", "account_id", "created_at"),
        Index("ix_assessments_device_time", "device_hash", "created_at"),
        Index("ix_assessments_ip_time", "ip_hash", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    chain: Mapped[str] = mapped_column(String(32))
    family: Mapped[str] = mapped_column(String(32))
    asset: Mapped[str] = mapped_column(String(16))
    amount: Mapped[str] = mapped_column(String(48))
    destination: Mapped[str] = mapped_column(String(256))
    destination_display: Mapped[str] = mapped_column(String(256))
    device_hash: Mapped[str | None] = mapped_column(String(64))
    ip_hash: Mapped[str | None] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(2))
    decision: Mapped[str] = mapped_column(String(16))
    score: Mapped[int] = mapped_column(Integer)
    strength: Mapped[str | None] = mapped_column(String(16))
    cooling_off_s: Mapped[int] = mapped_column(Integer)
    user_prompt: Mapped[str | None] = mapped_column(Text)
    policy_version: Mapped[str] = mapped_column(String(64))
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    signals: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    timings_ms: Mapped[dict[str, float]] = mapped_column(JSON)
    locale: Mapped[str] = mapped_column(String(16))
    idempotency_key: Mapped[str | None] = mapped_column(String(128))
    request_hash: Mapped[str] = mapped_column(String(64))


class AccountSeenRow(Base):
    """What an account has used before: devices, IPs (keyed hashes), countries, payees."""

    __tablename__ = "account_seen"

    account_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(300), primary_key=True)
    first_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AccountProfileRow(Base):
    __tablename__ = "account_profiles"

    account_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    assessments: Mapped[int] = mapped_column(Integer)
    last_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_country: Mapped[str | None] = mapped_column(String(2))


class SqlAssessmentStore:
    def __init__(self, session: Session, pepper: bytes) -> None:
        self.session = session
        self.pepper = pepper
        self._postgres = session.get_bind().dialect.name == "postgresql"

    def pseudonym(self, value: str | None) -> str | None:
        return keyed_hash(value, self.pepper) if value else None

    def lock_account(self, account_id: str) -> None:
        # SQLite transactions already hold the database write lock (BEGIN IMMEDIATE).
        if self._postgres:
            self.session.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 7))"),
                {"k": f"account:{account_id}"},
            )

    def find_by_idempotency_key(self, account_id: str, key: str) -> tuple[Assessment, str] | None:
        row = self.session.scalar(
            select(AssessmentRow).where(
                AssessmentRow.account_id == account_id, AssessmentRow.idempotency_key == key
            )
        )
        return (_to_domain(row), row.request_hash) if row else None

    def get(self, assessment_id: str) -> Assessment | None:
        row = self.session.get(AssessmentRow, assessment_id)
        return _to_domain(row) if row else None

    def history(self, req: TransactionRequest, now: datetime) -> AccountHistory:
        profile = self.session.get(AccountProfileRow, req.account_id)
        if profile is None:
            return AccountHistory()
        ctx = req.context
        wanted = {
            "device": self.pseudonym(ctx.device_id),
            "ip": self.pseudonym(ctx.ip),
            "country": ctx.country,
            "dest": _dest_key(req.family, req.destination),
        }
        seen_rows = self.session.execute(
            select(AccountSeenRow.kind, AccountSeenRow.value).where(
                AccountSeenRow.account_id == req.account_id,
                AccountSeenRow.kind.in_([k for k, v in wanted.items() if v]),
                AccountSeenRow.value.in_([v for v in wanted.values() if v]),
            )
        ).all()
        seen = {(k, v) for k, v in seen_rows}
        counterparties = self.session.scalars(
            select(AccountSeenRow.value)
            .where(
                AccountSeenRow.account_id == req.account_id,
                AccountSeenRow.kind == "dest",
                AccountSeenRow.value.startswith(f"{req.family}:"),
            )
            .order_by(AccountSeenRow.last_at.desc())
            .limit(COUNTERPARTY_SAMPLE)
        ).all()
        return AccountHistory(
            assessments=profile.assessments,
            device_seen=("device", wanted["device"]) in seen,
            ip_seen=("ip", wanted["ip"]) in seen,
            country_seen=("country", wanted["country"]) in seen,
            destination_seen=("dest", wanted["dest"]) in seen,
            last_seen=LastSeen(profile.last_at, profile.last_country),
            counterparties=frozenset(v.split(":", 1)[1] for v in counterparties),
            amounts=self._amounts(req),
        )

    def _amounts(self, req: TransactionRequest) -> AmountHistory | None:
        amounts = [
            Decimal(a)
            for a in self.session.scalars(
                select(AssessmentRow.amount)
                .where(
                    AssessmentRow.account_id == req.account_id,
                    AssessmentRow.asset == req.asset,
                    AssessmentRow.decision != Decision.BLOCK.value,
                )
                .order_by(AssessmentRow.created_at.desc())
                .limit(AMOUNT_HISTORY_SAMPLE)
            )
        ]
        if not amounts:
            return None
        return AmountHistory(len(amounts), statistics.median(amounts), max(amounts))

    def save(self, a: Assessment, request_hash: str) -> None:
        req, v, ctx = a.request, a.verdict, a.request.context
        self.session.add(
            AssessmentRow(
                id=a.id,
                account_id=req.account_id,
                created_at=a.created_at,
                chain=req.chain,
                family=req.family,
                asset=req.asset,
                amount=str(req.amount),
                destination=req.destination,
                destination_display=req.destination_display,
                device_hash=self.pseudonym(ctx.device_id),
                ip_hash=self.pseudonym(ctx.ip),
                country=ctx.country,
                decision=v.decision.value,
                score=v.score,
                strength=v.strength.value if v.strength else None,
                cooling_off_s=v.cooling_off_s,
                user_prompt=v.user_prompt,
                policy_version=v.policy_version,
                reasons=[
                    {"code": r.code, "message": r.message, "weight": r.weight} for r in v.reasons
                ],
                signals=[{"code": s.code, "details": s.details} for s in a.signals],
                timings_ms=a.timings_ms,
                locale=req.locale,
                idempotency_key=req.idempotency_key,
                request_hash=request_hash,
            )
        )
        self._remember(a)

    def _remember(self, a: Assessment) -> None:
        req, ctx, now = a.request, a.request.context, a.created_at
        # Only an allowed payment makes its device, network, country and payee "known":
        # an attacker who retries after a challenge must still look new.
        seen = []
        if a.verdict.decision is Decision.ALLOW:
            seen = [
                ("device", self.pseudonym(ctx.device_id)),
                ("ip", self.pseudonym(ctx.ip)),
                ("country", ctx.country),
                ("dest", _dest_key(req.family, req.destination)),
            ]
        rows = [
            {"account_id": req.account_id, "kind": k, "value": v, "first_at": now, "last_at": now}
            for k, v in seen
            if v
        ]
        if rows:
            self.session.execute(_upsert(self._postgres, "seen"), rows)
        profile = {
            "account_id": req.account_id,
            "assessments": 1,
            "last_at": now,
            "last_country": ctx.country,
        }
        kind = "profile+country" if ctx.country else "profile"
        self.session.execute(_upsert(self._postgres, kind), [profile])


@functools.cache
def _upsert(postgres: bool, kind: str) -> Insert:
    """Built once per dialect and shape: building and compiling an upsert per call cost
    ten times more than running it (the values travel as parameters)."""
    insert = pg_insert if postgres else sqlite_insert
    if kind == "seen":
        seen = insert(cast(Table, AccountSeenRow.__table__))
        return seen.on_conflict_do_update(
            index_elements=["account_id", "kind", "value"],
            set_={"last_at": seen.excluded.last_at},
        )
    profiles = cast(Table, AccountProfileRow.__table__)
    stmt = insert(profiles)
    updates: dict[str, Any] = {
        "assessments": profiles.c.assessments + 1,
        "last_at": stmt.excluded.last_at,
    }
    if kind == "profile+country":
        updates["last_country"] = stmt.excluded.last_country
    return stmt.on_conflict_do_update(index_elements=["account_id"], set_=updates)


class SqlVelocity:
    """Sliding-window totals computed from stored assessments.

    Correct across workers and restarts because it counts what was recorded; atomic
    because the service holds the account lock for the whole transaction.
    """

    def __init__(self, session: Session, pepper: bytes) -> None:
        self.session = session
        self.pepper = pepper

    def totals(
        self, req: TransactionRequest, now: datetime, windows_s: Sequence[int]
    ) -> list[WindowTotals]:
        if not windows_s:
            return []
        ctx = req.context
        keys: list[tuple[str, Any, str]] = [("account", AssessmentRow.account_id, req.account_id)]
        if ctx.device_id:
            keys.append(
                ("device", AssessmentRow.device_hash, keyed_hash(ctx.device_id, self.pepper))
            )
        if ctx.ip:
            keys.append(("ip", AssessmentRow.ip_hash, keyed_hash(ctx.ip, self.pepper)))
        out: list[WindowTotals] = []
        longest = max(windows_s)
        for kind, column, value in keys:
            since = {w: now - timedelta(seconds=w) for w in windows_s}
            counts = self.session.execute(
                select(
                    *[
                        func.count().filter(AssessmentRow.created_at > since[w]).label(f"c{w}")
                        for w in windows_s
                    ]
                ).where(column == value, AssessmentRow.created_at > since[longest])
            ).one()
            amounts: dict[int, Decimal] = {w: Decimal(0) for w in windows_s}
            if kind == "account":
                for at, amount in self.session.execute(
                    select(AssessmentRow.created_at, AssessmentRow.amount).where(
                        AssessmentRow.account_id == req.account_id,
                        AssessmentRow.asset == req.asset,
                        AssessmentRow.decision != Decision.BLOCK.value,
                        AssessmentRow.created_at > since[longest],
                    )
                ):
                    for w in windows_s:
                        if at > since[w]:
                            amounts[w] += Decimal(amount)
            for i, w in enumerate(windows_s):
                out.append(WindowTotals(kind, w, counts[i] + 1, amounts[w] + req.amount))
        return out


def _dest_key(family: str, destination: str) -> str:
    return f"{family}:{destination}"


def _to_domain(row: AssessmentRow) -> Assessment:
    req = TransactionRequest(
        account_id=row.account_id,
        chain=row.chain,
        family=row.family,
        asset=row.asset,
        amount=Decimal(row.amount),
        destination=row.destination,
        destination_display=row.destination_display,
        context=RequestContext(country=row.country),
        idempotency_key=row.idempotency_key,
        locale=row.locale,
    )
    verdict = Verdict(
        decision=Decision(row.decision),
        score=row.score,
        reasons=tuple(Reason(r["code"], r["message"], r["weight"]) for r in row.reasons),
        strength=Strength(row.strength) if row.strength else None,
        cooling_off_s=row.cooling_off_s,
        user_prompt=row.user_prompt,
        policy_version=row.policy_version,
    )
    return Assessment(
        id=row.id,
        created_at=row.created_at,
        request=req,
        verdict=verdict,
        signals=tuple(Signal(s["code"], s.get("details") or {}) for s in row.signals),
        timings_ms=row.timings_ms,
    )


def unaudited_assessments(session: Session) -> tuple[int, datetime | None]:
    """Assessments with no audit entry, and the time of the earliest one.

    The chain alone cannot show that its newest entries were cut off; every stored
    decision must still find its entry there.
    """
    from trustdesk.audit.store import AuditRow

    missing = (
        ~select(AuditRow.seq)
        .where(AuditRow.subject == literal("assessment:") + AssessmentRow.id)
        .exists()
    )
    count, first = session.execute(
        select(func.count(), func.min(AssessmentRow.created_at)).where(missing)
    ).one()
    return int(count), first
