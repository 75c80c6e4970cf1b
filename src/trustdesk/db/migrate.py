"""Alembic, driven from code: the migrations ship inside the package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from trustdesk.core.errors import DomainError

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


class SchemaNotReady(DomainError):
    code = "db.schema_not_ready"
    status = 503
    title = "Database schema not ready"


def require_current_schema(engine: Engine) -> None:
    """Refuse to work on a database that was never upgraded or is behind the code."""
    try:
        current = current_revision(engine)
    except OperationalError as exc:
        raise SchemaNotReady(f"cannot open the database: {exc.orig}") from exc
    if current != head_revision():
        state = "has no schema" if current is None else f"is at revision {current}"
        raise SchemaNotReady(
            f"the database {state}; the code needs {head_revision()}: run 'trustdesk db upgrade'"
        )
