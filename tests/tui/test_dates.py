"""Issue 18: a date field takes a date as a clerk writes it and shows it with its weekday.

``2026-01-05``, ``2026-1-5``, ``20260105`` and, for this year by the app's clock, ``1-5`` all mean
the same day; the field shows ``2026-01-05（周一）`` once she leaves it, the service gets
``2026-01-05``, and what is no date is refused beside the field with the example its hint shows.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from xinyi_core import clock
from xinyi_core.tui.app import XinyiApp
from xinyi_core.tui.screens import FormScreen
from xinyi_core.tui.widgets import Form, FormField

from .conftest import SIZE, screen_text, settle


async def _form(pilot, fields: list[FormField], saved: list[dict[str, Any]]) -> tuple[FormScreen, Form]:
    screen = FormScreen("请假", fields, saved.append)
    pilot.app.push_screen(screen)
    await settle(pilot, pilot.app)
    return screen, screen.query_one(Form)


async def test_a_short_date_becomes_this_years_day_with_its_weekday(tui_city):
    saved: list[dict[str, Any]] = []
    with clock.frozen(dt.datetime(2026, 3, 2, 9, 0)):
        app = XinyiApp(tui_city.op("town_clerk", "a"))
        async with app.run_test(size=SIZE) as pilot:
            screen, form = await _form(pilot, [FormField("start_on", "开始日期", required=True, kind="date"),
                                               FormField("reason", "事由")], saved)
            assert form.widget("start_on").placeholder == "2026-01-31"  # this year's example
            await pilot.press(*"1-5")
            await settle(pilot, app)
            assert form.weekday("start_on") == "（周一）"  # while she types
            await pilot.press("tab")  # leaving the field shows the day it took, with its year
            await settle(pilot, app)
            assert form.widget("start_on").value == "2026-01-05"
            assert "2026-01-05（周一）" in screen_text(app).replace(" ", "")
            await pilot.press("ctrl+s")
            await settle(pilot, app)
    assert saved == [{"start_on": "2026-01-05", "reason": ""}]


async def test_every_way_of_writing_it_is_taken(tui_city):
    with clock.frozen(dt.datetime(2026, 3, 2, 9, 0)):
        app = XinyiApp(tui_city.op("town_clerk", "a"))
        async with app.run_test(size=SIZE) as pilot:
            _, form = await _form(pilot, [FormField("start_on", "开始日期", kind="date")], [])
            for text in ("2026-01-05", "2026-1-5", "20260105", "1-5", "1/5"):
                form.widget("start_on").value = text
                await settle(pilot, app)
                assert form.value("start_on") == "2026-01-05" and form.weekday("start_on") == "（周一）", text
                assert form.check_field("start_on") == ""


async def test_a_bad_date_says_what_is_expected_with_the_hints_example(tui_city):
    saved: list[dict[str, Any]] = []
    with clock.frozen(dt.datetime(2027, 3, 2, 9, 0)):  # next year: no example may still say 2026 (or 2025)
        app = XinyiApp(tui_city.op("town_clerk", "a"))
        async with app.run_test(size=SIZE) as pilot:
            screen, form = await _form(pilot, [FormField("start_on", "开始日期", required=True, kind="date"),
                                               FormField("reason", "事由")], saved)
            await pilot.press(*"2-30", "tab")
            await settle(pilot, app)
            hint = form.widget("start_on").placeholder
            assert hint == "2027-01-31"
            assert form.error("start_on").startswith(f"日期格式应为 {hint}")
            assert form.widget("start_on").value == "2-30" and form.weekday("start_on") == ""  # kept as typed
            await pilot.press("ctrl+s")
            await settle(pilot, app)
            assert saved == [] and app.screen is screen


async def test_a_screens_own_hint_is_the_example_its_error_gives(tui_city):
    with clock.frozen(dt.datetime(2026, 3, 2, 9, 0)):
        app = XinyiApp(tui_city.op("town_clerk", "a"))
        async with app.run_test(size=SIZE) as pilot:
            _, form = await _form(pilot, [FormField("planned_on", "离岗日期", placeholder="2026-12-31",
                                                    kind="date")], [])
            form.widget("planned_on").value = "明天"
            await settle(pilot, app)
            assert form.check_field("planned_on").startswith("日期格式应为 2026-12-31")


async def test_a_work_log_day_may_be_the_day_of_this_month_alone(tui_city):
    with clock.frozen(dt.datetime(2026, 6, 20, 9, 0)):
        app = XinyiApp(tui_city.op("town_clerk", "a"))
        async with app.run_test(size=SIZE) as pilot:
            _, form = await _form(pilot, [FormField("day", "日期", kind="day"),
                                          FormField("start_on", "开始日期", kind="date")], [])
            form.widget("day").value = "7"
            form.widget("start_on").value = "7"
            await settle(pilot, app)
            assert form.value("day") == "2026-06-07" and form.weekday("day") == "（周日）"
            assert form.check_field("start_on") != ""  # a plain date field wants month and day
