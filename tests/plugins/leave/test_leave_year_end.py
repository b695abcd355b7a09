"""ATT-6 at the year's end: the overdue-return alert waits for a working day the calendar can name.

The calendar covers 2004–2026 from ``chinese_calendar``; 2027 has no holiday schedule until the
administrator enters ``[calendar.years.2027]``. The software then decides nothing on 2027's days.
"""
from __future__ import annotations

import datetime as dt

from xinyi_core import calendar
from xinyi_core.config import YearSchedule
from xinyi_core.models import Alert
from xinyi_leave import service

from .conftest import approve_all, slip

D = dt.date


def leave(city, start: str, end: str):
    return approve_all(city, service.apply(city.op("town_clerk", "a"), city.people["a"][0], slip(start, end)).id)


def test_att6_a_friday_leave_in_december_is_not_overdue_on_saturday(city, today):
    assert not calendar.covered(2027)  # the 31 days after 11 December reach into it
    leave(city, "2026-12-10", "2026-12-11")  # Thu–Fri
    assert service.raise_overdue(D(2026, 12, 12)) == 0  # Saturday: not yet
    assert service.raise_overdue(D(2026, 12, 13)) == 0  # Sunday
    assert service.raise_overdue(D(2026, 12, 14)) == 1  # Monday: not back, no extension
    assert Alert.get(Alert.kind == "overdue_return").rule == "ATT-6"


def test_att6_no_alert_on_a_guessed_day_of_an_unscheduled_year(city, today, xinyi, monkeypatch):
    leave(city, "2026-12-28", "2026-12-31")  # Mon–Thu: the next working day lies in 2027
    for day in (D(2027, 1, 1), D(2027, 1, 2), D(2027, 1, 4), D(2027, 1, 11)):
        assert service.raise_overdue(day) == 0  # the calendar cannot say which day she is due back
        assert any("2027 年的节假日安排尚未录入" in w for w in calendar.coverage_warnings(day))  # the city is told
    # once the administrator enters 2027 (1 January a holiday), the alert follows the real calendar
    monkeypatch.setitem(xinyi.config.calendar_years, 2027, YearSchedule(frozenset({D(2027, 1, 1)}), frozenset()))
    assert service.raise_overdue(D(2027, 1, 1)) == 0  # New Year's Day
    assert service.raise_overdue(D(2027, 1, 4)) == 1  # Monday
