"""Scratch databases for the benchmarks: schema by migration, real lists, seeded history."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from workload import ListFiles, Spec, history_bodies

from trustdesk.bootstrap import Container, build_container
from trustdesk.core.clock import FixedClock
from trustdesk.db.migrate import upgrade
from trustdesk.lists.importing import import_list, parse_list_file
from trustdesk.risk.schemas import AssessmentIn
from trustdesk.settings import Settings

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres connect_timeout=3"
BIN = Path(sys.executable).parent


@dataclass
class Prepared:
    url: str
    lists: dict[str, int]  # source -> entries added
    seeded: int
    seconds: float


def postgres_reachable() -> bool:
    try:
        with psycopg.connect(PG_ADMIN):
            return True
    except psycopg.Error:
        return False


@contextmanager
def scratch_postgres() -> Iterator[str]:
    name = f"trustdesk_bench_{os.getpid()}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def container_for(url: str, clock: FixedClock | None = None) -> Container:
    return build_container(Settings(database_url=url), clock=clock)


def prepare(url: str, spec: Spec, files: ListFiles) -> Prepared:
    """Migrate, import the lists, then replay each account's past days at past times, so
    velocity windows start empty but history, known devices and payees are there."""
    started = datetime.now(UTC)
    clock = FixedClock(started - timedelta(days=10))
    container = container_for(url, clock)
    try:
        upgrade(container.engine)
        added: dict[str, int] = {}
        for fmt, path, source, category in files.imports:
            parsed = parse_list_file(fmt, Path(path), source, category)
            src = source or parsed.entries[0].source
            with container.session() as session:
                report = import_list(
                    container.list_store(session),
                    container.audit_log(session),
                    parsed,
                    src,
                    clock.now(),
                    "bench",
                )
            added[src] = report.added
        seeded = 0
        for day, body in history_bodies(spec):
            clock.set(started - timedelta(days=8 - day, seconds=-seeded))
            container.assess(AssessmentIn.model_validate(body), "bench-seed")
            seeded += 1
    finally:
        container.close()
    seconds = (datetime.now(UTC) - started).total_seconds()
    return Prepared(url=url, lists=added, seeded=seeded, seconds=seconds)


def create_api_key(url: str) -> str:
    """Through the CLI, as an operator would."""
    env = os.environ | {"TRUSTDESK_DATABASE_URL": url, "COLUMNS": "300", "NO_COLOR": "1"}
    result = subprocess.run(
        [str(BIN / "trustdesk"), "apikeys", "create", "bench", "--scopes", "assess"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    keys = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("td.")]
    if not keys:
        raise RuntimeError(f"no key in CLI output: {result.stdout!r} {result.stderr!r}")
    return keys[-1]
