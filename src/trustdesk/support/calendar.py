"""Business calendars: when a team is open, and arithmetic in open time.

A calendar is an IANA time zone, weekly opening hours (``Shift``s per weekday, several a day,
overnight ones such as 22:00-06:00, or 24/7) and holidays (explicit dates and, optionally, a
country's public holidays from the ``holidays`` package).

Every computation turns the wall-clock shifts of one local date at a time into UTC instants
and works on those, so a 09:00-17:00 shift is 8 h on a DST-change day too, and an overnight
shift across a change lasts exactly the time that really passes. A wall-clock boundary
resolves to the first instant at which the local clock shows that time or later:

- inside a spring-forward gap (02:30 in New York on 2026-03-08) it is the jump (03:00 EDT);
- inside a fall-back repeated hour (01:30 on 2026-11-01) it is the first occurrence (EDT),

so no shift gains time from a gap and none counts the repeated hour twice.

A holiday closes every shift that *starts* on that local date (an overnight shift belongs to
the day it starts on). A calendar open 00:00-24:00 every day with no holidays is 24/7: its
open time is wall-clock time, whatever the zone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

from trustdesk.core.errors import InvalidInput

WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_MIN: Final = 24 * 60
_WEEK_MIN: Final = 7 * _DAY_MIN
_FOREVER: Final = datetime.max.replace(tzinfo=UTC)
# Holidays may close a calendar for a while; this many closed days in a row means it never opens.
_MAX_CLOSED_DAYS: Final = 400
_SHIFT_RE: Final = re.compile(r"^(\d{2}):(\d{2})\s*-\s*(\d{2}):(\d{2})$")


class CalendarError(InvalidInput):
    code = "support.calendar_invalid"


@dataclass(frozen=True, slots=True, order=True)
class Shift:
    """Open from ``start`` for ``length`` minutes of wall-clock time (local)."""

    start: int  # minutes after local midnight, 0..1439
    length: int  # 1..1440 minutes

    def __post_init__(self) -> None:
        if not 0 <= self.start < _DAY_MIN or not 0 < self.length <= _DAY_MIN:
            raise CalendarError(f"shift {self.start}+{self.length} min is outside one day")

    @classmethod
    def parse(cls, text: str) -> Shift:
        """``"09:00-17:00"``; ``"22:00-06:00"`` ends the next day; ``"00:00-24:00"`` is all day."""
        found = _SHIFT_RE.match(text.strip())
        if found is None:
            raise CalendarError(f"shift {text!r} is not HH:MM-HH:MM", field="hours")
        h1, m1, h2, m2 = (int(g) for g in found.groups())
        if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2 != 0):
            raise CalendarError(f"shift {text!r}: no such time of day", field="hours")
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if end == _DAY_MIN and start == 0:
            return cls(0, _DAY_MIN)
        if end == _DAY_MIN:
            end = 0
        length = end - start if end > start else end + _DAY_MIN - start
        return cls(start, length)

    def __str__(self) -> str:
        end = (self.start + self.length) % _DAY_MIN or _DAY_MIN
        return f"{self.start // 60:02d}:{self.start % 60:02d}-{end // 60:02d}:{end % 60:02d}"


@dataclass(frozen=True)
class BusinessCalendar:
    """A team's opening hours. ``week`` holds Monday..Sunday, each a tuple of shifts."""

    name: str
    time_zone: str
    week: tuple[tuple[Shift, ...], ...]
    holidays: frozenset[date] = field(default_factory=frozenset)
    holiday_country: str | None = None
    holiday_subdivision: str | None = None

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise CalendarError(
                f"calendar {self.name!r}: unknown time zone {self.time_zone!r}", field="time_zone"
            ) from exc
        if len(self.week) != 7:
            raise CalendarError(f"calendar {self.name!r}: week needs 7 days", field="hours")
        object.__setattr__(self, "week", tuple(tuple(sorted(day)) for day in self.week))
        if not any(self.week):
            raise CalendarError(f"calendar {self.name!r}: no opening hours at all", field="hours")
        _check_no_overlap(self.name, self.week)
        if self.holiday_country is not None:
            try:
                holidays_lib.country_holidays(self.holiday_country, subdiv=self.holiday_subdivision)
            except NotImplementedError as exc:
                raise CalendarError(
                    f"calendar {self.name!r}: no public holidays known for "
                    f"{self.holiday_country!r}/{self.holiday_subdivision!r}: {exc}",
                    field="holidays_country",
                ) from exc

    @classmethod
    def weekly(
        cls,
        name: str,
        time_zone: str,
        hours: Mapping[str, Iterable[str]] | str,
        *,
        holidays: Iterable[date] = (),
        holiday_country: str | None = None,
        holiday_subdivision: str | None = None,
    ) -> BusinessCalendar:
        """Build from ``{"mon-fri": ["09:00-17:00"], "sat": ["10:00-14:00"]}`` or ``"24/7"``."""
        return cls(
            name,
            time_zone,
            parse_week(hours),
            frozenset(holidays),
            holiday_country,
            holiday_subdivision,
        )

    @classmethod
    def always_open(cls, name: str = "24x7", time_zone: str = "UTC") -> BusinessCalendar:
        return cls.weekly(name, time_zone, "24/7")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)  # zoneinfo caches instances per key

    @property
    def is_24x7(self) -> bool:
        whole = (Shift(0, _DAY_MIN),)
        return (
            all(day == whole for day in self.week)
            and not self.holidays
            and self.holiday_country is None
        )

    def is_holiday(self, day: date) -> bool:
        if day in self.holidays:
            return True
        if self.holiday_country is None:
            return False
        return day in _public_holidays(self.holiday_country, self.holiday_subdivision, day.year)


