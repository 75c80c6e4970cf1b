"""The command runs against databases built by its own migrations, as on a real install."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.integration.cli.helpers import Cli
from tests.integration.db.fresh import fresh_database
from trustdesk.db.base import load_all_models
from trustdesk.db.engine import make_engine
from trustdesk.db.migrate import upgrade


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database (no tables) on each backend."""
    with fresh_database(request.param, tmp_path, request) as url:
        yield url


@pytest.fixture(scope="session")
def _migrated() -> Iterator[tuple[ExitStack, dict[str, str]]]:
    with ExitStack() as stack:
        yield stack, {}


@pytest.fixture(params=["sqlite", "postgresql"])
def cli(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    _migrated: tuple[ExitStack, dict[str, str]],
) -> Iterator[Cli]:
    """The command on a database upgraded once per session and emptied before each test."""
    stack, urls = _migrated
    backend = request.param
    if backend not in urls:
        folder = tmp_path_factory.mktemp("cli-db")
        urls[backend] = stack.enter_context(fresh_database(backend, folder, request))
        engine = make_engine(urls[backend])
        upgrade(engine)
        engine.dispose()
    runner = Cli(urls[backend], {}, make_engine(urls[backend]))
    with runner.engine.begin() as conn:
        for table in reversed(load_all_models().sorted_tables):
            conn.execute(table.delete())
    yield runner
    runner.engine.dispose()
