"""Shared fixtures: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL is used at TRUSTDESK_TEST_PG_URL (default: trust auth on 127.0.0.1:5432).
Where it cannot be reached the PostgreSQL variants skip with the reason, except under
CI=true, where such a skip is turned into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from trustdesk.db.base import load_all_models
from trustdesk.db.engine import UnitOfWork, make_engine

PG_ADMIN_URL = os.environ.get(
    "TRUSTDESK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SHARED_DATA = Path(
    os.environ.get("TRUSTDESK_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session", autouse=True)
def _no_local_bot_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A model trained in the working copy (./bot-models) must not make the bot answer in
    tests that did not ask for it: they see an empty folder unless they name one."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TRUSTDESK_BOT_MODEL_DIR", str(tmp_path_factory.mktemp("no-bot-model")))
        yield


def need(condition: bool, reason: str) -> None:
    """Skip for a missing external part; in CI a missing part is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def shared_data(*parts: str) -> Path:
    path = SHARED_DATA.joinpath(*parts)
    need(path.exists(), f"real data not found at {path} (../shared/data is absent)")
    return path


def _pg_available() -> str | None:
    try:
        eng = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with eng.connect() as conn:
            conn.execute(text("select 1"))
        eng.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {type(exc).__name__}"


@pytest.fixture(scope="session")
def pg_database_url() -> Iterator[str]:
    """A throw-away PostgreSQL database for this test session."""
    problem = _pg_available()
    need(problem is None, problem or "")
    name = f"trustdesk_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def _engines(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Engine]]:
    engines: dict[str, Engine] = {}
    yield engines
    for engine in engines.values():
        engine.dispose()


def _schema_engine(url: str) -> Engine:
    engine = make_engine(url)
    metadata = load_all_models()
    metadata.drop_all(engine)
    metadata.create_all(engine)
    return engine


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    _engines: dict[str, Engine],
) -> Iterator[str]:
    """A database URL with an empty, current schema; parametrized over both backends."""
    if request.param == "sqlite":
        if "sqlite" not in _engines:
            path = tmp_path_factory.mktemp("sqlite") / "trustdesk.db"
            _engines["sqlite"] = _schema_engine(f"sqlite:///{path}")
        engine = _engines["sqlite"]
    else:
        if "postgresql" not in _engines:
            url = request.getfixturevalue("pg_database_url")
            _engines["postgresql"] = _schema_engine(url)
        engine = _engines["postgresql"]
    _truncate(engine)
    yield engine.url.render_as_string(hide_password=False)


@pytest.fixture
def engine(database_url: str, _engines: dict[str, Engine]) -> Engine:
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    return _engines[backend]


@pytest.fixture
def uow(engine: Engine) -> UnitOfWork:
    return UnitOfWork(engine)


def _truncate(engine: Engine) -> None:
    metadata = load_all_models()
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
