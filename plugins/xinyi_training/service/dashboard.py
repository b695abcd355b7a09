"""The article-quota chart of the dashboard (``xinyi_dashboard_series``): by town, the share of the
assistants who owe this quarter's publicity articles (TRN-3) and have sent the quota already.

Two grouped queries for the whole city: who owes the quarter (``rules.owes_quota`` as SQL), and of
them who has ``quota()`` articles published in it (a per-person count with ``HAVING``, grouped
again by town) — no loop over people."""
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
    owing = dict(Person.select(Person.town, pw.fn.COUNT(Person.id)).where(owes).group_by(Person.town).tuples())
    sent = (Article.select(Article.person.alias("pid")).join(Person).where(
        owes & Article.published_on.between(first, last))
        .group_by(Article.person).having(pw.fn.COUNT(Article.id) >= quota()).alias("sent"))
    met = dict(Person.select(Person.town, pw.fn.COUNT(Person.id))
               .join(sent, on=(sent.c.pid == Person.id)).group_by(Person.town).tuples())
    return {k: int(v) for k, v in met.items()}, {k: int(v) for k, v in owing.items()}


def charts(operator: Any, period: str) -> list[DashboardChart]:
    met, owing = numbers(period)
    labels, series = dashboard.by_town(operator, [(t("training.chart.series"), dashboard.ratio(met, owing))],
                                       weights=owing)
    return [DashboardChart("training.articles", t("training.chart.title", quarter=dashboard.quarter_label(period)),
                           t("training.chart.short"), "hbar", labels, series, unit="%",
                           note=t("training.chart.note", quota=quota()), order=40,
                           label_title=t("dashboard.town"))]
