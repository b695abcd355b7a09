"""The attendance screens, driven by keys at 80×24 as an assistant and a clerk would."""
from __future__ import annotations

import datetime as dt

import pytest
from xinyi_attendance.service import daily
from xinyi_attendance.models import AttendanceDay, PhoneCheck, SignCorrection

from xinyi_core import clock
from xinyi_core.testing import screen_text, settle
from xinyi_core.tui.app import XinyiApp
from xinyi_core.tui.widgets import Form, RecordList

from .conftest import MONDAY, at

SIZE = (80, 24)
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])  # the UI is the same on both; the services are tested on both


async def until(pilot, condition, timeout: float = 5.0) -> None:
    """Wait for what the operator would wait for (a loaded machine repaints late)."""
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    assert condition()


async def test_att2_assistant_signs_in_then_out_with_the_same_one_key(att):
    me = att.city.op("assistant", "a")
    app = XinyiApp(me)
    async with app.run_test(size=SIZE) as pilot:
        with clock.frozen(at(MONDAY, "08:20")):
            await pilot.press("f4")  # 考勤: her 签到签退
            await until(pilot, lambda: app.screen.query("#sign-status"))
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            await until(pilot, lambda: "签到：08:20" in screen_text(app) and "签退：—" in screen_text(app))
        with clock.frozen(at(MONDAY, "17:31")):
            await pilot.press("enter")
            await settle(pilot)
            await until(pilot, lambda: "签退：17:31" in screen_text(app))
            await pilot.press("m")  # her own month, from the same screen
            await until(pilot, lambda: "10-12 一" in screen_text(app))
            assert "08:20-17:31" in screen_text(app)
    row = AttendanceDay.get(AttendanceDay.person == me.person_id)
    assert (row.sign_in, row.sign_out, row.late) == (dt.time(8, 20), dt.time(17, 31), False)


async def test_att5_clerk_sees_the_sheet_and_confirms_a_candidate_with_a_reason(att):
    missing = att.a[2]
    with clock.frozen(at(MONDAY, "19:05")):
        daily.end_of_day(att.town_a, MONDAY)
        app = XinyiApp(att.clerk)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f4")  # 考勤: 今日考勤
            await settle(pilot)
            await until(pilot, lambda: "甲镇 2026-10-12 星期一" in screen_text(app))
            text = screen_text(app)
            assert "缺勤 4" in text and "旷工待确认" in text
            await pilot.press("q")  # from the sheet to the queue
            await until(pilot, lambda: app.screen.query("#queue"))
            queue = app.screen.query_one("#queue", RecordList)
            assert queue.count == 4
            while queue.current[2] != missing.name:
                await pilot.press("down")
            await pilot.press("y")
            await until(pilot, lambda: app.screen.query("#screen-form"))
            await pilot.press(*"无故未到岗", "ctrl+s")
            await until(pilot, lambda: queue.count == 3)
            assert queue.count == 3 and missing.name not in screen_text(app)
    row = AttendanceDay.get(AttendanceDay.person == missing.id, AttendanceDay.date == MONDAY)
    assert row.absence == "confirmed" and row.absence_reason == "无故未到岗" and row.absence_by_id == att.clerk.id


async def test_att2_phone_check_entered_from_the_sheet_for_the_highlighted_person(att):
    with clock.frozen(at(MONDAY, "15:00")):
        app = XinyiApp(att.clerk)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f4")  # 考勤: 今日考勤
            await until(pilot, lambda: app.screen.query("#sheet") and app.screen.query_one("#sheet").count)
            person_id = app.screen.query_one("#sheet", RecordList).current_id
            await pilot.press("c")
            await until(pilot, lambda: app.screen.query("#screen-form"))
            await settle(pilot)
            form = app.screen.query_one(Form)
            assert form.value("person") == person_id and form.value("called_at") == "2026-10-12 15:00"
            form.widget("called_at").value = "2026-10-12 14:30"
            form.widget("at_post").value = "no"
            form.widget("answered_by").focus()
            await pilot.press(*"村会计", "ctrl+s")
            await until(pilot, lambda: PhoneCheck.select().exists())
            assert form.value("answered_by") == "" and form.error("called_at") == ""  # saved: ready for the next call
            await pilot.press("escape")  # one step back: the sheet it was opened from
            await settle(pilot)
            assert app.screen.query("#sheet") and not app.screen.query(Form)
    check = PhoneCheck.get()
    assert (check.person_id, check.answered_by, check.at_post) == (person_id, "村会计", False)
    assert check.called_at == dt.datetime(2026, 10, 12, 14, 30)


async def test_asm2_town_summary_and_person_month_on_screen(att):
    with clock.frozen(at(MONDAY, "19:05")):
        daily.end_of_day(att.town_a, MONDAY)
    with clock.frozen(at(dt.date(2026, 11, 2), "09:00")):
        app = XinyiApp(att.head)
        async with app.run_test(size=SIZE) as pilot:
            app.action_open("attendance.screen.summary")
            await until(pilot, lambda: "考勤汇总表" in screen_text(app))
            text = screen_text(app)
            assert "甲镇协理员2026年10月考勤汇总表" in text and "应出勤" in text
            assert app.screen.query_one("#summary", RecordList).current[3:] == (18, 0, 0, 0, 0, 0, 1)
            await pilot.press("[")
            await until(pilot, lambda: "2026年9月" in screen_text(app))
            app.action_open("attendance.screen.person", {"person_id": att.a[0].id})
            await settle(pilot)
            await pilot.press("[")
            await until(pilot, lambda: f"{att.a[0].name} 2026年10月" in screen_text(app))
            text = screen_text(app)
            assert f"{att.a[0].name} 2026年10月" in text and "10-12 一" in text and "旷工待确认" in text
            days = app.screen.query_one("#days", RecordList)
            while days.current_id != MONDAY:
                await pilot.press("down")
            await pilot.press("e")  # ATT-2: the head corrects the day; the original stays on record
            await until(pilot, lambda: app.screen.query("#screen-form"))
            await pilot.press(*"0810", "tab", "tab")
            assert app.screen.query_one(Form).error("sign_in") == "时间格式为 时:分，例如 08:30"
            app.screen.query_one(Form).widget("sign_in").value = "08:10"
            await pilot.press(*"终端故障", "ctrl+s")
            await until(pilot, lambda: app.screen.query("#days"))
            await until(pilot, lambda: "08:10-" in str(days.current))
    fix = SignCorrection.get()
    assert fix.before["absence"] == "open" and fix.after == {"sign_in": "08:10", "sign_out": None, "absence": "cleared"}
