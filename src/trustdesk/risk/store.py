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
    CompoundSelect,
    Index,
    Integer,
    Row,
    Select,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    func,
    insert,
    literal,
    literal_column,
    null,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import BindParameter

from trustdesk.compliance.kyc import KycLevel
from trustdesk.compliance.kyc_store import KycRecordRow
from trustdesk.core.canonical import keyed_hash
from trustdesk.db.base import Base
from trustdesk.db.types import UtcDateTime
from trustdesk.risk.facts import AccountHistory, AmountHistory, KycState, LastSeen, WindowTotals
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


# Every statement of the assessment hot path is built once, here, with bound parameters:
# SQLAlchemy then reuses its compiled form. Built per call, building and compiling cost
# several times what running the statement does. They run as Core (rows, not ORM
# entities): the rows are only turned into domain values.
_ASSESSMENTS = cast(Table, AssessmentRow.__table__)
_SEEN = cast(Table, AccountSeenRow.__table__)
_PROFILES = cast(Table, AccountProfileRow.__table__)
_A = _ASSESSMENTS.c
_NOT_BLOCKED = _A.decision != Decision.BLOCK.value

_ACCOUNT_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 7))")
_BY_KEY = select(_ASSESSMENTS).where(
    _A.account_id == bindparam("account_id"), _A.idempotency_key == bindparam("key")
)
_BY_ID = select(_ASSESSMENTS).where(_A.id == bindparam("id"))
_INSERT = insert(_ASSESSMENTS)
_SEEN_KINDS = ("device", "ip", "country", "dest")


def _history_part(part: str, *columns: Any) -> Select[*tuple[Any, ...]]:
    return select(literal_column(f"'{part}'").label("part"), *columns)


def _history() -> CompoundSelect:
    """An account's history in one statement (one round trip, one compile) of four parts,
    told apart by ``part``: its profile row, which of this request's device, IP, country
    and payee it has used, its recent payees in the request's chain family, and its
    recent amounts in the request's asset; and, read here to spare a round trip, the
    account's KYC jurisdiction and verified level. Columns: part, kind, value, n, at."""
    seen, none = _SEEN.c, null()
    account: BindParameter[str] = bindparam("account_id")
    payees = (
        select(seen.value)
        .where(
            seen.account_id == account,
            seen.kind == "dest",
            seen.value.startswith(bindparam("prefix")),
        )
        .order_by(seen.last_at.desc())
        .limit(COUNTERPARTY_SAMPLE)
        .subquery()
    )
    amounts = (
        select(_A.amount)
        .where(_A.account_id == account, _A.asset == bindparam("asset"), _NOT_BLOCKED)
        .order_by(_A.created_at.desc())
        .limit(AMOUNT_HISTORY_SAMPLE)
        .subquery()
    )
    p = _PROFILES.c
    kyc = cast(Table, KycRecordRow.__table__).c
    return union_all(
        # First, so that its column types (the time above all) apply to the union; the
        # last country travels as its kind.
        _history_part(
            "profile",
            p.last_country.label("kind"),
            none.label("value"),
            p.assessments.label("n"),
            p.last_at.label("at"),
        ).where(p.account_id == account),
        # Kind and value are tested apart, so pairs outside the four asked for can come
        # back too; the caller keeps exact pairs. A NULL value matches nothing.
        _history_part("seen", seen.kind, seen.value, none, none).where(
            seen.account_id == account,
            seen.kind.in_([literal_column(f"'{k}'") for k in _SEEN_KINDS]),
            seen.value.in_([bindparam(f"seen_{k}") for k in _SEEN_KINDS]),
        ),
        _history_part("payee", none, payees.c.value, none, none),
        _history_part("amount", none, amounts.c.amount, none, none),
        _history_part(
            "kyc", kyc.jurisdiction.label("kind"), kyc.level.label("value"), none, none
        ).where(kyc.account_id == account),
    )


