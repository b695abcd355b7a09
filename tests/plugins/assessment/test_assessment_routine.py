"""ASM-3 scores the year 「结合日常考核成绩」: the monthly results (ASM-2) are shown to the annual
assessor and the panel as evidence — summarised in one line, month by month behind a key — and
deduct nothing by themselves.

The scoring happens on 20 December 2025: January to November are over and their reviews due,
December is not. Person ``a[0]`` has ten months reviewed by hand below (8 好, 1 合格, 1 差) and
March never reviewed; ``a[1]`` joined on 10 June and has no review at all.
"""
from __future__ import annotations

import datetime as dt

from xinyi_assessment import service
from xinyi_assessment.service import monthly, routine
from xinyi_assessment.models import Assessment

from xinyi_core import Person, audit, clock
from xinyi_core.testing import settle
from xinyi_core.tui.app import XinyiApp
from xinyi_core.tui.widgets import RecordList

from .conftest import YEAR
from .test_assessment_screens import SIZE, text

DECEMBER = dt.date(YEAR, 12, 20)
RESULTS = {1: "good", 2: "good", 4: "good", 5: "good", 6: "pass", 7: "good", 8: "good", 9: "poor", 10: "good",
           11: "good"}  # March missing
# by hand: 10 reviewed (好 8, 合格 1, 差 1) of the 11 months due (1–11); March named
SUMMARY_A0 = "日常考核（1-11月）：已评 10 个月，好 8、合格 1、差 1；未评 1 个月（3月）"
SUMMARY_A1 = "日常考核（6-11月）：未评 6 个月（6-11月）"  # on the roll from 10 June, nothing reviewed


def _review_the_year(asm) -> None:
    p = asm.a[0]
    for month, result in RESULTS.items():
        with clock.frozen(dt.date(YEAR, month, 28)):
            monthly.review(asm.clerk, p.id, f"{YEAR}-{month:02d}", attendance=f"{month}月请假1天" if month == 9 else "",
                           work=f"{month}月入户调查", result=result)
    Person.update(joined_on=dt.date(YEAR, 6, 10)).where(Person.id == asm.a[1].id).execute()


def _sheet(person) -> Assessment:
    return Assessment.get((Assessment.person == person.id) & (Assessment.year == YEAR))


def test_asm3_the_routine_year_counts_the_months_due_and_names_the_missing_one(asm):
    """ASM-2 → ASM-3: months on the roll and ended are due; a due month with no review is named."""
    _review_the_year(asm)
    with clock.frozen(DECEMBER):
        a0 = routine.routine_year(asm.a[0], YEAR)
        a1 = routine.routine_year(Person.get_by_id(asm.a[1].id), YEAR)
        assert a0.summary() == SUMMARY_A0 and a0.missing == [3]
        assert [m.state for m in a0.months][2:] == ["未评", "好", "好", "合格", "好", "好", "差", "好", "好", "未结束"]
        assert a1.summary() == SUMMARY_A1
        assert [m.state for m in a1.months][:6] == ["未在册"] * 5 + ["未评"]
        assert routine.routine_year(asm.a[2], YEAR).summary() == "日常考核（1-11月）：未评 11 个月（1-11月）"
    with clock.frozen(dt.date(YEAR + 1, 1, 8)):  # in January December is due too
        assert routine.routine_year(asm.a[0], YEAR).summary() == \
            "日常考核（1-12月）：已评 10 个月，好 8、合格 1、差 1；未评 2 个月（3、12月）"
    with clock.frozen(dt.date(YEAR, 1, 20)):  # nothing has ended yet
        assert routine.routine_year(asm.a[2], YEAR).summary() == "日常考核：本年度尚无应评的月份"


def test_asm3_routine_results_deduct_nothing_and_the_panels_grade_keeps_them(asm):
    """README «Routine results in the annual assessment»: evidence only — a 差 month costs no point;
    the grade's audit row records the summary the panel had before it."""
    _review_the_year(asm)
    with clock.frozen(DECEMBER):
        service.open_round(asm.clerk, asm.town_a, YEAR)
        assert _sheet(asm.a[0]).total == 100 and _sheet(asm.a[0]).earned == "excellent"
        service.assign_grades(asm.head, asm.town_a, YEAR, {p.id: "pass" for p in asm.a})
    row = next(r for r in audit.query(action="assessment.grade") if r.person_id == asm.a[0].id)
    assert row.after["routine"] == SUMMARY_A0


async def test_asm3_the_scoring_screen_shows_the_routine_year_and_month_by_month(asm_ui):
    """The annual assessor sees the hand-computed summary under the sheet and, with m, each month."""
    _review_the_year(asm_ui)
    with clock.frozen(DECEMBER):
        service.open_round(asm_ui.clerk, asm_ui.town_a, YEAR)
        app = XinyiApp(asm_ui.clerk)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.action_open("assessment.screen.scoring")
            await settle(pilot)
            sheets = app.screen.query_one("#asm-list", RecordList)
            sheets.action_jump([a.id for a in service.visible(asm_ui.clerk, YEAR, asm_ui.town_a)]
                               .index(_sheet(asm_ui.a[0]).id))
            await settle(pilot)
            screen = text(app)
            assert SUMMARY_A0 in screen and "无扣分" in screen
            assert "m 逐月" in screen  # the key, in the footer at 80 columns
            await pilot.press("m")
            await settle(pilot)
            screen = text(app)
            assert f"逐月日常考核：{asm_ui.a[0].name}（{YEAR}年）" in screen and SUMMARY_A0 in screen
            lines = screen.splitlines()
            assert any(line.split()[:2] == ["3月", "未评"] for line in lines)  # the missing month, named
            assert any(line.split()[:4] == ["9月", "差", "9月请假1天", "9月入户调查"] for line in lines)
            assert any(line.split()[:2] == ["12月", "未结束"] for line in lines)
            await pilot.press("escape")
            await settle(pilot)
            sheets.action_jump([a.id for a in service.visible(asm_ui.clerk, YEAR, asm_ui.town_a)]
                               .index(_sheet(asm_ui.a[1]).id))
            await settle(pilot)
            assert SUMMARY_A1 in text(app)


async def test_asm3_the_panel_sees_the_routine_year_when_grading(asm_ui):
    """The town's panel grades with the highlighted assistant's routine results under the ranking."""
    _review_the_year(asm_ui)
    with clock.frozen(DECEMBER):
        service.open_round(asm_ui.clerk, asm_ui.town_a, YEAR)
        app = XinyiApp(asm_ui.head)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.action_open("assessment.screen.panel")
            await settle(pilot)
            ranking = app.screen.query_one("#panel-list", RecordList)
            ranked, _, _ = service.panel(asm_ui.head, asm_ui.town_a, YEAR)
            ranking.action_jump([r.person_id for r in ranked].index(asm_ui.a[0].id))
            await settle(pilot)
            print(text(app))
            assert SUMMARY_A0 in text(app)
            await pilot.press("m")
            await settle(pilot)
            assert any(line.split()[:2] == ["3月", "未评"] for line in text(app).splitlines())
