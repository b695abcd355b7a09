"""The leave chart of the dashboard (``xinyi_dashboard_series``): approved leave days by category and
month over the last 12 months — one ``GROUP BY`` (category, month) over ``leave_request``."""
from __future__ import annotations

from typing import Any

import peewee as pw

from xinyi_core import DashboardChart, dashboard, t

from .. import rules
from ..models import LeaveRequest

L = LeaveRequest


def numbers(operator: Any, period: str) -> dict[tuple[str, str], int]:
    """(category, "YYYY-MM") → approved leave days, counted in the month the leave starts; the city's,
    or a town's operator's town's."""
    months = dashboard.months(period)
    first, last = dashboard.bounds(months[0])[0], dashboard.bounds(period)[1]
    month = dashboard.month_of(L.start_on)
    q = (L.select(L.category, month, pw.fn.SUM(L.days))
         .where((L.state == "approved") & L.start_on.between(first, last)))
    own = dashboard.own_town(operator)
    if own is not None:
        q = q.where(L.town == own)
    q = q.group_by(L.category, month).tuples()
    return {(category, m): int(n or 0) for category, m, n in q}


def charts(operator: Any, period: str) -> list[DashboardChart]:
    months = dashboard.months(period)
    counts = numbers(operator, period)
    used = [c for c in rules.CATEGORIES if any(counts.get((c, m)) for m in months)] or ["personal"]
    series = tuple((t(f"leave.category.{c}"), tuple(float(counts.get((c, m), 0)) for m in months)) for c in used)
    own = dashboard.own_town(operator)
    where = t("leave.chart.city") if own is None else dict(dashboard.towns()).get(own, "")
    return [DashboardChart("leave.days", t("leave.chart.title", where=where), t("leave.chart.short"), "vbar",
                           tuple(dashboard.period_label(m) for m in months), series, unit=t("dashboard.unit.days"),
                           note=t("leave.chart.note"), order=30, label_title=t("dashboard.month_column"),
                           ticks=tuple(str(dashboard.parse_period(m)[1]) for m in months))]
