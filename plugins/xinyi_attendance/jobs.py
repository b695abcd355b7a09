"""Attendance jobs: the end-of-day run (ATT-5 candidates, ATT-6 alerts) and the
monthly summary report (ASM-2), with their schedules.

Both are idempotent: the end-of-day run marks a day's candidates once however
often it runs, and the report for a month and town is one file at a fixed path
that a re-run replaces.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from xinyi_core import ActorSpec, JobContext, ReportContext, ReportSpec, Schedule, XinyiError, clock, export, org, t
from xinyi_core import previous_month, runtime

from .service import PLUGIN
from .summary import SummaryRow, month_summary


def end_of_day(job: JobContext, *, town: str | None = None, day: str | None = None) -> list[str]:
    """Mark the day's 旷工 candidates and raise ATT-6 alerts, for one town or every enabling town."""
    from .daily import end_of_day as run

    when = dt.date.fromisoformat(day) if day else clock.today()
    codes = [town] if town else runtime().plugins.towns_enabling(PLUGIN, org.town_codes())
    for i, code in enumerate(codes):
        result = run(org.by_code(code), when)
        job.progress((i + 1) / len(codes), t("attendance.job.done_town", town=code, candidates=result.candidates,
                                              off_post=result.off_post))
    return []


def today_params(fire_time: dt.datetime) -> dict[str, Any]:
    """The end-of-day run is for the day it fires on."""
    return {"day": fire_time.date().isoformat()}


# --------------------------------------------------------------------------- the monthly report

COLUMNS = ("no", "name", "village", "expected", "present", "late", "early", "leave", "training", "failed_checks",
           "absent", "open", "deduction", "year_absent")
WIDTHS = {"no": 5, "name": 9, "village": None, "deduction": 16}


def report_row(i: int, r: SummaryRow) -> list[Any]:
    dates = "、".join(f"{d.day}日" for d in r.deduction_dates)
    return [i, r.name, r.village, r.expected, r.present, r.late, r.early, r.leave, r.training + r.other_excused,
            r.failed_checks, r.absent, r.open, dates, r.year_absent]


def render_monthly(ctx: ReportContext, fmt: str, path: Path) -> None:
    """ASM-2: the routine assessment's attendance part for one town and month, as .xlsx."""
    if ctx.town is None:
        raise XinyiError("jobs.town_required")
    year, month = (int(x) for x in ctx.period.split("-"))
    ctx.progress(0.1, t("attendance.report.querying"))
    rows = month_summary([ctx.town], year, month)
    columns = [export.Column(t(f"attendance.report.col.{c}"), WIDTHS.get(c, 7), left=(c in ("village", "deduction")))
               for c in COLUMNS]
    wb, ws = export.workbook()
    ws.title = t("attendance.report.sheet")
    export.table_sheet(
        ws, title=t("attendance.report.heading", unit=ctx.town.name, year=year, month=month),
        note=t("attendance.report.note", year=year, month=month, count=len(rows),
               absent=sum(r.absent for r in rows), open=sum(r.open for r in rows)),
        columns=columns, rows=[report_row(i, r) for i, r in enumerate(rows, start=1)],
        footer_note=t("attendance.report.made", date=f"{clock.today():%Y年%m月%d日}"))
    wb.save(path)


ACTORS = [ActorSpec("attendance.end_of_day", end_of_day, "attendance.job.end_of_day", time_limit_s=1800)]
REPORTS = [ReportSpec("attendance.monthly", "attendance.report.title", render_monthly, formats=("xlsx",),
                      period="month", city_wide=False)]
SCHEDULES = [
    # after the working day, every day (ATT-6 runs go on through weekends and holidays)
    Schedule("attendance.end_of_day", "attendance.end_of_day", "0 19 * * *", params=today_params, per_town=True),
    # ASM-2: at the start of every month, the previous month's results
    Schedule("attendance.monthly", "attendance.monthly", "0 1 1 * *", params=previous_month, per_town=True),
]
