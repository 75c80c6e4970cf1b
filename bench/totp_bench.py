"""TOTP verification throughput, in-process and over HTTP (2 workers), with replay protection.

Every verification is a real success: a fresh factor's current code, so each one records
its time step in auth_otp_uses (the replay guard) and writes an audit entry. A sample of
replays is checked to be refused. Writes (or replaces) its section of bench/results.md.

.venv/bin/python bench/totp_bench.py [--rounds 3] [--seconds 4] [--http-seconds 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import database
import http_bench
import httpx
import pyotp
from sections import put_section
from stats import Round, median_round, spread

from trustdesk.auth.model import VerificationFailed
from trustdesk.auth.otp import new_secret
from trustdesk.auth.schemas import ProofIn
from trustdesk.auth.store import FactorRow
from trustdesk.bootstrap import Container
from trustdesk.db.migrate import upgrade

BENCH = Path(__file__).resolve().parent
CONCURRENCY = 8
WORKERS = 2


@dataclass(frozen=True)
class Seeded:
    account: str
    factor_id: str
    secret: str


def log(message: str) -> None:
    print(f"[totp {time.strftime('%H:%M:%S')}] {message}", flush=True)


def seed_factors(c: Container, count: int, prefix: str) -> list[Seeded]:
    """Active TOTP factors, one per account, written in bulk (enrolment's QR codes are
    not what is measured here)."""
    now = datetime.now(UTC)
    seeded: list[Seeded] = []
    with c.session() as session:
        rows = []
        for i in range(count):
            secret = new_secret("SHA1")
            factor_id = f"fac_{prefix}{i:07d}"
            row = FactorRow(
                id=factor_id,
                account_id=f"{prefix}-{i}",
                type="totp",
                status="active",
                label=f"{prefix}-{i}",
                created_at=now,
                activated_at=now,
                params={"algorithm": "SHA1", "digits": 6, "period": 30},
                counter=0,
                drift=0,
                failures=0,
                lockouts=0,
            )
            row.secret_sealed = c.keyring.seal(secret.encode(), aad=f"factor:{factor_id}".encode())
            rows.append(row)
            seeded.append(Seeded(row.account_id, factor_id, secret))
        session.add_all(rows)
    return seeded


def verify_once(c: Container, s: Seeded, code: str) -> bool:
    proof = ProofIn(factor_id=s.factor_id, code=code)
    try:
        c.run_stepup(lambda st, _: st.verify_factor(s.account, proof), "bench")
        return True
    except VerificationFailed:
        return False


def inprocess(url: str, rounds: int, seconds: float) -> tuple[list[Round], int]:
    c = database.container_for(url)
    try:
        pool = seed_factors(c, int(rounds * seconds * 600) + 500, "ip")
        results, used = [], 0
        codes: dict[str, str] = {}
        for _ in range(rounds):
            latencies: list[float] = []
            errors = 0
            start = time.perf_counter()
            while time.perf_counter() - start < seconds and used < len(pool):
                s = pool[used]
                used += 1
                code = codes[s.factor_id] = pyotp.TOTP(s.secret).now()
                t0 = time.perf_counter()
                ok = verify_once(c, s, code)
                latencies.append(time.perf_counter() - t0)
                errors += not ok
            results.append(Round.from_latencies(latencies, time.perf_counter() - start, errors))
        # The guard: the last 200 codes accepted, sent again, are all refused.
        replays = pool[max(0, used - 200) : used]
        refused = sum(not verify_once(c, s, codes[s.factor_id]) for s in replays)
        return results, refused
    finally:
        c.close()


async def _load(args: argparse.Namespace) -> dict[str, object]:
    pool = json.loads(Path(args.pool).read_text())
    start = time.perf_counter()
    measure_from, end = start + args.warmup, start + args.warmup + args.duration
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    completed = 0
    headers = {"authorization": f"Bearer {args.key}", "content-type": "application/json"}

    async def worker(n: int) -> None:
        nonlocal completed
        mine = pool[n :: args.concurrency]
        await asyncio.sleep(n * 0.05)
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        async with httpx.AsyncClient(base_url=args.url, headers=headers, limits=limits) as client:
            for account, factor_id, secret in mine:
                t0 = time.perf_counter()
                if t0 >= end:
                    return
                code = pyotp.TOTP(secret).now()
                r = await client.post(
                    f"/v1/accounts/{account}/factors/{factor_id}/verify",
                    content=json.dumps({"code": code}),
                    timeout=60,
                )
                t1 = time.perf_counter()
                if measure_from <= t1 <= end:
                    completed += 1
                    statuses[str(r.status_code)] = statuses.get(str(r.status_code), 0) + 1
                    if t0 >= measure_from:
                        latencies.append(t1 - t0)

    await asyncio.gather(*(worker(n) for n in range(args.concurrency)))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "completed": completed,
        "seconds": args.duration,
        "latencies": latencies,
        "statuses": statuses,
        "client_cpu_s": usage.ru_utime + usage.ru_stime,
        "wall_s": time.perf_counter() - start,
    }


def http(url: str, rounds: int, seconds: float, work: Path) -> tuple[list[Round], float]:
    c = database.container_for(url)
    try:
        pool = seed_factors(c, int(rounds * (seconds + 1) * 700) + 500, "hp")
    finally:
        c.close()
    key = _api_key(url)
    env = os.environ | {"TRUSTDESK_DATABASE_URL": url, "TRUSTDESK_LOG_JSON": "true"}
    port = http_bench.free_port()
    results: list[Round] = []
    client_cpu: list[float] = []
    per_round = len(pool) // rounds
    with http_bench.server(http_bench.trustdesk_command(port, WORKERS), env, work / "s.log") as (
        base,
        _pid,
    ):
        for n in range(rounds):
            chunk = pool[n * per_round : (n + 1) * per_round]
            pool_file = work / f"pool{n}.json"
            pool_file.write_text(json.dumps([[s.account, s.factor_id, s.secret] for s in chunk]))
            command = [
                sys.executable, __file__, "--loadgen", "--url", base, "--pool", str(pool_file),
                "--key", key, "--duration", str(seconds), "--warmup", "1",
                "--concurrency", str(CONCURRENCY),
            ]  # fmt: skip
            done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=300)
            raw = json.loads(done.stdout)
            errors = sum(v for k, v in raw["statuses"].items() if k != "200")
            rnd = Round.from_latencies(raw["latencies"], raw["seconds"], errors)
            results.append(Round(raw["completed"], rnd.seconds, rnd.p50_ms, rnd.p99_ms, errors))
            client_cpu.append(raw["client_cpu_s"] / raw["wall_s"])
    return results, max(client_cpu)


def _api_key(url: str) -> str:
    env = os.environ | {"TRUSTDESK_DATABASE_URL": url, "COLUMNS": "300", "NO_COLOR": "1"}
    done = subprocess.run(
        [str(http_bench.BIN / "trustdesk"), "apikeys", "create", "bench", "--scopes", "stepup"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return [x for x in done.stdout.split() if x.startswith("td.")][-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--http-seconds", type=float, default=8.0)
    parser.add_argument("--out", type=Path, default=BENCH / "results.md")
    parser.add_argument("--loadgen", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--url")
    parser.add_argument("--pool")
    parser.add_argument("--key")
    parser.add_argument("--duration", type=float)
    parser.add_argument("--warmup", type=float)
    parser.add_argument("--concurrency", type=int)
    args = parser.parse_args()
    if args.loadgen:
        print(json.dumps(asyncio.run(_load(args))))
        return
    lines = [
        "## TOTP verification (issue 3)",
        "",
        f"Every verification is a success on a fresh factor: it records the time step "
        f"(replay guard) and an audit entry in one transaction. In-process: one thread, "
        f"{args.rounds} rounds of {args.seconds:g} s. HTTP: `trustdesk serve --workers {WORKERS}`, "
        f"{CONCURRENCY} keep-alive connections, {args.rounds} rounds of {args.http_seconds:g} s; "
        "median round reported, spread in brackets.",
        "",
        "| backend | mode | verifies/s | p50 ms | p99 ms | errors | replays refused |",
        "|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory(prefix="trustdesk-totp-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        backends = [("SQLite", f"sqlite:///{work / 'totp.db'}")]
        if database.postgres_reachable():
            backends.append(("PostgreSQL", stack.enter_context(database.scratch_postgres())))
        for name, url in backends:
            c = database.container_for(url)
            upgrade(c.engine)
            c.close()
            log(f"{name}: in-process")
            rounds, refused = inprocess(url, args.rounds, args.seconds)
            m = median_round(rounds)
            lines.append(
                f"| {name} | in-process | {m.throughput:.0f} ({spread(rounds)}) | {m.p50_ms:.2f} "
                f"| {m.p99_ms:.2f} | {m.errors} | {refused}/200 |"
            )
            log(f"{name}: HTTP")
            rounds, cpu = http(url, args.rounds, args.http_seconds, work)
            m = median_round(rounds)
            lines.append(
                f"| {name} | HTTP, {WORKERS} workers | {m.throughput:.0f} ({spread(rounds)}) "
                f"| {m.p50_ms:.1f} | {m.p99_ms:.1f} | {m.errors} | — |"
            )
            lines_cpu = f"load generator used {cpu:.0%} of a core at most ({name})"
            log(lines_cpu)
    lines += ["", f"Machine: {os.cpu_count()} cores, shared. {lines_cpu}.", ""]
    put_section(args.out, "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
