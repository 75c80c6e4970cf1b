"""trustdesk db upgrade|current."""

from __future__ import annotations

import typer

from trustdesk.cli._context import container, out
from trustdesk.db.migrate import current_revision, upgrade

app = typer.Typer(help="Create or migrate the database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_cmd() -> None:
    """Create the schema or migrate it to the newest revision."""
    with container(schema_check=False) as c:
        upgrade(c.engine)
        out.print(f"database at revision {current_revision(c.engine)}")


@app.command("current")
def current_cmd() -> None:
    """Print the schema revision of the database."""
    with container(schema_check=False) as c:
        out.print(current_revision(c.engine) or "empty (run: trustdesk db upgrade)")
