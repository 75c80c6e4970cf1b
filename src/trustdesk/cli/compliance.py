"""trustdesk kyc …, trustdesk packs …, trustdesk privacy …"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy.orm import Session

from trustdesk.bootstrap import Container
from trustdesk.cli._context import container, fail, out
from trustdesk.compliance.kyc import (
    LOCALES,
    REJECTION_REASONS,
    DocumentIn,
    KycLevel,
    reason_text,
)
from trustdesk.compliance.kyc_store import KycDesk, KycView, kyc_desk
from trustdesk.compliance.packs import Pack, default_packs, get_pack
from trustdesk.compliance.privacy import PiiIn, PrivacyDesk
from trustdesk.compliance.privacy_store import privacy_desk
from trustdesk.core.errors import DomainError

kyc_app = typer.Typer(help="KYC applications: show, submit, verify, reject, resubmit.")
packs_app = typer.Typer(help="Jurisdiction policy packs (travel rule, KYC, residency, retention).")
privacy_app = typer.Typer(help="Data-subject rights: record, export, erase; the retention job.")
for _app in (kyc_app, packs_app, privacy_app):
    _app.info.no_args_is_help = True

ACTOR = "cli"
T = TypeVar("T")
DocOption = Annotated[
    list[str] | None,
    typer.Option(
        "--doc", help="TYPE:COUNTRY:NUMBER[:EXPIRY], e.g. passport:DE:C01X00T47:2031-05-01"
    ),
]


def _print_json(value: Any) -> None:
    out.print_json(json.dumps(value, ensure_ascii=False))


def _kyc(work: Callable[[KycDesk], T]) -> T:
    with container() as c, c.session() as session:
        audit = c.audit_log(session)
        return work(kyc_desk(session, pepper=c.pepper, clock=c.clock, audit=audit, actor=ACTOR))


def _privacy(work: Callable[[PrivacyDesk], T]) -> T:
    with container() as c, c.session() as session:
        return work(_privacy_desk(c, session))


def _privacy_desk(c: Container, session: Session) -> PrivacyDesk:
    return privacy_desk(
        session, keyring=c.keyring, clock=c.clock, audit=c.audit_log(session), actor=ACTOR
    )


def _documents(specs: list[str] | None) -> list[DocumentIn]:
    docs = []
    for position, spec in enumerate(specs or [], start=1):
        parts = spec.split(":")
        if len(parts) not in (3, 4) or not all(parts[:3]):
            # The spec is not echoed: it holds a document number.
            fail(f"--doc {position}: expected TYPE:COUNTRY:NUMBER[:YYYY-MM-DD]")
        expiry = None
        if len(parts) == 4:
            try:
                expiry = date.fromisoformat(parts[3])
            except ValueError:
                fail(f"--doc {position}: the expiry must be a date as YYYY-MM-DD")
        docs.append(DocumentIn(parts[0], parts[1], parts[2], expiry))
    return docs


def _check_locale(locale: str) -> None:
    if locale not in LOCALES:
        fail(f"--locale must be one of {', '.join(LOCALES)}")


def _level(value: str | None) -> KycLevel | None:
    if value is None:
        return None
    try:
        return KycLevel(value.strip().lower())
    except ValueError:
        raise fail(
            f"--level must be one of {', '.join(level.value for level in KycLevel)}"
        ) from None


def _summary(view: KycView) -> str:
    data = view.to_json()
    line = f"{view.account_id}: {data['status']} (level {data['level']}"
    if data["requested_level"]:
        line += f"; requested {data['requested_level']}"
    if data["reasons"]:
        line += "; reasons " + ", ".join(r["code"] for r in data["reasons"])
    return line + ")"


# --- kyc -------------------------------------------------------------------------------------


@kyc_app.command("show")
def kyc_show(
    account: str,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    locale: Annotated[str, typer.Option(help=f"reason texts in {', '.join(LOCALES)}")] = "en",
) -> None:
    """State, level, rejection reasons (with the texts support may give), history, documents."""
    _check_locale(locale)
    data = _kyc(lambda desk: desk.show(account)).to_json(locale)
    if as_json:
        _print_json(data)
        return
    out.print(f"account {account}  jurisdiction {data['jurisdiction'] or '-'}", highlight=False)
    requested = data["requested_level"] or "-"
    out.print(
        f"status {data['status']}  level {data['level']}  requested {requested}", highlight=False
    )
    for reason in data["reasons"]:
        out.print(f"reason {reason['code']}: {reason['text']}", highlight=False, soft_wrap=True)
    for e in data["history"]:
        codes = f"  {', '.join(e['reasons'])}" if e["reasons"] else ""
        step = f"{e['action']:<8} {e['from']} -> {e['to']}"
        out.print(f"{e['seq']:>3}  {e['at']}  {step}  {e['actor']}{codes}", highlight=False)
    for d in data["documents"]:
        out.print(
            f"document {d['type']} {d['country']} expires {d['expires_on'] or '-'}", highlight=False
        )


@kyc_app.command("submit")
def kyc_submit(
    account: str,
    level: Annotated[str, typer.Option(help="basic, standard or enhanced")],
    jurisdiction: Annotated[str | None, typer.Option(help="pack code: eu, us, sg, id …")] = None,
    doc: DocOption = None,
) -> None:
    """Open an application (or apply for a higher level): none/verified -> pending."""
    wanted, docs = _level(level), _documents(doc)
    assert wanted is not None
    view = _kyc(lambda desk: desk.submit(account, wanted, docs, jurisdiction))
    out.print(_summary(view), highlight=False)


@kyc_app.command("verify")
def kyc_verify(
    account: str,
    level: Annotated[str | None, typer.Option(help="default: the level applied for")] = None,
) -> None:
    """Accept the application: pending/resubmitted -> verified."""
    granted = _level(level)
    out.print(_summary(_kyc(lambda desk: desk.verify(account, granted))), highlight=False)


@kyc_app.command("reject")
def kyc_reject(
    account: str,
    reason: Annotated[list[str], typer.Option("--reason", help="a reason code; repeat for more")],
) -> None:
    """Refuse the application with reason codes (see `trustdesk kyc reasons`)."""
    out.print(_summary(_kyc(lambda desk: desk.reject(account, reason))), highlight=False)


@kyc_app.command("resubmit")
def kyc_resubmit(account: str, doc: DocOption = None) -> None:
    """Send a rejected application again, with new documents: rejected -> resubmitted."""
    docs = _documents(doc)
    out.print(_summary(_kyc(lambda desk: desk.resubmit(account, docs))), highlight=False)


@kyc_app.command("reasons")
def kyc_reasons(
    locale: Annotated[str, typer.Option(help=f"one of {', '.join(LOCALES)}")] = "en",
) -> None:
    """The rejection reason codes and the text support may give the customer."""
    _check_locale(locale)
    for code, reason in REJECTION_REASONS.items():
        note = f"  [support: {reason.support_note}]" if reason.support_note else ""
        out.print(f"{code}: {reason_text(code, locale)}{note}", highlight=False, soft_wrap=True)


# --- packs -----------------------------------------------------------------------------------


@packs_app.command("list")
def packs_list(as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """The jurisdiction packs: code, version, residency region, lists, travel-rule threshold."""
    summaries = [pack.summary() for pack in _packs().values()]
    if as_json:
        _print_json(summaries)
        return
    for s in summaries:
        years = s["retention_years"]
        out.print(
            f"{s['code']:<3} {s['version']:<10} region {s['data_region']:<3} "
            f"travel rule {s['travel_rule_threshold']:<9} "
            f"retention {years['transactions']}y/{years['kyc']}y lists {','.join(s['lists'])}",
            highlight=False,
        )


@packs_app.command("show")
def packs_show(code: str) -> None:
    """One pack in full, as JSON, with its sources."""
    packs = _packs()
    try:
        pack = get_pack(packs, code)
    except DomainError as exc:
        fail(f"{exc.message} [{exc.code}]")
    _print_json(pack.model_dump(mode="json"))


def _packs() -> Mapping[str, Pack]:
    try:
        return default_packs()
    except DomainError as exc:  # a broken pack file: which and why
        raise fail(f"{exc.message} [{exc.code}]") from None


# --- privacy ---------------------------------------------------------------------------------


@privacy_app.command("record")
def privacy_record(
    account: str,
    region: Annotated[
        str | None, typer.Option(help="residency region (default: the pack's)")
    ] = None,
    name: Annotated[str | None, typer.Option()] = None,
    email: Annotated[str | None, typer.Option()] = None,
    phone: Annotated[str | None, typer.Option(help="E.164")] = None,
    dob: Annotated[str | None, typer.Option(help="date of birth, YYYY-MM-DD")] = None,
    country: Annotated[str | None, typer.Option(help="ISO 3166-1 alpha-2")] = None,
) -> None:
    """Record (or complete) an account's personal data, sealed at rest."""
    fields = {
        "region": region,
        "name": name,
        "email": email,
        "phone": phone,
        "date_of_birth": dob,
        "country": country,
    }
    try:
        given = PiiIn.model_validate({k: v for k, v in fields.items() if v is not None})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "input"
        fail(f"{where}: {str(first['msg']).removeprefix('Value error, ')}")
    data = _privacy(lambda desk: desk.record(account, given))
    out.print(
        f"recorded {', '.join(data.present())} for {account} in region {data.region}",
        highlight=False,
    )


