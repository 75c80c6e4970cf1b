"""The demo's support-desk part: one customer writes by e-mail (a GBK-encoded Chinese mail
through a real SMTP listener) and in the in-app chat (through the API the wallet backend
calls); both land on one customer timeline beside that account's assessments."""

from __future__ import annotations

import logging
import smtplib
import socket
import warnings
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate, make_msgid
from typing import Any

import structlog
from rich.table import Table

from trustdesk.auth.apikeys import create_api_key
from trustdesk.bootstrap import Container
from trustdesk.cli._context import console, out
from trustdesk.cli.demo_data import DemoPlan
from trustdesk.cli.mail import mail_intake, mail_quarantine
from trustdesk.core.errors import DomainError
from trustdesk.support.mail.listener import MailListener
from trustdesk.support.service import CustomerIn, IdentityIn
from trustdesk.support.sla import Priority
from trustdesk.web.app import create_app

ACTOR = "demo"
NAME = "李伟"
EMAIL = "li.wei@example.com"
DESK_ADDRESS = "support@trustdesk.example"
SUBJECT = "我的提现还没到账"  # "my withdrawal has not arrived"
MAIL_BODY = "你好，我昨天从钱包提现了 390 USDT，到现在还没到账，请帮我查一下。谢谢！"
TX_HASH = "0x9f2c4e6a8b0d1f3e5a7c9b1d3f5e7a9c2b4d6f8e0a1c3e5b7d9f1a3c5e7b9d0f"
CHAT_TEXT = f"我刚才也发了邮件，交易哈希是 {TX_HASH}"
# The app's chat was opened from the withdrawal screen, so it names the category.
CHAT_CATEGORY = "deposit_withdrawal_failure"


@dataclass(frozen=True)
class Sent:
    raw_subject: str  # the Subject header as it went over the wire
    refused: bool  # the listener did not take it (the mail is then not in the desk)


def pick_account(plan: DemoPlan) -> str:
    """The established user whose payment from a new device in a far country went to
    review: the customer most likely to ask support where the money is."""
    counts = Counter(str(r["account_id"]) for r in plan.requests)
    for group, request in zip(plan.groups, plan.requests, strict=True):
        if group == "new-device-and-country" and counts[str(request["account_id"])] >= 2:
            return str(request["account_id"])
    return counts.most_common(1)[0][0]


def run_support_demo(c: Container, account_id: str) -> bool:
    """E-mail and chat from one customer, routed, SLA timers set, the bot's turn, one
    timeline; True when both messages and the account's assessments share that timeline."""
    try:
        with _quiet_logs():
            return _story(c, account_id)
    except DomainError as exc:
        console.print(f"support desk: {exc.message} [{exc.code}]", style="red")
        return False


def _story(c: Container, account_id: str) -> bool:
    with c.session() as session:
        customer = c.support(session, ACTOR).create_customer(
            CustomerIn(
                display_name=NAME,
                account_id=account_id,
                language="zh",
                region="SG",
                identities=(IdentityIn("email", EMAIL, verified=True),),
            )
        )
        key = create_api_key(
            session,
            "demo-wallet-backend",
            frozenset({"support:chat", "support:read"}),
            c.clock.now(),
        )
    out.print(f"customer {customer.id}: account {account_id} + e-mail {EMAIL} (verified)")
    bot = _bot_ready(c)
    sent = send_mail(c)
    out.print(f"e-mail sent over SMTP to the desk's listener; Subject: {sent.raw_subject}")
    with _api(c, key) as api:
        found = api("GET", "/v1/tickets", params={"customer": customer.id})
        mail_ticket = next((t for t in found if t["channel"] == "email"), None)
        if bot and mail_ticket is not None:
            _bot_turn(c, mail_ticket["id"], api)
        chat = api(
            "POST",
            "/v1/chat/messages",
            json={
                "account_id": account_id,
                "text": CHAT_TEXT,
                "client_message_id": "demo-chat-1",
                "language": "zh",
                "category": CHAT_CATEGORY,
            },
        )
        out.print(
            f"in-app chat via POST /v1/chat/messages: ticket {chat['ticket_id']}, "
            f"customer {chat['customer_id']}"
            + (f"; the bot: {_said(chat['bot'])}" if chat["bot"] else "")
        )
        if not bot:
            out.print("the bot is off until a model is trained: trustdesk bot train")
        tickets = [
            api("GET", f"/v1/tickets/{t['id']}")
            for t in reversed(api("GET", "/v1/tickets", params={"customer": customer.id}))
        ]
        timeline = api("GET", f"/v1/customers/{customer.id}/timeline")
    _print_tickets(c, tickets)
    _print_timeline(timeline, tickets)
    return _check(customer.id, account_id, chat, tickets, timeline, sent)


