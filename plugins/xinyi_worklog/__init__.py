"""Work log (工作日志) and the visit/call register — WORK-1, WORK-2, 附件1 item 4.

Registered through the ``xinyi.plugins`` entry point ``worklog``. Hook
implementations only; the work is in ``rules`` (decisions), ``service``
(entries, corrections), ``register`` (来访来电登记), ``checks`` (the town's
monthly check, the city's spot checks, the assessment fact), ``book`` (the
printed log book page), ``jobs`` (the monthly-check sheet), ``screens`` and ``demo``.
"""
from __future__ import annotations

from typing import Any

from xinyi_core import Migration, Setting, create_tables, hookimpl, i18n

from . import rules

XINYI_API = "1"
MESSAGES = i18n.package_messages(__name__, "worklog")


def _strings(value: Any) -> bool:
    return bool(value) and all(isinstance(v, str) and v.strip() for v in value)


@hookimpl
def xinyi_messages() -> dict[str, Any]:
    return MESSAGES


@hookimpl
def xinyi_migrations() -> list[Migration]:
    from .models import MODELS

    return [Migration(1, "work log, register, checks", create_tables(*MODELS))]


@hookimpl
def xinyi_models() -> list[type]:
    from .models import MODELS

    return list(MODELS)


@hookimpl
def xinyi_settings() -> dict[str, Setting]:
    from xinyi_core import t

    return {
        "duties": Setting(list(rules.DEFAULT_DUTIES), list, t("worklog.setting.duties"), _strings),
        "thin_min_chars": Setting(10, int, t("worklog.setting.thin_min_chars"), lambda v: v > 0),
        "missing_rule": Setting("zero", str, t("worklog.setting.missing_rule"), lambda v: v in rules.MISSING_RULES),
        "register_stale_days": Setting(7, int, t("worklog.setting.register_stale_days"), lambda v: v > 0),
        "excusing_marks": Setting(["leave", "training"], list, t("worklog.setting.excusing_marks"), _strings),
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
def xinyi_reports() -> list[Any]:
    from .jobs import REPORTS

    return list(REPORTS)


@hookimpl
def xinyi_assessment_facts(person: Any, year: int) -> list[Any]:
    from .checks import assessment_facts

    return assessment_facts(person, year)


@hookimpl
def xinyi_dashboard_items(operator: Any) -> list[Any]:
    from .screens import dashboard_items

    return dashboard_items(operator)


@hookimpl
def xinyi_screens() -> list[Any]:
    from .screens import screen_entries

    return screen_entries()


@hookimpl
def xinyi_demo_data(city: Any, rng: Any) -> None:
    from .demo import build

    build(city, rng)
