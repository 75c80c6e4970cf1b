"""A container on each backend with a clock the tests move by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from trustdesk.bootstrap import Container, build_container
from trustdesk.core.clock import FixedClock
from trustdesk.settings import Settings

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def container(database_url: str, clock: FixedClock) -> Iterator[Container]:
    built = build_container(Settings(database_url=database_url), clock=clock)
    yield built
    built.close()
