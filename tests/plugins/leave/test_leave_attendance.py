"""ATT-6 across plugins: leave ended, no 销假, no 续假 → an absenteeism candidate in attendance.

The leave plugin never imports attendance; nor does this test. It drives both
through the core: the jobs registry runs attendance's end-of-day actor and
renders its monthly sheet (ASM-2), which is read back as the town would see it.
"""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from xinyi_core import clock, jobs, reports, t
from xinyi_core.jobs.specs import JobContext
from xinyi_core.models import Alert
from xinyi_leave import service

from .conftest import approve_all, slip

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])
D = dt.date


def run_actor(name: str, **params) -> None:
    registry = jobs.registry()
    if name not in registry.actors:
        pytest.fail(f"{name} is not registered: the attendance plugin's end-of-day actor is part of this contract")
    registry.actors[name].fn(JobContext(None), **params)


def attendance_sheet(tmp_path, period: str) -> dict[str, dict[str, object]]:
    """Attendance's monthly sheet for town a: name → {column heading: value}."""
    spec = jobs.registry().reports["attendance.monthly"]
    path = next(p for p in reports.run(spec, {"period": period, "town": "a"}, JobContext(None), out_dir=tmp_path)
                if p.suffix == ".xlsx")
    ws = openpyxl.load_workbook(path).active
    headers = [c.value for c in ws[3]]
    return {row[1]: dict(zip(headers, row)) for row in ws.iter_rows(min_row=4, values_only=True) if row[1]}


def test_att6_expired_leave_without_return_becomes_an_absenteeism_candidate(city, today, tmp_path):
    person = city.people["a"][0]
    leave = approve_all(city, service.apply(city.op("assistant", "a"), person,
                                            slip("2026-09-03", "2026-09-04")).id)  # Thu–Fri, approved
    assert leave.state == "approved"
    for day in ("2026-09-03", "2026-09-04", "2026-09-07"):  # nobody signs in; Monday 7th she is not back
        with clock.frozen(dt.datetime.fromisoformat(day + "T19:00")):
            run_actor("attendance.end_of_day", town="a", day=day)
            run_actor("leave.check_overdue", town="a")
    with clock.frozen(D(2026, 9, 8)):
        sheet = attendance_sheet(tmp_path, "2026-09")
    mine = sheet[person.name]
    assert mine[t("attendance.report.col.leave")] == 2  # the leave days are excused …
    assert mine[t("attendance.report.col.open")] == 1  # … the Monday after is a 旷工 candidate
    other = sheet[city.people["a"][1].name]
    assert other[t("attendance.report.col.open")] == 3 and other[t("attendance.report.col.leave")] == 0
    alert = Alert.get((Alert.source == "leave") & (Alert.kind == "overdue_return"))
    assert (alert.rule, alert.person_id, alert.state) == ("ATT-6", person.id, "open")


def end_of_days(*days: str) -> None:
    for day in days:
        with clock.frozen(dt.datetime.fromisoformat(day + "T19:00")):
            run_actor("attendance.end_of_day", town="a", day=day)


def test_att3_a_return_recorded_late_unexcuses_the_days_after_it(city, today, tmp_path):
    """ATT-3: 销假 recorded on the 3rd for a return on the 2nd: the 2nd is no longer leave but a candidate."""
    person = city.people["a"][0]
    leave = approve_all(city, service.apply(city.op("assistant", "a"), person,
                                            slip("2026-09-01", "2026-09-04")).id)  # Tue–Fri
    end_of_days("2026-09-01", "2026-09-02")
    with clock.frozen(dt.datetime(2026, 9, 3, 9, 0)):
        service.record_return(city.op("town_clerk", "a"), leave.id, D(2026, 9, 2))
        mine = attendance_sheet(tmp_path, "2026-09")[person.name]
    assert mine[t("attendance.report.col.leave")] == 1 and mine[t("attendance.report.col.open")] == 1


def test_att3_an_extension_approved_after_the_end_clears_the_candidate_at_once(city, today, tmp_path):
    """ATT-3 续假 filed late: the day it covers stops being a 旷工 candidate when it is approved."""
    person = city.people["a"][0]
    leave = approve_all(city, service.apply(city.op("assistant", "a"), person,
                                            slip("2026-09-01", "2026-09-02")).id)
    end_of_days("2026-09-01", "2026-09-02", "2026-09-03")  # not back on Thursday the 3rd: a candidate
    with clock.frozen(dt.datetime(2026, 9, 4, 9, 0)):
        ext = service.extend(city.op("assistant", "a"), leave.id, {"end_on": "2026-09-04", "reason": "仍在住院"})
        approve_all(city, ext.id)
        mine = attendance_sheet(tmp_path, "2026-09")[person.name]
    assert mine[t("attendance.report.col.leave")] == 3 and mine[t("attendance.report.col.open")] == 0
