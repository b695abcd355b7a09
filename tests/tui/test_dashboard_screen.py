"""Issue 23: the dashboard screen (数据看板) at 80×24 — F12 from anywhere, a chart per digit, its
numbers one key away (t), the month with [ and ], the town head's view of her town against the
city average. The charts here come from the core (vacancies) and the sample plugin's
``xinyi_dashboard_series`` — a town's own plugin adding a chart without a change to the core."""
from __future__ import annotations

from rich.cells import cell_len

from xinyi_core import clock, dashboard
from xinyi_core.testing import run_app, screen_text, settle


def _lines(app) -> list[str]:
    return screen_text(app).splitlines()


async def test_city_opens_the_dashboard_with_f12_and_reads_a_chart_and_its_table(tui_city):
    async with run_app(tui_city.op("city_office")) as pilot:
        await pilot.press("f12")
        await settle(pilot, 0.2)
        lines = _lines(pilot.app)
        assert len(lines) == 24 and all(cell_len(line) <= 80 for line in lines)
        month = dashboard.period_label(f"{clock.today():%Y-%m}")
        assert lines[0].lstrip().startswith("数据看板")
        assert lines[1].startswith("1 走访 2 空岗") and f"月份：{month}" in lines[1]
        assert f"走访次数（{month}）（单位：次）" in lines[2]
        text = "\n".join(lines)
        assert "甲镇 3┤" in text and "乙镇 5┤" in text  # the value beside the name, bars to the right
        assert lines[-1].startswith("←→ 换图  [ 上月  ] 下月  t 表格/图表") and lines[-1].endswith("F1 帮助")

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
