"""Support intake: tickets and messages per second over HTTP and over SMTP (issue 5).

Against a real `trustdesk serve --workers 2` with TRUSTDESK_SMTP_LISTEN, on a fresh SQLite
file and (when reachable) a fresh PostgreSQL database, migrated by `trustdesk db upgrade`.
The bot has no model here (an empty TRUSTDESK_BOT_MODEL_DIR), so the figures are intake:
customer look-up or creation, routing, the message and its audit entries.

.venv/bin/python bench/support_bench.py [--rounds 3] [--seconds 8] [--quick] [--out PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import re
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.header import Header
from email.mime.text import MIMEText
from pathlib import Path
from typing import Any

import httpx
from database import postgres_reachable, scratch_postgres
from sections import put_section
from sqlalchemy import Engine, create_engine, text
from stats import Round, median, median_round, spread

from trustdesk.auth.apikeys import create_api_key
from trustdesk.bootstrap import build_container
from trustdesk.settings import Settings

BIN = Path(sys.executable).parent
DESK = "support@bench.example"
CONNECTIONS = 8  # HTTP keep-alive connections, closed loop
SMTP_SESSIONS = 4  # SMTP clients, each one session for many mails
CHAT_ACCOUNTS = 50  # chat messages spread over this many accounts (most join a ticket)
REPLY_SHARE = 3  # every 3rd mail of a session answers its previous one
WARMUP_S = 2.0
READY_S = 180.0  # a start-up on a busy shared machine can take a minute or more


def log(text_: str) -> None:
    print(f"[support-bench {datetime.now(UTC):%H:%M:%S}] {text_}", flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- the server ---------------------------------------------------------------------------------


@dataclass
class Server:
    base: str
    smtp_port: int
    key: str
    url: str
    pgid: int  # `serve` and its workers: a process group of their own
    engine: Engine  # the bench's own look at the scratch database (a count, no writes)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the process group has used so far, from /proc."""
        ticks = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # the process is gone
                continue
            if int(fields[2]) == self.pgid:  # fields after "comm)": state ppid pgrp ...
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def audit_entries(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM audit_entries")).scalar_one())


@contextmanager
def serve(url: str, tmp: Path) -> Iterator[Server]:
    env = os.environ | {
        "TRUSTDESK_DATABASE_URL": url,
        "TRUSTDESK_ATTACHMENTS_DIR": str(tmp / "attachments"),
        "TRUSTDESK_BOT_MODEL_DIR": str(tmp / "no-bot-model"),
        "TRUSTDESK_MAIL_DESK_ADDRESS": DESK,
        "TRUSTDESK_LOG_JSON": "true",
    }
    subprocess.run([str(BIN / "trustdesk"), "db", "upgrade"], env=env, check=True,
                   capture_output=True)  # fmt: skip
    container = build_container(Settings(database_url=url))
    try:
        with container.session() as session:
            scopes = frozenset({"support:read", "support:write", "support:chat"})
            key = create_api_key(session, "bench", scopes, container.clock.now())
    finally:
        container.close()
    http_port, smtp_port = free_port(), free_port()
    env["TRUSTDESK_SMTP_LISTEN"] = f"127.0.0.1:{smtp_port}"
    engine = create_engine(url)
    with (tmp / "serve.log").open("wb") as out:
        proc = subprocess.Popen(
            [str(BIN / "trustdesk"), "serve", "--port", str(http_port), "--workers", "2"],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    server = Server(f"http://127.0.0.1:{http_port}", smtp_port, key, url, proc.pid, engine)
    try:
        _wait_ready(proc, server, tmp / "serve.log")
        _settle(server)
        yield server
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        engine.dispose()


def _wait_ready(proc: subprocess.Popen[bytes], server: Server, log_file: Path) -> None:
    deadline = time.monotonic() + READY_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"serve exited:\n{log_file.read_text()[-2000:]}")
        try:
            if httpx.get(server.base + "/healthz", timeout=1).status_code == 200:
                with socket.create_connection(("127.0.0.1", server.smtp_port), timeout=1):
                    return
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.2)
    raise SystemExit(f"serve did not become ready within {READY_S:.0f} s")


