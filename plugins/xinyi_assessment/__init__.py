"""Assessment (考核): monthly publication and the annual 100-point assessment — ASM-1..ASM-7, ATT-5.

Registered through the ``xinyi.plugins`` entry point ``assessment``. Hook
implementations only, in the plugin layout (docs/plugins.md): the decisions in
``rules``, the scoring scheme as data (``xinyi_assessment/assessment_scheme.toml``, loaded
and validated by ``rules.scheme``); the annual assessment's writes and scoped
reads in ``service``, the routine (monthly) assessment in ``service.monthly``,
the year's routine results shown to the annual assessor and the panel in
``service.routine``; the screens in ``screens`` and their forms in ``dialogs``;
the forms 附件1–3, the monthly publication and the city's cover sheet in
``documents``; and ``jobs``, ``demo`` and ``cli`` do what they say.
"""
from __future__ import annotations

from typing import Any

from xinyi_core import Migration, ScreenEntry, Setting, create_tables, hookimpl, i18n, t

XINYI_API = "1"
MESSAGES = i18n.package_messages(__name__, "assessment")


@hookimpl
def xinyi_messages() -> dict[str, Any]:
    return MESSAGES


@hookimpl
def xinyi_models() -> list[type]:
    from .models import MODELS, dashboard_index

    return list(MODELS)


@hookimpl
def xinyi_migrations() -> list[Migration]:
    from .models import MODELS, dashboard_index

    return [Migration(1, "assessment sheets, deductions, vetoes, packages, monthly results", create_tables(*MODELS)),
            Migration(2, "sheets by year, town and grade (the dashboard's grades)", dashboard_index)]


@hookimpl
def xinyi_settings() -> dict[str, Setting]:
    from .rules import DEFAULT_THRESHOLDS, ROUNDINGS, valid_thresholds

    return {
        "scheme": Setting("", str, t("assessment.setting.scheme")),
        "town_schemes": Setting({}, dict, t("assessment.setting.town_schemes"),
                                lambda v: all(isinstance(x, str) for x in v.values())),
        "grades": Setting(dict(DEFAULT_THRESHOLDS), dict, t("assessment.setting.grades"), valid_thresholds),
        "excellent_ratio": Setting(0.2, float, t("assessment.setting.ratio"), lambda v: 0 < v <= 1),
        "excellent_rounding": Setting("floor", str, t("assessment.setting.rounding"), lambda v: v in ROUNDINGS),
        "opens_on_day": Setting(15, int, t("assessment.setting.opens_on_day"), lambda v: 1 <= v <= 31),
        "due_day": Setting(20, int, t("assessment.setting.due_day"), lambda v: 1 <= v <= 31),
    }


@hookimpl
def xinyi_permissions() -> dict[str, list[str]]:
    return {
        "assessment.view": ["town_clerk", "town_head", "city_office", "bureau"],
        "assessment.score": ["town_clerk", "town_head"],  # ASM-1: the town centre assesses
        "assessment.grade": ["town_head"],  # ASM-3: the town's panel assigns grades
        "assessment.monthly": ["town_clerk", "town_head"],  # ASM-2: reviewed by the town
        "assessment.city": ["city_office", "bureau"],
        "assessment.run": ["city_office", "bureau"],
    }


@hookimpl
def xinyi_actors() -> list[Any]:
    from .jobs import ACTORS

    return ACTORS


@hookimpl
def xinyi_reports() -> list[Any]:
    from .documents import REPORTS

    return REPORTS


@hookimpl
def xinyi_schedules() -> list[Any]:
    from .jobs import SCHEDULES

    return SCHEDULES


@hookimpl
def xinyi_screens() -> list[Any]:
    # "module:Class": the screens are imported on their first visit, not as every session starts
    screens = f"{__name__}.screens:"
    return [ScreenEntry("", "assessment.screen.scoring", "assessment.score", screens + "ScoringScreen", "assessment"),
            ScreenEntry("", "assessment.screen.panel", "assessment.grade", screens + "PanelScreen", "assessment"),
            ScreenEntry("", "assessment.screen.city", "assessment.city", screens + "CityScreen", "assessment"),
            ScreenEntry("", "assessment.screen.monthly", "assessment.monthly", screens + "MonthlyScreen", "assessment")]


@hookimpl
def xinyi_dashboard_series(operator: Any, period: str) -> list[Any]:
    from .service import dashboard  # the core asks only for operators with dashboard.view

    return dashboard.charts(operator, period)


@hookimpl
def xinyi_dashboard_items(operator: Any) -> list[Any]:
    """Registration forms waiting for the operator's opinion (ASM-6)."""
    from xinyi_core import DashboardItem, approvals, auth

    from .service import REG_KIND

    waiting = len(approvals.waiting_for(operator, REG_KIND)) if auth.can(operator, "assessment.view") else 0
    target = "assessment.screen.scoring" if auth.can(operator, "assessment.score") else "assessment.screen.city"
    return [DashboardItem(t("assessment.screen.dash_waiting"), target, waiting)] if waiting else []


@hookimpl
def xinyi_cli(cli: Any) -> None:
    from .cli import register

    register(cli)


@hookimpl(trylast=True)  # after every plugin whose facts it gathers
def xinyi_demo_data(city: Any, rng: Any) -> None:
    from .demo import build

    build(city, rng)
