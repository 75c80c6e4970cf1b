"""Step-up flows: enrol and revoke factors, challenge an assessment, verify, confirm.

Failures must be remembered even though the request fails, so refusals that follow a
write (a failed attempt, a rate-limit hit, a lock-out) are raised as ``AfterCommit``: the
caller commits the unit of work, then raises the error inside it.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from trustdesk.audit.model import AuditEvent
from trustdesk.audit.ports import AuditLog
from trustdesk.auth.delivery import OutboundMessage
from trustdesk.auth.factors import STRATEGIES, OtpStrategy, StepUpEnv
from trustdesk.auth.model import (
    Binding,
    Challenge,
    ChallengeClosed,
    ChallengeStatus,
    Factor,
    FactorChoice,
    FactorStatus,
    FactorType,
    RateLimited,
    VerificationFailed,
    choose_factors,
    lock_duration_s,
)
from trustdesk.auth.schemas import (
    ChallengeOut,
    ConfirmationOut,
    EnrolledOut,
    EnrollIn,
    FactorOut,
    ProofIn,
    SentOut,
    StepUpTokenOut,
    VerifiedOut,
    choice_out,
)
from trustdesk.auth.store import (
    ChallengeRow,
    ConfirmationRow,
    FactorRow,
    SecurityAlertRow,
    to_challenge,
    to_factor,
)
from trustdesk.auth.tokens import InvalidStepUpToken, StepUpClaims, StepUpTokens
from trustdesk.core.canonical import keyed_hash
from trustdesk.core.errors import Conflict, DomainError, InvalidInput, NotFound
from trustdesk.core.ids import new_id
from trustdesk.risk.model import Assessment, Decision


class AfterCommit(Exception):  # noqa: N818 - a control-flow carrier, not an error itself
    """Carries a refusal out of a unit of work that must still commit."""

    def __init__(self, error: DomainError) -> None:
        super().__init__(error.message)
        self.error = error


class NotConfirmable(Conflict):
    code = "assessment.not_confirmable"


class AlreadyConfirmed(Conflict):
    code = "assessment.already_confirmed"


@dataclass
class StepUp:
    env: StepUpEnv
    audit: AuditLog
    tokens: StepUpTokens
    actor: str
    request_id: str | None = None
    ip: str | None = None

    # --- factors -------------------------------------------------------------------------
    def enroll(self, account_id: str, body: EnrollIn) -> EnrolledOut:
        _check_account(account_id)
        kind = FactorType(body.type)
        now = self.env.clock.now()
        row = FactorRow(
            id=new_id("fac"),
            account_id=account_id,
            type=kind.value,
            status=FactorStatus.PENDING.value,
            label=body.label or account_id,
            created_at=now,
            params={},
            counter=0,
            drift=0,
            failures=0,
            lockouts=0,
        )
        shown = STRATEGIES[kind].enroll(self.env, row, body)
        if row not in self.env.store.session:  # some strategies write it before they send
            self.env.store.add_factor(row)
        self._audit(
            "auth.factor_enrolled",
            account_id,
            {"factor_id": row.id, "type": kind.value, "status": row.status},
        )
        return EnrolledOut(factor_id=row.id, factor=FactorOut.from_domain(to_factor(row)), **shown)

    def factors(self, account_id: str, *, include_revoked: bool = False) -> list[FactorOut]:
        rows = self.env.store.factors(account_id, include_revoked=include_revoked)
        return [FactorOut.from_domain(to_factor(r)) for r in rows]

    def revoke(self, account_id: str, factor_id: str) -> FactorOut:
        row = self._factor(account_id, factor_id)
        if row.status != FactorStatus.REVOKED.value:
            row.status = FactorStatus.REVOKED.value
            row.revoked_at = self.env.clock.now()
            row.secret_sealed = None  # nothing left to steal
            self._audit("auth.factor_revoked", account_id, {"factor_id": row.id, "type": row.type})
        return FactorOut.from_domain(to_factor(row))

    def verify_factor(self, account_id: str, proof: ProofIn) -> VerifiedOut:
        """A proof outside any transaction: activates a pending factor or checks an active one."""
        self._limit_verify(account_id)
        row = self._factor_or_none(account_id, proof.factor_id)
        if row is None or row.status == FactorStatus.REVOKED.value:
            self._fail(account_id, None, None)
        assert row is not None
        now = self.env.clock.now()
        if row.locked_until is not None and now < row.locked_until:
            self._fail(account_id, None, None)  # locked: no attempt counts, nothing is told
        strategy = STRATEGIES[FactorType(row.type)]
        pending = row.status == FactorStatus.PENDING.value
        ok = (
            strategy.activate(self.env, row, proof)
            if pending
            else strategy.verify(self.env, row, None, proof)
        )
        if not ok:
            self._fail(account_id, row, None)
        self._succeeded(row)
        if pending:
            row.status = FactorStatus.ACTIVE.value
            row.activated_at = now
            self._audit(
                "auth.factor_activated", account_id, {"factor_id": row.id, "type": row.type}
            )
        else:
            self._audit("auth.factor_verified", account_id, {"factor_id": row.id, "type": row.type})
        return VerifiedOut(factor_id=row.id, accepted=True, status=row.status)

    def resync(self, account_id: str, factor_id: str, code1: str, code2: str) -> VerifiedOut:
        self._limit_verify(account_id)
        row = self._factor(account_id, factor_id)
        strategy = STRATEGIES[FactorType(row.type)]
        if not isinstance(strategy, OtpStrategy):
            raise InvalidInput("only HOTP factors resynchronise", field="factor_id")
        if not strategy.resync(self.env, row, code1, code2):
            self._fail(account_id, row, None)
        self._succeeded(row)
        self._audit("auth.factor_resynced", account_id, {"factor_id": row.id})
        return VerifiedOut(factor_id=row.id, accepted=True, status=row.status)

    # --- challenges ----------------------------------------------------------------------
    def challenge(self, assessment: Assessment) -> ChallengeOut:
        """The live challenge for this assessment, or a new one."""
        verdict = assessment.verdict
        if verdict.decision is not Decision.CHALLENGE:
            raise NotConfirmable(
                f"this transaction's decision is {verdict.decision.value}; "
                "only a challenge decision is answered with step-up",
                field="assessment_id",
            )
        binding = _binding(assessment)
        now = self.env.clock.now()
        store = self.env.store
        row = store.live_challenge(assessment.id, binding.digest, now)
        if row is None:
            if store.confirmation(assessment.id) is not None:
                raise AlreadyConfirmed("this transaction is already confirmed")
            # After "this wasn't me" the payment stays refused: a fresh challenge would
            # reopen it to the next tap. A new payment is a new assessment.
            if self._denied_on_device(assessment.id):
                raise ChallengeClosed(
                    "this payment was refused on the user's device; it cannot be approved"
                )
            strength = verdict.strength.value if verdict.strength else "standard"
            choices = self._choices(assessment, strength)
            row = ChallengeRow(
                id=new_id("chl"),
                account_id=assessment.request.account_id,
                assessment_id=assessment.id,
                digest=binding.digest,
                strength=strength,
                status=ChallengeStatus.PENDING.value,
                created_at=now,
                expires_at=now + timedelta(seconds=self.env.rules.challenge_ttl_s),
                allowed_factor_ids=[c.factor.id for c in choices if c.usable],
                number_match=secrets.randbelow(90) + 10,
                amount=format(assessment.request.amount.normalize(), "f"),
                asset=assessment.request.asset,
                destination=assessment.request.destination_display,
                sends=0,
            )
            store.add_challenge(row)
            self._audit(
                "auth.challenge_created",
                row.account_id,
                {
                    "challenge_id": row.id,
                    "assessment_id": assessment.id,
                    "strength": strength,
                    "digest": row.digest,
                    "usable_types": sorted({c.factor.type.value for c in choices if c.usable}),
                },
            )
        return self._challenge_out(row)

    def show_challenge(self, challenge_id: str) -> ChallengeOut:
        return self._challenge_out(self._challenge(challenge_id))

    def send(self, challenge_id: str, factor_id: str) -> SentOut:
        ch = self._challenge(challenge_id)
        challenge = to_challenge(ch)
        now = self.env.clock.now()
        if not challenge.open(now):
            raise ChallengeClosed("this challenge is no longer open; start a new one")
        if factor_id not in challenge.allowed_factor_ids:
            raise InvalidInput("that factor cannot answer this challenge", field="factor_id")
        row = self._factor(ch.account_id, factor_id)
        if ch.code_sent_at is not None and ch.code_factor_id == row.id:
            ready = ch.code_sent_at + timedelta(seconds=self.env.rules.resend_cooldown_s)
            if now < ready:
                raise RateLimited(int((ready - now).total_seconds()) + 1)
        self._limit("send", f"acct:{ch.account_id}", self.env.rules.send_per_hour_account, 3600)
        sent = STRATEGIES[FactorType(row.type)].send(self.env, row, ch)
        self._audit(
            "auth.challenge_sent",
            ch.account_id,
            {"challenge_id": ch.id, "factor_id": row.id, "type": row.type},
        )
        return SentOut(
            challenge_id=ch.id,
            factor_id=row.id,
            channel=row.type,
            sent_to=sent.get("sent_to"),
            expires_at=sent.get("expires_at"),
        )

    def verify_challenge(self, challenge_id: str, proof: ProofIn) -> StepUpTokenOut:
        ch = self._challenge(challenge_id, for_update=True)
        challenge = to_challenge(ch)
        now = self.env.clock.now()
        if not challenge.open(now):
            raise ChallengeClosed("this challenge is no longer open; start a new one")
        self._limit_verify(ch.account_id)
        row = None
        if proof.factor_id in challenge.allowed_factor_ids:
            row = self._factor_or_none(ch.account_id, proof.factor_id)
        if row is None or row.status != FactorStatus.ACTIVE.value:
            self._fail(ch.account_id, None, ch.id)
        assert row is not None
        if row.locked_until is not None and now < row.locked_until:
            self._fail(ch.account_id, None, ch.id)
        ok = STRATEGIES[FactorType(row.type)].verify(self.env, row, challenge, proof)
        if not ok:
            self._fail(ch.account_id, row, ch.id)
        self._succeeded(row)
        if proof.answer == "deny" and row.type == FactorType.PUSH.value:
            self._denied(ch, row)
        token_id = new_id("sut")
        if not self.env.store.approve(ch.id, row.id, token_id, now):
            self._fail(ch.account_id, None, ch.id)  # a racing request approved it first
        ttl = min(
            self.env.rules.token_ttl_s, int((challenge.expires_at - now).total_seconds()) + 60
        )
        claims = StepUpClaims(
            account_id=ch.account_id,
            assessment_id=ch.assessment_id,
            digest=ch.digest,
            strength=_met_strength(row),
            factor_type=row.type,
            token_id=token_id,
            issued_at=now,
            expires_at=now + timedelta(seconds=max(10, ttl)),
        )
        token = self.tokens.issue(claims)
        self._audit(
            "auth.challenge_approved",
            ch.account_id,
            {
                "challenge_id": ch.id,
                "assessment_id": ch.assessment_id,
                "factor_id": row.id,
                "type": row.type,
                "strength": claims.strength,
                "token_id": token_id,
            },
        )
        return StepUpTokenOut(
            challenge_id=ch.id,
            step_up_token=token,
            expires_at=claims.expires_at.isoformat(),
            strength=claims.strength,
        )

    def confirm(self, assessment: Assessment, token: str | None) -> ConfirmationOut:
        """The wallet's last call before broadcasting: allowed, or stepped up for exactly this."""
        store = self.env.store
        now = self.env.clock.now()
        decision = assessment.verdict.decision
        if store.confirmation(assessment.id) is not None:
            raise AlreadyConfirmed("this transaction is already confirmed")
        if decision in (Decision.REVIEW, Decision.BLOCK):
            raise NotConfirmable(
                "this transaction is blocked"
                if decision is Decision.BLOCK
                else "this transaction is held for review",
                field="assessment_id",
            )
        challenge_id = factor_type = None
        # A deny outranks a token from an earlier approval of the same payment.
        if decision is Decision.CHALLENGE and self._denied_on_device(assessment.id):
            raise NotConfirmable(
                "this transaction was refused on the user's device", field="assessment_id"
            )
        if decision is Decision.CHALLENGE:
            if not token:
                raise InvalidStepUpToken(
                    "this transaction needs step-up: answer its challenge, then send the token"
                )
            claims = self.tokens.verify(
                token, assessment_id=assessment.id, digest=_binding(assessment).digest, now=now
            )
            needed = (
                assessment.verdict.strength.value if assessment.verdict.strength else "standard"
            )
            if needed == "strong" and claims.strength != "strong":
                raise InvalidStepUpToken("this transaction needs a phishing-resistant factor")
            ch = store.approved_by_token(claims.token_id)
            if ch is None or ch.digest != claims.digest or ch.assessment_id != assessment.id:
                raise InvalidStepUpToken("the step-up token is not valid for this transaction")
            if not store.set_status(
                ch.id, ChallengeStatus.CONFIRMED, from_=ChallengeStatus.APPROVED
            ):
                raise AlreadyConfirmed("this step-up token was already used")
            challenge_id, factor_type = ch.id, claims.factor_type
        if not store.confirm(
            ConfirmationRow(
                assessment_id=assessment.id,
                confirmed_at=now,
                actor=self.actor,
                challenge_id=challenge_id,
                factor_type=factor_type,
            )
        ):
            raise AlreadyConfirmed("this transaction is already confirmed")
        self._audit(
            "assessment.confirmed",
            assessment.request.account_id,
            {
                "assessment_id": assessment.id,
                "decision": decision.value,
                "challenge_id": challenge_id,
                "factor_type": factor_type,
            },
            subject=f"assessment:{assessment.id}",
        )
        return ConfirmationOut(
            assessment_id=assessment.id,
            confirmed_at=now.isoformat(),
            decision=decision.value,
            challenge_id=challenge_id,
            factor_type=factor_type,
        )

    # --- internals -----------------------------------------------------------------------
    def _denied_on_device(self, assessment_id: str) -> bool:
        return any(
            c.status == ChallengeStatus.DENIED.value
            for c in self.env.store.challenges_for(assessment_id)
        )

    def _choices(self, assessment: Assessment, strength: str) -> list[FactorChoice]:
        factors = [to_factor(r) for r in self.env.store.factors(assessment.request.account_id)]
        req = assessment.request
        return self._choose(factors, strength, req.amount, req.asset, self.env.clock.now())

    def _choose(
        self, factors: list[Factor], strength: str, amount: Decimal, asset: str, now: datetime
    ) -> list[FactorChoice]:
        rules = self.env.rules
        return choose_factors(
            factors,
            strength=strength,
            amount=amount,
            asset=asset,
            now=now,
            standard_types=rules.standard_factors,
            strong_types=rules.strong_factors,
            sim_swap_days=rules.sim_swap_days,
            sms_max_amount=rules.sms_max_amount,
        )

    def _challenge_out(self, row: ChallengeRow) -> ChallengeOut:
        challenge = to_challenge(row)
        factors = [to_factor(r) for r in self.env.store.factors(row.account_id)]
        allowed = set(challenge.allowed_factor_ids)
        # The precise reason a factor was refused when the challenge was made (SIM-swap
        # guard, amount limit...), judged on the amount the challenge is bound to.
        why = {
            c.factor.id: c.reason
            for c in self._choose(
                factors,
                challenge.strength,
                Decimal(challenge.amount),
                challenge.asset,
                challenge.created_at,
            )
        }
        out = []
        for f in factors:
            if f.status is not FactorStatus.ACTIVE or f.type is FactorType.RECOVERY:
                continue
            usable = f.id in allowed and not f.locked(self.env.clock.now())
            extra: dict[str, Any] = {}
            if usable and challenge.status is ChallengeStatus.PENDING:
                factor_row = self.env.store.factor_row(f.id)
                assert factor_row is not None
                extra = STRATEGIES[f.type].prompt(self.env, factor_row, challenge)
            reason = None
            if not usable:
                reason = (
                    "locked after too many failed attempts"
                    if f.locked(self.env.clock.now())
                    else why.get(f.id) or _why_not(f, challenge)
                )
            out.append(choice_out(FactorChoice(f, usable, reason), extra))
        return ChallengeOut.build(challenge, out)

    def _challenge(self, challenge_id: str, *, for_update: bool = False) -> ChallengeRow:
        row = self.env.store.challenge_row(challenge_id, for_update=for_update)
        if row is None:
            raise NotFound(f"no challenge {challenge_id}", field="challenge_id")
        return row

    def _factor_or_none(self, account_id: str, factor_id: str) -> FactorRow | None:
        row = self.env.store.factor_row(factor_id, for_update=True)
        return row if row is not None and row.account_id == account_id else None

    def _factor(self, account_id: str, factor_id: str) -> FactorRow:
        row = self._factor_or_none(account_id, factor_id)
        if row is None:
            raise NotFound(f"account {account_id} has no factor {factor_id}", field="factor_id")
        return row

    def _fail(self, account_id: str, row: FactorRow | None, challenge_id: str | None) -> None:
        """Count a failed attempt (lock the factor at the limit) and refuse, after commit."""
        payload: dict[str, Any] = {"challenge_id": challenge_id}
        if row is not None:
            payload |= {"factor_id": row.id, "type": row.type}
            row.failures += 1
            rules = self.env.rules
            if row.failures >= rules.max_failures:
                row.lockouts += 1
                row.failures = 0
                seconds = lock_duration_s(row.lockouts, rules.lock_base_s, rules.lock_max_s)
                row.locked_until = self.env.clock.now() + timedelta(seconds=seconds)
                self._audit(
                    "auth.factor_locked",
                    account_id,
                    {"factor_id": row.id, "type": row.type, "lock_s": seconds},
                )
                self._notify_lock(account_id, row, seconds)
        self._audit("auth.verify_failed", account_id, payload)
        raise AfterCommit(VerificationFailed())

    def _succeeded(self, row: FactorRow) -> None:
        row.failures = 0
        row.lockouts = 0
        row.locked_until = None

    def _denied(self, ch: ChallengeRow, row: FactorRow) -> None:
        """ "This wasn't me": the challenge is closed for good and the desk hears of it."""
        self.env.store.set_status(ch.id, ChallengeStatus.DENIED, from_=ChallengeStatus.PENDING)
        self.env.store.add_alert(
            SecurityAlertRow(
                id=new_id("sal"),
                account_id=ch.account_id,
                kind="push_denied",
                created_at=self.env.clock.now(),
                status="open",
                details={
                    "challenge_id": ch.id,
                    "assessment_id": ch.assessment_id,
                    "factor_id": row.id,
                },
            )
        )
        self._audit(
            "auth.push_denied",
            ch.account_id,
            {"challenge_id": ch.id, "assessment_id": ch.assessment_id, "factor_id": row.id},
        )
        raise AfterCommit(
            ChallengeClosed(
                "the payment was refused on the device; it is locked and the security team told"
            )
        )

    def _notify_lock(self, account_id: str, locked: FactorRow, seconds: int) -> None:
        """Tell the owner through another channel they enrolled, if there is one."""
        for other in self.env.store.factors(account_id):
            if other.type != FactorType.EMAIL.value or other.status != FactorStatus.ACTIVE.value:
                continue
            if "email" not in self.env.router.channels():
                return
            # The lock holds whether or not the notice gets out.
            with contextlib.suppress(DomainError):
                self.env.router.send(
                    OutboundMessage(
                        channel="email",
                        to=self.env.unseal(other),
                        subject=f"{self.env.issuer}: a sign-in factor was locked",
                        text=(
                            f"Your {locked.type} factor '{locked.label}' was locked for "
                            f"{seconds} s after {self.env.rules.max_failures} failed attempts. "
                            "If this was not you, contact support."
                        ),
                        purpose="notice",
                    )
                )
            return

    def _limit_verify(self, account_id: str) -> None:
        rules = self.env.rules
        self._limit("verify", f"acct:{account_id}", rules.verify_per_minute_account, 60)
        if self.ip:
            ip_key = keyed_hash(self.ip, self.env.pepper)[:32]
            self._limit("verify", f"ip:{ip_key}", rules.verify_per_minute_ip, 60)

    def _limit(self, action: str, subject: str, limit: int, window_s: int) -> None:
        now = self.env.clock.now()
        start_ts = int(now.timestamp()) // window_s * window_s
        start = datetime.fromtimestamp(start_ts, tz=UTC)
        if self.env.store.hit(f"{action}:{subject}", start) > limit:
            retry = start_ts + window_s - int(now.timestamp())
            raise AfterCommit(RateLimited(max(1, retry)))

    def _audit(
        self, action: str, account_id: str, payload: dict[str, Any], *, subject: str | None = None
    ) -> None:
        self.audit.append(
            AuditEvent(
                actor=self.actor,
                action=action,
                subject=subject or f"account:{account_id}",
                payload=payload,
                request_id=self.request_id,
                ip=self.ip,
            )
        )


def _binding(assessment: Assessment) -> Binding:
    req = assessment.request
    return Binding(
        assessment_id=assessment.id,
        amount=req.amount,
        asset=req.asset,
        destination=req.destination,
    )


def _met_strength(row: FactorRow) -> str:
    return "strong" if FactorType(row.type).value in ("push", "webauthn", "wallet") else "standard"


def _why_not(f: Any, challenge: Challenge) -> str:
    if challenge.strength == "strong" and not f.phishing_resistant:
        return (
            "not phishing-resistant: a strong challenge needs a passkey, push or wallet signature"
        )
    return "not accepted for this challenge (policy, SIM-swap guard or amount limit)"


def _check_account(account_id: str) -> None:
    import re

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}", account_id):
        raise InvalidInput(
            "account id: 1-64 characters, letters, digits and . _ : @ -, starting alphanumeric",
            field="account_id",
        )
