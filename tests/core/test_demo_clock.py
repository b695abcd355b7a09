"""The demo never contradicts the clock it is built on (ATT-3, ATT-6).

``xinyi demo`` is what a town sees first: a leave still to come marked 已销假, or an audit row
dated next week, would show the rules wrongly. Every table of the core and of every installed
plugin is read — a new plugin's demo is held to the same without a new test — and no record of
something done may be dated after the moment the demo was built.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Iterator

import peewee as pw
import pytest

from xinyi_core import clock, demo, lifecycle, testing
from xinyi_core.db import BaseModel

# Fields that name a day still to come by nature: a plan, not a record of something done.
PLANNED = {
    ("LeaveRequest", "start_on"), ("LeaveRequest", "end_on"),  # ATT-3: leave is applied for in advance
    ("TrainingSession", "start_on"), ("TrainingSession", "end_on"),  # sessions are announced ahead
    ("Departure", "planned_on"),  # 附件5: the day the assistant means to leave
    ("TownHours", "effective_from"), ("TownClosure", "date"),  # ATT-1: a town sets its calendar ahead
    ("Operator", "locked_until"), ("ScheduledRun", "fire_time"),
}
NOT_DEMO = {"AppliedMigration"}  # written by the migration at start, before the demo


def _tables() -> Iterator[type[pw.Model]]:
    seen: set[type[pw.Model]] = set()
    todo = list(BaseModel.__subclasses__())
    while todo:
        model = todo.pop()
        todo.extend(model.__subclasses__())
        if model not in seen and model.__name__ not in NOT_DEMO and model.table_exists():
            seen.add(model)
            yield model


def dated_after(now: dt.datetime) -> list[str]:
    """``Model.field: n after <limit> (latest …)`` for every record of a deed dated after ``now``."""
    out = []
    for model in _tables():
        for field in model._meta.sorted_fields:
            if isinstance(field, pw.DateTimeField):
                limit: dt.date = now
            elif isinstance(field, pw.DateField):
                limit = now.date()
            else:
                continue
            if (model.__name__, field.name) in PLANNED:
                continue
            late = model.select(field).where(field > limit)
            if late.exists():
                latest = late.order_by(field.desc()).first()
                out.append(f"{model.__name__}.{field.name}: {late.count()} after {limit} "
                           f"(latest {getattr(latest, field.name)})")
    return sorted(out)


@pytest.mark.parametrize("now", [
    dt.datetime(2026, 12, 5, 10, 0),  # leave filed for the days just ahead (e.g. 10–14 December)
    dt.datetime(2026, 12, 30, 8, 15),  # the year's end: before the day's work, next year unscheduled
], ids=["december", "year_end"])
def test_att6_no_demo_record_is_dated_after_the_moment_it_is_built(tmp_path: Path, now: dt.datetime):
    testing.start(testing.make_config(tmp_path, f"sqlite:///{tmp_path / 'demo.db'}"))  # every installed plugin
    try:
        with clock.frozen(now):
            summary = demo.build(seed=7, assistants=120, villages=16)
        assert summary.warnings == []  # every plugin's demo ran
        assert dated_after(now) == []
    finally:
        lifecycle.shutdown()
