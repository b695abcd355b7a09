"""The demo year: realistic, consistent with the rules, with gaps and to-dos to find."""
from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Iterator

import pytest

from xinyi_core import clock, lifecycle, testing
from xinyi_worklog import demo, service
from xinyi_worklog.service import checks
from xinyi_worklog.models import Consultation, LogEntry, MonthlyCheck, RegisterItem

from .conftest import TODAY


@pytest.fixture
def demo_city(tmp_path: Path) -> Iterator[testing.City]:
    testing.start(testing.make_config(tmp_path, f"sqlite:///{tmp_path / 'xinyi.db'}"), entry_points=["worklog"])
    try:
        with clock.frozen(TODAY):
            city = testing.build_city()
            demo.build(city.city, random.Random(5))
            yield city
    finally:
        lifecycle.shutdown()


def test_demo_year_matches_the_rules_and_leaves_work_to_do(demo_city):
    import xinyi_worklog

    people = [p for ps in demo_city.people.values() for p in ps]
    first, last = LogEntry.select().order_by(LogEntry.day).first(), LogEntry.select().order_by(LogEntry.day.desc()).first()
    assert (TODAY - first.day).days <= 365 and last.day < TODAY
    assert LogEntry.select().count() > len(people) * 200  # about a year of working days each
    assert {e.category for e in LogEntry.select(LogEntry.category).distinct()} <= set(service.duties())
    assert Consultation.select().exists() and RegisterItem.select().where(RegisterItem.state == "open").exists()
    assert MonthlyCheck.select().where(MonthlyCheck.missing_days > 0).exists()  # some assistants have gaps
    for check in MonthlyCheck.select().where(MonthlyCheck.period == "2026-03"):  # a full month: as the rules see it
        live = checks.checklist(check.person, "2026-03")
        assert (check.missing_days, check.thin_entries) == (len(live.missing), len(live.thin))
    # one of the two towns has not yet checked May: a to-do on its clerk's home screen only
    todo = [any("2026-05 工作日志待检查" == i.title for i in xinyi_worklog.xinyi_dashboard_items(demo_city.op("town_clerk", c)))
            for c in ("a", "b")]
    assert sorted(todo) == [False, True]
    assert service.is_locked(people[0].id, dt.date(2026, 3, 2))
