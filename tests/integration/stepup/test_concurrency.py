"""One valid TOTP code, fifty simultaneous answers: exactly one wins, on SQLite and PostgreSQL.

Every attempt is its own unit of work (``Container.run_stepup``), as one API request is. On
PostgreSQL the workers really run at once and the database's row locks and conditional
writes decide; on SQLite they queue on the writer lock. The per-account verify limit is
raised through a policy copy, so what stops the 49 losers is the one-use rule itself.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import pyotp
import pytest
from sqlalchemy import text

from tests.support.policy import policy_with_stepup
from trustdesk.audit.service import verify
from trustdesk.auth.flows import StepUp
from trustdesk.auth.schemas import EnrollIn, ProofIn
from trustdesk.bootstrap import Container, build_container
from trustdesk.core.clock import FixedClock
from trustdesk.core.errors import DomainError
from trustdesk.risk.schemas import AssessmentIn
from trustdesk.settings import Settings

ATTEMPTS = 50
WORKERS = 8  # a small pool; PostgreSQL's pool holds 20 connections
ACCOUNT = "acct-race"
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
T = TypeVar("T")


@pytest.fixture
def container(database_url: str, tmp_path: Path) -> Iterator[Container]:
    policy = policy_with_stepup(tmp_path, verify_per_minute_account=1000)
    built = build_container(
        Settings(database_url=database_url, policy_file=policy), clock=FixedClock(START)
    )
    assert built.policy.stepup.verify_per_minute_account == 1000
    try:
        yield built
    finally:
        built.close()


def run(container: Container, work: Callable[[StepUp], T]) -> T:
    return container.run_stepup(lambda s, _: work(s), "wallet-backend")


def active_totp(container: Container) -> tuple[str, pyotp.TOTP]:
    enrolled = run(container, lambda s: s.enroll(ACCOUNT, EnrollIn(type="totp")))
    factor_id = enrolled.factor_id
    assert enrolled.otpauth_uri is not None
    totp = pyotp.parse_uri(enrolled.otpauth_uri)
    assert isinstance(totp, pyotp.TOTP)
    code = totp.at(container.clock.now())
    run(container, lambda s: s.verify_factor(ACCOUNT, ProofIn(factor_id=factor_id, code=code)))
    clock = container.clock
    assert isinstance(clock, FixedClock)
    clock.advance(seconds=30)  # a fresh time step: the activation code is spent
    return factor_id, totp


def race(container: Container, work: Callable[[StepUp], object]) -> Counter[str]:
    """Run ``work`` ATTEMPTS times at once, each in its own unit of work; count the outcomes."""
    go = threading.Event()

    def attempt() -> str:
        go.wait(10)
        try:
            return type(run(container, work)).__name__
        except DomainError as exc:
            return type(exc).__name__

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = [pool.submit(attempt) for _ in range(ATTEMPTS)]
        go.set()
        return Counter(f.result(timeout=60) for f in futures)


def actions(container: Container) -> Counter[str]:
    with container.reading() as session:
        rows = session.execute(text("SELECT action FROM audit_entries")).scalars().all()
        result = verify(container.audit_log(session))
    assert result.ok and result.checked == len(rows), result
    return Counter(rows)


def test_one_code_verifies_a_factor_once(container: Container) -> None:
    factor_id, totp = active_totp(container)
    proof = ProofIn(factor_id=factor_id, code=totp.at(container.clock.now()))

    outcomes = race(container, lambda s: s.verify_factor(ACCOUNT, proof))

    assert outcomes == {"VerifiedOut": 1, "VerificationFailed": 49}
    with container.reading() as session:
        uses = session.execute(
            text("SELECT count(*) FROM auth_otp_uses WHERE factor_id = :f"), {"f": factor_id}
        ).scalar_one()
    assert uses == 2  # the activation step and this one
    seen = actions(container)
    assert seen["auth.factor_verified"] == 1
    assert seen["auth.verify_failed"] == 49
    # The losers count as failures: five lock the factor, the rest meet the lock.
    assert seen["auth.factor_locked"] == 1


def test_one_code_answers_a_challenge_once(container: Container) -> None:
    factor_id, totp = active_totp(container)
    request = AssessmentIn.model_validate(
        {
            "account_id": ACCOUNT,
            "chain": "ethereum",
            "asset": "ETH",
            "amount": "0.25",
            "destination": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
            "context": {"session_age_s": 5},
        }
    )
    assessment = container.assess(request, "wallet-backend")
    assert assessment.verdict.decision.value == "challenge"
    challenge_id = run(container, lambda s: s.challenge(assessment)).id
    proof = ProofIn(factor_id=factor_id, code=totp.at(container.clock.now()))

    outcomes = race(container, lambda s: s.verify_challenge(challenge_id, proof))

    assert outcomes == {"StepUpTokenOut": 1, "ChallengeClosed": 49}
    seen = actions(container)
    assert seen["auth.challenge_approved"] == 1
    assert seen["auth.verify_failed"] == 0  # a closed challenge is refused before any attempt
    with container.reading() as session:
        row = session.execute(
            text("SELECT status, factor_id FROM auth_challenges WHERE id = :c"),
            {"c": challenge_id},
        ).one()
    assert tuple(row) == ("approved", factor_id)
