"""Factors, challenges, used one-time steps, rate counters and confirmations, in SQL.

Everything that must happen at most once is a single conditional statement, so two
workers racing on PostgreSQL (or queued writers on SQLite) cannot both win:
a used TOTP step is a primary key (``INSERT … ON CONFLICT DO NOTHING``), a code is spent by
``UPDATE … WHERE code_hash = :h``, a challenge is approved by ``UPDATE … WHERE status =
'pending'`` and an assessment is confirmed by inserting its primary key.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Index,
    Integer,
    String,
    Table,
    Text,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column

from trustdesk.auth.model import (
    Challenge,
    ChallengeStatus,
    Factor,
    FactorStatus,
    FactorType,
)
from trustdesk.db.base import Base
from trustdesk.db.types import UtcDateTime


class FactorRow(Base):
    __tablename__ = "auth_factors"
    __table_args__ = (Index("ix_auth_factors_account", "account_id", "status"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(128))
    type: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    activated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # AES-GCM sealed (secretbox): OTP secrets, phone numbers, e-mail addresses, push endpoints.
    secret_sealed: Mapped[str | None] = mapped_column(Text)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)  # public parameters only
    counter: Mapped[int] = mapped_column(BigInteger, default=0)  # HOTP: next counter
    drift: Mapped[int] = mapped_column(Integer, default=0)  # TOTP: steps the device is off
    last_step: Mapped[int | None] = mapped_column(BigInteger)  # highest step accepted
    failures: Mapped[int] = mapped_column(Integer, default=0)
    lockouts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    destination_since: Mapped[datetime | None] = mapped_column(UtcDateTime())


class OtpUseRow(Base):
    """A time step or counter value that was accepted once and never will be again."""

    __tablename__ = "auth_otp_uses"

    factor_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    step: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    used_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ChallengeRow(Base):
    __tablename__ = "auth_challenges"
    __table_args__ = (Index("ix_auth_challenges_assessment", "assessment_id", "status"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(128))
    assessment_id: Mapped[str] = mapped_column(String(40))
    digest: Mapped[str] = mapped_column(String(64))
    strength: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    allowed_factor_ids: Mapped[list[str]] = mapped_column(JSON)
    number_match: Mapped[int] = mapped_column(Integer)
    amount: Mapped[str] = mapped_column(String(48))
    asset: Mapped[str] = mapped_column(String(16))
    destination: Mapped[str] = mapped_column(String(256))
    factor_id: Mapped[str | None] = mapped_column(String(40))
    approved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    token_id: Mapped[str | None] = mapped_column(String(40))
    # The one live SMS/e-mail code of this challenge: HMAC over digest and code.
    code_hash: Mapped[str | None] = mapped_column(String(64))
    code_factor_id: Mapped[str | None] = mapped_column(String(40))
    code_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    code_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    sends: Mapped[int] = mapped_column(Integer, default=0)


class RateCounterRow(Base):
    __tablename__ = "auth_rate_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UtcDateTime(), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class RecoveryCodeRow(Base):
    __tablename__ = "auth_recovery_codes"

    factor_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(160))
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ConfirmationRow(Base):
    """An assessment the wallet may now broadcast: at most one row per assessment."""

    __tablename__ = "assessment_confirmations"

    assessment_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    confirmed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(128))
    challenge_id: Mapped[str | None] = mapped_column(String(40))
    factor_type: Mapped[str | None] = mapped_column(String(16))


class SecurityAlertRow(Base):
    """ "This wasn't me" and lock-outs: open until the support desk takes them."""

    __tablename__ = "security_alerts"
    __table_args__ = (Index("ix_security_alerts_account", "account_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    status: Mapped[str] = mapped_column(String(16))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)


class SqlStepUpStore:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._postgres = session.get_bind().dialect.name == "postgresql"

    # factors ---------------------------------------------------------------------------
    def add_factor(self, row: FactorRow) -> None:
        self.session.add(row)
        self.session.flush()

    def factor_row(self, factor_id: str, *, for_update: bool = False) -> FactorRow | None:
        stmt = select(FactorRow).where(FactorRow.id == factor_id)
        if for_update and self._postgres:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).first()

    def factors(self, account_id: str, *, include_revoked: bool = False) -> list[FactorRow]:
        stmt = select(FactorRow).where(FactorRow.account_id == account_id)
        if not include_revoked:
            stmt = stmt.where(FactorRow.status != FactorStatus.REVOKED.value)
        return list(self.session.scalars(stmt.order_by(FactorRow.created_at, FactorRow.id)))

    def use_step(self, factor_id: str, step: int, now: datetime) -> bool:
        """True for the first use of this step by this factor; False for every later one."""
        result = self.session.execute(
            _insert_ignore(self._postgres, "otp_use"),
            {"factor_id": factor_id, "step": step, "used_at": now},
        )
        return result.first() is not None

    # challenges ------------------------------------------------------------------------
    def add_challenge(self, row: ChallengeRow) -> None:
        self.session.add(row)
        self.session.flush()

    def challenge_row(self, challenge_id: str, *, for_update: bool = False) -> ChallengeRow | None:
        stmt = select(ChallengeRow).where(ChallengeRow.id == challenge_id)
        if for_update and self._postgres:
            stmt = stmt.with_for_update()
        return self.session.scalars(stmt).first()

    def live_challenge(self, assessment_id: str, digest: str, now: datetime) -> ChallengeRow | None:
        return self.session.scalars(
            select(ChallengeRow)
            .where(
                ChallengeRow.assessment_id == assessment_id,
                ChallengeRow.digest == digest,
                ChallengeRow.status == ChallengeStatus.PENDING.value,
                ChallengeRow.expires_at > now,
            )
            .order_by(ChallengeRow.created_at.desc())
        ).first()

    def challenges_for(self, assessment_id: str) -> list[ChallengeRow]:
        return list(
            self.session.scalars(
                select(ChallengeRow)
                .where(ChallengeRow.assessment_id == assessment_id)
                .order_by(ChallengeRow.created_at)
            )
        )

    def spend_code(self, challenge_id: str, code_hash: str) -> bool:
        result = self.session.execute(
            update(ChallengeRow)
            .where(ChallengeRow.id == challenge_id, ChallengeRow.code_hash == code_hash)
            .values(code_hash=None)
        )
        return cast(int, getattr(result, "rowcount", 0)) == 1

    def approve(self, challenge_id: str, factor_id: str, token_id: str, now: datetime) -> bool:
        result = self.session.execute(
            update(ChallengeRow)
            .where(
                ChallengeRow.id == challenge_id,
                ChallengeRow.status == ChallengeStatus.PENDING.value,
            )
            .values(
                status=ChallengeStatus.APPROVED.value,
                factor_id=factor_id,
                token_id=token_id,
                approved_at=now,
                code_hash=None,
            )
        )
        return cast(int, getattr(result, "rowcount", 0)) == 1

    def set_status(
        self, challenge_id: str, status: ChallengeStatus, *, from_: ChallengeStatus
    ) -> bool:
        result = self.session.execute(
            update(ChallengeRow)
            .where(ChallengeRow.id == challenge_id, ChallengeRow.status == from_.value)
            .values(status=status.value)
        )
        return cast(int, getattr(result, "rowcount", 0)) == 1

    def approved_by_token(self, token_id: str) -> ChallengeRow | None:
        return self.session.scalars(
            select(ChallengeRow).where(ChallengeRow.token_id == token_id)
        ).first()

    # confirmations ---------------------------------------------------------------------
    def confirm(self, row: ConfirmationRow) -> bool:
        result = self.session.execute(
            _insert_ignore(self._postgres, "confirmation"),
            {
                "assessment_id": row.assessment_id,
                "confirmed_at": row.confirmed_at,
                "actor": row.actor,
                "challenge_id": row.challenge_id,
                "factor_type": row.factor_type,
            },
        )
        return result.first() is not None

    def confirmation(self, assessment_id: str) -> ConfirmationRow | None:
        return self.session.get(ConfirmationRow, assessment_id)

    # rate limits -----------------------------------------------------------------------
    def hit(self, key: str, window_start: datetime) -> int:
        """Count one event in a fixed window and return the window's count so far."""
        stmt = _rate_upsert(self._postgres)
        return int(
            self.session.execute(
                stmt, {"key": key, "window_start": window_start, "count": 1}
            ).scalar_one()
        )

    # recovery codes --------------------------------------------------------------------
    def add_recovery_codes(self, factor_id: str, hashes: list[str]) -> None:
        self.session.add_all(
            RecoveryCodeRow(factor_id=factor_id, idx=i, code_hash=h) for i, h in enumerate(hashes)
        )
        self.session.flush()

    def unused_recovery_codes(self, factor_id: str) -> list[RecoveryCodeRow]:
        return list(
            self.session.scalars(
                select(RecoveryCodeRow)
                .where(RecoveryCodeRow.factor_id == factor_id, RecoveryCodeRow.used_at.is_(None))
                .order_by(RecoveryCodeRow.idx)
            )
        )

    def use_recovery_code(self, factor_id: str, idx: int, now: datetime) -> bool:
        result = self.session.execute(
            update(RecoveryCodeRow)
            .where(
                RecoveryCodeRow.factor_id == factor_id,
                RecoveryCodeRow.idx == idx,
                RecoveryCodeRow.used_at.is_(None),
            )
            .values(used_at=now)
        )
        return cast(int, getattr(result, "rowcount", 0)) == 1

    # alerts ----------------------------------------------------------------------------
    def add_alert(self, row: SecurityAlertRow) -> None:
        self.session.add(row)
        self.session.flush()

    def alerts(self, account_id: str) -> list[SecurityAlertRow]:
        return list(
            self.session.scalars(
                select(SecurityAlertRow)
                .where(SecurityAlertRow.account_id == account_id)
                .order_by(SecurityAlertRow.created_at)
            )
        )


