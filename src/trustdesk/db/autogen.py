"""Write a new Alembic revision from the difference between the rows and the migrations.

Runs against a scratch SQLite database brought to the newest revision first.
Usage: python -m trustdesk.db.autogen "what changed"
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from trustdesk.db.engine import make_engine
from trustdesk.db.migrate import alembic_config, upgrade


def main(message: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'scratch.db'}")
        upgrade(engine)
        command.revision(alembic_config(engine), message=message, autogenerate=True)
        engine.dispose()


if __name__ == "__main__":
    if len(sys.argv) != 2 or not sys.argv[1].strip():
        sys.exit('usage: python -m trustdesk.db.autogen "what changed"')
    main(sys.argv[1])