def parse_week(hours: Mapping[str, Iterable[str]] | str) -> tuple[tuple[Shift, ...], ...]:
    """Weekday keys (``mon``..``sun``) or ranges (``mon-fri``) to shifts; ``"24/7"`` for always."""
    if isinstance(hours, str):
        if hours.strip() != "24/7":
            raise CalendarError(f'hours {hours!r}: give a table of days or "24/7"', field="hours")
        return tuple((Shift(0, _DAY_MIN),) for _ in WEEKDAYS)
    week: list[list[Shift] | None] = [None] * 7
    for key, shifts in hours.items():
        if isinstance(shifts, str):
            shifts = [shifts]
        for index in _day_indexes(key):
            if week[index] is not None:
                raise CalendarError(f"hours: {WEEKDAYS[index]} is given twice", field="hours")
            week[index] = [Shift.parse(text) for text in shifts]
    return tuple(tuple(day or ()) for day in week)


def _day_indexes(key: str) -> list[int]:
    names = key.strip().lower().split("-")
    if len(names) > 2 or any(n not in WEEKDAYS for n in names):
        raise CalendarError(
            f"hours: {key!r} is not a weekday or range like mon-fri ({', '.join(WEEKDAYS)})",
            field="hours",
        )
    first, last = WEEKDAYS.index(names[0]), WEEKDAYS.index(names[-1])
    if last < first:
        raise CalendarError(f"hours: range {key!r} runs backwards", field="hours")
    return list(range(first, last + 1))


def _check_no_overlap(name: str, week: tuple[tuple[Shift, ...], ...]) -> None:
    # Place every shift on a 7-day circle of minutes; a Sunday overnight shift wraps to Monday.
    spans: list[tuple[int, int, str]] = []
    for index, day in enumerate(week):
        for shift in day:
            start = index * _DAY_MIN + shift.start
            label = f"{WEEKDAYS[index]} {shift}"
            end = start + shift.length
            spans.append((start, min(end, _WEEK_MIN), label))
            if end > _WEEK_MIN:
                spans.append((0, end - _WEEK_MIN, label))
    spans.sort()
    for (_, end, label), (start, _, other) in zip(spans, spans[1:], strict=False):
        if start < end:
            raise CalendarError(f"calendar {name!r}: {label} overlaps {other}", field="hours")