_HISTORY = _history()


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
            self.session.execute(_ACCOUNT_LOCK, {"k": f"account:{account_id}"})

    def find_by_idempotency_key(self, account_id: str, key: str) -> tuple[Assessment, str] | None:
        row = self.session.execute(_BY_KEY, {"account_id": account_id, "key": key}).first()
        return (_to_domain(row), row.request_hash) if row else None

    def get(self, assessment_id: str) -> Assessment | None:
        row = self.session.execute(_BY_ID, {"id": assessment_id}).first()
        return _to_domain(row) if row else None

    def history(self, req: TransactionRequest, now: datetime) -> AccountHistory:
        ctx = req.context
        wanted = {
            "device": self.pseudonym(ctx.device_id),
            "ip": self.pseudonym(ctx.ip),
            "country": ctx.country,
            "dest": _dest_key(req.family, req.destination),
        }
        params = {
            "account_id": req.account_id,
            "prefix": f"{req.family}:",
            "asset": req.asset,
            **{f"seen_{k}": v or None for k, v in wanted.items()},
        }
        profile: Row[Any] | None = None
        seen: set[tuple[str, str]] = set()
        payees: list[str] = []
        amounts: list[Decimal] = []
        kyc: KycState | None = None
        for row in self.session.execute(_HISTORY, params):
            if row.part == "kyc":
                kyc = KycState(row.kind, KycLevel(row.value))
            elif row.part == "profile":
                profile = row
            elif row.part == "seen":
                seen.add((row.kind, row.value))
            elif row.part == "payee":
                payees.append(row.value.split(":", 1)[1])
            else:
                amounts.append(Decimal(row.value))
        if profile is None:
            return AccountHistory(kyc=kyc)
        return AccountHistory(
            kyc=kyc,
            assessments=profile.n,
            device_seen=("device", wanted["device"]) in seen,
            ip_seen=("ip", wanted["ip"]) in seen,
            country_seen=("country", wanted["country"]) in seen,
            destination_seen=("dest", wanted["dest"]) in seen,
            last_seen=LastSeen(profile.at, profile.kind),
            counterparties=frozenset(payees),
            amounts=_amount_history(amounts),
        )

    def save(self, a: Assessment, request_hash: str) -> None:
        req, v, ctx = a.request, a.verdict, a.request.context
        row = {
            "id": a.id,
            "account_id": req.account_id,
            "created_at": a.created_at,
            "chain": req.chain,
            "family": req.family,
            "asset": req.asset,
            "amount": str(req.amount),
            "destination": req.destination,
            "destination_display": req.destination_display,
            "device_hash": self.pseudonym(ctx.device_id),
            "ip_hash": self.pseudonym(ctx.ip),
            "country": ctx.country,
            "decision": v.decision.value,
            "score": v.score,
            "strength": v.strength.value if v.strength else None,
            "cooling_off_s": v.cooling_off_s,
            "user_prompt": v.user_prompt,
            "policy_version": v.policy_version,
            "reasons": [
                {"code": r.code, "message": r.message, "weight": r.weight} for r in v.reasons
            ],
            "signals": [{"code": s.code, "details": s.details} for s in a.signals],
            "timings_ms": a.timings_ms,
            "locale": req.locale,
            "idempotency_key": req.idempotency_key,
            "request_hash": request_hash,
        }
        self.session.execute(_INSERT, row)
        self._remember(a, row)

    def _remember(self, a: Assessment, row: dict[str, Any]) -> None:
        req, ctx, now = a.request, a.request.context, a.created_at
        # Only an allowed payment makes its device, network, country and payee "known":
        # an attacker who retries after a challenge must still look new.
        seen = []
        if a.verdict.decision is Decision.ALLOW:
            seen = [
                ("device", row["device_hash"]),
                ("ip", row["ip_hash"]),
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
        seen = insert(_SEEN)
        return seen.on_conflict_do_update(
            index_elements=["account_id", "kind", "value"],
            set_={"last_at": seen.excluded.last_at},
        )
    stmt = insert(_PROFILES)
    updates: dict[str, Any] = {
        "assessments": _PROFILES.c.assessments + 1,
        "last_at": stmt.excluded.last_at,
    }
    if kind == "profile+country":
        updates["last_country"] = stmt.excluded.last_country
    return stmt.on_conflict_do_update(index_elements=["account_id"], set_=updates)


@functools.cache
def _velocity(windows: int) -> CompoundSelect:
    """Velocity in one statement: the account's non-blocked amounts in the request's asset
    over the longest window (``since``), one row each, to be summed in Python as exact
    decimals; then per key, one row counting its requests in each window (``since_<i>``).
    A key given as NULL counts nothing. Columns: key, c0..c<n-1>, at, amount."""
    created, none = _A.created_at, null()
    # First: its column types are the union's (PostgreSQL types a leading NULL as text).
    amounts: Select[*tuple[Any, ...]] = select(
        literal_column("'amount'").label("key"),
        *[none.label(f"c{i}") for i in range(windows)],
        created.label("at"),
        _A.amount.label("amount"),
    ).where(
        _A.account_id == bindparam("account"),
        _A.asset == bindparam("asset"),
        _NOT_BLOCKED,
        created > bindparam("since"),
    )

    def counts(key: str, column: Any) -> Select[*tuple[Any, ...]]:
        per_window = [
            func.count().filter(created > bindparam(f"since_{i}")) for i in range(windows)
        ]
        return select(literal_column(f"'{key}'"), *per_window, none, none).where(
            column == bindparam(key), created > bindparam("since")
        )

    return union_all(
        amounts,
        counts("account", _A.account_id),
        counts("device", _A.device_hash),
        counts("ip", _A.ip_hash),
    )


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
        keys = {
            "account": req.account_id,
            "device": keyed_hash(ctx.device_id, self.pepper) if ctx.device_id else None,
            "ip": keyed_hash(ctx.ip, self.pepper) if ctx.ip else None,
        }
        since = [now - timedelta(seconds=w) for w in windows_s]
        params: dict[str, Any] = {f"since_{i}": s for i, s in enumerate(since)}
        params |= keys | {"asset": req.asset, "since": now - timedelta(seconds=max(windows_s))}
        counts: dict[str, Sequence[int]] = {}
        amounts = [Decimal(0)] * len(windows_s)
        for row in self.session.execute(_velocity(len(windows_s)), params):
            if row.key != "amount":
                counts[row.key] = row[1 : 1 + len(windows_s)]
                continue
            for i, s in enumerate(since):
                if row.at > s:
                    amounts[i] += Decimal(row.amount)
        out: list[WindowTotals] = []
        for kind, value in keys.items():
            if value is None:
                continue
            for i, w in enumerate(windows_s):
                total = amounts[i] if kind == "account" else Decimal(0)
                out.append(WindowTotals(kind, w, counts[kind][i] + 1, total + req.amount))
        return out


def _amount_history(amounts: list[Decimal]) -> AmountHistory | None:
    if not amounts:
        return None
    return AmountHistory(len(amounts), statistics.median(amounts), max(amounts))


def _dest_key(family: str, destination: str) -> str:
    return f"{family}:{destination}"


def _to_domain(row: Row[Any]) -> Assessment:
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
