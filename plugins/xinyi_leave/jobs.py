"""Background work: the daily overdue-return check (ATT-6) and the year-end stub archive (附件4).

The stub archive is a report, so it has one result per (year, town) however
often it runs: ``<report_dir>/leave.stubs/<year>/<town>.docx`` with every stub
of the year (the town's archive, handed to the employment office at year end)
and ``.xlsx`` with the register of the same slips.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from xinyi_core import ActorSpec, JobContext, ReportContext, ReportSpec, Schedule, export, t

from . import service, slip
from .models import LeaveRequest


def check_overdue(job: JobContext, town: str | None = None, **_: Any) -> list[str]:
    """ATT-6: raise ``overdue_return`` for leave that ended without 销假 or 续假 (safe to run twice)."""
    count = service.raise_overdue(town_code=town)
    job.progress(1.0, t("leave.report.overdue_done", count=count), force=True)
    return []


def year_leaves(ctx: ReportContext) -> list[LeaveRequest]:
    """The slips filed in the year for the town (all of them: the archive keeps refusals and cancellations)."""
    year = int(ctx.period)
    q = LeaveRequest.select().where((LeaveRequest.applied_on >= dt.date(year, 1, 1))
                                    & (LeaveRequest.applied_on <= dt.date(year, 12, 31))
                                    & LeaveRequest.state.in_(("pending", "approved", "rejected", "cancelled")))
    if ctx.town is not None:
        q = q.where(LeaveRequest.town == ctx.town.id)
    return list(q.order_by(LeaveRequest.applied_on, LeaveRequest.id))


def render_stubs(ctx: ReportContext, fmt: str, path: Path) -> None:
    leaves = year_leaves(ctx)
    if fmt == "docx":
        slip.write_stubs(leaves, path, t("leave.report.stubs_heading", unit=ctx.unit_name, year=ctx.period),
                         progress=ctx.progress)
        return
    columns = [export.Column(t(f"leave.report.col_{c}"), w, left=c in ("village", "reason"))
               for c, w in (("no", 6), ("name", 10), ("village", None), ("category", 8), ("from", 12), ("to", 12),
                            ("days", 6), ("state", 10), ("returned", 12), ("reason", 30))]
    rows = [[i, lv.person.name, lv.village.name, t(f"leave.category.{lv.category}"), f"{lv.start_on:%Y-%m-%d}",
             f"{lv.end_on:%Y-%m-%d}", lv.days, t(f"leave.state.{lv.state}"),
             f"{lv.returned_on:%Y-%m-%d}" if lv.returned_on else "", lv.reason]
            for i, lv in enumerate(leaves, start=1)]
    wb, ws = export.workbook()
    ws.title = t("leave.report.register_sheet")
    days = sum(lv.days for lv in leaves if lv.state == "approved")
    export.table_sheet(ws, title=t("leave.report.register_title", unit=ctx.unit_name, year=ctx.period),
                       note=t("leave.report.register_note", count=len(rows), days=days), columns=columns, rows=rows)
    wb.save(path)


def previous_year(fire_time: dt.datetime) -> dict[str, Any]:
    return {"period": str(fire_time.year - 1)}


ACTORS = [ActorSpec("leave.check_overdue", check_overdue, "leave.report.overdue_job")]
REPORTS = [ReportSpec("leave.stubs", "leave.report.stubs", render_stubs, formats=("docx", "xlsx"), period="year")]
SCHEDULES = [
    # 07:30 every day: a leave that ended yesterday is overdue from the first working day after it (ATT-6).
    Schedule("leave.check_overdue.daily", "leave.check_overdue", "30 7 * * *"),
    # 2 January: last year's stubs, per town, for the employment office.
    Schedule("leave.stubs.yearly", "leave.stubs", "0 6 2 1 *", params=previous_year),
]