def _settle(server: Server) -> None:
    """/healthz answers once one worker is up; wait until the others have started too (the
    process group goes quiet), so no round pays for a worker's start-up."""
    deadline = time.monotonic() + READY_S
    before = server.cpu_seconds()
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = server.cpu_seconds()
        if now - before < 0.05:
            return
        before = now
    log("serve did not go quiet after start-up; measuring anyway")


# --- HTTP load ----------------------------------------------------------------------------------


async def http_round(
    server: Server, path: str, make_body: Callable[[int], dict[str, Any]], seconds: float
) -> tuple[Round, int]:
    """Closed loop over CONNECTIONS keep-alive connections; (the measured round, requests
    sent in all, warm-up included)."""
    headers = {"authorization": f"Bearer {server.key}"}
    counter = itertools.count()
    latencies: list[float] = []
    errors = 0
    sent = 0
    start = time.perf_counter()
    measure_from, end = start + WARMUP_S, start + WARMUP_S + seconds

    async def connection() -> None:
        nonlocal errors, sent
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(
            base_url=server.base, headers=headers, limits=limits, timeout=60
        ) as client:
            while (t0 := time.perf_counter()) < end:
                response = await client.post(path, json=make_body(next(counter)))
                t1 = time.perf_counter()
                sent += 1
                if response.status_code not in (200, 201):
                    errors += 1
                    if errors == 1:
                        log(f"  {path}: {response.status_code} {response.text[:300]}")
                elif t0 >= measure_from and t1 <= end:
                    latencies.append(t1 - t0)

    await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
    return Round.from_latencies(latencies, seconds, errors), sent


def ticket_body(tag: str) -> Callable[[int], dict[str, Any]]:
    def body(n: int) -> dict[str, Any]:
        return {
            "identity": {"kind": "email", "value": f"bench-{tag}-{n}@example.com"},
            "subject": f"Withdrawal {n} not arrived",
            "body": "I sent 120 USDT an hour ago and it has not arrived yet.",
            "category": "deposit_withdrawal_failure",
            "language": "en",
        }

    return body


def chat_body(tag: str) -> Callable[[int], dict[str, Any]]:
    def body(n: int) -> dict[str, Any]:
        return {
            "account_id": f"bench-acct-{n % CHAT_ACCOUNTS}",
            "client_message_id": f"{tag}-{n}",
            "text": f"我的提现还没到账，第 {n} 条消息",
        }

    return body


# --- SMTP load ----------------------------------------------------------------------------------


def mail(tag: str, session: int, n: int, previous: str | None) -> tuple[str, bool, bytes]:
    """(token, is a reply, raw bytes): a GBK subject and body every other mail, a reply to
    the session's previous mail every REPLY_SHARE. The token, in the Message-ID and the
    body, finds the mail again over the API."""
    token = f"bench-{tag}-{session}-{n}"
    gbk = n % 2 == 0
    message = MIMEText(
        f"我的提现还没到账。\nref {token}" if gbk else f"My deposit is missing.\nref {token}",
        "plain",
        "gbk" if gbk else "utf-8",
    )
    message["From"] = sender_address(tag, session)
    message["To"] = DESK
    message["Subject"] = Header("我的提现还没到账", "gbk").encode() if gbk else "Deposit missing"
    message["Message-ID"] = f"<{token}@client.example>"
    reply = previous is not None and n % REPLY_SHARE == 0
    if reply:
        message["In-Reply-To"] = f"<{previous}@client.example>"
        message["References"] = f"<{previous}@client.example>"
    return token, reply, message.as_bytes()


def sender_address(tag: str, session: int) -> str:
    return f"client-{tag}-{session}@client.example"


