"""The demo's step-up part: a challenge decision answered with TOTP, then confirmed."""

from __future__ import annotations

import pyotp

from trustdesk.auth.schemas import EnrollIn, ProofIn
from trustdesk.bootstrap import Container
from trustdesk.cli._context import out
from trustdesk.core.errors import DomainError
from trustdesk.risk.schemas import AssessmentIn

ACCOUNT = "demo-stepup-1"
PAYEE = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


def run_stepup_demo(c: Container) -> bool:
    """Enrol TOTP, get a challenge, see confirm refused, answer, confirm; True if all held."""
    enrolled = c.run_stepup(lambda s, _: s.enroll(ACCOUNT, EnrollIn(type="totp")), "demo")
    out.print(f"enrolled TOTP factor {enrolled.factor_id} for {ACCOUNT}")
    out.print(f"  otpauth URI (what the QR code holds): {enrolled.otpauth_uri}")
    # The authenticator app: the same secret, read back from the URI by pyotp.
    app = pyotp.parse_uri(enrolled.otpauth_uri or "")
    assert isinstance(app, pyotp.TOTP)
    step = int(c.clock.now().timestamp()) // app.interval
    first = app.generate_otp(step)
    activate = ProofIn(factor_id=enrolled.factor_id, code=first)
    c.run_stepup(lambda s, _: s.verify_factor(ACCOUNT, activate), "demo")
    out.print("  first code accepted: the factor is active")

    body = AssessmentIn.model_validate(
        {
            "account_id": ACCOUNT,
            "chain": "ethereum",
            "asset": "ETH",
            "amount": "0.4",
            "destination": PAYEE,
            "context": {"session_age_s": 12},
        }
    )
    assessment = c.assess(body, "demo")
    v = assessment.verdict
    reasons = ", ".join(r.code for r in v.reasons)
    strength = v.strength.value if v.strength else "-"
    out.print(
        f"assessment {assessment.id}: {v.decision.value} ({strength}), score {v.score}: {reasons}"
    )
    held = v.decision.value == "challenge"
    try:
        c.run_stepup(lambda s, _: s.confirm(assessment, None), "demo")
        out.print("  confirm without a token: ACCEPTED (wrong)")
        held = False
    except DomainError as exc:
        out.print(f"  confirm without a token: refused [{exc.code}]")

    challenge = c.run_stepup(lambda s, _: s.challenge(assessment), "demo")
    usable = [f"{f.type}:{f.factor_id}" for f in challenge.factors if f.usable]
    out.print(
        f"challenge {challenge.id} ({challenge.strength}) binds digest {challenge.digest[:16]}… "
        f"of {challenge.amount} {challenge.asset} to {challenge.destination}; may answer: {usable}"
    )
    try:  # the activation code again: a replay
        replay = ProofIn(factor_id=enrolled.factor_id, code=first)
        c.run_stepup(lambda s, _: s.verify_challenge(challenge.id, replay), "demo")
        out.print("  replayed code: ACCEPTED (wrong)")
        held = False
    except DomainError as exc:
        out.print(f"  the activation code replayed: refused [{exc.code}]")
    answer = ProofIn(factor_id=enrolled.factor_id, code=app.generate_otp(step + 1))
    token = c.run_stepup(lambda s, _: s.verify_challenge(challenge.id, answer), "demo")
    out.print(
        f"  the app's next code: accepted; step-up token {token.step_up_token[:24]}… "
        f"({token.token_type}, {token.strength}, until {token.expires_at})"
    )
    done = c.run_stepup(lambda s, _: s.confirm(assessment, token.step_up_token), "demo")
    out.print(f"  confirm with the token: confirmed at {done.confirmed_at} by {done.factor_type}")
    try:
        c.run_stepup(lambda s, _: s.confirm(assessment, token.step_up_token), "demo")
        held = False
    except DomainError as exc:
        out.print(f"  the same token again: refused [{exc.code}]")
    return held
