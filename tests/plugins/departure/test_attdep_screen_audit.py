"""Every attendance and departure screen, for every role that may open it, at 80×24: no rule id on
screen, every column heading whole, an empty list says what comes next and offers no ⏎ for it.

Run twice: on a town with nothing yet (every list empty) and after a day's work (a sign-in, a
旷工 candidate, an ATT-6 proposal, a report on its chain).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterator

import pytest
from rich.cells import cell_len
from xinyi_core.testing_paper import RULE_ID

from xinyi_core import clock, lifecycle, testing
from xinyi_core.testing import screen_text, settle
from xinyi_core.tui.app import XinyiApp
from xinyi_core.tui.widgets import RecordList

from .test_departure_att6 import raise_off_post

MONDAY = dt.datetime(2026, 10, 12, 19, 30)
ROLES = ("assistant@a", "village_head@a", "town_clerk@a", "town_head@a", "city_office")  # bureau, admin: as the city
PLUGINS = ("attendance.", "departure.")


@pytest.fixture
def town(tmp_path: Path) -> Iterator[testing.City]:
    cfg = testing.make_config(tmp_path, f"sqlite:///{tmp_path / 'xinyi.db'}")
    testing.start(cfg, entry_points=["attendance", "departure"])
    try:
        city = testing.build_city()
        from xinyi_attendance import service

        service.name_clerk(city.op("town_head", "a"), city.towns[0], city.op("town_clerk", "a"))
        yield city
    finally:
        lifecycle.shutdown()


def a_days_work(city: testing.City) -> None:
    from xinyi_attendance import service
    from xinyi_attendance.service import daily
    from xinyi_departure import service as departures

    with clock.frozen(MONDAY.replace(hour=8, minute=20)):
        service.sign(city.op("town_clerk", "a"), city.people["a"][0].id, "in")
    with clock.frozen(MONDAY):
        daily.end_of_day(city.towns[0], MONDAY.date())
        raise_off_post(city.people["a"][1])
        departures.report(city.op("town_clerk", "a"), city.people["a"][2].id,
                          {"category": "resigned", "planned_on": "2026-11-30", "reason": "家庭原因"})


def op_of(city: testing.City, key: str):
    role, _, town = key.partition("@")
    return city.op(role, town or None)


async def audit(city: testing.City) -> list[str]:
    problems = []
    for key in ROLES:
        app = XinyiApp(op_of(city, key))
        async with app.run_test(size=(80, 24)) as pilot:
            for entry in [e for e in app.nav if e.startswith(PLUGINS)]:
                app.action_open(entry)
                await settle(pilot)
                await pilot.pause(0.1)
                text = screen_text(app)
                where = f"{key} {entry}"
                if RULE_ID.search(text):
                    problems.append(f"{where}: rule id on screen")
                lines = text.splitlines()
                for plist in app.screen.query(RecordList):
                    labels = [c.label for c in plist.columns]
                    heading = next((line for line in lines if labels[0] in line), "")
                    cut = [lb for lb in labels if lb not in heading]
                    if cut:
                        problems.append(f"{where}: heading cut or missing: {cut}")
                    if plist.count == 0:
                        if "：" not in plist.empty:  # "nothing yet: here is what to do / what fills it"
                            problems.append(f"{where}: empty list says nothing about what comes next")
                        if "⏎" in lines[-1] or "回车" in lines[-1]:
                            problems.append(f"{where}: ⏎ offered on an empty list")
                if cell_len(lines[-1]) > 80:
                    problems.append(f"{where}: footer wider than 80 columns")
    return problems


async def test_every_screen_before_any_work(town):
    with clock.frozen(MONDAY):
        assert await audit(town) == []


async def test_every_screen_after_a_days_work(town):
    a_days_work(town)
    with clock.frozen(MONDAY):
        assert await audit(town) == []
