"""The leave screens driven by key presses at 80×24 (Pilot): apply, errors beside fields,
the approval queue as a home to-do, the town's leave calendar, the oral report (ATT-3)."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Iterator

import pytest
import xinyi_leave
from xinyi_leave import screens, service

from xinyi_core import clock, lifecycle, testing
from xinyi_core.testing import screen_text, settle
from xinyi_core.tui.app import XinyiApp
from xinyi_core.tui.widgets import Form, RecordList

from .conftest import slip

SIZE = (80, 24)
DAY = dt.date(2026, 9, 1)


@pytest.fixture
def ui_city(tmp_path: Path) -> Iterator[testing.City]:
    """The test city on SQLite with only the leave plugin, so other plugins can't shift the screens."""
    cfg = testing.make_config(tmp_path, f"sqlite:///{tmp_path / 'xinyi.db'}")
    testing.start(cfg, plugin_modules={"leave": xinyi_leave}, entry_points=False)
    try:
        with clock.frozen(DAY):
            yield testing.build_city()
    finally:
        lifecycle.shutdown()


def rows(app: XinyiApp) -> list[tuple]:
    plist = app.screen.query_one("#leaves", RecordList)
    return [plist.row_at(i) for i in range(plist.count)]


async def test_assistant_applies_by_keyboard_and_sees_it_pending(ui_city):
    app = XinyiApp(ui_city.op("assistant", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")  # 请假: 我的请假
        await settle(pilot)
        assert isinstance(app.screen, screens.MyLeaveScreen)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen.query_one(Form)
        assert form.value("category") == "personal" and form.value("phone") == ui_city.people["a"][0].phone
        await pilot.press("tab", "tab", *"2026-09-03", "enter", *"2026-09-02", "tab")
        await settle(pilot)
        assert form.error("end_on") == "结束日期早于开始日期"  # beside the field, as soon as it is left
        form.widget("end_on").value = ""
        await pilot.press("shift+tab", *"2026-09-04", "enter")
        form.widget("reason").value = "孩子升学办理手续"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, screens.MyLeaveScreen)
        assert rows(app) == [(rows(app)[0][0], ui_city.people["a"][0].name, "事假", "2026-09-03~09-04",
                              2, "审批中")]
        text = screen_text(app)
        assert "村居负责人：待审" in text and "打印" in text and "续假" in text


async def test_att3_the_apply_form_counts_the_days_as_saving_would_while_she_types(ui_city):
    """ATT-3/ATT-4: under the slip, the days the leave takes on the town calendar (a weekend is not
    counted for personal leave), kept up to date as the dates change, and none while a field is wrong."""
    app = XinyiApp(ui_city.op("assistant", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")  # 请假: 我的请假
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen.query_one(Form)
        form.widget("reason").value = "家中有事"
        await pilot.press("tab", "tab", *"2026-09-04", "enter", *"2026-09-07")  # Friday to Monday
        await settle(pilot)
        assert form.note() == "共 2 天（按工作日计）"
        await pilot.press("backspace", "5")  # to Saturday 5 September: still Friday alone
        await settle(pilot)
        assert form.note() == "共 1 天（按工作日计）"
        await pilot.press("backspace", "backspace", *"03")  # ends before it starts: no count, the error
        await pilot.press("tab")
        await settle(pilot)
        assert form.note() == "" and form.error("end_on") == "结束日期早于开始日期"


async def test_approver_sees_the_todo_and_approves_from_the_queue(ui_city):
    leave = service.apply(ui_city.op("assistant", "a"), ui_city.people["a"][0], slip("2026-09-03", "2026-09-04"))
    app = XinyiApp(ui_city.op("village_head", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "请假待审批" in screen_text(app)  # the home screen's to-do
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, screens.QueueScreen) and [r[0] for r in rows(app)] == [leave.id]
        await pilot.press("n")
        await settle(pilot)
        await pilot.press("ctrl+s")  # a refusal needs a reason
        await settle(pilot)
        assert app.screen.query_one(Form).error("opinion") == "必填"
        await pilot.press("escape", "y")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert rows(app) == [] and "没有待您审批的请假" in screen_text(app)
        assert "已同意，转镇中心负责人审批" in testing.notifications(app)  # what happened, what comes next
    assert service.chain_of(leave).state == "pending"  # now it is the town head's turn
    app = XinyiApp(ui_city.op("town_head", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await testing.open_entry(pilot, "leave.nav.queue")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "已同意，审批完成" in testing.notifications(app)
    assert service.LeaveRequest.get_by_id(leave.id).state == "approved"  # 2 days: no city step (ATT-4)


async def test_town_leave_calendar_and_oral_report(ui_city):
    person = ui_city.people["a"][1]
    clerk = ui_city.op("town_clerk", "a")
    app = XinyiApp(clerk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")  # 请假: 请假管理
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        form = app.screen.query_one(Form)
        form.widget("person").value = person.id
        await pilot.press("tab", "tab", "tab", "tab", *"2026-09-02", "enter")
        form.widget("oral_reporter").value = "本人电话报告"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert rows(app)[0][1:] == (person.name, "病假", "2026-09-01~09-02", 2, "口头报告（待补办）")
        await testing.open_entry(pilot, "leave.nav.calendar")
        await settle(pilot)
        text = screen_text(app)
        assert "甲镇 2026年9月请假日历" in text and f"09-01 周二  {person.name}(病假)" in text
        await pilot.press("pagedown")
        await settle(pilot)
        assert "本月无人请假" in screen_text(app)
        await pilot.press("f2")  # 首页
        await settle(pilot)
        assert "请假提醒（1）" in screen_text(app)  # the missing slip (ATT-3) is a to-do until completed


async def test_clerk_finds_a_leave_by_initials_and_records_the_return(ui_city):
    from xinyi_core import people

    first, second = ui_city.people["a"][0], ui_city.people["a"][1]
    for person in (first, second):
        leave = service.apply(ui_city.op("town_clerk", "a"), person, slip("2026-09-01", "2026-09-02"))
        for role in ("village_head", "town_head"):
            service.decide(ui_city.op(role, "a"), leave.id, True, "同意")
    app = XinyiApp(ui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")  # 请假: 请假管理
        await settle(pilot)
        assert len(rows(app)) == 2
        await pilot.press("slash", *people.initials(second.name), "enter")
        await settle(pilot)
        assert [r[1] for r in rows(app)] == [second.name]
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("ctrl+s")  # back today, 1 September: the second day is no longer leave
        await settle(pilot)
        assert rows(app)[0][5] == "已销假"
        assert service.LeaveRequest.get_by_id(rows(app)[0][0]).returned_on == DAY
        await pilot.press("escape")
        await settle(pilot)
        assert len(rows(app)) == 2


async def test_town_head_cancels_approved_leave_with_d_after_a_confirmation(ui_city):
    """ATT-4: d 撤销 in the footer (within 80 columns); it names the person and dates, asks for a reason;
    on a leave that has started it says to use 销假 instead (ATT-3)."""
    from xinyi_core.testing import notifications

    from .conftest import approve_all

    person, clerk = ui_city.people["a"][0], ui_city.op("town_clerk", "a")
    started = approve_all(ui_city, service.apply(clerk, person, slip("2026-09-01", "2026-09-02")).id)
    future = approve_all(ui_city, service.apply(clerk, person, slip("2026-09-07", "2026-09-08")).id)
    app = XinyiApp(ui_city.op("town_head", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")  # 请假: 请假管理
        await settle(pilot)
        footer = screen_text(app).splitlines()[-1]
        assert "d 撤销" in footer and footer.endswith("Esc 返回  F1 帮助")  # what does not fit (h 个人记录) is on F1
        assert [r[0] for r in rows(app)] == [future.id, started.id]
        await pilot.press("d")
        await settle(pilot)
        text = screen_text(app)
        assert f"撤销 {person.name} 的事假（共 2 天）？" in text and "请假时间：2026-09-07 至 2026-09-08" in text
        await pilot.press("ctrl+s")  # no reason: nothing happens but the message beside the field
        await settle(pilot)
        assert app.screen.query_one(Form).error("reason") == "必填"
        await pilot.press(*"工作需要")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, screens.LeaveListScreen) and rows(app)[0][5] == "已撤销"
        assert f"已撤销：{person.name} 2026-09-07 至 2026-09-08 的事假" in notifications(app)
        await pilot.press("down", "d")
        await settle(pilot)
        assert isinstance(app.screen, screens.LeaveListScreen)  # no form for a leave that has started
        assert any("请办理销假" in n for n in notifications(app))
    assert service.LeaveRequest.get_by_id(future.id).note == "工作需要"
    assert service.LeaveRequest.get_by_id(started.id).state == "approved"


async def test_only_the_town_head_is_offered_the_cancel_key(ui_city):
    app = XinyiApp(ui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")  # 请假: 请假管理
        await settle(pilot)
        assert "撤销" not in screen_text(app).splitlines()[-1]


RULE_ID = re.compile(r"[A-Z]{2,5}-\d")  # ATT-3, ATT-6: in code and tests, never on an operator's screen


async def test_enter_opens_the_highlighted_leave_slip_and_esc_comes_back(ui_city):
    """Issue 18: 请假管理's Enter shows the leave's slip in full — reason, phone, every opinion with
    its approver and date — where p prints it; Esc goes back to the list where she was."""
    from .conftest import approve_all

    person, clerk = ui_city.people["a"][0], ui_city.op("town_clerk", "a")
    leave = approve_all(ui_city, service.apply(clerk, person, slip("2026-09-07", "2026-09-08", reason="孩子住院陪护")).id)
    app = XinyiApp(clerk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")  # 请假: 请假管理
        await settle(pilot)
        assert "回车：查看请假单全文" in screen_text(app)  # the list says what Enter does
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, screens.LeaveSlipScreen)
        text = screen_text(app)
        assert f"请假管理 › {person.name} › 请假单" in text.splitlines()[0]  # where she is
        assert "请假理由：孩子住院陪护" in text and "请假期间联系电话：13900001111" in text
        assert "请假时间：2026-09-07（周一） 至 2026-09-08（周二），共 2 天（按工作日计）" in text
        assert "村居负责人：已批准　同意" in text and "镇中心负责人：已批准　同意" in text
        assert "p 打印" in text.splitlines()[-1] and not RULE_ID.search(text)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, screens.LeaveListScreen) and rows(app)[0][0] == leave.id


async def test_leave_words_on_screen_carry_no_rule_ids(ui_city):
    """Issue 18: the oral report's title, its missing-slip reminder and the empty lists speak plain
    Chinese, and an empty list offers only a key she may use."""
    from xinyi_core import alerts

    person, clerk = ui_city.people["a"][1], ui_city.op("town_clerk", "a")
    office = XinyiApp(ui_city.op("city_office"))  # the city reads leave but files none: no "按 n"
    async with office.run_test(size=SIZE) as pilot:
        office.action_open("leave.nav.manage")
        await settle(pilot)
        text = screen_text(office)
        assert "没有请假记录" in text and "按 n" not in text and "n 请假" not in text
    app = XinyiApp(clerk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")  # 请假: 请假管理
        await settle(pilot)
        assert "没有请假记录：按 n 填写请假审批单" in screen_text(app)  # she may file one for a person
        await pilot.press("slash", *"zzz", "enter")
        await settle(pilot)
        assert "没有找到请假记录：按 Esc 显示全部" in screen_text(app)
        await pilot.press("escape", "o")
        await settle(pilot)
        assert "登记口头请假报告" in screen_text(app) and not RULE_ID.search(screen_text(app))
        form = app.screen.query_one(Form)
        form.widget("person").value = person.id
        form.widget("end_on").value = "2026-09-02"
        form.widget("oral_reporter").value = "本人电话报告"
        await pilot.press("ctrl+s")
        await settle(pilot)
    reminders = [a.message for a in alerts.visible(clerk, state="open")]
    assert reminders and not any(RULE_ID.search(m) for m in reminders)
    assert any("请假审批单尚未补办" in m for m in reminders)


async def test_esc_clears_the_search_then_leaves_the_leave_list(ui_city):
    """Issue 18: Esc is one step back — a search is cleared first, then 请假管理 goes home; never a dead end."""
    clerk = ui_city.op("town_clerk", "a")
    app = XinyiApp(clerk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")  # 请假: 请假管理
        await settle(pilot)
        await pilot.press("slash", *"zzz", "enter")
        await settle(pilot)
        assert "没有找到请假记录" in screen_text(app) and "Esc 清除筛选" in screen_text(app).splitlines()[-1]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, screens.LeaveListScreen) and "没有找到" not in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, screens.LeaveListScreen)
