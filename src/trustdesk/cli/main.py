"""The trustdesk command."""

from __future__ import annotations

from typing import Annotated

import typer

from trustdesk.cli import apikeys, audit, compliance, db, demo, factors, kb, lists, sanctions
from trustdesk.cli import bot as bot_cli
from trustdesk.cli import channels as channels_cli
from trustdesk.cli import desk as desk_cli
from trustdesk.cli import mail as mail_cli
from trustdesk.cli import support as support_cli
from trustdesk.cli.assess import assess_command
from trustdesk.cli.diagnose import diagnose_command

app = typer.Typer(
    help="trustdesk: transaction decisions, lists and audit for self-custody wallets.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(lists.app, name="lists")
app.add_typer(audit.app, name="audit")
app.add_typer(apikeys.app, name="apikeys")
app.add_typer(factors.app, name="factors")
app.add_typer(factors.stepup_app, name="stepup")
app.command("assess")(assess_command)
app.command("demo")(demo.demo_command)
app.command("diagnose")(diagnose_command)
app.add_typer(sanctions.app, name="sanctions")
app.command("screen")(sanctions.screen_command)
app.add_typer(compliance.kyc_app, name="kyc")
app.add_typer(compliance.packs_app, name="packs")
app.add_typer(compliance.privacy_app, name="privacy")
app.add_typer(kb.app, name="kb")
app.add_typer(bot_cli.app, name="bot")
app.add_typer(kb.phishing_app, name="phishing")
app.add_typer(mail_cli.app, name="mail")
mail_cli.app.add_typer(channels_cli.outbox_app, name="outbox")
app.add_typer(support_cli.tickets_app, name="tickets")
app.add_typer(support_cli.customers_app, name="customers")
app.add_typer(desk_cli.agents_app, name="agents")
app.add_typer(desk_cli.macros_app, name="macros")
app.add_typer(desk_cli.support_app, name="support")


# uvicorn kills a worker that does not answer its supervisor's ping in time (default 5 s).
# Loading the bot's language models holds the GIL for about a second on a quiet machine and
# several on a busy one, so at 5 s a loaded host killed and restarted workers in a loop.
WORKER_HEALTHCHECK_SECONDS = 60


@app.command("serve")
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
) -> None:
    """Run the API (uvicorn) and, once in this process, the mail listener (TRUSTDESK_SMTP_LISTEN),
    the IMAP poller (TRUSTDESK_IMAP_HOST), the mail outbox (TRUSTDESK_SMTP_HOST) and the
    SLA sweep."""
    import uvicorn

    from trustdesk.cli._context import container
    from trustdesk.logging import configure_logging

    # Settings, keys and schema are checked here first, so a mistake is one line, not a
    # traceback from every worker (which would print the offending values). A listener
    # that cannot start (port taken) is one line too.
    with container() as c:
        configure_logging(c.settings.log_json)
        background = channels_cli.start_background(c)
        try:
            uvicorn.run(
                "trustdesk.web.asgi:build",
                host=host,
                port=port,
                workers=workers,
                factory=True,
                access_log=False,
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
            )
        finally:
            background.stop()


def main() -> None:
    app()
