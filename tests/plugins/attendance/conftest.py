"""Fixtures for the attendance tests: the small test city with attendance and a stand-in
for the leave plugin (a plugin that only gives calendar marks).

Town "a" enables every installed plugin, so it hears the marks; town "b" enables
attendance alone — the "leave plugin disabled" case: no marks, no crash.
"""
from __future__ import annotations

import datetime as dt
import types
from pathlib import Path
from typing import Iterator

import pytest

from xinyi_core import CalendarMark, hookimpl, lifecycle, testing
from xinyi_core.config import TownConfig

from xinyi_attendance import service

# 2026 (chinese_calendar): Thu 1 Oct is a public holiday, Sat 10 Oct a make-up working day,
# Sat 17 Oct an ordinary weekend day, Mon 12 Oct an ordinary working day.
HOLIDAY = dt.date(2026, 10, 1)
MAKEUP = dt.date(2026, 10, 10)
WEEKEND = dt.date(2026, 10, 17)
MONDAY = dt.date(2026, 10, 12)


def _marks_module() -> types.ModuleType:
    module = types.ModuleType("leave_standin")
    module.XINYI_API = "1"
    module.MARKS = {}

    def xinyi_calendar_marks(person, start, end):
        return [m for (pid, day), m in module.MARKS.items() if pid == person.id and start <= day <= end]

    module.xinyi_calendar_marks = hookimpl(xinyi_calendar_marks)
    return module


def at(day: dt.date, hhmm: str) -> dt.datetime:
    h, m = hhmm.split(":")
    return dt.datetime.combine(day, dt.time(int(h), int(m)))


class AttCity:
    """The test city plus its mark table and handy operators."""

    def __init__(self, city: testing.City, marks: types.ModuleType) -> None:
        self.city = city
        self._marks = marks
        self.clerk = city.op("town_clerk", "a")
        self.head = city.op("town_head", "a")
        self.town_a, self.town_b = city.towns
        self.a = city.people["a"]
        self.b = city.people["b"]

    def leave(self, person, *days: dt.date, kind: str = "leave", label: str = "事假") -> None:
        for day in days:
            self._marks.MARKS[(person.id, day)] = CalendarMark(day, kind, label, True)


@pytest.fixture
def att(tmp_path: Path, database_url: str) -> Iterator[AttCity]:
    marks = _marks_module()
    cfg = testing.make_config(tmp_path, database_url)
    cfg.towns = {"b": TownConfig(plugins=("attendance",))}
    testing.start(cfg, plugin_modules={"leave_standin": marks}, entry_points=["attendance"])
    try:
        city = testing.build_city()
        service.name_clerk(city.op("town_head", "a"), city.towns[0], city.op("town_clerk", "a"))
        service.name_clerk(city.op("city_office"), city.towns[1], city.op("town_clerk", "b"))
        yield AttCity(city, marks)
    finally:
        lifecycle.shutdown()
