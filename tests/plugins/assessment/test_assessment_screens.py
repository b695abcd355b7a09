"""The assessment screens driven by keys at 80×24: scoring, the panel with its ranking, the city view."""
from __future__ import annotations

import datetime as dt
import io
import re

from rich.console import Console
from xinyi_assessment import service
from xinyi_assessment.models import Assessment, ItemDeduction

from xinyi_core import clock
from xinyi_core.testing import settle
from xinyi_core.tui.app import XinyiApp
from xinyi_core.tui.widgets import Form

from .conftest import YEAR, absent, worklog

SIZE = (80, 24)
RULE_ID = re.compile(r"[A-Z]{2,5}-\d")  # ATT-5, WORK-2: for code and tests, never on an operator's screen
DECEMBER = dt.date(YEAR, 12, 20)


def text(app: XinyiApp) -> str:
    console = Console(width=SIZE[0], height=SIZE[1], file=io.StringIO(), force_terminal=True, color_system=None,
                      record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens,
                                                        simplify=True))
    return "\n".join(line.rstrip() for line in console.export_text().splitlines())


async def test_the_clerk_gathers_facts_and_deducts_with_a_reason(asm_ui):
    asm_ui.facts[asm_ui.a[0].id] = [worklog(1.5)]
    with clock.frozen(DECEMBER):
        app = XinyiApp(asm_ui.clerk)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.action_open("assessment.screen.scoring")
            await settle(pilot)
            screen = text(app)
            assert "≠" not in screen and "方案" not in screen  # the scheme's own diagnostic is not hers (ASM-5)
            assert not RULE_ID.search(screen) and "⏎" not in screen  # Enter opens nothing here: not offered
            assert "汇集数据" in screen and "扣分" in screen and "签署意见" not in screen  # footer: her keys
            await pilot.press("o")
            await settle(pilot)
            a0 = Assessment.get(Assessment.person == asm_ui.a[0].id)
            assert asm_ui.a[0].name in text(app) and "98.5" in text(app)
            app.screen.query_one("#asm-list").action_jump(
                [a.id for a in service.visible(asm_ui.clerk, YEAR, asm_ui.town_a)].index(a0.id))
            await settle(pilot)
            assert "第4项 −1.5：工作日志检查：扣1.5分（据系统记录）" in text(app)  # the source, in words
            assert not RULE_ID.search(text(app))
            await pilot.press("d")
            await settle(pilot)
            assert app.screen.query_one(Form).value("rule") == "4:missing"  # the first rule of item 4
            await pilot.press("ctrl+s")  # no reason: refused, the form stays
            await settle(pilot)
            assert isinstance(app.screen.query_one(Form), Form)
            assert ItemDeduction.select().where(ItemDeduction.source == "assessor").count() == 0
            app.screen.query_one(Form).widget("reason").focus()
            await pilot.press(*"wu", "ctrl+s")
            await settle(pilot)
            d = ItemDeduction.get(ItemDeduction.source == "assessor")
            assert (d.item, d.rule, d.points, d.reason) == (4, "missing", 2, "wu")
            assert Assessment.get_by_id(a0.id).total == 98  # the whole of item 4 is gone: 100 − 2
            assert "98 " in text(app)


async def test_the_deduction_form_says_a_bad_count_beside_the_field_before_saving(asm_ui):
    """ASM-5: the count is checked as she leaves the field, by the service's own parsing; nothing saved."""
    with clock.frozen(DECEMBER):
        service.open_round(asm_ui.clerk, asm_ui.town_a, YEAR)
        app = XinyiApp(asm_ui.clerk)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.action_open("assessment.screen.scoring")
            await settle(pilot)
            await pilot.press("d")
            await settle(pilot)
            form = app.screen.query_one(Form)
            form.widget("units").focus()
            await pilot.press("backspace", *"两次", "tab")
            await settle(pilot)
            assert form.error("units") == "扣分次数应为数字，如 1 或 0.5"
            form.widget("units").value = "-1"
            await settle(pilot)
            assert form.error("units") == "扣分次数不能为负数"
            form.widget("units").value = "1"
            await settle(pilot)
            assert form.error("units") == ""
    assert ItemDeduction.select().where(ItemDeduction.source == "assessor").count() == 0


