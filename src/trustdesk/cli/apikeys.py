"""trustdesk apikeys create|list."""

from __future__ import annotations

from typing import Annotated

import typer

from trustdesk.auth.apikeys import SCOPES, create_api_key, list_api_keys, parse_scopes
from trustdesk.cli._context import container, out

app = typer.Typer(help="API keys for machine clients.", no_args_is_help=True)


@app.command("create")
def create_cmd(
    name: str,
    scopes: Annotated[str, typer.Option(help=f"comma-separated: {', '.join(sorted(SCOPES))}")],
) -> None:
    """Create a key and print it once; only its hash is stored."""
    with container() as c:
        wanted = parse_scopes(scopes)
        with c.session() as session:
            key = create_api_key(session, name, wanted, c.clock.now())
    out.print(key, highlight=False)


@app.command("list")
def list_cmd() -> None:
    with container() as c, c.session() as session:
        for row in list_api_keys(session):
            state = "revoked" if row.revoked_at else "active"
            out.print(f"{row.id}  {row.name}  {','.join(row.scopes)}  {state}", highlight=False)
