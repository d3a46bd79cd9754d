"""Mainland China's working-day calendar and working-time arithmetic.

Working days come from `chinese_calendar` (the State Council's yearly holiday notice, adjusted
working days 调休 included). For a year the library has no data for, Monday to Friday are taken
as working days, and that is logged once per process (and shown on the staff page) so an
operator upgrades the library.

Working time: each working day counts from PORTAL_WORKDAY_START to PORTAL_WORKDAY_END local
time (default 09:00-17:00, 8 hours). A deadline of N working hours is N hours of that time after
the start; a deadline in working days is 8 working hours per day, so a case started at 15:00 on
the last day before a holiday is due at 15:00 on the first working day after it.
"""
import functools
import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar

log = logging.getLogger(__name__)
UTC = ZoneInfo("UTC")
_warned_years: set = set()


# The library's tables are fixed for the life of the process, and each lookup scans them to check
# the year, so the answer for a day is kept (a few years of days at most).
@functools.lru_cache(maxsize=4096)
def official_workday(day: date):
    """The library's answer for a day (True: a working day), or None for a year it lacks."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def library_covers(day: date) -> bool:
    """Whether the calendar library has official data for the day's year."""
    return official_workday(day) is not None


def is_working_day(day: date) -> bool:
    """A working day of mainland China (adjusted working days included); Mon-Fri past the data."""
    official = official_workday(day)
    if official is not None:
        return official
    if day.year not in _warned_years:
        _warned_years.add(day.year)
        log.warning("no official working-day calendar for %s in chinese_calendar %s: "
                    "counting Monday to Friday", day.year, chinese_calendar.__version__)
    return day.weekday() < 5


class WorkingClock:
    """Working-time arithmetic in a time zone, for a working day of [start, end)."""

    def __init__(self, zone: str = "Asia/Shanghai", start: time = time(9), end: time = time(17)):
        if end <= start:
            raise ValueError("the working day must end after it starts")
        self.zone = ZoneInfo(zone)
        self.start, self.end = start, end

    @property
    def hours_per_day(self) -> float:
        """Length of one working day in hours."""
        return (datetime.combine(date.min, self.end)
                - datetime.combine(date.min, self.start)).total_seconds() / 3600

    def _bounds(self, day: date) -> tuple:
        return (datetime.combine(day, self.start, self.zone),
                datetime.combine(day, self.end, self.zone))

    def add_working_hours(self, moment: datetime, hours: float) -> datetime:
        """The moment `hours` of working time after `moment` (aware; returned in UTC)."""
        if hours <= 0:
            return moment.astimezone(UTC)
        local = moment.astimezone(self.zone)
        remaining = timedelta(hours=hours)
        day = local.date()
        while True:
            if is_working_day(day):
                opens, closes = self._bounds(day)
                begin = max(local, opens)
                if begin < closes:
                    available = closes - begin
                    if remaining <= available:
                        return (begin + remaining).astimezone(UTC)
                    remaining -= available
            day += timedelta(days=1)

    def add_working_days(self, moment: datetime, days: float) -> datetime:
        """`days` working days after `moment` (one working day = one working day's hours)."""
        return self.add_working_hours(moment, days * self.hours_per_day)

    def working_hours_between(self, begin: datetime, finish: datetime) -> float:
        """Working hours from `begin` to `finish` (0 when finish is not later)."""
        if finish <= begin:
            return 0.0
        local_begin, local_finish = begin.astimezone(self.zone), finish.astimezone(self.zone)
        total = timedelta(0)
        day = local_begin.date()
        while day <= local_finish.date():
            if is_working_day(day):
                opens, closes = self._bounds(day)
                low, high = max(opens, local_begin), min(closes, local_finish)
                if high > low:
                    total += high - low
            day += timedelta(days=1)
        return total.total_seconds() / 3600

    def working_days_between(self, begin: datetime, finish: datetime) -> float:
        """Working days (in working-day lengths) from `begin` to `finish`."""
        return self.working_hours_between(begin, finish) / self.hours_per_day


def parse_clock_time(text: str) -> time:
    """'09:00' -> time(9, 0); raises ValueError on anything else."""
    hours, minutes = text.strip().split(":")
    return time(int(hours), int(minutes))
