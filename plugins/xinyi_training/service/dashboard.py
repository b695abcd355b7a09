"""The article-quota chart of the dashboard (``xinyi_dashboard_series``): by town, the share of the
assistants who owe this quarter's publicity articles (TRN-3) and have sent the quota already.

One grouped query for the whole city: the assistants who owe the quarter (``rules.owes_quota`` as
SQL) by town, each joined to her count of articles published in it (counted from the index of
training migration 2), and how many of them have ``quota()`` — no loop over people."""
from __future__ import annotations

from typing import Any

import peewee as pw

from xinyi_core import DashboardChart, Person, dashboard, t

from ..models import Article
from .quota import quota


def numbers(period: str) -> tuple[dict[int, int], dict[int, int]]:
    """Town id → (assistants who met the quota, assistants who owe it) in the quarter of ``period``."""
    first, last = dashboard.quarter_bounds(period)
    owes = ((Person.status != "candidate") & (Person.joined_on.is_null() | (Person.joined_on <= first))
            & (Person.departed_on.is_null() | (Person.departed_on > last)))
    sent = (Article.select(Article.person.alias("pid"), pw.fn.COUNT(pw.SQL("*")).alias("n"))
            .where(Article.published_on.between(first, last)).group_by(Article.person).alias("sent"))
    has_quota = pw.Case(None, [(sent.c.n >= quota(), 1)], 0)
    q = (Person.select(Person.town, pw.fn.SUM(has_quota), pw.fn.COUNT(Person.id))
         .join(sent, pw.JOIN.LEFT_OUTER, on=(sent.c.pid == Person.id)).where(owes).group_by(Person.town).tuples())
    met: dict[int, int] = {}
    owing: dict[int, int] = {}
    for town_id, n_met, n_owing in q:
        met[town_id], owing[town_id] = int(n_met or 0), int(n_owing)
    return met, owing


def charts(operator: Any, period: str) -> list[DashboardChart]:
    met, owing = numbers(period)
    labels, series = dashboard.by_town(operator, [(t("training.chart.series"), dashboard.ratio(met, owing))],
                                       weights=owing)
    return [DashboardChart("training.articles", t("training.chart.title", quarter=dashboard.quarter_label(period)),
                           t("training.chart.short"), "hbar", labels, series, unit="%",
                           note=t("training.chart.note", quota=quota()), order=40,
                           label_title=t("dashboard.town"))]
