"""The attendance screens, driven by keys at 80×24 as an assistant and a clerk would."""
from __future__ import annotations

import datetime as dt

import pytest
from xinyi_attendance.service import daily
from xinyi_attendance.models import AttendanceDay, PhoneCheck, SignCorrection

from xinyi_core import clock
from xinyi_core.testing import notifications, screen_text, settle, type_ahead
from xinyi_core.tui.app import XinyiApp
from xinyi_core.tui.widgets import Form, RecordList

from xinyi_attendance import service

from .conftest import HOLIDAY, MONDAY, at

SIZE = (80, 24)
pytestmark = pytest.mark.parametrize("backend", ["sqlite"])  # the UI is the same on both; the services are tested on both


async def until(pilot, condition, timeout: float = 5.0) -> None:
    """Wait for what the operator would wait for (a loaded machine repaints late)."""
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    assert condition()


async def open_sign(app, pilot) -> None:
    """签到签退 open, its list filled."""
    app.action_open("attendance.screen.sign")
    await until(pilot, lambda: app.screen.query("#sign-list") and app.screen.query_one("#sign-list").count)
    await settle(pilot)


def footer(app) -> str:
    return screen_text(app).splitlines()[-1]


def asking(app) -> str:
    """The sign-in/out question on screen, '' when none is open."""
    boxes = app.screen.query("#confirm-box")
    return " ".join(str(w.render()) for w in boxes.first().query("Static")) if boxes else ""


async def test_att2_assistant_signs_in_and_out_with_two_keys_each_asked_once(att):
    me = att.city.op("assistant", "a")
    name = me.person.name
    app = XinyiApp(me)
    async with app.run_test(size=SIZE) as pilot:
        with clock.frozen(at(MONDAY, "08:20")):
            await pilot.press("f4")  # 考勤: her 签到签退
            await until(pilot, lambda: app.screen.query("#sign-status"))
            await settle(pilot)
            assert "按回车签到" in screen_text(app) and "回车 签到" in footer(app) and "签退" not in footer(app)
            await pilot.press("enter")
            await until(pilot, lambda: asking(app))
            assert f"确认为 {name} 签到？（10月12日 08:20）" in asking(app)
            assert "休息日" not in asking(app) and "迟到" not in asking(app)  # an ordinary working morning
            await pilot.press("escape")  # changed her mind: nothing recorded
            await settle(pilot)
            assert not asking(app) and not AttendanceDay.select().exists()
            await pilot.press("enter", "enter")
            await until(pilot, lambda: "签到：08:20" in screen_text(app) and "签退：—" in screen_text(app))
            assert "o 签退" in footer(app) and "回车" not in footer(app)  # 签到 is done: only 签退 is offered
            await pilot.press("enter", "i")  # the same key never signs her out
            await settle(pilot)
            assert not asking(app) and AttendanceDay.get().sign_out is None
        with clock.frozen(at(MONDAY, "17:31")):
            await pilot.press("o")
            await until(pilot, lambda: asking(app))
            assert f"确认为 {name} 签退？（10月12日 17:31）" in asking(app)
            await pilot.press("enter")
            await until(pilot, lambda: "签退：17:31" in screen_text(app))
            text = screen_text(app)
            assert "今天已签到（08:20）、签退（17:31），无需再办理" in text
            assert "签到" not in footer(app) and "签退" not in footer(app)  # nothing more to offer today
            await pilot.press("enter", "o", "i")
            await settle(pilot)
            assert not asking(app) and not any("已于" in n for n in notifications(app))  # no refusal, nothing asked
            await pilot.press("m")  # her own month, from the same screen
            await until(pilot, lambda: "10-12 一" in screen_text(app))
            assert "08:20-17:31" in screen_text(app)
    row = AttendanceDay.get(AttendanceDay.person == me.person_id)
    assert (row.sign_in, row.sign_out, row.late) == (dt.time(8, 20), dt.time(17, 31), False)


