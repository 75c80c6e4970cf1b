"""Alembic environment: the engine comes from trustdesk (config.attributes['engine'])."""

from __future__ import annotations

from alembic import context

from trustdesk.db.base import load_all_models

config = context.config
target_metadata = load_all_models()
engine = config.attributes["engine"]

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
