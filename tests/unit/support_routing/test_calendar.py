"""Business-time arithmetic, with DST days, overnight shifts, holidays and 24/7; every
expected instant is worked out by hand from the local wall clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest

from tests.unit.support_routing._times import (
    BERLIN,
    JAKARTA,
    NY,
    SHANGHAI,
    SINGAPORE,
    at,
    hours,
    minutes,
    office,
    utc,
)
from trustdesk.support.calendar import (
    BusinessCalendar,
    CalendarError,
    Shift,
    add_business_time,
    business_time_between,
    is_open,
    next_open,
    open_spans,
)


def every_day(zone: str, *shifts: str, holiday_country: str | None = None) -> BusinessCalendar:
    return BusinessCalendar.weekly(
        "x", zone, {"mon-sun": list(shifts)}, holiday_country=holiday_country
    )


# --- New York, 09:00-18:00 Mon-Fri -------------------------------------------------------------


def test_friday_afternoon_plus_four_hours_is_monday_late_morning() -> None:
    # 16:30-18:00 Friday is 1.5 h; the other 2.5 h run 09:00-11:30 Monday.
    cal = office(NY)
    due = add_business_time(cal, at(NY, 2026, 1, 9, 16, 30), hours(4))
    assert due == at(NY, 2026, 1, 12, 11, 30) == utc(2026, 1, 12, 16, 30)
    assert business_time_between(cal, at(NY, 2026, 1, 9, 16, 30), due) == hours(4)


def test_same_across_the_spring_forward_weekend() -> None:
    # Friday 16:30 EST (21:30Z); clocks jump on Sunday 8 March; Monday 11:30 is EDT (15:30Z).
    cal = office(NY)
    start = at(NY, 2026, 3, 6, 16, 30)
    assert start == utc(2026, 3, 6, 21, 30)
    due = add_business_time(cal, start, hours(4))
    assert due == utc(2026, 3, 9, 15, 30) == at(NY, 2026, 3, 9, 11, 30)
    # the wall clock moved 67 h (Friday 16:30 to Monday 11:30), but only 66 h passed
    assert due - start == hours(67 - 1)


def test_same_across_the_fall_back_weekend() -> None:
    start = at(NY, 2026, 10, 30, 16, 30)  # EDT, 20:30Z
    due = add_business_time(office(NY), start, hours(4))
    assert due == at(NY, 2026, 11, 2, 11, 30) == utc(2026, 11, 2, 16, 30)
    assert due - start == hours(67 + 1)


def test_a_day_shift_is_the_same_length_on_both_dst_days() -> None:
    cal = every_day(NY, "09:00-17:00")
    for day in (date(2026, 3, 8), date(2026, 11, 1)):
        midnight = at(NY, day.year, day.month, day.day)
        next_midnight = at(NY, day.year, day.month, day.day + 1)
        assert business_time_between(cal, midnight, next_midnight) == hours(8)
    # while the days themselves are 23 and 25 hours long
    assert at(NY, 2026, 3, 9) - at(NY, 2026, 3, 8) == hours(23)
    assert at(NY, 2026, 11, 2) - at(NY, 2026, 11, 1) == hours(25)


def test_an_all_day_shift_lasts_as_long_as_the_day() -> None:
    cal = BusinessCalendar.weekly("x", NY, {"sun": ["00:00-24:00"]})
    assert business_time_between(cal, utc(2026, 3, 7), utc(2026, 3, 10)) == hours(23)
    assert business_time_between(cal, utc(2026, 10, 31), utc(2026, 11, 3)) == hours(25)


def test_overnight_shift_across_dst_lasts_the_time_that_really_passes() -> None:
    cal = BusinessCalendar.weekly("night", NY, {"sat": ["22:00-06:00"]})
    # Sat 7 March 22:00 EST = Sun 03:00Z .. Sun 06:00 EDT = 10:00Z: 7 h
    assert next(open_spans(cal, utc(2026, 3, 7))) == (utc(2026, 3, 8, 3), utc(2026, 3, 8, 10))
    # Sat 31 October 22:00 EDT = Sun 02:00Z .. Sun 06:00 EST = 11:00Z: 9 h
    assert next(open_spans(cal, utc(2026, 10, 31))) == (utc(2026, 11, 1, 2), utc(2026, 11, 1, 11))
    assert add_business_time(cal, at(NY, 2026, 3, 7, 21), hours(7)) == utc(2026, 3, 8, 10)
    # an hour more than 7 rolls to the next Saturday night, 22:00 EST + 1 h
    assert add_business_time(cal, at(NY, 2026, 3, 7, 21), hours(8)) == utc(2026, 3, 15, 3)


def test_overnight_shift_started_yesterday_counts_from_midnight() -> None:
    cal = BusinessCalendar.weekly("night", NY, {"mon-fri": ["22:00-06:00"]})
    # Tuesday 03:00 is inside Monday's shift: open, and 3 h of it are left
    tuesday_3am = at(NY, 2026, 1, 13, 3)
    assert is_open(cal, tuesday_3am)
    assert add_business_time(cal, tuesday_3am, hours(3)) == at(NY, 2026, 1, 13, 6)
    assert add_business_time(cal, tuesday_3am, hours(4)) == at(NY, 2026, 1, 13, 23)
    # Friday's shift runs into Saturday morning; Saturday night is closed
    assert add_business_time(cal, at(NY, 2026, 1, 17, 5), hours(2)) == at(NY, 2026, 1, 19, 23)


def test_a_boundary_in_the_spring_forward_gap_is_the_jump() -> None:
    # 02:30 never shows on 8 March: the shift opens when the clock jumps to 03:00 EDT
    cal = BusinessCalendar.weekly("x", NY, {"sun": ["02:30-04:00"]})
    saturday = at(NY, 2026, 3, 7, 12)
    assert next_open(cal, saturday) == utc(2026, 3, 8, 7) == at(NY, 2026, 3, 8, 3)
    assert business_time_between(cal, saturday, at(NY, 2026, 3, 9)) == hours(1)
    # a shift wholly inside the gap does not open that day; a week later it does
    gap = BusinessCalendar.weekly("x", NY, {"sun": ["02:00-02:30"]})
    assert next_open(gap, saturday) == at(NY, 2026, 3, 15, 2)
    assert business_time_between(gap, saturday, at(NY, 2026, 3, 16)) == minutes(30)


def test_the_repeated_hour_is_not_counted_twice() -> None:
    # open until 01:30 on 1 November: closes at the first 01:30 (EDT, 05:30Z)
    cal = BusinessCalendar.weekly("x", NY, {"sun": ["00:00-01:30"]})
    assert next(open_spans(cal, utc(2026, 10, 31))) == (
        utc(2026, 11, 1, 4),
        utc(2026, 11, 1, 5, 30),
    )
    assert is_open(cal, at(NY, 2026, 11, 1, 1, 15, fold=0))  # 05:15Z
    assert not is_open(cal, at(NY, 2026, 11, 1, 1, 15, fold=1))  # 06:15Z, the second 01:15
    # a shift starting in the repeated hour starts at its first occurrence
    late = BusinessCalendar.weekly("x", NY, {"sun": ["01:30-03:00"]})
    assert next(open_spans(late, utc(2026, 10, 31))) == (
        utc(2026, 11, 1, 5, 30),
        utc(2026, 11, 1, 8),
    )


# --- Berlin, Jakarta, Shanghai -------------------------------------------------------------------


def test_berlin_across_both_changes() -> None:
    cal = BusinessCalendar.weekly("emea", BERLIN, {"mon-fri": ["09:00-17:00"]})
    # Friday 16:00 CET + 2 h: 1 h Friday, Monday 09:00-10:00 CEST (08:00Z)
    assert add_business_time(cal, at(BERLIN, 2026, 3, 27, 16), hours(2)) == utc(2026, 3, 30, 8)
    # Friday 16:00 CEST + 2 h: Monday 10:00 CET (09:00Z)
    assert add_business_time(cal, at(BERLIN, 2026, 10, 23, 16), hours(2)) == utc(2026, 10, 26, 9)
    night = BusinessCalendar.weekly("night", BERLIN, {"sat": ["22:00-06:00"]})
    # 22:00 CET = 21:00Z .. 06:00 CEST = 04:00Z; 22:00 CEST = 20:00Z .. 06:00 CET = 05:00Z
    assert business_time_between(night, utc(2026, 3, 28), utc(2026, 3, 30)) == hours(7)
    assert business_time_between(night, utc(2026, 10, 24), utc(2026, 10, 26)) == hours(9)
    day = every_day(BERLIN, "09:00-17:00")
    assert business_time_between(day, at(BERLIN, 2026, 3, 29), at(BERLIN, 2026, 3, 30)) == hours(8)
    assert business_time_between(day, at(BERLIN, 2026, 10, 25), at(BERLIN, 2026, 10, 26)) == hours(
        8
    )


def test_jakarta_without_dst_and_with_indonesian_holidays() -> None:
    cal = BusinessCalendar.weekly("id", JAKARTA, {"mon-fri": "08:00-17:00"}, holiday_country="ID")
    # Friday 15:00 WIB + 4 h: 2 h Friday, Monday 08:00-10:00 WIB (03:00Z)
    assert add_business_time(cal, at(JAKARTA, 2026, 1, 9, 15), hours(4)) == utc(2026, 1, 12, 3)
    # Thursday 16:00 + 3 h; Friday 16 January 2026 is a public holiday (Isra Mi'raj)
    assert add_business_time(cal, at(JAKARTA, 2026, 1, 15, 16), hours(3)) == utc(2026, 1, 19, 3)


def test_shanghai_with_chinese_new_year() -> None:
    cal = BusinessCalendar.weekly("cn", SHANGHAI, {"mon-fri": "09:00-18:00"}, holiday_country="CN")
    # Friday 13 Feb 17:00 + 2 h: 1 h Friday; 16-20 and 23 Feb are holidays; Tuesday 24th
    # 09:00-10:00 CST (02:00Z)
    assert add_business_time(cal, at(SHANGHAI, 2026, 2, 13, 17), hours(2)) == utc(2026, 2, 24, 2)


# --- holidays ------------------------------------------------------------------------------------


def test_us_and_singapore_public_holidays_close_the_office() -> None:
    # Thursday 2 July 16:30 EDT + 4 h: 1.5 h Thursday; Friday 3 July is Independence Day
    # (observed); Monday 6 July 09:00 + 2.5 h = 11:30 EDT
    us = office(NY, country="US")
    assert add_business_time(us, at(NY, 2026, 7, 2, 16, 30), hours(4)) == at(NY, 2026, 7, 6, 11, 30)
    # without the holidays it is Friday 11:30
    assert add_business_time(office(NY), at(NY, 2026, 7, 2, 16, 30), hours(4)) == at(
        NY, 2026, 7, 3, 11, 30
    )
    # Friday 7 August 17:00 SGT + 2 h: National Day is Sunday 9th, observed Monday 10th;
    # Tuesday 11th 09:00-10:00 SGT (02:00Z)
    sg = office(SINGAPORE, country="SG")
    assert add_business_time(sg, at(SINGAPORE, 2026, 8, 7, 17), hours(2)) == utc(2026, 8, 11, 2)


def test_explicit_holiday_closes_the_shifts_that_start_that_day() -> None:
    cal = BusinessCalendar.weekly(
        "night", NY, {"mon-fri": ["22:00-06:00"]}, holidays=[date(2026, 1, 13)]
    )
    # Tuesday 13th is a holiday: Monday's shift still runs into Tuesday 06:00, Tuesday's does not
    assert is_open(cal, at(NY, 2026, 1, 13, 5))
    assert not is_open(cal, at(NY, 2026, 1, 13, 23))
    assert next_open(cal, at(NY, 2026, 1, 13, 6)) == at(NY, 2026, 1, 14, 22)
    assert cal.is_holiday(date(2026, 1, 13)) and not cal.is_holiday(date(2026, 1, 14))


# --- the small questions -------------------------------------------------------------------------


def test_is_open_and_next_open_at_the_edges() -> None:
    cal = office(NY)
    assert is_open(cal, at(NY, 2026, 1, 12, 9))  # opening instant is open
    assert not is_open(cal, at(NY, 2026, 1, 12, 18))  # closing instant is closed
    assert next_open(cal, at(NY, 2026, 1, 12, 12)) == at(NY, 2026, 1, 12, 12)
    assert next_open(cal, at(NY, 2026, 1, 10, 12)) == at(NY, 2026, 1, 12, 9)  # Saturday


def test_a_duration_ending_at_closing_time_is_due_at_closing() -> None:
    cal = office(NY)
    assert add_business_time(cal, at(NY, 2026, 1, 9, 14), hours(4)) == at(NY, 2026, 1, 9, 18)
    # starting while closed counts from the opening
    assert add_business_time(cal, at(NY, 2026, 1, 10, 3), hours(1)) == at(NY, 2026, 1, 12, 10)
    assert add_business_time(cal, at(NY, 2026, 1, 10, 3), timedelta(0)) == at(NY, 2026, 1, 10, 3)


def test_several_shifts_a_day() -> None:
    cal = BusinessCalendar.weekly("split", SINGAPORE, {"mon-fri": ["09:00-12:00", "13:00-18:00"]})
    # 11:00 + 2 h: 1 h to noon, lunch, 13:00-14:00
    assert add_business_time(cal, at(SINGAPORE, 2026, 1, 12, 11), hours(2)) == at(
        SINGAPORE, 2026, 1, 12, 14
    )
    assert not is_open(cal, at(SINGAPORE, 2026, 1, 12, 12, 30))
    day = business_time_between(cal, at(SINGAPORE, 2026, 1, 12), at(SINGAPORE, 2026, 1, 13))
    assert day == hours(8)


def test_between_is_negative_backwards() -> None:
    cal = office(NY)
    a, b = at(NY, 2026, 1, 9, 16, 30), at(NY, 2026, 1, 12, 11, 30)
    assert business_time_between(cal, b, a) == -hours(4)
    assert business_time_between(cal, a, a) == timedelta(0)


def test_24x7_is_wall_clock_time_whatever_the_zone() -> None:
    for zone in ("UTC", NY, SHANGHAI):
        cal = BusinessCalendar.always_open("24x7", zone)
        assert cal.is_24x7
        start = at(NY, 2026, 3, 7, 23)
        assert add_business_time(cal, start, hours(4)) == start + hours(4)
        assert business_time_between(cal, start, start + hours(47)) == hours(47)
        assert is_open(cal, start) and next_open(cal, start) == start
    # every day all day, but with a holiday, is not 24x7
    with_holiday = BusinessCalendar.weekly("x", "UTC", "24/7", holidays=[date(2026, 1, 1)])
    assert not with_holiday.is_24x7
    assert business_time_between(with_holiday, utc(2025, 12, 31), utc(2026, 1, 3)) == hours(48)


# --- bad calendars -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: every_day("Mars/Olympus", "09:00-17:00"), "unknown time zone 'Mars/Olympus'"),
        (lambda: every_day(NY, "9-17"), "shift '9-17' is not HH:MM-HH:MM"),
        (lambda: every_day(NY, "09:00-24:30"), "no such time of day"),
        (
            lambda: every_day(NY, "09:00-17:00", "16:00-20:00"),
            "mon 09:00-17:00 overlaps mon 16:00-20:00",
        ),
        (
            lambda: BusinessCalendar.weekly("x", NY, {"sun": "22:00-06:00", "mon": "05:00-09:00"}),
            "sun 22:00-06:00 overlaps mon 05:00-09:00",
        ),
        (
            lambda: BusinessCalendar.weekly(
                "x", NY, {"mon-fri": "09:00-17:00", "fri": "18:00-19:00"}
            ),
            "fri is given twice",
        ),
        (
            lambda: BusinessCalendar.weekly("x", NY, {"weekdays": "09:00-17:00"}),
            "'weekdays' is not a weekday",
        ),
        (lambda: BusinessCalendar.weekly("x", NY, {"fri-mon": "09:00-17:00"}), "runs backwards"),
        (lambda: BusinessCalendar.weekly("x", NY, {}), "no opening hours at all"),
        (lambda: BusinessCalendar.weekly("x", NY, "9 to 5"), 'give a table of days or "24/7"'),
        (
            lambda: every_day(NY, "09:00-17:00", holiday_country="XX"),
            "no public holidays known for 'XX'",
        ),
    ],
)
def test_bad_calendars_are_refused_with_the_reason(
    make: Callable[[], BusinessCalendar], message: str
) -> None:
    with pytest.raises(CalendarError) as caught:
        make()
    assert message in caught.value.message


def test_shift_text_round_trips() -> None:
    for text, length in [
        ("09:00-17:00", 480),
        ("22:00-06:00", 480),
        ("00:00-24:00", 1440),
        ("09:00-24:00", 900),
        ("06:00-06:00", 1440),
    ]:
        shift = Shift.parse(text)
        assert (str(shift), shift.length) == (text, length)


def test_a_calendar_closed_for_good_says_so() -> None:
    # every day for 800 days is a holiday: the search gives up after 400 closed days
    cal = BusinessCalendar.weekly(
        "x",
        "UTC",
        {"mon-sun": "09:00-10:00"},
        holidays=[date(2026, 1, 1) + timedelta(days=n) for n in range(800)],
    )
    with pytest.raises(CalendarError, match="closed for over 400 days"):
        add_business_time(cal, datetime(2026, 1, 1, tzinfo=cal.zone), hours(1))


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="aware datetime"):
        is_open(office(NY), datetime(2026, 1, 12, 10))
    with pytest.raises(ValueError, match="must not be negative"):
        add_business_time(office(NY), utc(2026, 1, 12), -hours(1))
