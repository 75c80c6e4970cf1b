"""Over HTTP: uvicorn with 2 workers (trustdesk on SQLite / PostgreSQL, and the trivial
baseline app), loaded by bench/loadgen.py in its own process. Loopback only."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from stats import Round

BENCH = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent


@dataclass
class Target:
    name: str
    slug: str  # goes into idempotency keys and new account ids
    url: str
    pid: int  # the uvicorn master; its children are the workers
    key: str = ""


@dataclass
class LoadResult:
    round: Round
    statuses: dict[str, int]
    client_cpu: float  # share of one core the load generator used
    worker_cpu: list[float]  # cores each server worker used during the round, busiest first
    machine_busy: float  # cores the whole machine was busy (all processes, any user)
    connections: list[int]  # the generator's connections each worker accepted, most first


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def trustdesk_command(port: int, workers: int) -> list[str]:
    return [str(BIN / "trustdesk"), "serve", "--workers", str(workers), "--port", str(port)]


def trivial_command(port: int, workers: int) -> list[str]:
    return [
        sys.executable, "-m", "uvicorn", "trivial_app:app", "--app-dir", str(BENCH),
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip


def worker_cpu_seconds(pid: int) -> dict[int, float]:
    """CPU seconds used so far by each child (worker) of process `pid` (Linux /proc)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if not children.exists():
        return {}
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[int, float] = {}
    for child in children.read_text().split():
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(child)] = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return out


def connections_per_worker(pid: int, port: int) -> list[int]:
    """Established connections to `port` that each child (worker) of `pid` holds, most
    first: the kernel hands each new connection to whichever worker accepts first, so the
    split is not always even, and one worker runs on one core at most (its GIL)."""
    established: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        path = Path(table)
        for line in path.read_text().splitlines()[1:] if path.exists() else []:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                established.add(fields[9])  # inode
    children = Path(f"/proc/{pid}/task/{pid}/children")
    counts = []
    for child in children.read_text().split() if children.exists() else []:
        cmdline = Path(f"/proc/{child}/cmdline")
        if not cmdline.exists() or b"resource_tracker" in cmdline.read_bytes():
            continue  # multiprocessing's helper, not a worker
        held = 0
        for fd in Path(f"/proc/{child}/fd").glob("*"):
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            held += target.startswith("socket:[") and target[8:-1] in established
        counts.append(held)
    return sorted(counts, reverse=True)


def _spread(target: Target, concurrency: int, deadline: float) -> list[int]:
    """The connections per worker once the generator has opened all of them."""
    port = int(target.url.rsplit(":", 1)[1])
    split = connections_per_worker(target.pid, port)
    while sum(split) < concurrency and time.monotonic() < deadline:
        time.sleep(0.1)
        split = connections_per_worker(target.pid, port)
    return split


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies over all CPUs since boot, from /proc/stat."""
    path = Path("/proc/stat")
    if not path.exists():
        return 0, 0
    fields = [int(x) for x in path.read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return sum(fields) - idle, sum(fields)


@contextmanager
def server(command: list[str], env: dict[str, str], log: Path) -> Iterator[tuple[str, int]]:
    """Starts a server in its own process group and always stops that group."""
    url = f"http://127.0.0.1:{command[command.index('--port') + 1]}"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            command, env=os.environ | env, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        try:
            _wait_ready(proc, url, log)
            yield url, proc.pid
        finally:
            _stop(proc)


def _wait_ready(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited ({proc.returncode}): {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                time.sleep(0.5)  # let the second worker finish booting too
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server at {url} not ready after 60 s: {log.read_text()[-2000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


def run_load(
    target: Target, spec_path: Path, tag: str, concurrency: int, warmup: float, duration: float
) -> LoadResult:
    command = [
        sys.executable, str(BENCH / "loadgen.py"), "--url", target.url, "--spec", str(spec_path),
        "--tag", tag, "--concurrency", str(concurrency), "--warmup", str(warmup),
        "--duration", str(duration),
    ]  # fmt: skip
    if target.key:
        command += ["--key", target.key]
    before = worker_cpu_seconds(target.pid)
    busy0, total0 = machine_ticks()
    started = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as proc:
        try:
            split = _spread(target, concurrency, deadline=time.monotonic() + warmup + 10)
            stdout, _ = proc.communicate(timeout=warmup + duration + 120)
        except BaseException:
            proc.kill()
            raise
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, command, stdout)
    wall = time.perf_counter() - started
    after = worker_cpu_seconds(target.pid)
    busy1, total1 = machine_ticks()
    machine = (busy1 - busy0) / (total1 - total0) * (os.cpu_count() or 1) if total1 > total0 else 0
    used = sorted(((after[k] - before.get(k, 0.0)) / wall for k in after), reverse=True)
    raw = json.loads(stdout)
    errors = sum(v for k, v in raw["statuses"].items() if not k.startswith("2"))
    errors += sum(raw["failures"].values())
    rnd = Round.from_latencies(raw["latencies"], seconds=raw["seconds"], errors=errors)
    rnd = Round(raw["completed"], rnd.seconds, rnd.p50_ms, rnd.p99_ms, errors)
    client = raw["client_cpu_s"] / raw["wall_s"]
    return LoadResult(rnd, raw["statuses"], client, used[:2], machine, split)
