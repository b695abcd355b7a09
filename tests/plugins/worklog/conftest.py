"""Fixtures for the work-log tests: the test city plus a tiny plugin that marks days.

``marks`` is a dict person id → list of :class:`CalendarMark`: the stand-in for
the leave and training plugins (approved leave is an excused day, not a gap).
"""
from __future__ import annotations

import datetime as dt
import types
from pathlib import Path
from typing import Iterator

import pytest

from xinyi_core import CalendarMark, hookimpl, lifecycle, testing

MARKS: dict[int, list[CalendarMark]] = {}
TODAY = dt.date(2026, 6, 10)  # May 2026 is over: it can be checked


def _marks_plugin() -> types.ModuleType:
    module = types.ModuleType("wl_marks")
    module.XINYI_API = "1"

    def xinyi_calendar_marks(person, start, end):
        return [m for m in MARKS.get(person.id, []) if start <= m.date <= end]

    module.xinyi_calendar_marks = hookimpl(xinyi_calendar_marks)
    return module


@pytest.fixture
def wl(tmp_path: Path, database_url: str) -> Iterator[testing.City]:
    """The work-log plugin and the marks plugin (no other plugin can shift the counts), on a fresh
    database; the small test city."""
    MARKS.clear()
    cfg = testing.make_config(tmp_path, database_url)
    testing.start(cfg, plugin_modules={"wl_marks": _marks_plugin()}, entry_points=["worklog"])
    try:
        yield testing.build_city()
    finally:
        MARKS.clear()
        lifecycle.shutdown()


def working_days_may() -> list[dt.date]:
    """May 2026: 1–5 off (劳动节), Saturday 9 a make-up working day (调休)."""
    from xinyi_core import calendar

    return [d for d in calendar.days(dt.date(2026, 5, 1), dt.date(2026, 5, 31))
            if calendar.national_kind(d) in ("workday", "makeup")]
