"""Support intake: tickets and messages per second over HTTP and over SMTP (issue 5).

Against a real `trustdesk serve --workers 2` with TRUSTDESK_SMTP_LISTEN, on a fresh SQLite
file and (when reachable) a fresh PostgreSQL database, migrated by `trustdesk db upgrade`.
The bot has no model here (an empty TRUSTDESK_BOT_MODEL_DIR), so the figures are intake:
customer look-up or creation, routing, the message and its audit entry.

.venv/bin/python bench/support_bench.py [--rounds 3] [--seconds 8] [--quick] [--out PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.header import Header
from email.mime.text import MIMEText
from pathlib import Path
from typing import Any

import httpx
from database import postgres_reachable, scratch_postgres
from sections import put_section
from sqlalchemy import create_engine, text
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
    out = (tmp / "serve.log").open("wb")
    proc = subprocess.Popen(
        [str(BIN / "trustdesk"), "serve", "--port", str(http_port), "--workers", "2"],
        env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    server = Server(f"http://127.0.0.1:{http_port}", smtp_port, key, url)
    try:
        _wait_ready(proc, server, tmp / "serve.log")
        yield server
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(5)
        out.close()


def _wait_ready(proc: subprocess.Popen[bytes], server: Server, log_file: Path) -> None:
    deadline = time.monotonic() + 60
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
    raise SystemExit("serve did not become ready within 60 s")


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


def mail(tag: str, session: int, n: int, previous: str | None) -> tuple[str, bytes]:
    """(Message-ID, raw bytes): a GBK subject every other mail, a reply every REPLY_SHARE."""
    message_id = f"<bench-{tag}-{session}-{n}@client.example>"
    gbk = n % 2 == 0
    message = MIMEText(
        "我的提现还没到账。" if gbk else "My deposit is missing.",
        "plain",
        "gbk" if gbk else "utf-8",
    )
    message["From"] = f"client-{tag}-{session}@client.example"
    message["To"] = DESK
    message["Subject"] = Header("我的提现还没到账", "gbk") if gbk else "Deposit missing"
    message["Message-ID"] = message_id
    if previous is not None and n % REPLY_SHARE == 0:
        message["In-Reply-To"] = previous
        message["References"] = previous
    return message_id, message.as_bytes()


def smtp_round(server: Server, tag: str, seconds: float, per_message: bool) -> tuple[Round, int]:
    """SMTP_SESSIONS threads send mail for ``seconds`` after a warm-up; one session each, or
    a new connection per mail (``per_message``). (Round, mails accepted in all)."""
    latencies: list[float] = []
    accepted = 0
    errors = 0
    lock = threading.Lock()
    start = time.perf_counter()
    measure_from, end = start + WARMUP_S, start + WARMUP_S + seconds

    def sender(session: int) -> None:
        nonlocal accepted, errors
        client: smtplib.SMTP | None = None
        previous: str | None = None
        for n in itertools.count():
            if time.perf_counter() >= end:
                break
            message_id, raw = mail(tag, session, n, previous)
            t0 = time.perf_counter()
            try:
                if client is None:
                    client = smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=60)
                client.sendmail(f"client-{tag}-{session}@client.example", [DESK], raw)
                ok = True
            except smtplib.SMTPException as exc:
                ok = False
                log(f"  smtp: {exc}")
            t1 = time.perf_counter()
            if per_message and client is not None:
                client.quit()
                client = None
            with lock:
                if ok:
                    accepted += 1
                    previous = message_id
                    if t0 >= measure_from and t1 <= end:
                        latencies.append(t1 - t0)
                else:
                    errors += 1
        if client is not None:
            client.quit()

    threads = [threading.Thread(target=sender, args=(s,)) for s in range(SMTP_SESSIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Round.from_latencies(latencies, seconds, errors), accepted


def stored_mail(url: str, tag: str) -> int:
    """Messages the desk holds for this round's mail (each Message-ID once at most)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT count(*) FROM support_messages "
                        "WHERE channel = 'email' AND external_id LIKE :pattern"
                    ),
                    {"pattern": f"<bench-{tag}-%"},
                ).scalar_one()
            )
    finally:
        engine.dispose()


# --- the run ------------------------------------------------------------------------------------


@dataclass
class Case:
    backend: str
    name: str
    rounds: list[Round]

    def row(self) -> str:
        m = median_round(self.rounds)
        p99s = [r.p99_ms for r in self.rounds]
        return (
            f"| {self.backend} | {self.name} | {m.throughput:.0f} | {m.p50_ms:.1f} | "
            f"{m.p99_ms:.1f} | {median(p99s):.1f} | {spread(self.rounds)} | "
            f"{sum(r.errors for r in self.rounds)} |"
        )