@pytest.mark.parametrize("day,hhmm,warning", [
    (dt.date(2026, 12, 5), "00:12", "今天是休息日（周六）：签到照常记录，不计迟到、早退"),
    (HOLIDAY, "09:00", "今天是法定节假日（国庆节）：签到照常记录，不计迟到、早退"),
    (MONDAY, "08:40", "已过上班时间 08:30，这次签到记为迟到"),
])
async def test_att1_the_clerk_is_warned_before_a_sign_in_on_a_rest_day_a_holiday_or_late(att, day, hhmm, warning):
    person = att.a[1]
    app = XinyiApp(att.clerk)
    with clock.frozen(at(day, hhmm)):
        async with app.run_test(size=SIZE) as pilot:
            await open_sign(app, pilot)
            plist = app.screen.query_one("#sign-list", RecordList)
            while plist.current_id != person.id:
                await pilot.press("down")
            await settle(pilot)
            assert f"按回车为 {person.name} 签到" in screen_text(app) and plist.current[3] == "未签到"
            await pilot.press("i")
            await until(pilot, lambda: asking(app))
            assert f"确认为 {person.name} 签到？（{day:%m}月{day:%d}日 {hhmm}）" in asking(app)
            assert warning in asking(app)
            await pilot.press("enter")  # allowed all the same (ATT-2): the warning only makes sure
            await until(pilot, lambda: plist.current[3] == "已签到")
            assert f"{person.name} 已于 {hhmm} 签到；下班时按 o 为其签退" in screen_text(app)
    row = AttendanceDay.get(AttendanceDay.person == person.id)
    assert row.sign_in == dt.time(*map(int, hhmm.split(":"))) and row.in_by_id == att.clerk.id


async def test_att1_signing_out_early_says_so_first(att):
    person = att.a[0]
    with clock.frozen(at(MONDAY, "08:10")):
        service.sign(att.clerk, person.id, "in")
    app = XinyiApp(att.clerk)
    with clock.frozen(at(MONDAY, "16:05")):
        async with app.run_test(size=SIZE) as pilot:
            await open_sign(app, pilot)
            assert app.screen.query_one("#sign-list", RecordList).current_id == person.id
            assert "o 签退" in footer(app) and "回车" not in footer(app)
            await pilot.press("o")
            await until(pilot, lambda: asking(app))
            assert f"确认为 {person.name} 签退？（10月12日 16:05）" in asking(app)
            assert "还没到下班时间 17:30，这次签退记为早退" in asking(app)
            await pilot.press("n")  # not yet
            await settle(pilot)
    assert AttendanceDay.get(AttendanceDay.person == person.id).sign_out is None


async def test_att2_a_town_clerk_who_is_not_the_named_clerk_is_offered_no_sign_key(att):
    from xinyi_core import auth

    other = att.city.op("town_clerk", "a")
    service.name_clerk(att.head, att.town_a, _second_clerk(att))  # the head names someone else
    app = XinyiApp(other)
    with clock.frozen(at(MONDAY, "08:20")):
        async with app.run_test(size=SIZE) as pilot:
            await open_sign(app, pilot)
            text = screen_text(app)
            assert "甲镇的签到签退由指定的考勤员或镇中心负责人办理，这里只能查看" in text
            assert "签到" not in footer(app) and "签退" not in footer(app)
            await pilot.press("enter", "i", "o")
            await settle(pilot)
            assert not asking(app)
    assert auth.can(other, "attendance.sign") and not AttendanceDay.select().exists()


async def test_att2_keys_typed_ahead_on_the_list_sign_the_person_they_reach(att):
    """Down Down Enter in one read (a slow link, a loaded server): the question names the person two
    rows down — not the one highlighted when the keys arrived — and Enter then signs her in."""
    app = XinyiApp(att.clerk)
    with clock.frozen(at(MONDAY, "08:20")):
        async with app.run_test(size=SIZE) as pilot:
            await open_sign(app, pilot)
            listed = app.screen.query_one("#sign-list")
            third = listed.row_at(2)
            type_ahead(app, "down", "down", "enter")
            await until(pilot, lambda: asking(app))
            assert f"确认为 {third[1]} 签到" in asking(app)
            await pilot.press("enter")
            await until(pilot, lambda: AttendanceDay.select().exists())
    assert [d.person_id for d in AttendanceDay.select()] == [third[0]]