@lru_cache(maxsize=256)
def _public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    return frozenset(holidays_lib.country_holidays(country, subdiv=subdivision, years=year))


# --- wall clock to instants ----------------------------------------------------------------------


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"an aware datetime is needed, got naive {moment.isoformat()}")
    return moment.astimezone(UTC)


def _instant(zone: ZoneInfo, wall: datetime) -> datetime:
    """The first UTC instant at which the local clock in ``zone`` shows ``wall`` or later."""
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if first <= second:  # an ordinary time, or a repeated one: its first occurrence
        return first
    # In a gap, fold=0 reads the time with the offset before the jump (landing after it) and
    # fold=1 with the offset after (landing before it): the jump lies between. Find its second.
    after = first.astimezone(zone).utcoffset()
    low, high = int(second.timestamp()), int(first.timestamp())
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == after:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def _day_spans(cal: BusinessCalendar, zone: ZoneInfo, day: date) -> list[tuple[datetime, datetime]]:
    if cal.is_holiday(day):
        return []
    midnight = datetime.combine(day, time())
    spans: list[tuple[datetime, datetime]] = []
    for shift in cal.week[day.weekday()]:
        start = _instant(zone, midnight + timedelta(minutes=shift.start))
        end = _instant(zone, midnight + timedelta(minutes=shift.start + shift.length))
        if end > start:  # a shift wholly inside a DST gap never opens
            spans.append((start, end))
    return spans


def open_spans(cal: BusinessCalendar, after: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Open time as ``[start, end)`` UTC spans, in order, from the first that ends after
    ``after`` on (back-to-back shifts come as separate spans); endless, unless the calendar
    stays closed for over a year (CalendarError)."""
    after = _utc(after)
    if cal.is_24x7:
        yield (after, _FOREVER)
        return
    zone = cal.zone
    day = after.astimezone(zone).date() - timedelta(days=1)  # an overnight shift from yesterday
    closed_days = 0
    while True:
        spans = [(s, e) for s, e in _day_spans(cal, zone, day) if e > after]
        yield from spans
        closed_days = 0 if spans else closed_days + 1
        if closed_days > _MAX_CLOSED_DAYS:
            raise CalendarError(
                f"calendar {cal.name!r} is closed for over {_MAX_CLOSED_DAYS} days after "
                f"{day - timedelta(days=closed_days)}",
                field="holidays",
            )
        day += timedelta(days=1)


# --- the four questions ---------------------------------------------------------------------------


def is_open(cal: BusinessCalendar, at: datetime) -> bool:
    start, _ = next(open_spans(cal, at))
    return start <= _utc(at)


def next_open(cal: BusinessCalendar, at: datetime) -> datetime:
    """``at`` itself (in UTC) when open, else the instant the calendar next opens."""
    start, _ = next(open_spans(cal, at))
    return max(start, _utc(at))


def add_business_time(cal: BusinessCalendar, start: datetime, duration: timedelta) -> datetime:
    """The first instant at which ``duration`` of open time has passed since ``start``.

    A duration that ends exactly at closing time gives the closing instant, not the next
    opening. A zero duration gives ``start``."""
    if duration < timedelta(0):
        raise ValueError(f"duration must not be negative, got {duration}")
    begin = _utc(start)
    if not duration:
        return begin
    left = duration
    for span_start, span_end in open_spans(cal, begin):
        frm = max(span_start, begin)
        if span_end == _FOREVER or left <= span_end - frm:
            return frm + left
        left -= span_end - frm
    raise AssertionError("open_spans never ends")  # pragma: no cover


def business_time_between(cal: BusinessCalendar, a: datetime, b: datetime) -> timedelta:
    """Open time in ``[a, b)``; negative when ``b`` is before ``a`` (time overdue, say)."""
    a, b = _utc(a), _utc(b)
    if b < a:
        return -business_time_between(cal, b, a)
    total = timedelta(0)
    for span_start, span_end in open_spans(cal, a):
        if span_start >= b:
            break
        total += min(span_end, b) - max(span_start, a)
    return total