def run_backend(backend: str, url: str, tmp: Path, rounds: int, seconds: float) -> list[Case]:
    cases = {
        name: Case(backend, name, [])
        for name in (
            "ticket creation, HTTP `POST /v1/tickets`",
            "chat message, HTTP `POST /v1/chat/messages`",
            "mail, SMTP, 4 sessions",
            "mail, SMTP, a connection per mail",
        )
    }
    names = list(cases)
    with serve(url, tmp) as server:
        for r in range(rounds):
            log(f"{backend} round {r + 1}/{rounds}")
            tag = f"r{r}"
            result, _ = asyncio.run(http_round(server, "/v1/tickets", ticket_body(tag), seconds))
            cases[names[0]].rounds.append(result)
            log(f"  tickets {result.throughput:.0f}/s p99 {result.p99_ms:.1f} ms")
            result, _ = asyncio.run(
                http_round(server, "/v1/chat/messages", chat_body(tag), seconds)
            )
            cases[names[1]].rounds.append(result)
            log(f"  chat {result.throughput:.0f}/s p99 {result.p99_ms:.1f} ms")
            for index, per_message in ((2, False), (3, True)):
                mtag = f"{tag}{'c' if per_message else 's'}"
                result, accepted = smtp_round(server, mtag, seconds, per_message)
                stored = stored_mail(url, mtag)
                if stored != accepted:
                    raise SystemExit(f"{backend}: {accepted} mails accepted, {stored} stored")
                cases[names[index]].rounds.append(result)
                log(
                    f"  smtp ({'per mail' if per_message else 'sessions'}) "
                    f"{result.throughput:.0f}/s p99 {result.p99_ms:.1f} ms; "
                    f"{accepted} accepted = {stored} stored"
                )
    return list(cases.values())


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
    with ExitStack() as stack:
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
    paragraphs = [
        "## Support intake (issue 5)",
        f"`.venv/bin/python bench/support_bench.py` on {when}, {machine}; load average at "
        f"start {loads}; whole run {took:.0f} s.",
        "A real `trustdesk serve --workers 2` with `TRUSTDESK_SMTP_LISTEN`, on a fresh "
        "database migrated by `trustdesk db upgrade`; the bot has no model, so this is intake "
        "alone: the customer found or created (provisional), the ticket routed by "
        "`policies/support.toml`, the message and its audit entries, in one transaction. "
        "Client and server share the 2 cores. "
        f"HTTP: {CONNECTIONS} keep-alive connections in a closed loop from one asyncio "
        "client; each ticket for a new e-mail identity; chat messages over "
        f"{CHAT_ACCOUNTS} accounts (after the first few, each joins its account's open "
        f"ticket). SMTP: {SMTP_SESSIONS} client threads with smtplib, half the mails with a "
        f"GBK encoded-word subject and body, every {REPLY_SHARE}rd a reply (In-Reply-To) to "
        "the session's previous mail; latency is the whole MAIL/RCPT/DATA exchange up to "
        "250, which the listener answers once the mail is stored. After each SMTP round the "
        "stored mails were counted in the database: every accepted mail was there exactly "
        f"once, or the run stops. {rounds} rounds of {WARMUP_S:.0f} s warm-up + "
        f"{seconds:.0f} s measured; the figures are the median round by throughput, with "
        "the median of the rounds' p99 beside it.",
        "| backend | case | per second | p50 ms | p99 ms | median p99 of rounds "
        "| rounds (per second) | errors |\n| --- | --- | ---: | ---: | ---: | ---: | --- "
        f"| ---: |\n{rows}",
        "What limits it: each intake is one write transaction with audit-chain appends "
        "(on SQLite one writer at a time across all processes). A new ticket also creates "
        "the customer and its identity and routes the ticket (rules, agents, round-robin "
        "cursor), so it writes more than a message joining an open ticket. The SMTP "
        "listener runs in `serve`'s main process and takes in at most 4 mails at a time "
        "(its thread pool), off the API workers; the HTTP routes run in each worker's "
        "thread pool, where up to 8 requests wait on the writer lock while the holder "
        "shares its worker's GIL with them (the assessment route queues its writers in the "
        "event loop instead; the support routes do not yet).",
    ]
    return "\n\n".join(paragraphs) + "\n"


if __name__ == "__main__":
    main()
