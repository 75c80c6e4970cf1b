"""trustdesk agents …, trustdesk macros …, trustdesk support sweep"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, TypeVar

import typer
from rich.table import Table

from trustdesk.cli._context import container, fail, out
from trustdesk.support.agents import AgentIn
from trustdesk.support.desk_schemas import agent_json, macro_json
from trustdesk.support.service import SupportDesk

agents_app = typer.Typer(help="Support agents: the roster, who is online.")
macros_app = typer.Typer(help="Canned replies (macros) per language.")
support_app = typer.Typer(help="The support desk: the SLA sweep.")
for _app in (agents_app, macros_app, support_app):
    _app.info.no_args_is_help = True

ACTOR = "cli"
T = TypeVar("T")
JsonOption = Annotated[bool, typer.Option("--json", help="print JSON")]


def _print_json(value: Any) -> None:
    out.print_json(json.dumps(value, ensure_ascii=False))


def _write(work: Callable[[SupportDesk], T]) -> T:
    with container() as c, c.session() as session:
        return work(c.support(session, ACTOR))


def _read(work: Callable[[SupportDesk], T]) -> T:
    with container() as c, c.reading() as session:
        return work(c.support(session, ACTOR))


# --- agents ------------------------------------------------------------------------------------


@agents_app.command("list")
def agents_list(as_json: JsonOption = False) -> None:
    """The roster with each agent's load (open tickets)."""
    rows = [agent_json(a) for a in _read(lambda d: d.agents())]
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "name", "team", "queues", "languages", "skills", "load", "online")
    for r in rows:
        table.add_row(
            r["id"],
            r["display_name"] or "-",
            r["team"],
            ",".join(r["queues"]),
            ",".join(r["languages"]),
            ",".join(r["skills"]) or "all",
            f"{r['load']}/{r['capacity']}",
            "yes" if r["online"] else "no",
        )
    out.print(table)


@agents_app.command("set")
def agents_set(
    agent_id: str,
    team: Annotated[str, typer.Option(help="a team of the desk config: emea, apac …")],
    queue: Annotated[list[str], typer.Option(help="a queue they work (repeat)")],
    language: Annotated[list[str], typer.Option(help="a language they answer in (repeat)")],
    capacity: Annotated[int, typer.Option(help="open tickets at once")],
    skill: Annotated[
        list[str] | None, typer.Option(help="a category they take (repeat; none: all)")
    ] = None,
    name: Annotated[str | None, typer.Option(help="display name")] = None,
    online: Annotated[
        bool | None, typer.Option("--online/--offline", help="default: unchanged")
    ] = None,
) -> None:
    """Create or replace an agent."""
    given = AgentIn(
        team=team,
        queues=tuple(queue),
        languages=tuple(language),
        capacity=capacity,
        skills=tuple(skill or ()),
        display_name=name,
        online=online,
    )
    agent, created = _write(lambda d: d.save_agent(agent_id, given))
    state = "online" if agent.online else "offline"
    verb = "created" if created else "saved"
    out.print(f"{verb} {agent.id} ({state}, load {agent.load}/{agent.capacity})", highlight=False)


@agents_app.command("online")
def agents_online(agent_id: str) -> None:
    """The agent takes tickets; waiting tickets they can take are assigned at once."""
    agent = _write(lambda d: d.set_online(agent_id, True))
    out.print(f"{agent.id} online (load {agent.load}/{agent.capacity})", highlight=False)


@agents_app.command("offline")
def agents_offline(agent_id: str) -> None:
    """The agent takes no new tickets."""
    agent = _write(lambda d: d.set_online(agent_id, False))
    out.print(f"{agent.id} offline (load {agent.load}/{agent.capacity})", highlight=False)


# --- macros ------------------------------------------------------------------------------------


@macros_app.command("list")
def macros_list(
    lang: Annotated[str | None, typer.Option(help="show in this language")] = None,
    as_json: JsonOption = False,
) -> None:
    """Every macro, with the languages it has."""
    rows = [macro_json(m, lang) for m in _read(lambda d: d.macros())]
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "title", "languages", "source")
    for r in rows:
        table.add_row(r["id"], r["title"], ",".join(r["languages"]), r["source"])
    out.print(table)


@macros_app.command("show")
def macros_show(
    macro_id: str,
    lang: Annotated[str, typer.Option(help="the language to show")] = "en",
    as_json: JsonOption = False,
) -> None:
    """One macro's text in a language (English, said so, when it has none)."""
    data = macro_json(_read(lambda d: d.macro(macro_id)), lang)
    if as_json:
        _print_json(data)
        return
    out.print(f"{data['id']}  {data['title']}  [{data['language']}]", highlight=False)
    if data["notice"]:
        out.print(f"note: {data['notice']}", highlight=False)
    out.print("placeholders: " + (", ".join(data["placeholders"]) or "-"), highlight=False)
    out.print(data["body"], highlight=False, soft_wrap=True)


# --- the sweep ---------------------------------------------------------------------------------


@support_app.command("sweep")
def support_sweep(
    at: Annotated[
        str | None, typer.Option(help="ISO 8601 instant with a zone (default: now)")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """SLA warnings, breaches and escalations; silent assignees' tickets moved; backlogs
    drained. Running it twice at one instant changes nothing the second time."""
    when = _instant(at) if at else None
    with container() as c:
        report = c.support_sweep(when)
    data = report.to_json()
    if as_json:
        _print_json(data)
        return
    out.print(
        f"sweep at {data['at']}: {report.warnings} warnings, {report.breaches} breaches, "
        f"{report.escalated} escalated, {report.notified} managers notified, "
        f"{report.reassigned} reassigned, {report.assigned} assigned from backlogs",
        highlight=False,
    )
    if report.failed:
        fail("failed on " + ", ".join(report.failed) + " (see the log)", code=1)


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise fail(
            f"--at: {text!r} is not an ISO 8601 instant such as 2026-03-02T09:00:00+00:00"
        ) from None
    if value.tzinfo is None:
        raise fail("--at: give the zone too, e.g. 2026-03-02T09:00:00+00:00 or …Z")
    return value
