"""The end-of-day job and the monthly summary (ASM-2) through the real job queue and scheduler."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from xinyi_core import calendar, clock, jobs, runtime
from xinyi_core.jobs import JobRecord, registry
from xinyi_core.jobs.scheduler import fire
from xinyi_core.testing import wait_for_job

from xinyi_attendance import service
from xinyi_attendance.service import daily
from xinyi_attendance.models import AttendanceDay
from xinyi_attendance.service.summary import month_summary

from .conftest import MAKEUP, MONDAY, at


def wait_done(job_id: int) -> JobRecord:
    record = wait_for_job(job_id, timeout=15.0)
    assert record.state == "done", record.error
    return record


def october(att):
    """Town a in October 2026: a late sign-in, a day of leave, a confirmed and an open absence."""
    late, on_leave, absent = att.a[0], att.a[1], att.a[2]
    att.leave(on_leave, MONDAY)
    with clock.frozen(at(MONDAY, "20:00")):
        service.sign(att.clerk, late.id, "in", at=at(MONDAY, "08:45"))
        service.sign(att.clerk, att.a[3].id, "in", at=at(MONDAY, "08:15"))
        for day in (MAKEUP, MONDAY):
            daily.end_of_day(att.town_a, day)
        first = AttendanceDay.get(AttendanceDay.person == absent.id, AttendanceDay.date == MAKEUP)
        service.decide(att.clerk, first.id, True, "无故未到岗")
    return late, on_leave, absent


def test_asm2_month_summary_counts_what_the_clerk_decided(att):
    late, on_leave, absent = october(att)
    rows = {r.person_id: r for r in month_summary([att.town_a], 2026, 10)}
    assert len(rows) == 4
    assert rows[late.id].expected == 18  # October 2026: 22 weekdays − 5 on holiday + make-up Saturday 10th
    assert (rows[late.id].present, rows[late.id].late, rows[late.id].open) == (1, 1, 1)
    assert rows[on_leave.id].leave == 1 and rows[on_leave.id].open == 1  # excused Monday, missed the 10th
    assert (rows[absent.id].absent, rows[absent.id].open) == (1, 1)
    assert rows[absent.id].deduction_dates == [MAKEUP] and rows[absent.id].year_absent == 1


def test_the_month_start_schedule_run_twice_gives_one_summary_per_town(att):
    _, _, absent = october(att)
    schedule = registry().schedules["attendance.monthly"]
    assert schedule.cron == "0 1 1 * *"
    with clock.frozen(dt.datetime(2026, 11, 1, 1, 0)):
        ids = fire(schedule, dt.datetime(2026, 11, 1, 1, 0))
        assert fire(schedule, dt.datetime(2026, 11, 1, 1, 0)) == []  # a second scheduler: already claimed
        records = [wait_done(i) for i in ids]
        assert {r.town_code for r in records} == {"a", "b"}
        assert {r.params["period"] for r in records} == {"2026-10"}
        again = wait_done(jobs.submit(att.clerk, "attendance.monthly", period="2026-10").id)  # by hand, again
    folder = runtime().config.report_dir / "attendance.monthly" / "2026-10"
    assert sorted(p.name for p in folder.iterdir()) == ["乙镇_2026年10月_月度考勤汇总.xlsx", "甲镇_2026年10月_月度考勤汇总.xlsx"]
    ws = openpyxl.load_workbook(again.outputs[0]).active
    assert ws["A1"].value == "甲镇协理员2026年10月考勤汇总表"
    assert [c.value for c in ws[3]][:5] == ["序号", "姓名", "村（社区）", "应出勤", "实出勤"]
    row = next(r for r in ws.iter_rows(min_row=4, values_only=True) if r[1] == absent.name)
    assert row[3] == 18 and row[10] == 1 and row[12] == "10日" and row[13] == 1


def test_the_end_of_day_job_runs_for_the_town_and_day_it_is_given(att):
    schedule = registry().schedules["attendance.end_of_day"]
    assert schedule.cron == "0 19 * * *" and schedule.params(dt.datetime(2026, 10, 12, 19, 0)) == {"day": "2026-10-12"}
    with clock.frozen(at(MONDAY, "19:00")):
        wait_done(jobs.submit(None, "attendance.end_of_day", town="b", day=MONDAY.isoformat()).id)
    assert AttendanceDay.select().where(AttendanceDay.absence == "open").count() == 4  # all of b, none of a
    assert not AttendanceDay.select().where(AttendanceDay.town == att.town_a.id).exists()


def test_a_town_closure_takes_the_day_out_of_that_towns_summary_only(att):
    calendar.add_closure(att.head, att.town_a, MONDAY, "镇里停电")
    with clock.frozen(at(MONDAY, "20:00")):
        service.sign(att.clerk, att.a[0].id, "in", at=at(MONDAY, "08:10"))  # came in anyway
    rows = month_summary([att.town_a, att.town_b], 2026, 10)
    expected = {r.person_id: (r.expected, r.present) for r in rows}
    assert expected[att.a[0].id] == (17, 0) and expected[att.b[0].id] == (18, 0)  # a closure is no working day


def test_the_monthly_sheet_prints_on_a4_landscape_with_every_column(att):
    """Issue 19: the month's sheet fits the page's width — its last column on the first page, A4 across;
    issue 23: its charts (the second sheet, 图表) print on the page after it."""
    import subprocess
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1]))
    from xinyi_core.testing_paper import RULE_ID, need, pages

    from xinyi_core import printing

    need("soffice", "pdfinfo", "pdftotext")
    october(att)
    with clock.frozen(dt.datetime(2026, 11, 2, 9, 0)):
        sheet = Path(wait_done(jobs.submit(att.clerk, "attendance.monthly", period="2026-10").id).outputs[0])
    pdf = printing.to_pdf(sheet)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    width, height = (float(v) for v in next(line for line in info.splitlines()
                                            if line.startswith("Page size")).split(":")[1].split()[0:3:2])
    assert (round(width), round(height)) == (842, 595) and pages(pdf) == 2  # A4 landscape: table, charts
    last = [c.value for c in openpyxl.load_workbook(sheet).active[3] if c.value][-1]
    page_one = subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout.replace(" ", "")
    assert str(last).replace(" ", "") in page_one and not RULE_ID.search(page_one)
    page_two = subprocess.run(["pdftotext", "-layout", "-f", "2", "-l", "2", str(pdf), "-"], capture_output=True,
                              text=True, check=True).stdout.replace(" ", "")
    assert "甲镇2026年10月考勤情况（按村居）" in page_two  # the second sheet's title, on one line
    assert "各村居出勤率（%）" in page_two and "各村居请假、旷工天数" in page_two  # both charts drawn


class Progress:
    """What the job panel would show: every (fraction, message) the report reports."""

    job_id = None

    def __init__(self) -> None:
        self.seen: list[tuple[float, str]] = []

    def progress(self, fraction: float, message: str = "", *, force: bool = False) -> None:
        self.seen.append((fraction, message))

    def finish(self, message: str) -> None:
        self.seen.append((1.0, message))


def test_the_city_gets_every_towns_sheet_and_a_summary_of_the_towns_in_one_job(att):
    """Issue 21: attendance.monthly without a town — each town's file, then the city's summary, in one job,
    with the job's progress town by town."""
    from xinyi_core import reports

    _, _, absent = october(att)
    with clock.frozen(dt.datetime(2026, 11, 2, 9, 0)):
        record = wait_done(jobs.submit(att.city.op("city_office"), "attendance.monthly", period="2026-10").id)
    names = sorted(Path(p).name for p in record.outputs)
    assert names == ["乙镇_2026年10月_月度考勤汇总.xlsx", "新沂市_2026年10月_月度考勤汇总.xlsx",
                     "甲镇_2026年10月_月度考勤汇总.xlsx"]
    town_a = next(p for p in record.outputs if "甲镇" in p)
    row = next(r for r in openpyxl.load_workbook(town_a).active.iter_rows(min_row=4, values_only=True)
               if r[1] == absent.name)
    assert row[10] == 1  # the town's own sheet, as a run for the town writes it
    ws = openpyxl.load_workbook(next(p for p in record.outputs if "新沂市" in p)).active
    assert ws["A1"].value == "新沂市协理员2026年10月考勤汇总表"
    assert [c.value for c in ws[3]][:4] == ["序号", "镇（街道）", "协理员人数", "应出勤"]
    rows = [r for r in ws.iter_rows(min_row=4, max_row=6, values_only=True)]
    assert [r[1:3] for r in rows] == [("甲镇", 4), ("乙镇", 4), ("合计", 8)]
    assert rows[0][10] == 1 and rows[1][10] == 0 and rows[2][10] == 1  # confirmed 旷工 days

    seen = Progress()
    reports.run(registry().reports["attendance.monthly"], {"period": "2026-10", "town": None}, seen,
                out_dir=runtime().config.report_dir / "again")
    messages = [m for _, m in seen.seen]
    fractions = [f for f, _ in seen.seen]
    assert any(m.startswith("甲镇（1/2）") for m in messages) and any(m.startswith("乙镇（2/2）") for m in messages)
    assert fractions == sorted(fractions) and fractions[-1] == 1.0