def to_factor(row: FactorRow) -> Factor:
    return Factor(
        id=row.id,
        account_id=row.account_id,
        type=FactorType(row.type),
        status=FactorStatus(row.status),
        label=row.label,
        created_at=row.created_at,
        params=dict(row.params or {}),
        failures=row.failures,
        lockouts=row.lockouts,
        locked_until=row.locked_until,
        destination_since=row.destination_since,
    )


def to_challenge(row: ChallengeRow) -> Challenge:
    return Challenge(
        id=row.id,
        account_id=row.account_id,
        assessment_id=row.assessment_id,
        digest=row.digest,
        strength=row.strength,
        status=ChallengeStatus(row.status),
        created_at=row.created_at,
        expires_at=row.expires_at,
        allowed_factor_ids=tuple(row.allowed_factor_ids or ()),
        number_match=row.number_match,
        amount=row.amount,
        asset=row.asset,
        destination=row.destination,
        factor_id=row.factor_id,
        approved_at=row.approved_at,
    )


@functools.cache
def _insert_ignore(postgres: bool, kind: str) -> Any:
    """An insert that gives back a row only when it inserted one (rowcount is not reliable
    for ON CONFLICT across drivers; RETURNING is)."""
    insert = pg_insert if postgres else sqlite_insert
    table = cast(Table, (OtpUseRow if kind == "otp_use" else ConfirmationRow).__table__)
    key = table.primary_key.columns.values()[0]
    return insert(table).on_conflict_do_nothing().returning(key)


@functools.cache
def _rate_upsert(postgres: bool) -> Any:
    insert = pg_insert if postgres else sqlite_insert
    table = cast(Table, RateCounterRow.__table__)
    stmt = insert(table)
    return stmt.on_conflict_do_update(
        index_elements=["key", "window_start"], set_={"count": table.c.count + 1}
    ).returning(table.c.count)
