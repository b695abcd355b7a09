"""The city's home screen names a year with no holiday schedule: on its days the software
decides nothing (ATT-1, ATT-5, ATT-6) until the administrator enters it in ``xinyi.toml``."""
from __future__ import annotations

import datetime as dt
import types

import pytest

from xinyi_core import clock, hookimpl, runtime
from xinyi_core.config import YearSchedule
from xinyi_core.tui.app import XinyiApp

from .conftest import SIZE, screen_text, settle

WARNING = "2027 年的节假日安排尚未录入"


async def home_text(op) -> str:
    """Home, as she sees it: the city office starts on 数据看板 (issue 23) and presses F2."""
    app = XinyiApp(op)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await settle(pilot, app)
        return screen_text(app)


async def test_att6_the_city_sees_the_unscheduled_year_on_its_home_screen(tui_city, monkeypatch):
    with clock.frozen(dt.datetime(2026, 12, 5, 9, 0)):
        assert WARNING in await home_text(tui_city.op("city_office"))
        assert WARNING not in await home_text(tui_city.op("town_clerk", "a"))  # the town cannot enter it
        monkeypatch.setitem(runtime().config.calendar_years, 2027, YearSchedule(frozenset(), frozenset()))
        assert WARNING not in await home_text(tui_city.op("city_office"))


def _failing_at_start() -> types.ModuleType:
    module = types.ModuleType("xinyi_fails_at_start")
    module.XINYI_API = "1"

    def xinyi_migrations():
        raise KeyError("settings")

    module.xinyi_migrations = hookimpl(xinyi_migrations)
    return module


@pytest.mark.parametrize("tui_city", [{"plugins": {"fails": _failing_at_start()}}], indirect=True)
async def test_a_plugin_that_failed_to_load_is_named_inside_the_app_not_before_it(tui_city):
    """Issue 20 (12): the start-up notices are no longer printed on the terminal before the app;
    a plugin that failed to load is listed on the home screen, so the operator can report it."""
    assert [f.name for f in runtime().plugins.failures] == ["fails"]
    assert "插件 fails 加载失败" in await home_text(tui_city.op("town_clerk", "a"))


async def test_the_city_landing_on_the_dashboard_is_told_what_waits_on_home(tui_city, monkeypatch):
    """The city office starts on 数据看板, not 首页: its top line says how many to-dos wait there (the
    year without a holiday schedule among them) and how many are urgent, and F2 shows them."""
    import re

    async def top_line() -> tuple[str, str]:
        app = XinyiApp(tui_city.op("city_office"))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            top = screen_text(app).splitlines()[0]
            await pilot.press("f2")
            await settle(pilot, app)
            return top, screen_text(app)

    with clock.frozen(dt.datetime(2026, 12, 5, 9, 0)):
        top, home = await top_line()
        said = re.search(r"待办 (\d+) 项(，其中急 (\d+) 项)? · F2 首页查看", top)
        assert top.startswith(" 数据看板") and said, top
        assert WARNING in home
        urgent = sum("【急】" in line for line in home.splitlines())
        assert int(said.group(3) or 0) == urgent >= 1  # the bold part: as many as 首页 marks 【急】
        monkeypatch.setitem(runtime().config.calendar_years, 2027, YearSchedule(frozenset(), frozenset()))
        after, _ = await top_line()
        assert f"待办 {int(said.group(1)) - 1} 项" in after  # the year entered: one less
