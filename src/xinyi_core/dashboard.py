"""The dashboard (数据看板): a few charts instead of hundreds of rows.

Every chart is a :class:`~xinyi_core.types.DashboardChart` — named series of numbers with a kind of
chart — given by a plugin's ``xinyi_dashboard_series(operator, period)`` (the core adds the posts'
vacancies). A plugin computes its numbers per town (or per month) with one ``GROUP BY`` query for
the whole city and hands them to :func:`by_town`, which keeps them to the operator's scope: the
city sees every town by name, a town's operator sees her town and the city average and no other
town's name. The terminal screen (``tui/screens/dashboard.py``) draws them; :func:`gather` is what
it calls, off the UI thread.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Iterator, Mapping, Sequence

import peewee as pw

from . import auth
from .i18n import t
from .models import OrgUnit, Person, Post
from .types import CHART_KINDS, DashboardChart

log = logging.getLogger(__name__)

PERMISSION = "dashboard.view"


# --------------------------------------------------------------------------- periods

def parse_period(period: str) -> tuple[int, int]:
    """``"2026-11"`` → ``(2026, 11)``."""
    year, month = period.split("-")
    y, m = int(year), int(month)
    if not 1 <= m <= 12:
        raise ValueError(period)
    return y, m


def shift(period: str, months: int) -> str:
    """The month ``months`` after ``period`` (before it when negative)."""
    y, m = parse_period(period)
    index = y * 12 + m - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def months(period: str, count: int = 12) -> list[str]:
    """The ``count`` months ending with ``period``, oldest first."""
    return [shift(period, -i) for i in range(count - 1, -1, -1)]


def bounds(period: str) -> tuple[dt.date, dt.date]:
    y, m = parse_period(period)
    first = dt.date(y, m, 1)
    return first, (dt.date(y + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1))


def quarter_bounds(period: str) -> tuple[dt.date, dt.date]:
    """The quarter the month ``period`` falls in: its first and last day."""
    y, m = parse_period(period)
    q = (m - 1) // 3
    return dt.date(y, 3 * q + 1, 1), bounds(f"{y:04d}-{3 * q + 3:02d}")[1]


def period_label(period: str) -> str:
    y, m = parse_period(period)
    return t("dashboard.month", year=y, month=m)


def quarter_label(period: str) -> str:
    y, m = parse_period(period)
    return t("dashboard.quarter", year=y, quarter=(m - 1) // 3 + 1)


# --------------------------------------------------------------------------- scope

def is_city(operator: Any) -> bool:
    return auth.ROLE_LEVEL.get(operator.role) == "city"


def towns() -> list[tuple[int, str]]:
    """Every town of the city, ``(id, name)``, in the org's order (by code)."""
    return list(OrgUnit.select(OrgUnit.id, OrgUnit.name).where(OrgUnit.kind == "town")
                .order_by(OrgUnit.code).tuples())


def own_town(operator: Any) -> int | None:
    """The operator's town id; ``None`` for the city."""
    return None if is_city(operator) else auth.scope_of(operator).town_id()


def _average(values: Mapping[int, float], weights: Mapping[int, float] | None, town_ids: Sequence[int]) -> float:
    if weights is not None:
        total = sum(weights.get(i, 0) for i in town_ids)
        return sum(values.get(i, 0) * weights.get(i, 0) for i in town_ids) / total if total else 0.0
    return sum(values.get(i, 0) for i in town_ids) / len(town_ids) if town_ids else 0.0


def by_town(operator: Any, series: Sequence[tuple[str, Mapping[int, float]]], *,
            weights: Mapping[int, float] | None = None,
            digits: int = 1) -> tuple[tuple[str, ...], tuple[tuple[str, tuple[float, ...]], ...]]:
    """Per-town numbers as the operator may see them: ``(labels, series)`` for a chart.

    ``series`` holds ``(name, {town id: value})`` — a town without a value counts 0. The city gets
    one label per town (by name, in the org's order). A town's operator gets two: her town and
    ``全市平均``, the mean over every town — weighted by ``weights`` (town id → e.g. working days
    expected) when the values are rates, so the average is the city's own rate.
    """
    all_towns = towns()
    ids = [i for i, _ in all_towns]
    own = own_town(operator)
    if own is None:
        labels = tuple(name for _, name in all_towns)
        return labels, tuple((name, tuple(round(float(values.get(i, 0)), digits) for i in ids))
                             for name, values in series)
    name = next((n for i, n in all_towns if i == own), "")
    labels = (name, t("dashboard.city_average"))
    return labels, tuple((s, (round(float(values.get(own, 0)), digits),
                              round(_average(values, weights, ids), digits))) for s, values in series)