# --- the two channels --------------------------------------------------------------------------


def send_mail(c: Container) -> Sent:
    """A real SMTP conversation with the desk's listener on a free loopback port."""
    msg = MIMEText(MAIL_BODY, "plain", "gbk")
    msg["Subject"] = encoded = Header(SUBJECT, "gbk").encode()  # =?gbk?b?…?=
    msg["From"] = formataddr((NAME, EMAIL), charset="gbk")
    msg["To"] = DESK_ADDRESS
    msg["Date"] = formatdate(c.clock.now().timestamp(), usegmt=True)
    msg["Message-ID"] = make_msgid("demo", domain="mail.example.com")
    raw = msg.as_bytes()
    quarantine = mail_quarantine(c)
    held = len(quarantine.list(limit=500))
    listener = MailListener(
        "127.0.0.1", _free_port(), mail_intake(c, "smtp"), c.settings.mail_max_bytes
    )
    try:
        with listener, smtplib.SMTP(listener.host, listener.port, "demo.localhost", 10) as smtp:
            refused = bool(smtp.sendmail(EMAIL, [DESK_ADDRESS], raw))
    except OSError as exc:  # smtplib's errors are OSErrors too
        console.print(f"the e-mail did not reach the desk's SMTP listener: {exc}", style="red")
        refused = True
    if len(quarantine.list(limit=500)) > held:
        console.print("the e-mail went to the quarantine (trustdesk mail quarantine list)")
        refused = True
    return Sent(encoded, refused)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ApiRefused(DomainError):
    code = "demo.api_refused"


@contextmanager
def _api(c: Container, key: str) -> Iterator[Any]:
    """The app in-process, called the way the wallet backend calls it; a non-2xx answer
    raises with the problem's code."""
    with warnings.catch_warnings():
        # Starlette asks for the httpx2 fork; the installed httpx drives the app fine.
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        from starlette.testclient import TestClient

    headers = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(c)) as client:

        def call(method: str, path: str, **kwargs: Any) -> Any:
            response = client.request(method, path, headers=headers, **kwargs)
            if response.status_code >= 300:
                problem = response.json()
                raise ApiRefused(f"{method} {path}: {response.status_code} {problem.get('detail')}")
            return response.json()

        yield call


# --- the bot -----------------------------------------------------------------------------------


def _bot_ready(c: Container) -> bool:
    """A trained intent model? Checked before the language detector's warm-up, which
    takes seconds and is of no use without a model."""
    try:
        c.bot_desk().runtime.model()
    except DomainError:
        return False
    return c.warm_up_bot()


def _bot_turn(c: Container, ticket_id: str, api: Any) -> None:
    view = api("GET", f"/v1/tickets/{ticket_id}")
    first = view["messages"][0]["id"]
    run = c.run_bot(ticket_id, first)
    if run is None:
        out.print(f"the bot: nothing to answer on {ticket_id} (tier {view['tier']})")
        return
    out.print(f"the bot on the e-mail ({ticket_id}): {_said(run.chat_json())}")


def _said(bot: dict[str, Any]) -> str:
    head = f"[{bot['language']}, {bot['intent']}]"
    if bot.get("handoff_queue"):
        head += f" handed to {bot['handoff_queue']}"
    return f"{head} {' '.join(str(bot['answer']).split())[:120]}"


# --- printing and the check --------------------------------------------------------------------


def _print_tickets(c: Container, tickets: list[dict[str, Any]]) -> None:
    routed = _routing_entries(c, {t["id"] for t in tickets})
    for t in tickets:
        subject = t["subject"] if len(t["subject"]) <= 50 else t["subject"][:50] + "…"
        out.print(f"ticket {t['id']} via {t['channel']}: {subject}", highlight=False)
        out.print(
            f"  category {t['category']}, language {t['language'] or '-'}, tier {t['tier']}, "
            f"team {_team(c, t)}, priority {t['priority']}, status {t['status']}",
            highlight=False,
        )
        rules = routed.get(t["id"])
        if rules is not None:
            decided = "; ".join(f"{k} by {v}" for k, v in rules["rules"].items() if v)
            out.print(
                f"  routed ({rules['trigger']}) under {rules['version']}: {decided}",
                highlight=False,
            )
        if c.desk_config is not None:
            terms = c.desk_config.sla.terms(Priority(t["priority"]), t["tier"], t["team"])
            out.print(
                f"  SLA for {t['priority']} on the {terms.calendar.name} calendar: first response "
                f"{_span(terms.target.first_response)}, resolution "
                f"{_span(terms.target.resolution)} of business time",
                highlight=False,
            )
        out.print(
            f"  due: first response {_at(t['first_response_due_at'])}, "
            f"resolution {_at(t['resolution_due_at'])} (UTC)",
            highlight=False,
        )