@privacy_app.command("export")
def privacy_export(
    account: str,
    out_file: Annotated[Path | None, typer.Option("--out", help="write the JSON here")] = None,
) -> None:
    """Everything held about the account, as JSON (GDPR Art. 15 and 20)."""
    document = _privacy(lambda desk: desk.export(account))
    text = json.dumps(document, ensure_ascii=False, indent=2)
    if out_file is None:
        out.print_json(text)
        return
    try:
        # Personal data: readable by the owner only.
        fd = os.open(out_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    except OSError as exc:
        fail(f"cannot write {out_file}: {exc.strerror}")
    out.print(f"exported {account} to {out_file}", highlight=False)


@privacy_app.command("erase")
def privacy_erase(
    account: str,
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Erase personal data (GDPR Art. 17); data under a legal hold is kept and reported."""
    if not yes:
        typer.confirm(f"Erase the personal data of {account}?", abort=True)
    report = _privacy(lambda desk: desk.erase(account))
    if as_json:
        _print_json(report.to_json())
        return
    out.print(f"erased: {', '.join(report.erased) or 'nothing'}", highlight=False)
    for hold in report.held:
        out.print(
            f"held: {hold.data} until {hold.until.date().isoformat()} ({hold.basis})",
            highlight=False,
        )


@privacy_app.command("retention")
def privacy_retention(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="count, delete nothing")] = False,
) -> None:
    """Delete data past retention: ended holds, assessments older than their pack allows."""
    report = _privacy(lambda desk: desk.retention(dry_run=dry_run))
    verb = "would delete" if dry_run else "deleted"
    counts = ", ".join(f"{k} {v}" for k, v in sorted(report.deleted.items()) if v)
    out.print(f"{verb}: {counts or 'nothing'}", highlight=False)