def month_of(field: pw.Field) -> pw.Node:
    """SQL for the month (``"YYYY-MM"``) of the date column ``field``, to ``GROUP BY``.

    SQLite keeps a date as ISO text: its first seven characters, read inside SQLite. (Peewee's
    ``field.year``/``field.month`` are a Python function on SQLite, called twice per row: 30 ms
    of the 40 ms the city's leave chart took at 20,000 assistants.) PostgreSQL: ``to_char``.
    """
    from .db import is_sqlite

    return pw.fn.substr(field, 1, 7) if is_sqlite() else pw.fn.to_char(field, "YYYY-MM")


def ratio(numerators: Mapping[int, float], denominators: Mapping[int, float], *,
          percent: bool = True) -> dict[int, float]:
    """``numerator / denominator`` per key (0 where the denominator is 0), as a percentage by default."""
    scale = 100.0 if percent else 1.0
    return {k: (numerators.get(k, 0) * scale / d if d else 0.0) for k, d in denominators.items()}


# --------------------------------------------------------------------------- the core's own chart

def vacancies(operator: Any, period: str) -> list[DashboardChart]:
    """ORG-3: vacant posts by town — one grouped query (posts nobody holds, by their village's town).

    ``NOT EXISTS`` looks each post up in the index of held posts; ``NOT IN`` built the list of the
    city's ~20,000 held posts first (7 against 15 ms on SQLite)."""
    holder = Person.alias()
    held = holder.select(pw.SQL("1")).where(holder.post == Post.id)
    q = (Post.select(OrgUnit.parent, pw.fn.COUNT(Post.id)).join(OrgUnit, on=(Post.village == OrgUnit.id))
         .where(~pw.fn.EXISTS(held)).group_by(OrgUnit.parent).tuples())
    counts = {town_id: n for town_id, n in q}
    labels, series = by_town(operator, [(t("dashboard.vacancies.series"), counts)], digits=1)
    return [DashboardChart("core.vacancies", t("dashboard.vacancies.title"), t("dashboard.vacancies.short"),
                           "hbar", labels, series, unit=t("dashboard.unit.posts"),
                           note=t("dashboard.vacancies.note"), order=90, label_title=t("dashboard.town"))]


# --------------------------------------------------------------------------- all of it

def sources(operator: Any, period: str) -> Iterator[tuple[list[DashboardChart], list[str]]]:
    """The charts for ``operator`` and ``period`` source by source — the core's, then each plugin's —
    with the plugins that failed: the screen draws the first as soon as it is there.

    Only for an operator with the permission ``dashboard.view`` (the city office and the town heads):
    anyone else gets nothing, whatever a plugin's hook would return — the check is here, once, not
    in each plugin. A town's operator hears her town's plugins, the city every plugin. A plugin that raises is
    reported (in Chinese, like on the home screen) and skipped; a chart of an unknown kind or with a
    series of the wrong length is left out (logged): the screen never draws half a chart.
    """
    from .lifecycle import runtime

    if not auth.can(operator, PERMISSION):
        return
    yield vacancies(operator, period), []
    town_code = None if is_city(operator) else auth.town_code_of(operator)
    caller = runtime().plugins.for_town(town_code).xinyi_dashboard_series
    for impl in caller.get_hookimpls():
        try:
            found = impl.function(**{name: {"operator": operator, "period": period}[name] for name in impl.argnames})
        except Exception as exc:  # noqa: BLE001 - any plugin bug, reported and skipped
            log.exception("plugin %s failed in xinyi_dashboard_series", impl.plugin_name)
            yield [], [t("tui.plugin_failed", name=impl.plugin_name, error=f"{type(exc).__name__}: {exc}")]
            continue
        charts = []
        for chart in found or ():
            if chart.kind not in CHART_KINDS or any(len(v) != len(chart.labels) for _, v in chart.series):
                log.warning("dashboard chart %s is malformed and left out", getattr(chart, "key", chart))
                continue
            charts.append(chart)
        yield charts, []


def gather(operator: Any, period: str) -> tuple[list[DashboardChart], list[str]]:
    """Every chart for ``operator`` and ``period`` in selector order, and the plugins that failed
    (:func:`sources`, all at once)."""
    charts: list[DashboardChart] = []
    failures: list[str] = []
    for found, failed in sources(operator, period):
        charts.extend(found)
        failures.extend(failed)
    charts.sort(key=lambda c: c.order)
    return charts, failures