def test_a_city_run_writes_each_towns_sheet_as_that_towns_own_run_does(att):
    """Issue 21: a city-wide run reads every town's summary in one query, not one per town. Each town's sheet
    is still the sheet its own run writes, cell for cell — with a closure in one town (two calendars in the
    one query) and a confirmed 旷工 (its deduction dates)."""
    from xinyi_core import reports
    from xinyi_core.jobs import JobContext

    october(att)
    calendar.add_closure(att.head, att.town_a, MONDAY, "镇里停电")
    spec = registry().reports["attendance.monthly"]
    base = runtime().config.report_dir
    with clock.frozen(dt.datetime(2026, 11, 2, 9, 0)):
        city = reports.run(spec, {"period": "2026-10", "town": None}, JobContext(None), out_dir=base / "city")
        own = {town.name: reports.run(spec, {"period": "2026-10", "town": town.code}, JobContext(None),
                                      out_dir=base / town.code)[0] for town in (att.town_a, att.town_b)}

    def cells(path: Path) -> list[tuple]:
        return list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))

    for name, path in own.items():
        in_city_run = next(Path(p) for p in city if Path(p).name.startswith(name))
        assert cells(in_city_run) == cells(path)
        assert len(cells(path)) > 4  # title, note, heading and the town's people
    a_sheet = cells(own[att.town_a.name])
    assert any(row[3] == 17 for row in a_sheet) and any(row[12] for row in a_sheet)  # the closure; a deduction date
