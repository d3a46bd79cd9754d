"""The working-day calendar: National Day 2026, its adjusted working day, weekends, fallback."""
import logging
from datetime import date, timedelta

import chinese_calendar
import pytest

from portal.servicelevels import calendar as cal
from portal.servicelevels.calendar import WorkingClock, is_working_day
from tests.servicelevels.helpers import SHANGHAI, local

CLOCK = WorkingClock("Asia/Shanghai")


def test_the_library_lists_national_day_2026_and_its_adjusted_working_day():
    assert all(not is_working_day(date(2026, 10, d)) for d in range(1, 8))
    assert is_working_day(date(2026, 9, 30)) and is_working_day(date(2026, 10, 8))
    assert is_working_day(date(2026, 10, 10))  # a Saturday worked (调休)
    assert not is_working_day(date(2026, 11, 7)) and not is_working_day(date(2026, 11, 8))


@pytest.mark.parametrize("start, hours, due", [
    # Urgent: 2 working hours from 16:00 on the day before the holiday -> the first day after.
    (local(2026, 9, 30, 16), 2, local(2026, 10, 8, 10)),
    # One working day (8 h) from 15:00 on the day before the holiday: 15:00 on 8 October.
    (local(2026, 9, 30, 15), 8, local(2026, 10, 8, 15)),
    # Friday 9 October 16:00 + 2 h: the adjusted working Saturday, 10 October 10:00.
    (local(2026, 10, 9, 16), 2, local(2026, 10, 10, 10)),
    # An ordinary weekend: Friday 6 November 16:00 + 2 h -> Monday 9 November 10:00.
    (local(2026, 11, 6, 16), 2, local(2026, 11, 9, 10)),
    # Started during the holiday: the clock waits for the first working morning.
    (local(2026, 10, 3, 12), 2, local(2026, 10, 8, 11)),
    # Started in the evening: counts from the next morning.
    (local(2026, 11, 4, 20), 2, local(2026, 11, 5, 11)),
])
def test_working_hours_skip_holidays_and_weekends(start, hours, due):
    assert CLOCK.add_working_hours(start, hours) == due


def test_five_working_days_across_national_day():
    # 30 Sep (2 h) + 8, 9, 10 (Sat, worked), 12 Oct + 6 h on 13 Oct; Sunday 11 Oct is off.
    assert CLOCK.add_working_days(local(2026, 9, 30, 15), 5) == local(2026, 10, 13, 15)
    assert CLOCK.working_days_between(local(2026, 9, 30, 15), local(2026, 10, 8, 15)) == 1


def test_past_the_library_monday_to_friday_and_one_warning(caplog, monkeypatch):
    monkeypatch.setattr(cal, "_warned_years", set())
    monkeypatch.setattr(cal.log, "disabled", False)  # an earlier app may have configured logging
    with caplog.at_level(logging.WARNING, logger="portal.servicelevels.calendar"):
        assert is_working_day(date(2027, 1, 1)) is True  # a Friday: no data, so counted
        assert is_working_day(date(2027, 1, 2)) is False
        CLOCK.add_working_days(local(2027, 1, 1, 9), 3)
    warnings = [r for r in caplog.records if "2027" in r.getMessage()]
    assert len(warnings) == 1
    assert not cal.library_covers(date(2027, 1, 4)) and cal.library_covers(date(2026, 12, 31))


def test_results_are_utc_whatever_the_input_zone():
    due = CLOCK.add_working_hours(local(2026, 11, 6, 16), 2)
    assert due.utcoffset().total_seconds() == 0
    assert due.astimezone(SHANGHAI).hour == 10


def test_the_kept_answer_for_a_day_is_the_library_s_own():
    # The library's tables are the only input and never change in a process: nothing to renew.
    cal.official_workday.cache_clear()
    day = date(2025, 1, 1)
    while day <= date(2026, 12, 31):
        expected = chinese_calendar.is_workday(day)
        assert cal.official_workday(day) is expected  # computed
        assert cal.official_workday(day) is expected  # kept
        assert is_working_day(day) is expected
        day += timedelta(days=1)
    assert cal.official_workday(date(2027, 3, 1)) is None  # past the data: no official answer
    assert cal.official_workday.cache_info().hits >= 730
