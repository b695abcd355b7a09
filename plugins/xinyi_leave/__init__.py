"""Leave (请假): slips, approvals, oral reports, extensions and return — ATT-3, ATT-4, ATT-6.

Registered through the ``xinyi.plugins`` entry point ``leave``. Hook
implementations only, in the plugin layout (docs/plugins.md): the rules are in
:mod:`.rules`, the writes and scoped reads in :mod:`.service`, the edit screens
in :mod:`.dialogs`, the printed slip (附件4) and the stub archive in
:mod:`.documents`, the hook answers in :mod:`.facts`. Attendance learns of approved leave only through
``xinyi_calendar_marks`` (excused days), of days that stop or start being
excused afterwards (refused, withdrawn, cancelled, 销假, extended) through
``xinyi_calendar_marks_changed`` (ATT-3), and of overdue returns through the
``overdue_return`` alert (ATT-6).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from xinyi_core import AssessmentFact, CalendarMark, DashboardItem, Person, ScreenEntry, Setting, hookimpl, i18n, t

XINYI_API = "1"
MESSAGES = i18n.package_messages(__name__, "leave")
ALL_STAFF = ["assistant", "village_head", "town_clerk", "town_head", "city_office", "bureau"]


@hookimpl
def xinyi_messages() -> dict[str, Any]:
    return MESSAGES


@hookimpl
def xinyi_models() -> list[type]:
    from .models import MODELS

    return list(MODELS)


@hookimpl
def xinyi_migrations() -> list[Any]:
    from .models import MIGRATIONS

    return MIGRATIONS


@hookimpl
def xinyi_settings() -> dict[str, Any]:
    from . import rules

    counting = {f"count_{c}": Setting(rules.DEFAULT_COUNTING[c], str, t("leave.setting.counting"),
                                      check=lambda v: v in rules.COUNTINGS) for c in rules.CATEGORIES}
    return {**counting, "village_opinion": Setting(True, bool, t("leave.setting.village_opinion"))}


@hookimpl
def xinyi_permissions() -> dict[str, list[str]]:
    return {
        "leave.view": ALL_STAFF,
        "leave.self": ["assistant"],
        "leave.manage": ["village_head", "town_clerk", "town_head", "city_office", "bureau"],
        "leave.apply": ["assistant", "village_head", "town_clerk", "town_head"],
        "leave.oral": ["town_clerk", "town_head"],  # ATT-3: the town records an oral report
        "leave.approve": ["village_head", "town_head", "city_office"],  # ATT-4
        "leave.return": ["town_clerk", "town_head"],
        "leave.cancel": ["town_head"],  # approved leave, before it starts; after that it is 销假
        "leave.print": ALL_STAFF,
    }


@hookimpl
def xinyi_calendar_marks(person: Person, start: dt.date, end: dt.date) -> list[CalendarMark]:
    from . import facts

    return facts.calendar_marks(person, start, end)


@hookimpl
def xinyi_calendar_marks_bulk(people: list[Person], start: dt.date, end: dt.date) -> dict[int, list[CalendarMark]]:
    from . import facts

    return facts.calendar_marks_bulk(people, start, end)


@hookimpl
def xinyi_assessment_facts(person: Person, year: int) -> list[AssessmentFact]:
    from . import facts

    return facts.assessment_facts(person, year)


@hookimpl
def xinyi_assessment_facts_bulk(people: list[Person], year: int) -> dict[int, list[AssessmentFact]]:
    from . import facts

    return facts.assessment_facts_bulk(people, year)


@hookimpl
def xinyi_person_changed(person: Any, change: str, detail: dict[str, Any]) -> None:
    if change == "status" and detail.get("after") == "departed":
        from . import service

        service.close_for_departed(person)


@hookimpl
def xinyi_approval_finished(chain: Any) -> None:
    if chain.kind == "leave":
        from . import service

        service.chain_finished(chain)


@hookimpl
def xinyi_dashboard_series(operator: Any, period: str) -> list[Any]:
    from .service import dashboard  # the core asks only for operators with dashboard.view

    return dashboard.charts(operator, period)


@hookimpl
def xinyi_dashboard_items(operator: Any) -> list[Any]:
    from xinyi_core import alerts, auth

    from . import service

    items = []
    if auth.can(operator, "leave.approve"):
        waiting = len(service.waiting(operator))
        if waiting:
            items.append(DashboardItem(t("leave.dash.queue"), "leave.nav.queue", waiting, urgent=True))
    if auth.can(operator, "leave.view"):
        open_alerts = alerts.visible(operator).where(alerts.Alert.source == "leave").count()
        if open_alerts:
            items.append(DashboardItem(t("leave.dash.alerts"), "leave.nav.manage", open_alerts, urgent=True))
    return items


@hookimpl
def xinyi_screens() -> list[Any]:
    # "module:Class": the screens are imported on their first visit, not as every session starts
    screens = f"{__name__}.screens:"
    return [ScreenEntry("", "leave.nav.manage", "leave.manage", screens + "LeaveListScreen", "leave"),
            ScreenEntry("", "leave.nav.mine", "leave.self", screens + "MyLeaveScreen", "leave"),
            ScreenEntry("", "leave.nav.queue", "leave.approve", screens + "QueueScreen", "leave"),
            ScreenEntry("", "leave.nav.calendar", "leave.view", screens + "LeaveCalendarScreen", "leave")]


@hookimpl
def xinyi_actors() -> list[Any]:
    from . import jobs

    return jobs.ACTORS


@hookimpl
def xinyi_reports() -> list[Any]:
    from . import documents

    return documents.REPORTS


@hookimpl
def xinyi_schedules() -> list[Any]:
    from . import jobs

    return jobs.SCHEDULES


@hookimpl(tryfirst=True)  # before attendance and worklog, which read these days as marks
def xinyi_demo_data(city: Any, rng: Any) -> None:
    from . import demo

    demo.build(city, rng)
