"""make bench: in-process and HTTP benchmarks on SQLite and PostgreSQL; writes results.md.

.venv/bin/python bench/run_all.py [--rounds 3] [--seconds 4] [--http-seconds 10] [--out PATH]
"""

from __future__ import annotations

import argparse
import random
import signal
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import database
import http_bench
import inprocess
import profile_assess
import report
from stats import Round
from workload import build_spec, list_files

N_ACCOUNTS = 800
CONCURRENCY = 8
WORKERS = 2


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0, help="per in-process round")
    parser.add_argument("--http-seconds", type=float, default=10.0, help="per HTTP round")
    parser.add_argument("--warmup", type=float, default=2.0, help="HTTP warm-up per round")
    parser.add_argument("--profile-count", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results.md")
    args = parser.parse_args()
    # A plain kill still runs the finally blocks: servers stopped, scratch database dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="trustdesk-bench-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        rng = random.Random(2026)
        files = list_files(work, rng)
        spec = build_spec(files, N_ACCOUNTS, rng)
        spec_path = work / "spec.json"
        spec.save(spec_path)
        res = report.Results(args=vars(args), real_lists=files.real, accounts=N_ACCOUNTS)
        res.sanctioned_destinations = len(spec.sanctioned)

        backends = [("SQLite", f"sqlite:///{work / 'bench.db'}")]
        if database.postgres_reachable():
            backends.append(("PostgreSQL", stack.enter_context(database.scratch_postgres())))
        else:
            log("PostgreSQL at 127.0.0.1:5432 not reachable: SQLite only")

        for name, url in backends:
            log(f"{name}: migrate, import lists, seed history")
            res.prepared[name] = database.prepare(url, spec, files)
            log(f"{name}: in-process, {args.rounds} x {args.seconds:.0f} s")
            rounds, decisions = inprocess.run(url, spec, name.lower(), args.rounds, args.seconds)
            res.inprocess[name] = rounds
            res.decisions[name] = decisions
            log(f"{name}: cProfile")
            res.profiles[name] = profile_assess.run(url, spec, args.profile_count)

        targets = _start_servers(stack, work, backends)
        res.http_rounds = {t.name: [] for t in targets}
        for i in range(args.rounds):
            for target in targets:
                log(f"HTTP round {i + 1}/{args.rounds}: {target.name}")
                result = http_bench.run_load(
                    target, spec_path, f"h{i}-{target.slug}", CONCURRENCY,
                    args.warmup, args.http_seconds,
                )  # fmt: skip
                res.http_rounds[target.name].append(result)
                _say(result.round)
        stack.close()  # servers down, scratch database dropped, before writing
    res.total_seconds = time.monotonic() - started
    args.out.write_text(report.render(res))
    log(f"wrote {args.out} in {res.total_seconds:.0f} s")


def _start_servers(
    stack: ExitStack, work: Path, backends: list[tuple[str, str]]
) -> list[http_bench.Target]:
    port = http_bench.free_port()
    log(f"starting trivial app (2 workers) on :{port}")
    url, pid = stack.enter_context(
        http_bench.server(http_bench.trivial_command(port, WORKERS), {}, work / "trivial.log")
    )
    targets = [http_bench.Target(report.TRIVIAL, "trivial", url, pid)]
    for name, db_url in backends:
        key = database.create_api_key(db_url)
        port = http_bench.free_port()
        log(f"starting trustdesk on {name} (2 workers) on :{port}")
        env = {"TRUSTDESK_DATABASE_URL": db_url, "TRUSTDESK_LOG_JSON": "true"}
        url, pid = stack.enter_context(
            http_bench.server(
                http_bench.trustdesk_command(port, WORKERS), env, work / f"trustdesk-{name}.log"
            )
        )
        targets.append(http_bench.Target(f"trustdesk on {name}", name.lower(), url, pid, key))
    return targets


def _say(r: Round) -> None:
    log(f"  {r.throughput:.0f}/s p50 {r.p50_ms:.1f} ms p99 {r.p99_ms:.1f} ms errors {r.errors}")


if __name__ == "__main__":
    main()
