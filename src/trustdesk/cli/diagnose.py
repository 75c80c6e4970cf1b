"""trustdesk diagnose: what happened to the transaction a support message asks about.

Exit codes: 0 diagnosed; 3 the chain could not be read (the diagnosis is still printed,
with a ``chain_unavailable`` finding that escalates to the blockchain queue, exactly as
the bot would hand it over); 2 bad input or configuration.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from typing import Annotated

import typer
from pydantic import ValidationError

from trustdesk.bot.chain_facts import diagnose_message
from trustdesk.bot.diagnosis_text import LANGUAGES, render
from trustdesk.chains.rpc import EthRpc
from trustdesk.cli._context import console, fail, out
from trustdesk.core.errors import DomainError
from trustdesk.settings import Settings

EXIT_CHAIN_UNAVAILABLE = 3


def diagnose_command(
    message: Annotated[str, typer.Argument(help="the user's message; '-' reads stdin")],
    chain: Annotated[
        str | None,
        typer.Option(help="the chain when the message names none (e.g. ethereum)"),
    ] = None,
    rpc: Annotated[
        str | None,
        typer.Option(help="JSON-RPC URL of an EVM node; default TRUSTDESK_ETH_RPC_URL"),
    ] = None,
    lang: Annotated[str, typer.Option(help=f"answer language: {', '.join(LANGUAGES)}")] = "en",
    waited: Annotated[
        int | None,
        typer.Option(min=0, help="minutes the user has waited, when known"),
    ] = None,
    timeout: Annotated[float, typer.Option(min=0.1, help="RPC timeout in seconds")] = 5.0,
    as_json: Annotated[
        bool, typer.Option("--json", help="items, facts, findings and answer as JSON")
    ] = False,
) -> None:
    """Diagnose a transaction from a support message: pending, low fee, confirmations,
    revert reason, nonce gap, wrong network.

    Exit status: 0 diagnosed; 3 the chain could not be read (the answer is still printed
    and the case escalates to the blockchain queue); 2 bad input or configuration.
    """
    text = sys.stdin.read() if message == "-" else message
    url = rpc or _configured_url()
    try:
        node = EthRpc(url, timeout) if url else None
        try:
            diagnosis = diagnose_message(
                text,
                chain,
                node,
                waited=None if waited is None else timedelta(minutes=waited),
            )
        finally:
            if node is not None:
                node.close()
    except DomainError as exc:
        fail(f"{exc.message} [{exc.code}]")
    answer = render(diagnosis, lang)
    if as_json:
        result = diagnosis.to_dict() | {"lang": lang, "answer": answer}
        out.print_json(json.dumps(result, ensure_ascii=False))
    else:
        out.print(answer, highlight=False, soft_wrap=True)
        codes = ", ".join(diagnosis.codes)
        handoff = f"; escalated to the {diagnosis.queue} queue" if diagnosis.escalate else ""
        console.print(f"findings: {codes}{handoff}", highlight=False, style="dim")
    unavailable = [f for f in diagnosis.findings if f.code == "chain_unavailable"]
    if unavailable:
        console.print(f"error: {unavailable[0].data.get('detail')}", highlight=False)
        raise typer.Exit(EXIT_CHAIN_UNAVAILABLE)


def _configured_url() -> str | None:
    try:
        secret = Settings().eth_rpc_url
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        fail(f"configuration error: {where}: {str(first['msg']).removeprefix('Value error, ')}")
    return None if secret is None else secret.get_secret_value()
