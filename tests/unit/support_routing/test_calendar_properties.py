"""Properties of business-time arithmetic over random instants in 2026 (DST days included),
checked against each other and against a minute-by-minute count written independently."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.support_routing._times import BERLIN, JAKARTA, NY, SHANGHAI, office
from trustdesk.support.calendar import (
    BusinessCalendar,
    add_business_time,
    business_time_between,
    is_open,
    next_open,
)

CALENDARS = {
    "ny office + US holidays": office(NY, country="US"),
    "berlin nights": BusinessCalendar.weekly(
        "n", BERLIN, {"mon-fri": "22:00-06:00", "sat": "10:00-14:00"}
    ),
    "jakarta split": BusinessCalendar.weekly(
        "j", JAKARTA, {"mon-fri": ["08:00-12:00", "13:00-17:00"]}, holidays=[date(2026, 3, 9)]
    ),
    "ny sunday in the gap": BusinessCalendar.weekly(
        "g", NY, {"sun": "01:00-04:00", "wed": "12:00-13:00"}
    ),
    "shanghai 24x7": BusinessCalendar.always_open("24x7", SHANGHAI),
}
# Calendars with no shift edge in a repeated hour, where "open" is simply "the local wall
# clock is inside a shift of today (or yesterday's overnight shift)".
SIMPLE = ["ny office + US holidays", "berlin nights", "jakarta split", "shanghai 24x7"]

YEAR = datetime(2026, 1, 1, tzinfo=UTC)
# Minutes of 2026, biased towards the DST weekends.
DST_DAYS = [datetime(2026, m, d, tzinfo=UTC) for m, d in ((3, 7), (3, 28), (10, 24), (10, 31))]
instants = st.one_of(
    st.integers(0, 365 * 24 * 60 - 1).map(lambda m: YEAR + timedelta(minutes=m)),
    st.tuples(st.sampled_from(DST_DAYS), st.integers(0, 3 * 24 * 60)).map(
        lambda p: p[0] + timedelta(minutes=p[1])
    ),
)
durations = st.integers(0, 40 * 60).map(lambda m: timedelta(minutes=m))


def minute_count(cal: BusinessCalendar, a: datetime, b: datetime) -> timedelta:
    """Open minutes in [a, b), one minute at a time, from the local wall clock."""
    zone, total, t = cal.zone, 0, a
    while t < b:
        local = t.astimezone(zone)
        wall = local.hour * 60 + local.minute
        for back, day in ((0, local.date()), (1, local.date() - timedelta(days=1))):
            if cal.is_holiday(day):
                continue
            for shift in cal.week[day.weekday()]:
                if shift.start <= wall + back * 1440 < shift.start + shift.length:
                    total += 1
                    break
            else:
                continue
            break
        t += timedelta(minutes=1)
    return timedelta(minutes=total)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(CALENDARS)), instants, durations)
def test_adding_then_measuring_gives_the_duration_back(
    name: str, start: datetime, duration: timedelta
) -> None:
    cal = CALENDARS[name]
    due = add_business_time(cal, start, duration)
    assert due >= start
    assert business_time_between(cal, start, due) == duration
    if duration:  # the due instant is the first one: open time was running just before it
        assert business_time_between(cal, start, due - timedelta(microseconds=1)) < duration


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(CALENDARS)), instants, durations, durations)
def test_monotonic_in_the_duration_and_in_the_start(
    name: str, start: datetime, d1: timedelta, d2: timedelta
) -> None:
    cal = CALENDARS[name]
    short, long = sorted((d1, d2))
    assert add_business_time(cal, start, short) <= add_business_time(cal, start, long)
    later = start + (long - short)
    assert add_business_time(cal, start, short) <= add_business_time(cal, later, short)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(CALENDARS)), instants, instants, instants)
def test_between_adds_up_and_never_exceeds_the_wall_clock(
    name: str, a: datetime, b: datetime, c: datetime
) -> None:
    cal = CALENDARS[name]
    a, b, c = sorted((a, b, c))
    ab, bc = business_time_between(cal, a, b), business_time_between(cal, b, c)
    assert ab + bc == business_time_between(cal, a, c)
    assert timedelta(0) <= ab <= b - a


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(CALENDARS)), instants)
def test_next_open_is_open_and_nothing_opens_before_it(name: str, at: datetime) -> None:
    cal = CALENDARS[name]
    opens = next_open(cal, at)
    assert is_open(cal, opens)
    assert business_time_between(cal, at, opens) == timedelta(0)
    assert is_open(cal, at) == (opens == at)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(SIMPLE), instants, st.integers(0, 3 * 24 * 60))
def test_agrees_with_a_minute_by_minute_count(name: str, start: datetime, span: int) -> None:
    cal = CALENDARS[name]
    end = start + timedelta(minutes=span)
    assert business_time_between(cal, start, end) == minute_count(cal, start, end)
