"""Departure (离职) and vacancies — ORG-2, ORG-3, ATT-6.

Registered through the ``xinyi.plugins`` entry point ``departure``. This module
holds only the hook implementations; the work is in ``service`` (reports,
proposals, approval, taking effect; ``service.handover``, ``service.vacancies``),
``documents`` (附件5), ``jobs``, ``screens`` + ``dialogs`` and ``demo``. The
ATT-6 alert is heard through ``xinyi_alert_raised`` as the core's typed
``OffPostAlert``: departure never imports attendance.
"""
from __future__ import annotations

from typing import Any

from xinyi_core import Alert, DashboardItem, Migration, Operator, ScreenEntry, Setting, create_tables, hookimpl, i18n, t

XINYI_API = "1"
MESSAGES = i18n.package_messages(__name__, "departure")
LIST_KEY = "departure.screen.list"  # the screens' title keys: a to-do names the screen it opens
VACANCIES_KEY = "departure.screen.vacancies"
DEFAULT_HANDOVER = ["工作文件", "业务资料", "办公设备"]  # 附件5 note 2: documents, materials, office equipment


@hookimpl
def xinyi_messages() -> dict[str, Any]:
    return MESSAGES


@hookimpl
def xinyi_models() -> list[type]:
    from .models import MODELS

    return list(MODELS)


@hookimpl
def xinyi_migrations() -> list[Migration]:
    from .models import MODELS

    return [Migration(1, "departure reports and handover", create_tables(*MODELS))]


@hookimpl
def xinyi_settings() -> dict[str, Setting]:
    from .rules import valid_handover_defaults

    return {"handover_items": Setting(DEFAULT_HANDOVER, list, t("departure.handover.defaults_expected"),
                                      valid_handover_defaults)}


@hookimpl
def xinyi_permissions() -> dict[str, list[str]]:
    return {
        "departure.view": ["village_head", "town_clerk", "town_head", "city_office", "bureau"],
        "departure.report": ["town_clerk", "town_head"],  # ORG-2: the town centre reports
        "departure.confirm": ["town_head"],  # ATT-6 proposals: the town centre head decides
        "departure.handover": ["town_clerk", "town_head"],
        "departure.vacancies": ["city_office", "bureau"],  # ORG-3: vacancies are the city's business
        "departure.run": ["city_office", "bureau"],
    }


@hookimpl
def xinyi_status_change_vetoes(person: Any, new_status: str, basis: Any) -> list[str]:
    """ORG-2: in a town with this plugin, 离职 comes only from a report's finished chain."""
    from . import service

    return service.direct_departure_vetoes(person, new_status, basis)


@hookimpl
def xinyi_alert_raised(alert: Alert) -> None:
    from . import service

    service.propose_from_alert(alert)  # ATT-6 → a proposed 解除合同 report


@hookimpl
def xinyi_approval_finished(chain: Any) -> None:
    from . import service

    service.on_chain_finished(chain)


@hookimpl
def xinyi_actors() -> list[Any]:
    from .jobs import ACTORS

    return ACTORS


@hookimpl
def xinyi_schedules() -> list[Any]:
    from .jobs import SCHEDULES

    return SCHEDULES


@hookimpl
def xinyi_screens() -> list[Any]:
    # "module:Class": the screens are imported on their first visit, not as every session starts
    screens = f"{__name__}.screens:"
    return [ScreenEntry("", LIST_KEY, "departure.view", screens + "DeparturesScreen", "departure"),
            ScreenEntry("", VACANCIES_KEY, "departure.vacancies", screens + "VacanciesScreen", "departure")]


@hookimpl
def xinyi_dashboard_items(operator: Operator) -> list[DashboardItem]:
    """Proposals for the town head to confirm (ATT-6), chains waiting for her opinion (ORG-2) and
    handovers not finished (附件5)."""
    from xinyi_core import approvals, auth

    from . import service

    if not auth.can(operator, "departure.view"):
        return []
    items = []
    if auth.can(operator, "departure.confirm"):
        n = service.visible(operator, "proposed").count()
        if n:
            items.append(DashboardItem(t("departure.dash.proposals"), LIST_KEY, n, urgent=True,
                                       params={"state": "proposed"}))
    waiting = len(approvals.waiting_for(operator, service.KIND))
    if waiting:
        items.append(DashboardItem(t("departure.dash.waiting"), LIST_KEY, waiting, params={"state": "pending"}))
    if auth.can(operator, "departure.handover"):  # approved or gone, but not everything handed over yet
        n = service.handover_open(operator)
        if n:
            items.append(DashboardItem(t("departure.dash.handover"), LIST_KEY, n))
    return items


@hookimpl
def xinyi_demo_data(city: Any, rng: Any) -> None:
    from .demo import build

    build(city, rng)
