"""Issue 23: the dashboard screen (数据看板) at 80×24 — the city's first screen after login, F12 from
anywhere, a chart per digit, its
numbers one key away (t), the month with [ and ], the town head's view of her town against the
city average. The charts here come from the core (vacancies) and the sample plugin's
``xinyi_dashboard_series`` — a town's own plugin adding a chart without a change to the core."""
from __future__ import annotations

import pytest
from rich.cells import cell_len

from xinyi_core import clock, dashboard
from xinyi_core.testing import run_app, screen_text, settle
from xinyi_core.tui import nav
from xinyi_core.tui.screens.dashboard import ChartView, DashboardScreen
from xinyi_core.tui.screens.home import HomeScreen


def _lines(app) -> list[str]:
    return screen_text(app).splitlines()


async def test_city_starts_on_the_dashboard_and_reads_a_chart_and_its_table(tui_city):
    async with run_app(tui_city.op("city_office")) as pilot:  # no key: 数据看板 is where she starts
        await settle(pilot, 0.2)
        lines = _lines(pilot.app)
        assert len(lines) == 24 and all(cell_len(line) <= 80 for line in lines)
        month = dashboard.period_label(f"{clock.today():%Y-%m}")
        assert lines[0].lstrip().startswith("数据看板")
        assert lines[1].startswith("1 走访 2 空岗") and f"月份：{month}" in lines[1]
        assert f"走访次数（{month}）（单位：次）" in lines[2]
        text = "\n".join(lines)
        assert "甲镇 3┤" in text and "乙镇 5┤" in text  # the value beside the name, bars to the right
        assert lines[-1].startswith("←→ 换图  [ 上月  ] 下月  t 表格/图表  F2 首页") and lines[-1].endswith("F1 帮助")

        await pilot.press("t")
        await settle(pilot)
        table = screen_text(pilot.app)
        assert "镇街" in table and "走访" in table and "┤" not in table
        assert any(line.split()[:2] == ["乙镇", "5"] for line in table.splitlines())

        await pilot.press("2")  # the core's vacancies: one vacant post in each town
        await settle(pilot)
        assert "空岗数（当前）（单位：个）" in screen_text(pilot.app)
        await pilot.press("t", "left_square_bracket")
        await settle(pilot, 0.2)
        previous = dashboard.period_label(dashboard.shift(f"{clock.today():%Y-%m}", -1))
        assert f"月份：{previous}" in screen_text(pilot.app)
        assert "空岗数" in screen_text(pilot.app)  # the same chart, another month

        await pilot.press("f1")
        await settle(pilot)
        help_text = screen_text(pilot.app)
        for key, what in (("←→", "换图"), ("[", "上月"), ("]", "下月"), ("t", "表格/图表"), ("1～9", "直接打开第几张图"),
                          ("F12", "数据看板")):
            assert any(line.split()[:2] == [key, what] for line in help_text.splitlines()), (key, help_text)
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert pilot.app.current_mode == "tui.nav.home"


async def test_a_town_head_sees_her_town_and_the_city_average_only(tui_city):
    async with run_app(tui_city.op("town_head", "a")) as pilot:
        await pilot.press("f12")
        await settle(pilot, 0.2)
        text = screen_text(pilot.app)
        assert "甲镇 3┤" in text and "全市平均 4┤" in text
        assert "乙镇" not in text
        # a chart of two bars leaves room for its numbers right under it
        assert any(line.split()[:2] == ["甲镇", "3"] for line in text.splitlines())


async def test_who_may_not_see_the_dashboard_gets_no_key_for_it(tui_city):
    async with run_app(tui_city.op("town_clerk", "a")) as pilot:
        assert "tui.nav.dashboard" not in pilot.app.nav
        await pilot.press("f12")
        await settle(pilot)
        assert pilot.app.current_mode == "tui.nav.home"


# Who starts where (issue 23: "home for city roles; a town view for town heads"): the city's business
# roles on 数据看板; the town head, who reaches her town's charts with F12, starts from her to-dos like the
# rest of the town; the administrator, city-level too, keeps the system and starts on home.
LANDING = [("city_office", None, nav.DASHBOARD), ("bureau", None, nav.DASHBOARD), ("admin", None, nav.HOME),
           ("town_head", "a", nav.HOME), ("town_clerk", "a", nav.HOME), ("village_head", "a", nav.HOME),
           ("assistant", "a", nav.HOME)]


@pytest.mark.parametrize(("role", "town", "lands"), LANDING, ids=[role for role, _, _ in LANDING])
async def test_city_roles_start_on_the_dashboard_with_a_chart_drawn_and_the_others_on_home(
        tui_city, role, town, lands):
    async with run_app(tui_city.op(role, town)) as pilot:
        await settle(pilot, 0.2)
        app = pilot.app
        text = screen_text(app)
        assert app.current_mode == lands
        if lands == nav.DASHBOARD:
            assert isinstance(app.screen, DashboardScreen) and text.lstrip().startswith("数据看板")
            view = app.screen.query_one("#dash-chart", ChartView)
            assert view.chart is not None and view.chart.key == app.screen.charts[0].key  # the first chart, drawn
            assert "┤" in text and "（单位：" in text
            assert "F2 首页" in text.splitlines()[-1]  # the way home is on the key bar
        else:
            assert isinstance(app.screen, HomeScreen) and text.lstrip().startswith("首页")
            assert "待办事项" in text


async def test_from_the_dashboard_she_starts_on_esc_and_f2_both_go_home_and_home_stays_home(tui_city):
    async with run_app(tui_city.op("city_office")) as pilot:
        await settle(pilot, 0.2)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(pilot.app.screen, HomeScreen)
        await pilot.press("escape")  # home stays home: no step back into the dashboard
        await settle(pilot)
        assert isinstance(pilot.app.screen, HomeScreen)
        await pilot.press("f12")
        await settle(pilot, 0.2)
        assert isinstance(pilot.app.screen, DashboardScreen)
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(pilot.app.screen, HomeScreen) and "待办事项" in screen_text(pilot.app)
