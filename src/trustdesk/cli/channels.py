"""What `trustdesk serve` runs beside the API, in its main process (once, not per worker),
and `trustdesk mail outbox list|retry|dispatch`.

Beside uvicorn: the SMTP listener (TRUSTDESK_SMTP_LISTEN), the IMAP poller (TRUSTDESK_IMAP_*),
the mail outbox dispatcher (TRUSTDESK_SMTP_HOST), the support desk's SLA sweep and the bot
(answering what came in by mail), each in a thread of its own; ``Background.stop()`` ends
them when uvicorn has exited.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated

import structlog
import typer
from rich.table import Table

from trustdesk.bootstrap import Container
from trustdesk.cli._context import container, fail, out
from trustdesk.cli.mail import mail_intake
from trustdesk.support.channels.outbox import MailOutbox
from trustdesk.support.channels.outbox_rules import OutboxState
from trustdesk.support.mail.imap import ImapConfig, ImapPoller
from trustdesk.support.mail.listener import MailListener, start_mail_listener
from trustdesk.support.mail.outbound import SmtpConfig

log = structlog.get_logger("trustdesk.serve")

SWEEP_SECONDS = 60.0
BOT_SWEEP_SECONDS = 3.0
JOIN_SECONDS = 15.0
ACTOR = "cli"

outbox_app = typer.Typer(
    help="Replies mailed to customers: list the outbox, retry failed ones, dispatch now.",
    no_args_is_help=True,
)


def mail_outbox(c: Container, smtp: SmtpConfig | None = None) -> MailOutbox:
    s = c.settings
    return MailOutbox(
        c.uow,
        c.audit_log,
        s.mail_desk_address,
        smtp,
        max_age=timedelta(hours=s.mail_outbox_max_age_hours),
    )


# --- beside uvicorn ----------------------------------------------------------------------------


@dataclass
class Background:
    stop_event: threading.Event = field(default_factory=threading.Event)
    listener: MailListener | None = None
    threads: list[threading.Thread] = field(default_factory=list)

    def start_thread(self, name: str, work: Callable[[threading.Event], None]) -> None:
        thread = threading.Thread(target=work, args=(self.stop_event,), name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def stop(self) -> None:
        self.stop_event.set()
        if self.listener is not None:
            self.listener.stop()
            self.listener = None
        for thread in self.threads:
            thread.join(JOIN_SECONDS)
        self.threads.clear()


def start_background(c: Container) -> Background:
    """Start what the settings ask for. Every setting is checked before anything starts,
    so a mistake stops `serve` with one line and leaves nothing running."""
    s = c.settings
    imap = ImapConfig.from_settings(s)
    smtp = SmtpConfig.from_settings(s)
    jobs = Background()
    try:
        jobs.listener = start_mail_listener(s, mail_intake(c, "smtp"))
        if imap is not None:
            jobs.start_thread("imap-poller", ImapPoller(imap, mail_intake(c, "imap")).run)
        if smtp is not None:
            outbox = mail_outbox(c, smtp)
            jobs.start_thread(
                "mail-outbox",
                lambda stop: outbox.run(stop, c.clock, s.mail_outbox_poll_seconds),
            )
        jobs.start_thread("support-sweep", lambda stop: _sweep(c, stop))
        jobs.start_thread("bot", lambda stop: _bot(c, stop))
    except BaseException:
        jobs.stop()
        raise
    log.info(
        "serve.background",
        smtp_listen=jobs.listener is not None,
        imap=imap is not None,
        mail_out=smtp is not None,
    )
    return jobs


def _sweep(c: Container, stop: threading.Event) -> None:
    """The SLA sweep every minute (it is idempotent at one instant)."""
    while not stop.wait(SWEEP_SECONDS):
        try:
            c.support_sweep()
        except Exception as exc:  # noqa: BLE001 - a failing sweep must not stop the next
            log.error("support.sweep_failed", error=type(exc).__name__)


def _bot(c: Container, stop: threading.Event) -> None:
    """The bot answers what came in by mail (and anything a worker could not answer) every
    few seconds; without a trained model it says so once and checks again each minute."""
    ready = c.warm_up_bot()
    if not ready:
        log.warning("bot.no_model", message="run `trustdesk bot train` to let the bot answer")
    while not stop.wait(BOT_SWEEP_SECONDS if ready else SWEEP_SECONDS):
        try:
            if not ready:
                ready = c.warm_up_bot()
                if not ready:
                    continue
            report = c.bot_sweep()
            if report.runs or report.failed:
                log.info("bot.sweep", answered=len(report.runs), failed=len(report.failed))
        except Exception as exc:  # noqa: BLE001 - a failing run must not stop the next
            log.error("bot.sweep_failed", error=type(exc).__name__)


# --- trustdesk mail outbox ---------------------------------------------------------------------


@outbox_app.command("list")
def outbox_list(
    state: Annotated[
        OutboxState | None, typer.Option("--state", help="queued, sent or failed")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Replies to be mailed, sent and failed, newest first."""
    with container() as c:
        entries = mail_outbox(c).entries(state.value if state else None, limit)
    if as_json:
        out.print_json(json.dumps([e.summary() for e in entries]))
        return
    if not entries:
        out.print("the mail outbox is empty")
        return
    table = Table("message", "ticket", "state", "attempts", "next attempt", "error", "sent")
    for e in entries:
        table.add_row(
            e.message_id,
            e.ticket_id,
            e.state.value,
            str(e.attempts),
            e.next_attempt_at.strftime("%Y-%m-%d %H:%M:%S")
            if e.state is OutboxState.QUEUED
            else "",
            e.last_error_code or "",
            e.sent_at.strftime("%Y-%m-%d %H:%M:%S") if e.sent_at else "",
        )
    out.print(table)


@outbox_app.command("retry")
def outbox_retry(
    message_ids: Annotated[list[str] | None, typer.Argument(metavar="MESSAGE_ID...")] = None,
    all_failed: Annotated[bool, typer.Option("--all-failed", help="every failed reply")] = False,
) -> None:
    """Queue failed replies again; the dispatcher sends them on its next round."""
    if bool(message_ids) == all_failed:
        raise fail("give message ids or --all-failed")
    with container() as c:
        outbox = mail_outbox(c)
        ids = outbox.failed_ids() if all_failed else list(message_ids or [])
        done = outbox.retry(ids, c.clock.now(), ACTOR)
    out.print(f"queued {len(done)} failed repl{'y' if len(done) == 1 else 'ies'} again")


@outbox_app.command("dispatch")
def outbox_dispatch() -> None:
    """One dispatcher round now: queue new replies and send every due one."""
    with container() as c:
        smtp = SmtpConfig.from_settings(c.settings)
        if smtp is None:
            raise fail("set TRUSTDESK_SMTP_HOST (the relay replies go out through)")
        counts = mail_outbox(c, smtp).dispatch_once(c.clock.now())
    out.print(
        f"{counts.enqueued} queued, {counts.sent} sent, {counts.retrying} to retry, "
        f"{counts.failed} failed"
    )
