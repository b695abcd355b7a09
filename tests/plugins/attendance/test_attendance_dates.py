"""ATT-2 truthfully, at the service layer: a sign-in is recorded as it happens.

A clerk's sign-in is today's and not ahead of the clock; an earlier day is
changed only by a correction — with its reason, the original kept, audited —
and only within the town's correction window (``correction_window_days``).
"""
from __future__ import annotations

import datetime as dt

import pytest

from xinyi_core import ValidationError, clock, runtime
from xinyi_core.models import AuditLog
from xinyi_core.testing import screen_text, settle
from xinyi_core.tui.app import XinyiApp
from xinyi_core.tui.widgets import RecordList

from xinyi_attendance import service
from xinyi_attendance.models import AttendanceDay, SignCorrection

from .conftest import at

TODAY = dt.date(2026, 12, 5)


def nothing_written() -> bool:
    return AttendanceDay.select().count() == 0 and not AuditLog.select().where(
        AuditLog.action.startswith("attendance.sign")).exists()


def test_att2_a_clerk_cannot_sign_a_future_day(att):
    with clock.frozen(at(TODAY, "10:00")):
        with pytest.raises(ValidationError, match="还没到") as refused:
            service.sign(att.clerk, att.a[1].id, "in", at=at(dt.date(2026, 12, 28), "08:30"))
        assert refused.value.field == "at"
        with pytest.raises(ValidationError, match="还没到"):  # nor later today than now
            service.sign(att.clerk, att.a[1].id, "out", at=at(TODAY, "17:30"))
    assert nothing_written()


@pytest.mark.parametrize("day", [dt.date(2025, 12, 5), dt.date(2026, 12, 4)])
def test_att2_an_earlier_day_is_not_signed_but_corrected_with_a_reason(att, day):
    with clock.frozen(at(TODAY, "10:00")):
        with pytest.raises(ValidationError, match="更正") as refused:
            service.sign(att.clerk, att.a[1].id, "in", at=at(day, "08:30"))
        assert "不能补签" in str(refused.value)
        assert nothing_written()
        if day.year == TODAY.year:  # yesterday: the correction path, with its reason on record
            row = service.correct(att.clerk, att.a[1].id, day, dt.time(8, 30), None, "终端故障，村主任作证")
            assert row.sign_in == dt.time(8, 30) and SignCorrection.get().reason == "终端故障，村主任作证"
    assert SignCorrection.select().count() == (1 if day.year == TODAY.year else 0)


def test_att2_corrections_reach_back_only_as_far_as_the_town_allows(att):
    person = att.a[1].id
    with clock.frozen(at(TODAY, "10:00")):
        assert service.correct(att.clerk, person, TODAY - dt.timedelta(days=31), dt.time(8, 30), None, "补录")
        with pytest.raises(ValidationError, match="最近 31 天（2026-11-04 起）"):
            service.correct(att.clerk, person, TODAY - dt.timedelta(days=32), dt.time(8, 30), None, "补录")
        with pytest.raises(ValidationError, match="还没到"):
            service.correct(att.clerk, person, dt.date(2026, 12, 28), dt.time(8, 30), None, "提前登记")
        runtime().config.settings["attendance"]["correction_window_days"] = 0  # a town that allows today only
        with pytest.raises(ValidationError, match="最近 0 天"):
            service.correct(att.clerk, person, TODAY - dt.timedelta(days=1), dt.time(8, 30), None, "补录")
        assert service.correct(att.clerk, person, TODAY, dt.time(8, 30), None, "终端故障")
    assert [c.day.date for c in SignCorrection.select().order_by(SignCorrection.id)] == [dt.date(2026, 11, 4), TODAY]


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_att2_the_month_screen_says_why_a_day_cannot_be_corrected(att):
    """The head picks a day two months back on the person's month: the screen says it is too old and
    offers no 更正 for it; a day inside the window offers it again."""
    with clock.frozen(at(TODAY, "10:00")):
        app = XinyiApp(att.head)
        async with app.run_test(size=(80, 24)) as pilot:
            app.action_open("attendance.screen.person", {"person_id": att.a[0].id})
            await settle(pilot)
            assert "e 更正" in screen_text(app).splitlines()[-1]  # 12-01: inside the window
            await pilot.press("[", "[")  # October
            await settle(pilot)
            days = app.screen.query_one("#days", RecordList)
            assert days.current_id == dt.date(2026, 10, 1)
            text = screen_text(app)
            assert "已超出更正期限" in text and "2026-11-04" in text and "更正" not in text.splitlines()[-1]
            await pilot.press("e", "enter")
            await settle(pilot)
            assert not app.screen.query("#screen-form")  # nothing to fill in that would be refused
    assert SignCorrection.select().count() == 0
