"""trustdesk tickets …, trustdesk customers …"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.table import Table

from trustdesk.cli._context import container, fail, out
from trustdesk.support.model import Visibility
from trustdesk.support.schemas import customer_json, ticket_json, ticket_view_json
from trustdesk.support.service import ReplyIn, SupportDesk

tickets_app = typer.Typer(help="Support tickets: list, show, reply, change status.")
customers_app = typer.Typer(help="Support customers: show, merge, timeline.")
for _app in (tickets_app, customers_app):
    _app.info.no_args_is_help = True

ACTOR = "cli"
T = TypeVar("T")
JsonOption = Annotated[bool, typer.Option("--json", help="print JSON")]
# The keys `tickets list --json` always prints (scripts rely on them).
LIST_KEYS = (
    "id",
    "subject",
    "category",
    "language",
    "status",
    "tier",
    "customer_id",
    "priority",
    "region",
    "channel",
    "assignee",
    "tags",
    "created_at",
    "updated_at",
)


def _print_json(value: Any) -> None:
    out.print_json(json.dumps(value, ensure_ascii=False))


def _write(work: Callable[[SupportDesk], T]) -> T:
    with container() as c, c.session() as session:
        return work(c.support(session, ACTOR))


def _read(work: Callable[[SupportDesk], T]) -> T:
    with container() as c, c.reading() as session:
        return work(c.support(session, ACTOR))


# --- tickets -----------------------------------------------------------------------------------


@tickets_app.command("list")
def tickets_list(
    customer: Annotated[str | None, typer.Option(help="customer id")] = None,
    status: Annotated[str | None, typer.Option(help="new, bot, waiting_agent, …")] = None,
    tier: Annotated[str | None, typer.Option(help="bot, l1, l2, blockchain, compliance")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    as_json: JsonOption = False,
) -> None:
    """Tickets, newest first."""
    found = _read(lambda d: d.tickets(customer_id=customer, status=status, tier=tier, limit=limit))
    rows = [{k: v for k, v in ticket_json(t).items() if k in LIST_KEYS} for t in found]
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "status", "tier", "priority", "category", "lang", "customer", "subject")
    for r in rows:
        table.add_row(
            r["id"],
            r["status"],
            r["tier"],
            r["priority"],
            r["category"],
            r["language"] or "-",
            r["customer_id"],
            r["subject"][:60],
        )
    out.print(table)


@tickets_app.command("show")
def tickets_show(ticket_id: str, as_json: JsonOption = False) -> None:
    """The ticket and its messages (notes included)."""
    data = ticket_view_json(_read(lambda d: d.ticket(ticket_id)))
    if as_json:
        _print_json(data)
        return
    out.print(f"{data['id']}  {data['subject']}", highlight=False)
    out.print(
        f"status {data['status']}  tier {data['tier']}  priority {data['priority']}  "
        f"category {data['category']}  language {data['language'] or '-'}  "
        f"customer {data['customer_id']}  assignee {data['assignee'] or '-'}",
        highlight=False,
    )
    if data["tags"]:
        out.print("tags " + ", ".join(data["tags"]), highlight=False)
    for m in data["messages"]:
        who = m["author_kind"] + (f":{m['author_id']}" if m["author_id"] else "")
        kind = "NOTE" if m["visibility"] == "internal" else m["direction"]
        out.print(f"--- {m['created_at']}  {kind}  {who}  via {m['channel']}", highlight=False)
        out.print(m["body"], highlight=False, soft_wrap=True)
        for a in m["attachments"]:
            out.print(
                f"    [{a['status']}] {a['filename']} ({a['content_type']}, {a['size']} bytes)",
                highlight=False,
            )


@tickets_app.command("reply")
def tickets_reply(
    ticket_id: str,
    agent: Annotated[str, typer.Option(help="the agent's id")],
    text: Annotated[str | None, typer.Argument(help="the reply; omit it with --macro")] = None,
    note: Annotated[bool, typer.Option("--note", help="an internal note, not sent")] = False,
    macro: Annotated[
        str | None, typer.Option(help="send this macro, in the ticket's language")
    ] = None,
    value: Annotated[
        list[str] | None, typer.Option(help="a macro placeholder: name=value (repeat)")
    ] = None,
) -> None:
    """Reply to the customer (or add an internal note with --note), or send a macro."""
    if macro is not None:
        _reply_with_macro(ticket_id, agent, macro, text, note, value or [])
        return
    if text is None:
        raise fail("give the reply text, or --macro NAME")
    given = ReplyIn(
        body=text,
        author_id=agent,
        visibility=Visibility.INTERNAL if note else Visibility.PUBLIC,
    )
    ticket, message = _write(lambda d: d.reply(ticket_id, given))
    kind = "note" if note else "reply"
    out.print(f"{kind} {message.id} added to {ticket.id} ({ticket.status.value})", highlight=False)


def _reply_with_macro(
    ticket_id: str, agent: str, macro: str, text: str | None, note: bool, pairs: list[str]
) -> None:
    if text is not None or note:
        fail("--macro sends a public reply of its own: give no text and no --note")
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, given = pair.partition("=")
        if not sep or not name.strip():
            fail(f"--value {pair!r}: write name=value, e.g. tx_hash=0xabc…")
        values[name.strip()] = given
    done = _write(lambda d: d.reply_with_macro(ticket_id, macro, agent, values))
    if done.rendered.choice.notice:
        out.print(f"note: {done.rendered.choice.notice}", highlight=False)
    out.print(
        f"macro {done.rendered.macro_id} ({done.rendered.choice.language}) sent as "
        f"{done.message.id} on {done.ticket.id} ({done.ticket.status.value})",
        highlight=False,
    )


@tickets_app.command("status")
def tickets_status(ticket_id: str, status: str) -> None:
    """Move the ticket (the status machine decides what is allowed)."""
    ticket = _write(lambda d: d.set_status(ticket_id, status))
    out.print(f"{ticket.id}: {ticket.status.value}", highlight=False)


# --- customers ---------------------------------------------------------------------------------


@customers_app.command("show")
def customers_show(customer_id: str, as_json: JsonOption = False) -> None:
    """The customer and its identities (a merged-away id shows the one it went into)."""

    def view(desk: SupportDesk) -> dict[str, Any]:
        found = desk.customer(customer_id)
        merged = desk.merged_ids(found.customer.id)
        return customer_json(found.customer, merged_ids=merged, requested=customer_id)

    data = _read(view)
    if as_json:
        _print_json(data)
        return
    note = f" (merged: {customer_id} -> {data['id']})" if data["redirected_from"] else ""
    out.print(f"{data['id']}  {data['display_name'] or '-'}{note}", highlight=False)
    out.print(
        f"account {data['account_id'] or '-'}  language {data['language'] or '-'}  "
        f"region {data['region'] or '-'}  provisional {str(data['provisional']).lower()}",
        highlight=False,
    )
    for i in data["identities"]:
        mark = "verified" if i["verified"] else "unverified"
        out.print(f"  {i['kind']:<9} {i['given']}  ({mark})", highlight=False)
    if data["merged_ids"]:
        out.print("merged from " + ", ".join(data["merged_ids"]), highlight=False)


@customers_app.command("merge")
def customers_merge(source: str, into: str) -> None:
    """Merge customer SOURCE into INTO: identities and tickets move to INTO."""
    customer = _write(lambda d: d.merge(source, into))
    out.print(f"merged {source} into {customer.id}", highlight=False)


@customers_app.command("timeline")
def customers_timeline(
    customer_id: str,
    as_json: JsonOption = False,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 200,
) -> None:
    """The customer's story in time order: tickets, messages, assessments, step-ups, KYC."""
    timeline = _read(lambda d: d.timeline(customer_id, limit=limit))
    if as_json:
        _print_json(timeline.to_json())
        return
    for item in timeline.items:
        out.print(f"{item.at.isoformat()}  {item.kind.value:<15} {item.summary}", highlight=False)
    if timeline.truncated:
        out.print(f"(more after these {len(timeline.items)}; raise --limit)", highlight=False)
