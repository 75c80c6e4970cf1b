"""Migrations against the rows: an empty database upgraded to head matches the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from trustdesk.db.base import load_all_models
from trustdesk.db.engine import make_engine
from trustdesk.db.migrate import alembic_config, current_revision, upgrade


def _drift(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, load_all_models()))


def _head(engine: Engine) -> str:
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    assert head is not None
    return head


def test_upgrade_of_an_empty_database_matches_the_models(fresh_url: str) -> None:
    engine = make_engine(fresh_url)
    try:
        assert current_revision(engine) is None
        assert inspect(engine).get_table_names() == []
        upgrade(engine)
        assert current_revision(engine) == _head(engine)
        # Empty: every table, column, type, index and constraint of the rows exists as the
        # migrations made it. If not, write a revision: python -m trustdesk.db.autogen "...".
        assert _drift(engine) == []
        expected = set(load_all_models().tables) | {"alembic_version"}
        assert set(inspect(engine).get_table_names()) == expected
    finally:
        engine.dispose()


def test_upgrading_twice_changes_nothing(fresh_url: str) -> None:
    engine = make_engine(fresh_url)
    try:
        upgrade(engine)
        before = _schema(engine)
        upgrade(engine)
        assert _schema(engine) == before
        assert current_revision(engine) == _head(engine)
    finally:
        engine.dispose()


def _schema(engine: Engine) -> dict[str, list[tuple[str, str]]]:
    found = inspect(engine)
    return {
        table: sorted((c["name"], str(c["type"])) for c in found.get_columns(table))
        for table in found.get_table_names()
    }
