"""trustdesk apikeys create|list."""

from __future__ import annotations

from typing import Annotated

import typer

from trustdesk.audit.model import AuditEvent
from trustdesk.auth.apikeys import (
    SCOPES,
    create_api_key,
    list_api_keys,
    parse_scopes,
    revoke_api_key,
)
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
            key_id = key.split(".")[1]
            c.audit_log(session).append(
                AuditEvent(
                    actor="cli",
                    action="apikey.created",
                    subject=f"apikey:{key_id}",
                    payload={"name": name.strip(), "scopes": sorted(wanted)},
                )
            )
    out.print(key, highlight=False)


@app.command("revoke")
def revoke_cmd(key_id: str) -> None:
    """Revoke a key by its id (the middle part of td.<id>.<secret>); audited."""
    with container() as c, c.session() as session:
        row = revoke_api_key(session, key_id, c.clock.now())
        c.audit_log(session).append(
            AuditEvent(
                actor="cli",
                action="apikey.revoked",
                subject=f"apikey:{row.id}",
                payload={"name": row.name},
            )
        )
    out.print(f"revoked {key_id}", highlight=False)


@app.command("list")
def list_cmd() -> None:
    with container() as c, c.session() as session:
        for row in list_api_keys(session):
            state = "revoked" if row.revoked_at else "active"
            out.print(f"{row.id}  {row.name}  {','.join(row.scopes)}  {state}", highlight=False)
