"""The trustdesk command."""

from __future__ import annotations

from typing import Annotated

import typer

from trustdesk.cli import bot as bot_cli
from trustdesk.cli import apikeys, audit, compliance, db, demo, factors, kb, lists, sanctions
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
app.add_typer(bot_cli.app, name="bot")
app.add_typer(kb.app, name="kb")
app.add_typer(kb.phishing_app, name="phishing")
app.add_typer(mail_cli.app, name="mail")
app.add_typer(support_cli.tickets_app, name="tickets")
app.add_typer(support_cli.customers_app, name="customers")


@app.command("serve")
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64)] = 1,
) -> None:
    """Run the API (uvicorn)."""
    import uvicorn

    from trustdesk.cli._context import container

    # Settings, keys and schema are checked here first, so a mistake is one line, not a
    # traceback from every worker (which would print the offending values).
    with container():
        pass

    uvicorn.run(
        "trustdesk.web.asgi:build",
        host=host,
        port=port,
        workers=workers,
        factory=True,
        access_log=False,
    )


def main() -> None:
    app()