async def test_the_panel_sees_the_ranking_and_the_cap(asm_ui):
    asm_ui.facts[asm_ui.a[3].id] = [absent(5)]
    with clock.frozen(DECEMBER):
        service.open_round(asm_ui.clerk, asm_ui.town_a, YEAR)
        app = XinyiApp(asm_ui.head)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.action_open("assessment.screen.panel")
            await settle(pilot)
            screen = text(app)
            assert "专职协理员4人，优秀上限0人（20%），已评优秀0人" in screen
            assert "不合格" in screen  # the ATT-5 fail, ranked last
            await pilot.press("1")  # try 优秀 for the best ranked: over the cap of 0
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert Assessment.select().where(Assessment.grade.is_null(False)).count() == 0
            await pilot.press("2", "ctrl+s")  # back to 合格; the failed one still lacks an explanation
            await settle(pilot)
            assert Assessment.select().where(Assessment.grade.is_null(False)).count() == 0
            await pilot.press("end")
            await pilot.press("4")
            await settle(pilot)
            await pilot.press(*"kuang")  # any text: the written explanation
            await pilot.press("ctrl+s")
            await settle(pilot)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert Assessment.get(Assessment.person == asm_ui.a[3].id).grade == "fail"
            assert Assessment.get(Assessment.person == asm_ui.a[3].id).explanation == "kuang"


async def test_the_city_view_shows_every_towns_progress(asm_ui):
    with clock.frozen(DECEMBER):
        service.open_round(asm_ui.clerk, asm_ui.town_a, YEAR)
        app = XinyiApp(asm_ui.city.op("city_office"))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.action_open("assessment.screen.city")
            await settle(pilot)
            screen = text(app)
            assert f"{YEAR}年度  已报送0/2个镇（街道）" in screen
            assert "打分中" in screen and "未开始" in screen and "生成报局材料" in screen
            # one plain count under each whole heading (not "0/4/4", not "基本"/"不合" cut to two characters)
            header = next(line for line in screen.splitlines() if line.lstrip().startswith("镇（街道）"))
            assert header.split() == ["镇（街道）", "在册", "参评", "已评定", "优秀", "合格", "基本合格", "不合格", "状态"]
            row_a = next(line for line in screen.splitlines() if line.lstrip().startswith(asm_ui.town_a.name))
            assert row_a.split() == [asm_ui.town_a.name, "4", "4", "0", "0", "0", "0", "0", "打分中"]
            # the city keeps the scheme: its diagnostic is shown to her (ASM-5)
            assert "评分方案提示：“二、基础工作”表头28分≠细项合计39分（以细项为准）" in screen
            assert not RULE_ID.search(screen)


async def test_asm2_the_clerk_reviews_last_month_from_the_keyboard(asm_ui):
    from xinyi_assessment.models import MonthlyResult

    with clock.frozen(dt.date(2025, 12, 3)):
        app = XinyiApp(asm_ui.clerk)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.action_open("assessment.screen.monthly")
            await settle(pilot)
            assert "2025-11  已审核0/4人" in text(app) and "生成公示表" in text(app)
            await pilot.press("1")
            await settle(pilot)
            assert "本镇未启用考勤，出勤情况请据实填写" in text(app)  # ASM-2: typed by hand without attendance
            await pilot.press(*"ok", "ctrl+s")
            await settle(pilot)
            row = MonthlyResult.get()
            assert (row.period, row.result, row.work) == ("2025-11", "good", "ok")
            assert "2025-11  已审核1/4人" in text(app)


async def test_headings_are_whole_and_empty_lists_say_what_comes_next(asm_ui):
    """Issue 18: 请假/培训天数 is not cut to 请假/培 and its values say 天; before the round is opened,
    the panel says where the sheets come from (it has no o key) and the clerk's list says o; the
    veto form names 旷工 in words, without its rule ID."""
    from xinyi_core.tui.widgets import Form

    with clock.frozen(dt.date(YEAR, 12, 3)):
        app = XinyiApp(asm_ui.clerk)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.action_open("assessment.screen.monthly")
            await settle(pilot)
            screen = text(app)
            header = next(line for line in screen.splitlines() if line.lstrip().startswith("姓名"))
            assert header.split() == ["姓名", "请假/培训天数", "考核结果", "工作完成情况"]
            assert f"{asm_ui.a[0].name}" in screen and " 0 天 " in screen and "⏎" not in screen
            app.action_open("assessment.screen.scoring")
            await settle(pilot)
            assert "还没有评分表：按 o 汇集数据开始打分" in text(app)
    with clock.frozen(DECEMBER):
        app = XinyiApp(asm_ui.head)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.action_open("assessment.screen.panel")
            await settle(pilot)
            screen = text(app)
            assert "还没有评分表：镇中心在“年度考核打分”按 o 汇集数据后，这里列出排名" in screen
            assert "≠" not in screen and not RULE_ID.search(screen)
            app.action_open("assessment.screen.scoring")
            await settle(pilot)
            await pilot.press("o")
            await settle(pilot)
            await pilot.press("v")
            await settle(pilot)
            labels = [label for label, _ in app.screen.query_one(Form).fields["code"].choices]
            assert "全年累计旷工五天以上" in labels and not any(RULE_ID.search(label) for label in labels)
