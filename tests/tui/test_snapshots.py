"""The main screens at 80×24, compared as text with tests/tui/snapshots/*.txt.

They catch layout regressions a user would see: a column that no longer fits,
a double-width label that pushes the operator's name off the bar, a footer
that lost its keys. Update with XINYI_UPDATE_SNAPSHOTS=1 after checking the diff.
"""
from __future__ import annotations

import datetime as dt

from xinyi_core import clock
from xinyi_core.testing import open_entry
from xinyi_core.tui.app import XinyiApp
from xinyi_core.tui.widgets import Form

from .conftest import SIZE, assert_snapshot, settle

DAY = dt.date(2025, 10, 9)  # National Day + Mid-autumn week, a make-up Saturday on the 11th


async def test_login_snapshot(tui_city):
    app = XinyiApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert_snapshot(app, "login")


async def test_main_screens_snapshots(tui_city):
    with clock.frozen(DAY):
        app = XinyiApp(tui_city.op("town_clerk", "a"))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            assert_snapshot(app, "home")
            for name in ("people", "org", "calendar", "jobs"):
                await open_entry(pilot, f"tui.nav.{name}")
                assert_snapshot(app, name)
            await pilot.press("f3", "down", "enter")
            await settle(pilot, app)
            assert_snapshot(app, "person")
            await pilot.press("c")
            await settle(pilot, app)
            assert_snapshot(app, "person_calendar")


async def test_form_error_snapshot(tui_city):
    app = XinyiApp(tui_city.op("city_office"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3", "down", "a")
        await settle(pilot, app)
        form = app.screen.query_one(Form)
        for name, value in (("name", "王"), ("id_number", "32038119900101123"), ("phone", "1391234567")):
            form.widget(name).value = value
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert_snapshot(app, "person_add_errors")
