"""The town's monthly-check sheet (工作日志月度检查汇总表) as a report (WORK-2).

One row per assistant on the roll in the month: what the town's check found —
or, not yet checked, what a check would find now — so the centre can file the
month's check on paper and the city can see which towns have not checked.
Run it with ``xinyi report worklog.check --period 2026-05 [--town CODE]``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from xinyi_core import Person, ReportContext, ReportSpec, t
from xinyi_core import clock, export, people

from . import checks, rules
from .models import MonthlyCheck


def check_rows(ctx: ReportContext) -> list[list[Any]]:
    first, last = rules.month_bounds(ctx.period)
    q = (Person.select().where(people.on_roll_during(first, last))
         .order_by(Person.town, Person.village, Person.name_initials, Person.id))
    if ctx.town is not None:
        q = q.where(Person.town == ctx.town.id)
    roll = list(q)
    done = {c.person_id: c for c in MonthlyCheck.select().where(
        (MonthlyCheck.period == ctx.period) & MonthlyCheck.person.in_([p.id for p in roll]))}
    rows = []
    for i, p in enumerate(roll, start=1):
        c = checks.recorded(done[p.id]) if p.id in done else checks.checklist(p, ctx.period)
        row = [i] + ([p.town.name if p.town_id else ""] if ctx.town is None else [])
        thin = c.check.thin_entries if c.check else len(c.thin)
        row += [p.village.name if p.village_id else "", p.name, c.working_days, len(c.missing), thin,
                len(c.open_items), t("worklog.tui.checked_yes" if c.check else "worklog.tui.checked_no"),
                c.check.remarks if c.check else ""]
        rows.append(row)
        if i % 50 == 0:
            ctx.progress(0.9 * i / len(roll), "")
    return rows


def render_check(ctx: ReportContext, fmt: str, path: Path) -> None:
    rows = check_rows(ctx)
    year, month = ctx.period.split("-")
    widths = [("no", 6, False), ("village", None, True), ("name", 10, False), ("days", 8, False),
              ("missing", 8, False), ("thin", 8, False), ("open", 8, False), ("checked", 8, False),
              ("remarks", 30, True)]
    if ctx.town is None:
        widths.insert(1, ("town", None, True))
    columns = [export.Column(t(f"worklog.report.col.{k}"), w, left) for k, w, left in widths]
    wb, ws = export.workbook()
    ws.title = t("worklog.report.sheet")
    export.table_sheet(ws, title=t("worklog.report.heading", unit=ctx.unit_name),
                       note=t("worklog.report.note", year=year, month=int(month), count=len(rows)),
                       columns=columns, rows=rows,
                       footer_note=t("worklog.report.made", date=f"{clock.today():%Y年%m月%d日}"))
    wb.save(path)


REPORTS = (ReportSpec("worklog.check", "worklog.report.title", render_check, formats=("xlsx",), period="month"),)
