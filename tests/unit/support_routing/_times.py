"""Instants written as local wall-clock times, for expected values computed by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from trustdesk.support.calendar import BusinessCalendar

NY = "America/New_York"
BERLIN = "Europe/Berlin"
SINGAPORE = "Asia/Singapore"
JAKARTA = "Asia/Jakarta"
SHANGHAI = "Asia/Shanghai"


def at(
    zone: str, year: int, month: int, day: int, hour: int = 0, minute: int = 0, *, fold: int = 0
) -> datetime:
    """The UTC instant of a local wall-clock time (``fold=1``: the repeated hour's second
    occurrence)."""
    local = datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone), fold=fold)
    return local.astimezone(UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def office(zone: str = NY, *, country: str | None = None) -> BusinessCalendar:
    """Monday to Friday, 09:00-18:00 local."""
    return BusinessCalendar.weekly(
        "office", zone, {"mon-fri": ["09:00-18:00"]}, holiday_country=country
    )
