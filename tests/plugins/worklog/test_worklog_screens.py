"""The work-log screens driven by key presses at 80×24 (WORK-1, WORK-2).

Only the work-log plugin is loaded, so its navigation keys and the screens' text
do not depend on what other plugins add.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterator

import docx
import pytest
from xinyi_worklog import rules, service
from xinyi_worklog.service import register
from xinyi_worklog.models import (
    Correction,
    LogEntry,
    MonthlyCheck,
    RegisterItem,
    SpotCheck,
)
from xinyi_worklog.service import register

from xinyi_core import clock, lifecycle, runtime, testing
from xinyi_core.testing import notifications, screen_text, settle
from xinyi_core.tui.app import XinyiApp

from .conftest import TODAY, working_days_may

SIZE = (80, 24)
GOOD = "走访三户失业人员"  # typed: short is quick (and "thin", which a draft or entry may be)
LONG = "入户走访失业人员三户，登记就业意向并推荐岗位"


class _Screens:
    """The screen classes, imported once the runtime has registered the plugin's messages
    (their key bindings' descriptions are translated when the classes are built)."""

    def __getattr__(self, name: str):
        if not name.endswith("Screen"):  # pytest's collection probes attributes: import nothing for those
            raise AttributeError(name)
        from xinyi_worklog import screens

        from xinyi_core.tui.screens import FormScreen

        return FormScreen if name == "FormScreen" else getattr(screens, name)


ui = _Screens()


@pytest.fixture
def ui_city(tmp_path: Path) -> Iterator[testing.City]:
    cfg = testing.make_config(tmp_path, f"sqlite:///{tmp_path / 'xinyi.db'}")
    testing.start(cfg, entry_points=["worklog"])
    try:
        with clock.frozen(TODAY):
            yield testing.build_city()
    finally:
        lifecycle.shutdown()


async def test_assistant_writes_an_entry_from_the_keyboard(ui_city):
    """WORK-2 fast entry: n, pick the duty, type, Ctrl+S — the entry is in the log, submitted."""
    me = ui_city.op("assistant", "a")
    app = XinyiApp(me)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f6")  # 日志: 我的工作日志
        await settle(pilot)
        assert isinstance(app.screen, ui.MyLogScreen) and "还没有日志" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ui.FormScreen)
        await pilot.press("ctrl+s")  # no duty chosen: the error shows beside the field
        await settle(pilot)
        assert "必填" in screen_text(app)
        await pilot.press("enter", "down", "down", "enter")  # focus went to the duty: open, two down
        await pilot.press("tab", *"走访", "tab", *GOOD, "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ui.MyLogScreen)
        entry = LogEntry.get()
        assert (entry.day, entry.category, entry.task, entry.progress, entry.state) == (
            TODAY, service.duties()[1], "走访", GOOD, "submitted")
        text = screen_text(app)
        assert "2026-06-10" in text and "人力资源调查" in text and "已提交" in text
        await pilot.press("p")  # the month's log book page
        await settle(pilot)
    path = Path(runtime().config.report_dir) / "worklog" / "2026-06" / f"工作日志_{me.person.name}_2026年6月.docx"
    assert docx.Document(str(path)).tables[0].rows[1].cells[3].text == GOOD  # named for her, not by her id


async def test_register_a_visit_fast_and_close_it(ui_city):
    """WORK-1: two fields and Ctrl+S register a visit; it stays open until closed with a note."""
    me = ui_city.op("assistant", "a")
    app = XinyiApp(me)
    async with app.run_test(size=SIZE) as pilot:
        app.action_open("worklog.nav.register")
        await settle(pilot)
        assert isinstance(app.screen, ui.RegisterScreen)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"王某", "tab", *"咨询社保", "ctrl+s")
        await settle(pilot)
        item = RegisterItem.get()
        assert (item.party, item.matter, item.state, item.at) == ("王某", "咨询社保", "open",
                                                                  dt.datetime.combine(TODAY, dt.time(9)))
        assert "未办结" in screen_text(app)
        await pilot.press("c")
        await settle(pilot)
        await pilot.press(*"已办", "ctrl+s")
        await settle(pilot)
        assert RegisterItem.get().state == "closed" and "已办结" in screen_text(app)