def _second_clerk(att):
    from xinyi_core.models import Operator

    first = att.clerk
    return Operator.create(username="a_clerk2", display_name="周文", role="town_clerk", scope=first.scope_id,
                           password_hash="", active=True)


async def test_att5_an_empty_queue_says_what_fills_it_and_offers_no_decision(att):
    app = XinyiApp(att.clerk)
    with clock.frozen(at(MONDAY, "09:00")):
        async with app.run_test(size=SIZE) as pilot:
            app.action_open("attendance.screen.queue")
            await until(pilot, lambda: app.screen.query("#queue"))
            await settle(pilot)
            assert "没有待确认的旷工：每天下班后，未签到又未请假的协理员会列在这里" in screen_text(app)
            assert "确认旷工" not in footer(app) and "核销" not in footer(app)
            await pilot.press("y")
            await settle(pilot)
            assert not app.screen.query("#screen-form")


async def test_att5_enter_on_a_candidate_opens_her_month_at_that_day(att):
    missing = att.a[2]
    with clock.frozen(at(MONDAY, "19:05")):
        daily.end_of_day(att.town_a, MONDAY)
    with clock.frozen(at(dt.date(2026, 11, 3), "09:00")):
        app = XinyiApp(att.clerk)
        async with app.run_test(size=SIZE) as pilot:
            app.action_open("attendance.screen.queue")
            await until(pilot, lambda: app.screen.query("#queue") and app.screen.query_one("#queue").count)
            queue = app.screen.query_one("#queue", RecordList)
            while queue.current[2] != missing.name:
                await pilot.press("down")
            assert "y 确认旷工" in footer(app)
            await pilot.press("enter")
            await until(pilot, lambda: f"{missing.name} 2026年10月" in screen_text(app))
            assert app.screen.query_one("#days", RecordList).current_id == MONDAY
            assert "按 e 更正这一天的签到签退" in screen_text(app) and "e 更正" in footer(app)


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
            assert not app.screen.has_unsaved_input()  # what it keeps for the next call: Ctrl+Q need not ask
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


async def test_att2_the_phone_check_form_is_not_offered_to_a_clerk_who_does_not_keep_the_town(att):
    other = att.city.op("town_clerk", "a")
    service.name_clerk(att.head, att.town_a, _second_clerk(att))
    app = XinyiApp(other)
    with clock.frozen(at(MONDAY, "15:00")):
        async with app.run_test(size=SIZE) as pilot:
            app.action_open("attendance.screen.check")
            await until(pilot, lambda: app.screen.query("#check-refusal"))
            await settle(pilot)
            text = screen_text(app)
            assert "甲镇的电话随访由指定的考勤员或镇中心负责人登记" in text
            assert "接听人" not in text and "保存" not in footer(app)
            await pilot.press("ctrl+s")
            await settle(pilot)
    assert not PhoneCheck.select().exists()


async def test_asm2_enter_on_the_summary_opens_that_persons_same_month(att):
    with clock.frozen(at(dt.date(2026, 11, 2), "09:00")):
        app = XinyiApp(att.head)
        async with app.run_test(size=SIZE) as pilot:
            app.action_open("attendance.screen.summary")
            await until(pilot, lambda: "2026年10月考勤汇总表" in screen_text(app))
            name = app.screen.query_one("#summary", RecordList).current[1]
            await pilot.press("enter")
            await until(pilot, lambda: f"{name} 2026年10月" in screen_text(app))
            assert app.screen.query_one("#days", RecordList).current_id == dt.date(2026, 10, 1)
