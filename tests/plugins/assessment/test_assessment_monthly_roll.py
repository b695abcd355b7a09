"""ASM-2: the month's publication lists who was on the roll that month, and its 出勤情况 comes from
the attendance records (through ``xinyi_month_facts``), the reviewer confirming or annotating it.

The real attendance plugin counts; a stand-in gives the leave marks (the leave plugin's part).
"""
from __future__ import annotations

import datetime as dt
import types
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from xinyi_assessment.service import monthly

from xinyi_core import CalendarMark, MonthFact, clock, hookimpl, lifecycle, people, runtime, testing
from xinyi_core.jobs import registry
from xinyi_core.jobs.scheduler import fire
from xinyi_core.testing import wait_for_job

PUBLISHED = dt.datetime(2026, 4, 1, 2, 0)  # the schedule's run for March 2026
# March 2026 has no public holiday and no make-up day: 22 working days (Mon 2 … Tue 31).
MON2, TUE3, WED4, THU5, FRI6, MON9, TUE10 = (dt.date(2026, 3, d) for d in (2, 3, 4, 5, 6, 9, 10))


def _leave_marks() -> types.ModuleType:
    module = types.ModuleType("leave_standin")
    module.XINYI_API = "1"
    module.MARKS = {}

    def xinyi_calendar_marks(person, start, end):
        return [CalendarMark(day, "leave", "事假", True) for (pid, day) in module.MARKS
                if pid == person.id and start <= day <= end]

    module.xinyi_calendar_marks = hookimpl(xinyi_calendar_marks)
    return module


def _start(tmp_path: Path, database_url: str) -> Iterator[tuple[testing.City, types.ModuleType]]:
    marks = _leave_marks()
    testing.start(testing.make_config(tmp_path, database_url), plugin_modules={"leave_standin": marks},
                  entry_points=["assessment", "attendance"])
    try:
        city = testing.build_city()
        from xinyi_attendance import service as attendance

        attendance.name_clerk(city.op("town_head", "a"), city.towns[0], city.op("town_clerk", "a"))
        yield city, marks
    finally:
        lifecycle.shutdown()


@pytest.fixture
def march(tmp_path: Path, database_url: str) -> Iterator[tuple[testing.City, types.ModuleType]]:
    """Assessment and attendance with the leave stand-in: SQLite, and PostgreSQL when configured."""
    yield from _start(tmp_path, database_url)


def _publish() -> dict[str, tuple]:
    """The scheduler's 1 April run; town a's sheet as name → row."""
    with clock.frozen(PUBLISHED):
        for job_id in fire(registry().schedules["assessment.monthly"], PUBLISHED):
            assert wait_for_job(job_id, timeout=15.0).state == "done"
    path = runtime().config.report_dir / "assessment.monthly" / "2026-03" / "甲镇_2026年3月_日常考核公示表.xlsx"
    ws = openpyxl.load_workbook(path).active
    return {r[1]: r for r in ws.iter_rows(min_row=4, values_only=True) if r[0] is not None and r[1]}


def test_asm2_the_march_sheet_made_on_1_april_keeps_the_leaver_and_leaves_out_the_april_joiner(march):
    """On duty 1–19 March, left on the 20th: on March's sheet. Joined 1 April: not on it."""
    city, _ = march
    office, head = city.op("city_office"), city.op("town_head", "a")
    leaver = city.people["a"][0]
    with clock.frozen(dt.date(2026, 3, 20)):
        people.set_status(office, leaver.id, "departed", on=dt.date(2026, 3, 20), reason="本人辞职")
    with clock.frozen(dt.date(2026, 3, 25)):
        joiner = people.hire(office, {"name": "周新", "id_number": "320381199001011239", "phone": "13912345678",
                                      "joined_on": "2026-04-01"}, city.vacant["a"])
    with clock.frozen(dt.date(2026, 4, 1)):
        people.set_status(head, joiner.id, "on_duty")
    sheet = _publish()
    assert leaver.name in sheet and joiner.name not in sheet
    assert set(sheet) == {p.name for p in city.people["a"]}
    april = {r.person_id for r in monthly.month_rows(city.towns[0], "2026-04")}
    assert joiner.id in april and leaver.id not in april
    # her March counts stop at her departure: 14 working days on the roll (2–19 March), none signed
    row = next(r for r in monthly.month_rows(city.towns[0], "2026-03") if r.person_id == leaver.id)
    assert row.counted.startswith("出勤0/14天")


