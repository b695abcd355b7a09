"""A day of a year with no holiday schedule: the sign-in is kept, nothing is judged (ATT-1, ATT-2, ATT-5).

The calendar cannot say whether Monday 4 January 2027 is a working day until the
administrator enters ``[calendar.years.2027]``, so nobody is late and nobody is missing.
"""
from __future__ import annotations

import datetime as dt

from xinyi_core import calendar, clock

from xinyi_attendance import service
from xinyi_attendance.service import daily

from .conftest import at

UNCOVERED = dt.date(2027, 1, 4)  # a Monday


def test_att2_no_lateness_and_nobody_missing_on_a_day_the_calendar_cannot_answer(att):
    assert not calendar.covered(UNCOVERED.year)
    me = att.city.op("assistant", "a")
    with clock.frozen(at(UNCOVERED, "09:40")):  # after 08:30 + grace, if it were a working day
        row = service.sign(me, me.person_id, "in")
    assert row.sign_in == dt.time(9, 40) and not row.late  # ATT-1: kept, never judged on a guess
    with clock.frozen(at(UNCOVERED, "18:00")):
        sheet = {r.person_id: r for r in daily.daily_sheet(att.town_a, UNCOVERED)}
    assert sheet[me.person_id].status == "in"
    others = [sheet[p.id] for p in att.a if p.id != me.person_id]
    assert [r.status_text for r in others] == ["日历未录入"] * len(others)  # not 缺勤