def _team(c: Container, ticket: dict[str, Any]) -> str:
    """The pinned team, else the queue's own (whose calendar then measures the SLA)."""
    if ticket["team"] or c.desk_config is None:
        return str(ticket["team"] or "-")
    return f"{c.desk_config.queues[ticket['tier']].team} (the queue's)"


def _routing_entries(c: Container, ticket_ids: set[str]) -> dict[str, dict[str, Any]]:
    """The last ``support.ticket_routed`` audit entry of each ticket: the rule version and
    the rule that decided queue, team and priority."""
    found: dict[str, dict[str, Any]] = {}
    with c.reading() as session:
        for entry in c.audit_log(session).iter_entries():
            ticket_id = entry.payload.get("ticket_id")
            if entry.action == "support.ticket_routed" and ticket_id in ticket_ids:
                found[ticket_id] = entry.payload
    return found


def _print_timeline(timeline: dict[str, Any], tickets: list[dict[str, Any]]) -> None:
    bodies = {m["id"]: m["body"] for t in tickets for m in t["messages"]}
    table = Table(title=f"timeline of customer {timeline['customer_id']} (UTC)")
    for col in ("time", "kind", "summary"):
        table.add_column(col)
    for item in timeline["items"]:
        table.add_row(_at(item["at"], ms=True), item["kind"], _summary(item, bodies))
    out.print(table)


def _summary(item: dict[str, Any], bodies: dict[str, str]) -> str:
    if item["kind"] == "assessment":
        reasons = ", ".join(item["reason_codes"]) or "no reasons"
        return f"{item['decision']} ({item['score']}) {item['amount']} {item['asset']}: {reasons}"
    if item["kind"] == "message":
        text = " ".join(bodies.get(item["ref"], "").split())
        cut = text[:40] + ("…" if len(text) > 40 else "")
        what = "note" if item["visibility"] == "internal" else item["direction"]
        return f"{item['channel']} {what} from {item['author_kind']}: {cut}"
    return str(item["summary"])


def _check(
    customer_id: str,
    account_id: str,
    chat: dict[str, Any],
    tickets: list[dict[str, Any]],
    timeline: dict[str, Any],
    sent: Sent,
) -> bool:
    items = timeline["items"]
    inbound = [i for i in items if i["kind"] == "message" and i["author_kind"] == "customer"]
    channels = sorted({i["channel"] for i in inbound})
    assessments = sum(1 for i in items if i["kind"] == "assessment")
    subjects = [t["subject"] for t in tickets if t["channel"] == "email"]
    owners = {t["customer_id"] for t in tickets} | {chat["customer_id"], timeline["customer_id"]}
    problems = []
    if sent.refused:
        problems.append("the e-mail was not taken in")
    if subjects != [SUBJECT]:
        problems.append(f"the e-mail subject decoded to {subjects!r}, not {SUBJECT!r}")
    if channels != ["email", "inapp"]:
        problems.append(f"customer messages on the timeline came via {channels}")
    if owners != {customer_id}:
        problems.append(f"the messages went to customers {sorted(owners)}")
    if assessments == 0:
        problems.append("no assessment on the timeline")
    if timeline["truncated"]:
        problems.append("the timeline was cut short")
    if problems:
        console.print("one timeline: FAILED: " + "; ".join(problems), style="red")
        return False
    out.print(
        f"one timeline: {len(inbound)} customer messages ({', '.join(channels)}) + "
        f"{assessments} assessments of account {account_id} for customer {customer_id}",
        style="green",
    )
    return True


def _at(value: str | None, *, ms: bool = False) -> str:
    if value is None:
        return "-"
    when = datetime.fromisoformat(value)
    return when.strftime("%Y-%m-%d %H:%M:%S.%f")[:23] if ms else when.strftime("%Y-%m-%d %H:%M")


def _span(value: timedelta) -> str:
    minutes = int(value.total_seconds()) // 60
    hours, rest = divmod(minutes, 60)
    return f"{hours}h{rest:02d}" if rest else f"{hours}h"


@contextmanager
def _quiet_logs() -> Iterator[None]:
    """Only errors from the services' loggers while the story prints its own lines (the
    listener's start, the bot's 'no model' warning are said above)."""
    saved = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    try:
        yield
    finally:
        structlog.configure(**saved)