@dataclass
class Sent:
    """What the listener accepted (250) in one SMTP round."""

    tokens: list[str]
    threads: int  # accepted mails that were not replies: each should open a ticket


def smtp_round(
    server: Server, tag: str, seconds: float, per_message: bool
) -> tuple[Round, Sent, list[str]]:
    """SMTP_SESSIONS threads send mail for ``seconds`` after a warm-up; one session each, or
    a new connection per mail (``per_message``). Each session writes as a customer created
    over the API first (so the check can find its tickets). (Round, accepted, customers)."""
    customers = [create_customer(server, sender_address(tag, s)) for s in range(SMTP_SESSIONS)]
    latencies: list[float] = []
    sent = Sent([], 0)
    errors = 0
    lock = threading.Lock()
    start = time.perf_counter()
    measure_from, end = start + WARMUP_S, start + WARMUP_S + seconds

    def sender(session: int) -> None:
        nonlocal errors
        client: smtplib.SMTP | None = None
        previous: str | None = None
        for n in itertools.count():
            if time.perf_counter() >= end:
                break
            token, reply, raw = mail(tag, session, n, previous)
            t0 = t1 = 0.0
            try:
                if client is None:
                    client = smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=60)
                    client.ehlo("bench.client.example")
                _expect(client.mail(sender_address(tag, session)), "MAIL")
                _expect(client.rcpt(DESK), "RCPT")
                t0 = time.perf_counter()
                _expect(client.data(raw), "DATA")  # 354, the content, then 250 once stored
                t1 = time.perf_counter()
                ok = True
            except (smtplib.SMTPException, OSError) as exc:
                ok = False
                log(f"  smtp: {exc}")
                if client is not None:
                    client.close()
                client = None
            if per_message and client is not None:
                client.quit()
                client = None
            with lock:
                if ok:
                    sent.tokens.append(token)
                    sent.threads += not reply
                    previous = token
                    if t0 >= measure_from and t1 <= end:
                        latencies.append(t1 - t0)
                else:
                    errors += 1
        if client is not None:
            client.quit()

    threads = [
        threading.Thread(target=sender, args=(s,), daemon=True) for s in range(SMTP_SESSIONS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Round.from_latencies(latencies, seconds, errors), sent, customers


def _expect(reply: tuple[int, bytes], step: str) -> None:
    if reply[0] not in (250, 251):
        raise smtplib.SMTPResponseException(reply[0], f"{step}: {reply[1]!r}".encode())


def create_customer(server: Server, address: str) -> str:
    response = httpx.post(
        server.base + "/v1/customers",
        headers={"authorization": f"Bearer {server.key}"},
        json={"identities": [{"kind": "email", "value": address}]},
        timeout=30,
    )
    if response.status_code != 201:
        raise SystemExit(f"POST /v1/customers: {response.status_code} {response.text[:300]}")
    return str(response.json()["id"])


WORTH = ", about one Python process's worth"
TOKEN = re.compile(r"ref (bench-[\w-]+)")


def verify_over_api(server: Server, customers: list[str], sent: Sent) -> int:
    """Every accepted mail is one e-mail message in the senders' tickets, exactly once, and
    each reply joined its thread's ticket; stops the run otherwise. Returns the tickets."""
    seen: Counter[str] = Counter()
    tickets = 0
    with httpx.Client(
        base_url=server.base, headers={"authorization": f"Bearer {server.key}"}, timeout=30
    ) as client:
        for customer in customers:
            listed = client.get("/v1/tickets", params={"customer": customer, "limit": 500})
            listed.raise_for_status()
            found = listed.json()
            if len(found) >= 500:
                raise SystemExit(f"customer {customer}: 500 tickets or more, cannot count them")
            tickets += len(found)
            for ticket in found:
                view = client.get(f"/v1/tickets/{ticket['id']}")
                view.raise_for_status()
                for message in view.json()["messages"]:
                    if message["channel"] == "email" and message["direction"] == "inbound":
                        seen.update(TOKEN.findall(message["body"]))
    expected = Counter(sent.tokens)
    if seen != expected:
        missing = sorted((expected - seen).elements())[:5]
        extra = sorted((seen - expected).elements())[:5]
        raise SystemExit(
            f"mail check failed: {sum(expected.values())} accepted, {sum(seen.values())} "
            f"stored; missing {missing}, extra or repeated {extra}"
        )
    if tickets != sent.threads:
        raise SystemExit(f"mail check failed: {sent.threads} new threads, {tickets} tickets")
    return tickets


# --- the run ------------------------------------------------------------------------------------


CASES = (
    "ticket creation, HTTP `POST /v1/tickets`",
    "chat message, HTTP `POST /v1/chat/messages`",
    f"mail, SMTP, {SMTP_SESSIONS} sessions",
    "mail, SMTP, a connection per mail",
)


@dataclass
class Case:
    backend: str
    name: str
    rounds: list[Round] = field(default_factory=list)
    server_cpu_ms: list[float] = field(default_factory=list)  # per item, each round
    client_cpu_ms: list[float] = field(default_factory=list)
    server_cores: list[float] = field(default_factory=list)  # CPU seconds per second
    audit: list[float] = field(default_factory=list)  # audit entries per item

    def row(self) -> str:
        m = median_round(self.rounds)
        p99s = [r.p99_ms for r in self.rounds]
        return (
            f"| {self.backend} | {self.name} | {m.throughput:.0f} | {m.p50_ms:.1f} | "
            f"{m.p99_ms:.1f} | {median(p99s):.1f} | {spread(self.rounds)} | "
            f"{median(self.server_cpu_ms):.1f} | {median(self.server_cores):.2f} | "
            f"{median(self.client_cpu_ms):.1f} | {median(self.audit):.1f} | "
            f"{sum(r.errors for r in self.rounds)} |"
        )


class Meter:
    """What one round costs the server and this client per item (all items, warm-up
    included, over the whole round): started before the round, noted after it."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.audit = server.audit_entries()
        self.server_cpu, self.client_cpu = server.cpu_seconds(), time.process_time()
        self.wall = time.perf_counter()

    def note(self, case: Case, result: Round, items: int) -> None:
        wall = time.perf_counter() - self.wall
        server_cpu = self.server.cpu_seconds() - self.server_cpu
        client_cpu = time.process_time() - self.client_cpu
        case.rounds.append(result)
        case.server_cpu_ms.append(server_cpu * 1000 / max(items, 1))
        case.client_cpu_ms.append(client_cpu * 1000 / max(items, 1))
        case.server_cores.append(server_cpu / wall)
        case.audit.append((self.server.audit_entries() - self.audit) / max(items, 1))
        log(
            f"  {case.name}: {result.throughput:.0f}/s p50 {result.p50_ms:.1f} ms p99 "
            f"{result.p99_ms:.1f} ms; server {case.server_cpu_ms[-1]:.1f} ms CPU/item "
            f"({case.server_cores[-1]:.2f} cores), client {case.client_cpu_ms[-1]:.1f} ms/item, "
            f"{case.audit[-1]:.1f} audit entries/item"
        )


def run_backend(backend: str, url: str, tmp: Path, rounds: int, seconds: float) -> list[Case]:
    tickets, chat, sessions, per_mail = (Case(backend, name) for name in CASES)
    with serve(url, tmp) as server:
        for r in range(rounds):
            log(f"{backend} round {r + 1}/{rounds}")
            tag = f"r{r}"
            for case, path, body in (
                (tickets, "/v1/tickets", ticket_body(tag)),
                (chat, "/v1/chat/messages", chat_body(tag)),
            ):
                meter = Meter(server)
                result, items = asyncio.run(http_round(server, path, body, seconds))
                meter.note(case, result, items)
            for case, per_message in ((sessions, False), (per_mail, True)):
                meter = Meter(server)
                mtag = f"{tag}{'c' if per_message else 's'}"
                result, sent, customers = smtp_round(server, mtag, seconds, per_message)
                meter.note(case, result, len(sent.tokens))
                opened = verify_over_api(server, customers, sent)
                log(f"    {len(sent.tokens)} accepted, each stored once, in {opened} tickets")
    return [tickets, chat, sessions, per_mail]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0, help="measured per case and round")
    parser.add_argument("--quick", action="store_true", help="1 round of 2 s, SQLite only")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results.md")
    args = parser.parse_args()
    rounds, seconds = (1, 2.0) if args.quick else (args.rounds, args.seconds)
    started = time.perf_counter()
    load = os.getloadavg()
    cases: list[Case] = []
    with ExitStack() as stack:  # the servers stop and the scratch databases go, come what may
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="support-bench-")))
        (tmp / "sqlite").mkdir()
        sqlite_url = f"sqlite:///{tmp / 'sqlite' / 'bench.db'}"
        cases += run_backend("SQLite", sqlite_url, tmp / "sqlite", rounds, seconds)
        if not args.quick:
            if postgres_reachable():
                (tmp / "pg").mkdir()
                pg_url = stack.enter_context(scratch_postgres())
                cases += run_backend("PostgreSQL", pg_url, tmp / "pg", rounds, seconds)
            else:
                log("PostgreSQL not reachable on 127.0.0.1:5432: SQLite only")
    section = report(cases, rounds, seconds, load, time.perf_counter() - started)
    print(section)
    if not args.quick:
        put_section(args.out, section)
        log(f"wrote {args.out}")


def report(
    cases: list[Case], rounds: int, seconds: float, load: tuple[float, float, float], took: float
) -> str:
    rows = "\n".join(c.row() for c in cases)
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    machine = f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
    loads = " / ".join(f"{x:.2f}" for x in load)
    backends = ", ".join(dict.fromkeys(c.backend for c in cases))
    paragraphs = [
        "## Support intake (issue 5)",
        f"`.venv/bin/python bench/support_bench.py` ({backends}) on {when}, {machine}, "
        f"shared with other work: load average {loads} at the start; the whole run took "
        f"{took:.0f} s. `--quick` is a smoke run (one short round, SQLite only, nothing "
        "written here).",
        "A real `trustdesk serve --workers 2` with `TRUSTDESK_SMTP_LISTEN`, on a fresh "
        "database (a new SQLite file; a new PostgreSQL database on 127.0.0.1:5432 when it "
        "is reachable) migrated by `trustdesk db upgrade`. `TRUSTDESK_BOT_MODEL_DIR` points "
        "at an empty directory, so the bot stays off and the figures are intake alone: the "
        "customer found or created, the ticket found or opened and routed by "
        "`policies/support.toml`, the message and its audit entries, in one transaction. "
        "Client and server share the cores. "
        f"HTTP: {CONNECTIONS} keep-alive connections in a closed loop from one asyncio "
        "client (httpx); each ticket for a new e-mail identity (a new provisional "
        f"customer); chat messages over {CHAT_ACCOUNTS} accounts, so all but the first "
        f"{CHAT_ACCOUNTS} join their account's open ticket. SMTP: {SMTP_SESSIONS} smtplib "
        "client threads, each one SMTP session for all its mails (or a new connection per "
        "mail), each writing as one customer; half the mails have a GBK encoded-word "
        f"subject and a GBK body, every {REPLY_SHARE}rd answers the session's previous mail "
        "(In-Reply-To, References); latency is DATA to 250, which the listener answers once "
        "the mail is stored. After each SMTP round the senders' tickets were read back over "
        "the API (`GET /v1/tickets?customer=`, `GET /v1/tickets/{id}`): every accepted mail "
        "was there as one message exactly once, and the tickets were exactly the new "
        "threads (each reply had joined its thread), or the run stops. "
        f"{rounds} round{'s' if rounds != 1 else ''} per case of {WARMUP_S:.0f} s warm-up "
        f"+ {seconds:.0f} s measured; each figure is the median round by throughput with "
        "its own p50 and p99, the median p99 of the rounds beside it. CPU columns: the "
        "`serve` process group's (from /proc; PostgreSQL's own processes not included) and "
        "this client's CPU time over the whole round divided by the items sent, and the "
        "server's CPU seconds per second (cores busy); audit entries: rows the round added "
        "to the chain per item.",
        "| backend | case | per second | p50 ms | p99 ms | median p99 of rounds "
        "| rounds (per second) | server CPU ms per item | server cores busy "
        "| client CPU ms per item | audit entries per item | errors |\n"
        "| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |\n"
        f"{rows}",
        limits(cases),
    ]
    return "\n\n".join(paragraphs) + "\n"


def limits(cases: list[Case]) -> str:
    """The "what limits it" paragraph, its figures from this run."""
    by_backend: dict[str, dict[str, Case]] = {}
    for case in cases:
        by_backend.setdefault(case.backend, {})[case.name] = case
    busy = []
    for backend, named in by_backend.items():
        cores = [median(c.server_cores) for c in named.values()]
        busy.append(f"{min(cores):.2f}–{max(cores):.2f} cores busy on {backend}")
    first = next(iter(by_backend.values()))
    ticket, chat, sessions, per_mail = (first[name] for name in CASES)
    t = median_round(ticket.rounds)
    mail_cores = max(median(c.server_cores) for c in (sessions, per_mail))
    pg = by_backend.get("PostgreSQL")
    versus = ""
    if pg is not None and first is not pg:
        pg_ticket = pg[CASES[0]]
        versus = (
            " PostgreSQL is slower than SQLite here: each statement is a round trip to "
            "another process on the same cores, and `serve` itself spends more CPU per "
            f"item ({median(pg_ticket.server_cpu_ms):.1f} against "
            f"{median(ticket.server_cpu_ms):.1f} ms for a ticket); with a database on "
            "cores of its own that would differ."
        )
    return (
        "What limits it: the server kept "
        + " and ".join(busy)
        + ", the client a little besides, the machine's other work the rest of the "
        f"{os.cpu_count()}. "
        "Writers take turns: every intake is one write transaction, "
        "on SQLite behind one file lock across all processes (`BEGIN IMMEDIATE` behind an "
        "flock beside the file), on PostgreSQL behind the audit chain's advisory lock, held "
        "from a transaction's first audit append to its commit; so the two API workers "
        "seldom run intake side by side. And the SMTP listener is one process (`serve`'s "
        "main one, 4 accept threads under one GIL): mail kept it at "
        f"{mail_cores:.2f} cores{WORTH if mail_cores >= 0.9 else ''}."
        " A new ticket costs the most: it creates the "
        "customer and its identity, opens and routes the ticket (rules, agents, the "
        f"round-robin cursor) and appends {median(ticket.audit):.1f} audit entries, against "
        f"{median(chat.audit):.1f} for a chat message joining its open ticket "
        f"({median(ticket.server_cpu_ms):.1f} against {median(chat.server_cpu_ms):.1f} ms "
        f"of server CPU on {ticket.backend}). A mail over a held SMTP session costs "
        f"{median(sessions.server_cpu_ms):.1f} ms (no HTTP, JSON or API-key check; 250 "
        "after the commit); a connection per mail adds the TCP and SMTP greeting "
        f"({median(per_mail.server_cpu_ms):.1f} ms). Latency is mostly the wait for the "
        f"writer: in a closed loop it is about clients / rate, {CONNECTIONS} / "
        f"{t.throughput:.0f} per second = {1000 * CONNECTIONS / t.throughput:.0f} ms against "
        f"a p50 of {t.p50_ms:.0f} ms for tickets on {ticket.backend}." + versus
    )


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:  # the servers and scratch databases are gone by now
        log("interrupted")
        sys.exit(130)
