"""trustdesk mail quarantine list|show|release|delete, trustdesk mail poll [--once]"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from trustdesk.bootstrap import Container
from trustdesk.cli._context import container, fail, out
from trustdesk.logging import configure_logging
from trustdesk.support.mail.imap import ImapConfig, ImapPoller
from trustdesk.support.mail.inbound import deliver_to
from trustdesk.support.mail.intake import MailIntake
from trustdesk.support.mail.quarantine import QuarantinedMail
from trustdesk.support.mail.store import Quarantine

app = typer.Typer(help="Support mail: the quarantine of mail not taken in; IMAP polling.")
quarantine_app = typer.Typer(help="Mail that could not be taken in: list, show, release, delete.")
app.add_typer(quarantine_app, name="quarantine")
for _app in (app, quarantine_app):
    _app.info.no_args_is_help = True

ACTOR = "cli"
AsJson = Annotated[bool, typer.Option("--json", help="print JSON")]


def mail_quarantine(c: Container) -> Quarantine:
    return Quarantine(c.uow, c.audit_log, c.clock)


def mail_intake(c: Container, source: str) -> MailIntake:
    """The ``accept`` for mail from ``source`` ("smtp", "imap"): into the support intake,
    or into the quarantine. `trustdesk serve` gives it to ``start_mail_listener``."""
    deliver = deliver_to(c.support_intake, c.clock)
    return MailIntake(mail_quarantine(c), deliver, c.settings.mail_max_bytes, source=source)


def _print_json(value: Any) -> None:
    out.print_json(json.dumps(value, ensure_ascii=False))


def _save(path: Path, raw: bytes) -> None:
    """The raw mail, readable by its owner only (it is personal data)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(raw)


@quarantine_app.command("list")
def quarantine_list(
    include_released: Annotated[bool, typer.Option("--all", help="released mail too")] = False,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_json: AsJson = False,
) -> None:
    """Held mail, newest first."""
    with container() as c:
        held = mail_quarantine(c).list(
            include_released=include_released, limit=limit, offset=offset
        )
    if as_json:
        _print_json([m.summary() for m in held])
        return
    if not held:
        out.print("the quarantine is empty")
        return
    table = Table("id", "received", "source", "reason", "size", "released")
    for m in held:
        received = m.received_at.strftime("%Y-%m-%d %H:%M:%S")
        released = m.released_at.strftime("%Y-%m-%d %H:%M") if m.released_at else ""
        table.add_row(m.id, received, m.source, m.reason_code, str(m.size), released)
    out.print(table)


@quarantine_app.command("show")
def quarantine_show(
    mail_id: Annotated[str, typer.Argument(metavar="ID")],
    save: Annotated[
        Path | None, typer.Option("--save", help="write the raw mail to this new file")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """One held mail: envelope, reason, size and SHA-256; --save writes the raw bytes."""
    with container() as c:
        mail = mail_quarantine(c).show(mail_id)
    if save is not None:
        _write(save, mail)
    if as_json:
        _print_json(mail.summary())
        return
    for key, value in mail.summary().items():
        shown = ", ".join(value) if isinstance(value, list) else value
        out.print(f"{key}: {'' if shown is None else shown}")


@quarantine_app.command("release")
def quarantine_release(
    mail_id: Annotated[str, typer.Argument(metavar="ID")],
    save: Annotated[
        Path | None, typer.Option("--save", help="also write the raw mail to this new file")
    ] = None,
) -> None:
    """Take a held mail in after all (through the support intake) and mark it released."""
    with container() as c:
        intake = mail_intake(c, "release")
        quarantine = mail_quarantine(c)
        mail = quarantine.show(mail_id)
        if save is not None:
            _write(save, mail)
        released = quarantine.release(mail_id, actor=ACTOR, redeliver=intake.redeliver)
    out.print(f"released {released.id} ({released.reason_code}) into the support intake")


@quarantine_app.command("delete")
def quarantine_delete(
    mail_id: Annotated[str, typer.Argument(metavar="ID")],
    yes: Annotated[bool, typer.Option("--yes", help="do not ask")] = False,
) -> None:
    """Delete a held mail for good."""
    if not yes:
        typer.confirm(f"delete quarantined mail {mail_id} for good?", abort=True)
    with container() as c:
        mail_quarantine(c).delete(mail_id, actor=ACTOR)
    out.print(f"deleted {mail_id}")


@app.command("poll")
def poll(
    once: Annotated[bool, typer.Option("--once", help="one poll, then exit")] = False,
) -> None:
    """Fetch unseen mail from the IMAP folder (TRUSTDESK_IMAP_*) into the support desk."""
    with container() as c:
        configure_logging(c.settings.log_json)
        config = ImapConfig.from_settings(c.settings)
        if config is None:
            raise fail("set TRUSTDESK_IMAP_HOST (and _USER, _PASSWORD) to poll a mailbox")
        poller = ImapPoller(config, mail_intake(c, "imap"))
        if once:
            result = poller.poll_once()
            out.print(
                f"{result.found} unseen, {result.accepted} taken in, {result.failed} left unseen"
            )
            return
        stop = threading.Event()
        try:
            poller.run(stop)
        except KeyboardInterrupt:
            stop.set()


def _write(path: Path, mail: QuarantinedMail) -> None:
    try:
        _save(path, mail.raw or b"")
    except FileExistsError:
        fail(f"{path} exists; give a new file name")
    out.print(f"wrote {mail.size} bytes to {path}")
