"""The attendance charts of the dashboard (``xinyi_dashboard_series``): the month's attendance rate by
town and the confirmed 旷工 days of the last 12 months. Each is one ``GROUP BY`` over
``attendance_day`` for the whole city, kept to the operator's scope by ``dashboard.by_town``."""
from __future__ import annotations

import functools
import operator as op_
from typing import Any

import peewee as pw

from xinyi_core import CalendarUnavailable, DashboardChart, calendar, dashboard, t

from ..models import AttendanceDay

D = AttendanceDay


def _workday(first: Any, last: Any, town_ids: list[int]) -> pw.Expression:
    """``D.date`` is a working day of its town's calendar (towns share one unless one has a closure)."""
    groups: dict[tuple, list[int]] = {}
    for town_id, days in calendar.working_days_by_town(town_ids, first, last).items():
        groups.setdefault(tuple(days), []).append(town_id)
    if len(groups) == 1:
        days = next(iter(groups))
        return D.date.in_(list(days)) if days else pw.SQL("1 = 0")
    return functools.reduce(op_.or_, [(D.town.in_(ids) & D.date.in_(list(days)))
                                      for days, ids in groups.items() if days] or [pw.SQL("1 = 0")])


def rate_numbers(period: str) -> tuple[dict[int, int], dict[int, int]]:
    """Town id → (days signed in, days kept) on the month's working days.

    Two grouped counts, each read from an index alone: every kept day through (town, date), the days
    without a sign-in through the partial index of migration 2; signed = kept − unsigned. (One
    ``SUM(CASE sign_in …)`` over the days visits every row: 1.3 s on the 20,000-assistant city.)
    """
    first, last = dashboard.bounds(period)
    town_ids = [i for i, _ in dashboard.towns()]
    where = D.town.in_(town_ids) & D.date.between(first, last) & _workday(first, last, town_ids)
    kept = {t_: int(n) for t_, n in D.select(D.town, pw.fn.COUNT(pw.SQL("*"))).where(where)
            .group_by(D.town).tuples()}
    unsigned = {t_: int(n) for t_, n in D.select(D.town, pw.fn.COUNT(pw.SQL("*")))
                .where(where & D.sign_in.is_null()).group_by(D.town).tuples()}
    return {t_: n - unsigned.get(t_, 0) for t_, n in kept.items()}, kept


def rate_chart(operator: Any, period: str) -> DashboardChart:
    present, kept = rate_numbers(period)
    labels, series = dashboard.by_town(operator, [(t("attendance.dash.rate_series"),
                                                   dashboard.ratio(present, kept))], weights=kept)
    return DashboardChart("attendance.rate", t("attendance.dash.rate_title", month=dashboard.period_label(period)),
                          t("attendance.dash.rate_short"), "hbar", labels, series, unit="%",
                          note=t("attendance.dash.rate_note"), order=10, label_title=t("dashboard.town"))


def absent_numbers(period: str) -> dict[tuple[int, str], int]:
    """(town id, "YYYY-MM") → confirmed 旷工 days, the 12 months ending with ``period``: one grouped query
    through the (absence, town, date) index."""
    months = dashboard.months(period)
    first, last = dashboard.bounds(months[0])[0], dashboard.bounds(period)[1]
    month = dashboard.month_of(D.date)
    q = (D.select(D.town, month, pw.fn.COUNT(D.id))
         .where((D.absence == "confirmed") & D.date.between(first, last))
         .group_by(D.town, month).tuples())
    return {(town_id, m): int(n) for town_id, m, n in q}


def absent_chart(operator: Any, period: str) -> DashboardChart:
    months = dashboard.months(period)
    counts = absent_numbers(period)
    own = dashboard.own_town(operator)
    towns = [i for i, _ in dashboard.towns()]
    if own is None:
        series = ((t("attendance.dash.absent_city"), tuple(float(sum(counts.get((i, m), 0) for i in towns))
                                                          for m in months)),)
    else:
        name = dict(dashboard.towns()).get(own, "")
        series = ((name, tuple(float(counts.get((own, m), 0)) for m in months)),
                  (t("dashboard.city_average"), tuple(round(sum(counts.get((i, m), 0) for i in towns) / len(towns), 1)
                                                      if towns else 0.0 for m in months)))
    return DashboardChart("attendance.absent", t("attendance.dash.absent_title"), t("attendance.dash.absent_short"),
                          "line", tuple(dashboard.period_label(m) for m in months), series,
                          unit=t("dashboard.unit.days"), note=t("attendance.dash.absent_note"), order=20,
                          label_title=t("dashboard.month_column"),
                          ticks=tuple(str(dashboard.parse_period(m)[1]) for m in months))


def charts(operator: Any, period: str) -> list[DashboardChart]:
    out = []
    try:
        out.append(rate_chart(operator, period))
    except CalendarUnavailable:  # no holiday schedule for that year: no working days to count against
        pass
    out.append(absent_chart(operator, period))
    return out
