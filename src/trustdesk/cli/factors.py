"""trustdesk factors enroll|list|verify|resync|revoke|keygen and trustdesk stepup …"""

from __future__ import annotations

import base64
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from pydantic import ValidationError

from trustdesk.auth.model import RateLimited, VerificationFailed
from trustdesk.auth.schemas import EnrollIn, ProofIn
from trustdesk.auth.secretbox import Keyring
from trustdesk.auth.webpush import VapidSigner
from trustdesk.cli._context import console, container, fail, out
from trustdesk.core.errors import NotFound
from trustdesk.risk.store import SqlAssessmentStore

app = typer.Typer(
    help="Step-up factors per account (TOTP, HOTP, e-mail, SMS, …).", no_args_is_help=True
)
stepup_app = typer.Typer(help="Answer a challenge decision and confirm it.", no_args_is_help=True)

ACTOR = "cli"
_SHOWN_ONCE = ("qr_svg", "qr_png_base64")


def _not_accepted(message: str) -> NoReturn:
    console.print(f"not accepted: {message}", highlight=False)
    raise typer.Exit(1)


def _print_json(value: Any) -> None:
    out.print_json(json.dumps(value, ensure_ascii=False))


def _model(cls: Any, **fields: Any) -> Any:
    try:
        return cls(**{k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "input"
        fail(f"{where}: {str(first['msg']).removeprefix('Value error, ')}")


@app.command("enroll")
def enroll_cmd(
    account: str,
    type_: Annotated[
        str, typer.Option("--type", help="totp, hotp, email, sms, cvv, wallet, recovery")
    ],
    algorithm: Annotated[str, typer.Option(help="SHA1, SHA256 or SHA512")] = "SHA1",
    digits: Annotated[int, typer.Option(help="6, 7 or 8")] = 6,
    period: Annotated[int, typer.Option(help="TOTP step in seconds")] = 30,
    counter: Annotated[int, typer.Option(help="HOTP initial counter")] = 0,
    label: Annotated[str | None, typer.Option(help="name shown in the authenticator")] = None,
    email: Annotated[str | None, typer.Option()] = None,
    phone: Annotated[str | None, typer.Option(help="E.164")] = None,
    chain: Annotated[str | None, typer.Option(help="wallet: chain name")] = None,
    address: Annotated[str | None, typer.Option(help="wallet: address")] = None,
    signature: Annotated[str | None, typer.Option(help="wallet: enrolment signature")] = None,
    qr: Annotated[Path | None, typer.Option(help="write the QR code to this .svg or .png")] = None,
) -> None:
    """Enrol a factor; prints JSON with factor_id (and otpauth_uri for TOTP/HOTP) once."""
    body = _model(
        EnrollIn,
        type=type_.lower(),
        algorithm=algorithm.upper(),
        digits=digits,
        period=period,
        counter=counter,
        label=label,
        email=email,
        phone=phone,
        chain=chain,
        address=address,
        signature=signature,
    )
    if qr is not None:
        if qr.suffix.lower() not in (".svg", ".png"):
            fail("--qr must name a .svg or .png file")
        folder = qr.parent if str(qr.parent) else Path(".")
        if not folder.is_dir() or not os.access(folder, os.W_OK):
            fail(f"--qr: cannot write into {folder}")
        if type_.lower() not in ("totp", "hotp"):
            fail("--qr is for TOTP and HOTP factors")
    with container() as c:
        enrolled = c.run_stepup(lambda s, _: s.enroll(account, body), ACTOR)
    shown = enrolled.model_dump(exclude_none=True)
    for key in _SHOWN_ONCE:
        shown.pop(key, None)
    if qr is not None:
        shown["qr_file"] = str(qr)
    _print_json(shown)  # first: the URI is shown once, whatever happens to the file
    if qr is not None and enrolled.qr_svg and enrolled.qr_png_base64:
        try:
            if qr.suffix.lower() == ".svg":
                qr.write_text(enrolled.qr_svg, encoding="utf-8")
            else:
                qr.write_bytes(base64.b64decode(enrolled.qr_png_base64))
        except OSError as exc:
            fail(f"--qr: {exc.strerror}: {qr} (the otpauth_uri above holds the same secret)")


@app.command("list")
def list_cmd(
    account: str,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """The account's factors (revoked ones left out)."""
    with container() as c:
        factors = c.run_stepup(lambda s, _: s.factors(account), ACTOR)
    if as_json:
        _print_json([f.model_dump() for f in factors])
        return
    for f in factors:
        locked = f"  locked until {f.locked_until}" if f.locked_until else ""
        out.print(f"{f.id}  {f.type:<8} {f.status:<8} {f.label}{locked}", highlight=False)


@app.command("verify")
def verify_cmd(account: str, factor_id: str, code: str) -> None:
    """Check a code: exit 0 when accepted (a pending factor becomes active), 1 when not."""
    proof = _model(ProofIn, factor_id=factor_id, code=code)
    with container() as c:
        try:
            result = c.run_stepup(lambda s, _: s.verify_factor(account, proof), ACTOR)
        except (VerificationFailed, RateLimited) as exc:
            _not_accepted(exc.message)
    out.print(f"accepted ({result.status})", highlight=False)


@app.command("resync")
def resync_cmd(account: str, factor_id: str, code1: str, code2: str) -> None:
    """Bring an HOTP counter back in step with two consecutive codes."""
    with container() as c:
        try:
            c.run_stepup(lambda s, _: s.resync(account, factor_id, code1, code2), ACTOR)
        except (VerificationFailed, RateLimited) as exc:
            _not_accepted(exc.message)
    out.print("resynchronised", highlight=False)


@app.command("revoke")
def revoke_cmd(account: str, factor_id: str) -> None:
    with container() as c:
        f = c.run_stepup(lambda s, _: s.revoke(account, factor_id), ACTOR)
    out.print(f"revoked {f.id}", highlight=False)


@app.command("keygen")
def keygen_cmd() -> None:
    """Print fresh keys for TRUSTDESK_SECRET_KEYS, _STEPUP_SIGNING_KEY and _VAPID_PRIVATE_KEY."""
    import secrets

    seed = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
    vapid = VapidSigner.generate().private_key_pem().decode()
    # A dated key id, so a new key can be put in front of the old one when rotating.
    kid = f"k{datetime.now(UTC):%Y%m%d}"
    out.print(f"TRUSTDESK_SECRET_KEYS={Keyring.generate_spec(kid)}", highlight=False)
    out.print(f"TRUSTDESK_STEPUP_SIGNING_KEY={seed}", highlight=False)
    out.print(f"TRUSTDESK_VAPID_PRIVATE_KEY='{vapid.strip()}'", highlight=False)


@stepup_app.command("start")
def start_cmd(assessment_id: str) -> None:
    """Open (or show) the challenge of a `challenge` decision; prints it as JSON."""
    with container() as c:
        with c.reading() as session:
            assessment = SqlAssessmentStore(session, c.pepper).get(assessment_id)
        if assessment is None:
            raise NotFound(f"no assessment {assessment_id}")
        ch = c.run_stepup(lambda s, _: s.challenge(assessment), ACTOR)
    _print_json(ch.model_dump())


@stepup_app.command("send")
def send_cmd(challenge_id: str, factor_id: str) -> None:
    """Send the code (e-mail, SMS) or push of one factor of the challenge."""
    with container() as c:
        sent = c.run_stepup(lambda s, _: s.send(challenge_id, factor_id), ACTOR)
    _print_json(sent.model_dump())


@stepup_app.command("verify")
def stepup_verify_cmd(
    challenge_id: str,
    factor_id: str,
    code: Annotated[str | None, typer.Option(help="TOTP, HOTP, e-mail, SMS or CVV code")] = None,
    signature: Annotated[str | None, typer.Option(help="wallet signature")] = None,
) -> None:
    """Answer the challenge; prints the step-up token JSON (exit 1 when not accepted)."""
    if code is None and signature is None:
        fail("give --code or --signature")
    proof = _model(ProofIn, factor_id=factor_id, code=code, signature=signature)
    with container() as c:
        try:
            token = c.run_stepup(lambda s, _: s.verify_challenge(challenge_id, proof), ACTOR)
        except (VerificationFailed, RateLimited) as exc:
            _not_accepted(exc.message)
    _print_json(token.model_dump())


@stepup_app.command("confirm")
def confirm_cmd(
    assessment_id: str,
    token: Annotated[str | None, typer.Option(help="the step-up token, for a challenge")] = None,
) -> None:
    """Confirm a transaction before broadcasting it."""
    with container() as c:
        with c.reading() as session:
            assessment = SqlAssessmentStore(session, c.pepper).get(assessment_id)
        if assessment is None:
            raise NotFound(f"no assessment {assessment_id}")
        done = c.run_stepup(lambda s, _: s.confirm(assessment, token), ACTOR)
    _print_json(done.model_dump())
