from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.db.fresh import fresh_database


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database (no tables) on each backend."""
    with fresh_database(request.param, tmp_path, request) as url:
        yield url
