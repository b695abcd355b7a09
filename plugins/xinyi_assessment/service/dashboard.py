"""The grades chart of the dashboard (``xinyi_dashboard_series``): each town's distribution of the
year's grades as shares, with the 20% cap on 优秀 (ASM-3) drawn across — one ``GROUP BY`` (town,
grade) over ``assessment``. The year is the latest one with sheets, up to the period's year (the
round for a year runs in the January after it)."""
from __future__ import annotations

from typing import Any

import peewee as pw

from xinyi_core import DashboardChart, dashboard, t

from .. import rules
from ..models import Assessment
from . import setting

A = Assessment


def year_of(period: str) -> int | None:
    """The latest year up to ``period``'s with assessment sheets (None: none yet)."""
    y = dashboard.parse_period(period)[0]
    found = A.select(pw.fn.MAX(A.year)).where(A.year <= y).scalar()
    return int(found) if found is not None else None


def numbers(year: int) -> dict[int, dict[str, int]]:
    """Town id → grade → sheets of ``year`` (the panel's grade, else the grade the score earned)."""
    grade = pw.fn.COALESCE(A.grade, A.earned)
    out: dict[int, dict[str, int]] = {}
    for town_id, g, n in A.select(A.town, grade, pw.fn.COUNT(A.id)).where(A.year == year) \
            .group_by(A.town, grade).tuples():
        out.setdefault(town_id, {})[g] = int(n)
    return out


def charts(operator: Any, period: str) -> list[DashboardChart]:
    year = year_of(period)
    counts = numbers(year) if year is not None else {}
    totals = {town: sum(by_grade.values()) for town, by_grade in counts.items()}
    shares = [(t(f"assessment.grade.{g}"), dashboard.ratio({k: v.get(g, 0) for k, v in counts.items()}, totals))
              for g in rules.GRADES]
    labels, series = dashboard.by_town(operator, shares, weights=totals)
    cap = round(float(setting("excellent_ratio") or 0.2) * 100, 1)
    when = t("assessment.chart.year", year=year) if year is not None else t("assessment.chart.no_year")
    return [DashboardChart("assessment.grades", t("assessment.chart.title", year=when), t("assessment.chart.short"),
                           "stacked", labels, series, unit="%", cap=cap,
                           cap_label=t("assessment.chart.cap", cap=f"{cap:g}"), note=t("assessment.chart.note"),
                           order=50, label_title=t("dashboard.town"))]
