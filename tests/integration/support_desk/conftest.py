"""A container on each backend with the shipped desk, a hand-moved clock and its own
attachment directory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.support.helpers import make_container
from trustdesk.bootstrap import Container


@pytest.fixture
def container(database_url: str, tmp_path: Path) -> Iterator[Container]:
    built = make_container(database_url, tmp_path)
    try:
        yield built
    finally:
        built.close()