def test_asm2_the_attendance_column_is_filled_from_the_months_records(march):
    """One assistant's March, by hand: signed in Mon 2, Tue 3 (08:45, late), Wed 4 (out 16:30, early;
    a phone check that day found her away); leave Thu 5 and Fri 6; no sign-in Mon 9 (confirmed
    旷工) and Tue 10 (still open). 22 working days in March."""
    from xinyi_attendance import service as attendance
    from xinyi_attendance.service import daily

    city, marks = march
    clerk, town = city.op("town_clerk", "a"), city.towns[0]
    her = city.people["a"][1]
    times = {MON2: ("08:20", "17:40"), TUE3: ("08:45", "17:40"), WED4: ("08:20", "16:30")}
    for day, (sign_in, sign_out) in times.items():
        for kind, hhmm in (("in", sign_in), ("out", sign_out)):
            at = dt.datetime.combine(day, dt.time.fromisoformat(hhmm))
            with clock.frozen(at):
                attendance.sign(clerk, her.id, kind, at=at)
    with clock.frozen(dt.datetime(2026, 3, 4, 11, 0)):
        attendance.record_check(clerk, her.id, dt.datetime(2026, 3, 4, 10, 0), "村书记", False)
    marks.MARKS.update({(her.id, THU5): True, (her.id, FRI6): True})
    for day in (THU5, FRI6, MON9, TUE10):
        with clock.frozen(dt.datetime.combine(day, dt.time(19, 0))):
            daily.end_of_day(town, day)
    from xinyi_attendance.models import AttendanceDay

    with clock.frozen(dt.datetime(2026, 3, 11, 9, 0)):
        candidate = AttendanceDay.get((AttendanceDay.person == her.id) & (AttendanceDay.date == MON9))
        attendance.decide(clerk, candidate.id, True, "无故未到岗")

    counted = "出勤3/22天，迟到1次，早退1次，请假2天，旷工1天，旷工待认定1天，电话抽查不在岗1次"
    with clock.frozen(dt.datetime(2026, 3, 31, 16, 0)):  # the reviewer confirms, adding a note
        monthly.review(clerk, her.id, "2026-03", attendance="3月9日无故未到岗，已谈话", work="完成入户调查", result="pass")
    other = city.people["a"][2]  # never signed in; the end-of-day runs above left her four open days
    sheet = _publish()
    assert sheet[her.name][4:] == (f"{counted}；3月9日无故未到岗，已谈话", "完成入户调查", "合格")
    assert sheet[other.name][4] == "出勤0/22天，旷工待认定4天"

    # the typed values behind the line
    facts = {f.key: f for f in monthly.month_facts(her, 2026, 3)}
    assert all(isinstance(f, MonthFact) for f in facts.values())
    assert (facts["attendance.present"].value, facts["attendance.present"].of) == (3, 22)
    assert [facts[f"attendance.{k}"].value for k in ("late", "early", "leave", "absent", "open", "failed_checks")] \
        == [1, 1, 2, 1, 1, 1]
    assert facts["attendance.absent"].evidence == ("2026-03-09",) and facts["attendance.absent"].rule == "ATT-5"


@pytest.fixture
def march_ui(tmp_path: Path) -> Iterator[tuple[testing.City, types.ModuleType]]:
    """The same city on SQLite only, for the screen."""
    yield from _start(tmp_path, f"sqlite:///{tmp_path / 'xinyi.db'}")


async def test_asm2_the_reviewer_sees_the_counts_and_confirms_them_from_the_keyboard(march_ui):
    from xinyi_assessment.models import MonthlyResult
    from xinyi_attendance import service as attendance

    from xinyi_core.models import AuditLog
    from xinyi_core.testing import screen_text, settle
    from xinyi_core.tui.app import XinyiApp

    city, _ = march_ui
    clerk = city.op("town_clerk", "a")
    first = sorted(city.people["a"], key=lambda p: (p.name_initials, p.id))[0]  # the list's first row
    at = dt.datetime(2026, 3, 2, 8, 20)
    with clock.frozen(at):
        attendance.sign(clerk, first.id, "in", at=at)
    with clock.frozen(dt.date(2026, 4, 2)):
        app = XinyiApp(clerk)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.action_open("assessment.screen.monthly")
            await settle(pilot)
            await pilot.press("2")
            await settle(pilot)
            assert "考勤记录：出勤1/22天" in screen_text(app) and "出勤说明" in screen_text(app)
            await pilot.press(*"ok", "ctrl+s")  # work done; no note: the counts are confirmed as they are
            await settle(pilot)
    row = MonthlyResult.get()
    assert (row.person_id, row.period, row.result, row.work, row.attendance) == (first.id, "2026-03", "pass", "ok", "")
    assert AuditLog.get(AuditLog.action == "assessment.monthly").after["counted"] == "出勤1/22天"