async def test_a_clerk_is_not_offered_a_register_key_she_cannot_use(ui_city):
    """Issue 18: 来访来电登记 offered the clerk n 新建, then refused (只有协理员本人可以登记). WORK-1: the
    assistant registers at her window; the town centre reads and closes — and the screen says so."""
    register.record(ui_city.op("assistant", "a"), {"party": "王某", "matter": "咨询社保"})
    app = XinyiApp(ui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        app.action_open("worklog.nav.register")
        await settle(pilot)
        assert isinstance(app.screen, ui.RegisterScreen)
        text = screen_text(app)
        assert "新建" not in text and "由协理员本人在窗口登记" in text and "王某" in text
        await pilot.press("n")  # nothing happens: no form, no refusal
        await settle(pilot)
        assert isinstance(app.screen, ui.RegisterScreen) and not testing.notifications(app)
        assert RegisterItem.select().count() == 1


async def test_town_records_the_monthly_check_which_locks_the_month(ui_city):
    """WORK-2: the checklist shows gaps on working days only; Enter + remarks records the check."""
    me, clerk = ui_city.op("assistant", "a"), ui_city.op("town_clerk", "a")
    for day in working_days_may()[2:]:  # the first two working days (6, 7 May) are missing
        service.save(me, {"day": day, "category": "就业失业登记", "progress": LONG}, submit=True)
    app = XinyiApp(clerk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f6")  # 日志: 日志月度检查
        await settle(pilot)
        assert isinstance(app.screen, ui.CheckScreen)
        text = screen_text(app)
        assert "2026-05：4 人，已检查 0 人，有问题 4 人" in text
        rows = app.screen.query_one("#checklists")
        index = next(i for i in range(rows.count) if rows.row_at(i)[0] == me.person_id)
        assert rows.row_at(index)[3:5] == (2, 0)
        for _ in range(index):
            await pilot.press("down")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ui.FormScreen) and "05-06、05-07" in screen_text(app)
        await pilot.press(*"缺记两天", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ui.CheckScreen) and "已检查 1 人" in screen_text(app)
    check = MonthlyCheck.get()
    assert (check.person_id, check.missing_days, check.remarks) == (me.person_id, 2, "缺记两天")
    assert service.is_locked(me.person_id, dt.date(2026, 5, 6))


async def test_city_spot_check_records_its_seed_and_does_not_show_it(ui_city):
    """WORK-2: the city picks 3 at random; the seed is drawn and recorded (the same seed picks the
    same 3 — the audit can replay it) but it is no word of the operator's: no 种子 on any screen."""
    app = XinyiApp(ui_city.op("city_office"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f6")  # 日志: 日志抽查
        await settle(pilot)
        assert isinstance(app.screen, ui.SpotScreen) and "还没有抽查：按 n 新建抽查" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert "种子" not in screen_text(app)  # the form asks for the month, how many, the town
        await pilot.press("tab", "backspace", "backspace", "3", "ctrl+s")
        await settle(pilot)
        spot = SpotCheck.get()
        everyone = [p.id for ps in ui_city.people.values() for p in ps]
        picked = [i.person_id for i in spot.items]
        assert spot.size == 3 and picked == rules.pick_for_spot_check(everyone, 3, spot.seed)
        assert str(spot.seed) not in screen_text(app) and "种子" not in screen_text(app)
        assert "已抽取 3 人：按回车打开名单" in notifications(app)[-1]
        header = next(line for line in screen_text(app).splitlines() if "月份" in line)
        assert header.split() == ["月份", "方式", "人数", "已审"]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ui.SpotItemsScreen)
        assert "种子" not in screen_text(app) and str(spot.seed) not in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("ctrl+s")  # result defaults to 合格
        await settle(pilot)
        assert "合格" in screen_text(app)
    assert spot.items.order_by("id").first().result == "ok"


async def test_search_as_you_type_within_scope_and_correct_an_entry(ui_city):
    """WORK-2: the town finds entries by text (never another town's) and corrects one with a reason."""
    a, b = ui_city.op("assistant", "a"), ui_city.op("assistant", "b")
    service.save(a, {"day": dt.date(2026, 6, 1), "category": "社会保障卡", "progress": "发放社会保障卡十张"}, submit=True)
    service.save(b, {"day": dt.date(2026, 6, 1), "category": "社会保障卡", "progress": "采集社会保障卡照片五人"},
                 submit=True)
    app = XinyiApp(ui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        app.action_open("worklog.nav.search")
        await settle(pilot)
        assert isinstance(app.screen, ui.SearchScreen)
        await pilot.press(*"社会保障卡")
        await settle(pilot, 0.3)
        text = screen_text(app)
        assert "找到 1 条" in text and "发放社会保障卡十张" in text and "采集" not in text
        assert "Ctrl+R 更正" in text and "⟨" not in text  # every key in the footer, in Chinese
        await pilot.press("down", "ctrl+r")
        await settle(pilot)
        await pilot.press("tab", "tab", *"社会保障卡十二张", "tab", "tab", "tab", *"核对台账", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ui.SearchScreen) and "社会保障卡十二张" in screen_text(app)
    fix = Correction.get()
    assert (fix.before["progress"], fix.after["progress"], fix.reason) == (
        "发放社会保障卡十张", "社会保障卡十二张", "核对台账")


async def test_a_town_searches_without_a_town_choice_and_reads_an_entry_whole(ui_city):
    """Issue 18: the clerk's filter offers no 镇（街道） (she sees one town); the city's names the town it
    chose — never its id — in the status; Enter on a result reads the whole entry, Esc comes back."""
    from xinyi_core.tui.widgets import Form

    a = ui_city.op("assistant", "a")
    service.save(a, {"day": dt.date(2026, 6, 1), "category": "社会保障卡", "progress": LONG, "task": "社保卡发放",
                     "served": "王大爷", "question": "补卡要带什么", "answer": "身份证"},
                 submit=True, consultations=[{"served": "王大爷", "question": "补卡要带什么", "answer": "身份证"}])
    app = XinyiApp(ui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        app.action_open("worklog.nav.search")
        await settle(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        assert set(app.screen.query_one(Form).fields) == {"start", "end", "category"}  # no town to choose
        assert "镇（街道）" not in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ui.ReadScreen)
        text = screen_text(app)
        assert f"日志查询 › {a.person.name} › 2026-06-01" in text.splitlines()[0]
        assert f"工作进展：{LONG}" in text and "交办任务：社保卡发放" in text
        assert "政策咨询：王大爷 问“补卡要带什么”，答：身份证" in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ui.SearchScreen)
    town_b = ui_city.towns[1]
    city = XinyiApp(ui_city.op("city_office"))
    async with city.run_test(size=SIZE) as pilot:
        city.action_open("worklog.nav.search")
        await settle(pilot)
        await pilot.press("ctrl+f")
        await settle(pilot)
        form = city.screen.query_one(Form)
        assert "town_id" in form.fields  # the city chooses among its towns
        form.widget("town_id").value = town_b.id
        await pilot.press("ctrl+s")
        await settle(pilot)
        status = next(line for line in screen_text(city).splitlines() if line.lstrip().startswith("找到"))
        assert status.strip() == f"找到 0 条（{town_b.name}）"  # its name, not its id
        assert "没有找到日志：换个关键词，或按 Ctrl+F 调整筛选" in screen_text(city)


async def test_enter_on_a_visit_reads_it_whole(ui_city):
    """Issue 18: Enter on the register shows the visit — matter, handling, phone, who registered it."""
    me = ui_city.op("assistant", "a")
    with clock.frozen(dt.datetime.combine(TODAY, dt.time(10))):
        register.record(me, {"party": "李大姐", "matter": "询问灵活就业社保补贴", "phone": "13912345678",
                             "handling": "讲解政策并发放宣传单"})
    app = XinyiApp(ui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        app.action_open("worklog.nav.register")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ui.ReadScreen)
        text = screen_text(app)
        assert "来访来电登记 › 李大姐" in text.splitlines()[0]
        assert "事项：询问灵活就业社保补贴" in text and "处理情况：讲解政策并发放宣传单" in text
        assert "手机号：13912345678" in text and f"登记人：{me.person.name}" in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ui.RegisterScreen)
