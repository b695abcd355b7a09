"""Work log (工作日志) and the visit/call register — WORK-1, WORK-2, 附件1 item 4.

Registered through the ``xinyi.plugins`` entry point ``worklog``. Hook
implementations only, in the plugin layout (docs/plugins.md): the decisions in
``rules``; entries and corrections in ``service``, the register (来访来电登记) in
``service.register``, the town's monthly check and the city's spot checks in
``service.checks``; the screens in ``screens`` and their forms in ``dialogs``; the
printed log book page and the monthly-check sheet in ``documents``; the
assessment fact in ``facts``; the demo year in ``demo``.
"""
from __future__ import annotations

from typing import Any

from xinyi_core import (AssessmentFact, DashboardItem, Migration, Operator, Person, ReportSpec, ScreenEntry, Setting,
                        create_tables, hookimpl, i18n, t)

from . import rules

XINYI_API = "1"
MESSAGES = i18n.package_messages(__name__, "worklog")


@hookimpl
def xinyi_messages() -> dict[str, Any]:
    return MESSAGES


@hookimpl
def xinyi_migrations() -> list[Migration]:
    from .models import MODELS, open_register_index, stale_register_index

    return [Migration(1, "work log, register, checks", create_tables(*MODELS)),
            Migration(2, "register items by assistant and state (the monthly check's open items)",
                      open_register_index),
            Migration(3, "open register items by time (the home screen's overdue visits)", stale_register_index)]


@hookimpl
def xinyi_models() -> list[type]:
    from .models import MODELS

    return list(MODELS)


@hookimpl
def xinyi_settings() -> dict[str, Setting]:
    return {
        "duties": Setting(list(rules.DEFAULT_DUTIES), list, t("worklog.setting.duties"), rules.strings),
        "thin_min_chars": Setting(10, int, t("worklog.setting.thin_min_chars"), lambda v: v > 0),
        "missing_rule": Setting("zero", str, t("worklog.setting.missing_rule"), lambda v: v in rules.MISSING_RULES),
        "register_stale_days": Setting(7, int, t("worklog.setting.register_stale_days"), lambda v: v > 0),
        "excusing_marks": Setting(["leave", "training"], list, t("worklog.setting.excusing_marks"), rules.strings),
    }


@hookimpl
def xinyi_permissions() -> dict[str, list[str]]:
    return {
        "worklog.view": ["assistant", "village_head", "town_clerk", "town_head", "city_office", "bureau"],
        "worklog.write": ["assistant"],
        "worklog.register": ["assistant", "town_clerk", "town_head"],
        "worklog.check": ["town_clerk", "town_head"],
        "worklog.correct": ["town_clerk", "town_head"],
        "worklog.spot": ["city_office", "bureau"],
    }


@hookimpl
def xinyi_reports() -> list[ReportSpec]:
    from .documents import REPORTS

    return list(REPORTS)


@hookimpl
def xinyi_assessment_facts(person: Person, year: int) -> list[AssessmentFact]:
    from . import facts

    return facts.assessment_facts(person, year)


@hookimpl
def xinyi_assessment_facts_bulk(people: list[Person], year: int) -> dict[int, list[AssessmentFact]]:
    from . import facts

    return facts.assessment_facts_bulk(people, year)


@hookimpl
def xinyi_dashboard_items(operator: Operator) -> list[DashboardItem]:
    """Drafts (assistant), stale open visits/calls and last month's unchecked logs (town), spot
    checks waiting for review (city)."""
    from xinyi_core import auth, clock

    from . import service
    from .service import checks, register

    items = []
    if auth.can(operator, "worklog.write") and operator.person_id:
        drafts = service.drafts(operator)
        if drafts:
            items.append(DashboardItem(t("worklog.dash.drafts"), "worklog.nav.mine", drafts))
    if auth.can(operator, "worklog.check"):
        stale = register.stale(operator).count()
        if stale:
            items.append(DashboardItem(t("worklog.dash.stale", days=int(service.setting("register_stale_days"))),
                                       "worklog.nav.register", stale, urgent=True))
        period = rules.previous_period(clock.today())
        waiting = checks.unchecked(operator, period)
        if waiting > 0:
            items.append(DashboardItem(t("worklog.dash.unchecked", period=period), "worklog.nav.check", waiting))
    if auth.can(operator, "worklog.spot"):
        pending = checks.unreviewed(operator)
        if pending:
            items.append(DashboardItem(t("worklog.dash.spot"), "worklog.nav.spot", pending))
    return items


@hookimpl
def xinyi_screens() -> list[ScreenEntry]:
    # "module:Class": the screens are imported on their first visit, not as every session starts
    screens = f"{__name__}.screens:"
    return [ScreenEntry("", "worklog.nav.check", "worklog.check", screens + "CheckScreen", "worklog"),
            ScreenEntry("", "worklog.nav.spot", "worklog.spot", screens + "SpotScreen", "worklog"),
            ScreenEntry("", "worklog.nav.mine", "worklog.write", screens + "MyLogScreen", "worklog"),
            ScreenEntry("", "worklog.nav.register", "worklog.register", screens + "RegisterScreen", "worklog"),
            ScreenEntry("", "worklog.nav.search", "worklog.view", screens + "SearchScreen", "worklog")]


@hookimpl
def xinyi_demo_data(city: Any, rng: Any) -> None:
    from .demo import build

    build(city, rng)
