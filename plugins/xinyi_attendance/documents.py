"""The attendance plugin's printed documents: the monthly summary report (ASM-2), one .xlsx per
town and month — the same figures as the summary screen."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from xinyi_core import OrgUnit, ReportContext, ReportSpec, clock, date_zh, export, org, runtime, t

from .service import setting
from .service.summary import SummaryRow, month_summary, month_summary_by_town

COLUMNS = ("no", "name", "village", "expected", "present", "late", "early", "leave", "training", "failed_checks",
           "absent", "open", "deduction", "year_absent")
WIDTHS = {"no": 5, "name": 9, "village": None, "deduction": 16}


def report_row(i: int, r: SummaryRow) -> list[Any]:
    dates = "、".join(f"{d.day}日" for d in r.deduction_dates)
    return [i, r.name, r.village, r.expected, r.present, r.late, r.early, r.leave, r.training + r.other_excused,
            r.failed_checks, r.absent, r.open, dates, r.year_absent]


def render_monthly(ctx: ReportContext, fmt: str, path: Path) -> None:
    """ASM-2: the routine assessment's attendance part for one town and month, as .xlsx; for the
    city (after every town's own file, ``by_town``), the summary of the towns."""
    if ctx.town is None:
        render_city(ctx, path)
        return
    year, month = (int(x) for x in ctx.period.split("-"))
    ctx.progress(0.1, t("attendance.report.querying"))
    rows = town_rows(ctx, year, month)
    columns = [export.Column(t(f"attendance.report.col.{c}"), WIDTHS.get(c, 7), left=(c in ("village", "deduction")))
               for c in COLUMNS]
    wb, ws = export.workbook(write_only=True)
    ws.title = t("attendance.report.sheet")
    export.table_sheet(
        ws, title=t("attendance.report.heading", unit=ctx.town.name, year=year, month=month),
        note=t("attendance.report.note", year=year, month=month, count=len(rows),
               absent=sum(r.absent for r in rows), open=sum(r.open for r in rows)),
        columns=columns, rows=[report_row(i, r) for i, r in enumerate(rows, start=1)],
        footer_note=t("attendance.report.made", date=date_zh(clock.today(), pad=True)))
    add_charts(wb, ctx.town.name, year, month, rows)
    wb.save(path)
    ctx.shared[f"attendance.counts.{ctx.town.code}"] = town_counts(rows)  # for the city's summary of this run


def town_rows(ctx: ReportContext, year: int, month: int) -> list[SummaryRow]:
    """The summary of ``ctx.town``. A city-wide run asks for every town's at its first town's file, in one
    query (ctx.shared), and each town's file takes its own: per-town queries were most of a run's database
    time on a city of small towns (issue 21)."""
    if not ctx.city_run:
        return month_summary([ctx.town], year, month)
    by_town = ctx.shared.get("attendance.summary")
    if by_town is None:
        by_town = ctx.shared["attendance.summary"] = month_summary_by_town(enabled_towns(), year, month)
    return by_town.pop(ctx.town.id, [])  # not kept once written: the city's file needs only the counts


def enabled_towns() -> list[OrgUnit]:
    """The towns that enabled attendance, in the city's order."""
    return [org.by_code(code) for code in runtime().plugins.towns_enabling("attendance", org.town_codes())]


def town_counts(found: list[SummaryRow]) -> list[int]:
    """One town's line of the city summary: people, then the sums of the columns, then how many fail
    the year on 旷工 (ATT-5's limit)."""
    limit = setting("absent_fail_days")
    return [len(found), sum(r.expected for r in found), sum(r.present for r in found),
            sum(r.late for r in found), sum(r.early for r in found), sum(r.leave for r in found),
            sum(r.training + r.other_excused for r in found), sum(r.failed_checks for r in found),
            sum(r.absent for r in found), sum(r.open for r in found),
            sum(1 for r in found if r.year_absent >= limit)]


CITY_COLUMNS = ("no", "town", "people", "expected", "present", "late", "early", "leave", "training",
                "failed_checks", "absent", "open", "failing")


def render_city(ctx: ReportContext, path: Path) -> None:
    """The city's summary of the month: one row per town (the towns that enabled attendance), totals last."""
    year, month = (int(x) for x in ctx.period.split("-"))
    towns = enabled_towns()
    rows, total = [], [0] * 11
    for i, town in enumerate(towns, start=1):
        counts = ctx.shared.get(f"attendance.counts.{town.code}")  # the town's file of this run made them
        if counts is None:
            ctx.progress(i / (len(towns) + 1), t("attendance.report.town", town=town.name))
            counts = town_counts(month_summary([town], year, month))
        total = [a + b for a, b in zip(total, counts)]
        rows.append([i, town.name, *counts])
    rows.append(["", t("attendance.report.total"), *total])
    columns = [export.Column(t(f"attendance.report.city_col.{c}"), None if c == "town" else 8, left=(c == "town"))
               for c in CITY_COLUMNS]
    wb, ws = export.workbook(write_only=True)
    ws.title = t("attendance.report.city_sheet")
    export.table_sheet(
        ws, title=t("attendance.report.heading", unit=ctx.unit_name, year=year, month=month),
        note=t("attendance.report.city_note", year=year, month=month, towns=len(towns), count=total[0],
               absent=total[8], open=total[9]),
        columns=columns, rows=rows, footer_note=t("attendance.report.made", date=date_zh(clock.today(), pad=True)))
    wb.save(path)


# a city-wide run writes every town's sheet, then the city's summary of the towns (issue 21)


def add_charts(wb: Any, unit: str, year: int, month: int, rows: list[SummaryRow]) -> None:
    """The second sheet, 图表: the month by village — attendance rate, leave and 旷工 days — as Excel
    charts, so the printed summary shows the picture. Sums of the summary's own rows, no new query."""
    villages: dict[str, list[int]] = {}
    for r in rows:
        v = villages.setdefault(r.village, [0, 0, 0, 0])
        v[0] += r.present
        v[1] += r.expected
        v[2] += r.leave
        v[3] += r.absent
    table = [[name, round(present * 100 / expected, 1) if expected else 0.0, leave, absent]
             for name, (present, expected, leave, absent) in villages.items()]
    export.add_chart_sheet(
        wb, sheet_title=t("attendance.report.chart.sheet"),
        title=t("attendance.report.chart.heading", unit=unit, year=year, month=month),
        note=t("attendance.report.chart.note"),
        headers=[t(f"attendance.report.chart.col.{c}") for c in ("village", "rate", "leave", "absent")],
        rows=table,
        charts=[export.Chart(t("attendance.report.chart.rate"), [0], axis_title="%", maximum=100),
                export.Chart(t("attendance.report.chart.days"), [1, 2], axis_title=t("attendance.report.chart.day"))])


REPORTS = [ReportSpec("attendance.monthly", "attendance.report.title", render_monthly, formats=("xlsx",),
                      period="month", by_town=True)]
