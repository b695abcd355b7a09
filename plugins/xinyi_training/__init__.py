"""Learning and training (学习培训) — TRN-1, TRN-2, TRN-3.

TRN-1 pre-job training and exam: nobody goes on duty before passing
(``xinyi_status_change_vetoes``). TRN-2 in-service sessions with invitations and
attendance; training days are calendar marks, unexcused absences assessment
facts. TRN-3 the quarterly publicity-article quota with reminders and the
quarter's shortfall list.

Registered through the ``xinyi.plugins`` entry point ``training``. Hook
implementations only, in the plugin layout (docs/plugins.md): the decisions in
``rules``; sessions, invitations and exams in ``service``, the article quota in
``service.quota``, a person's record in ``service.record``; the screens in
``screens`` and their forms in ``dialogs``; reminders in ``jobs``, the
shortfall list in ``documents``; the marks, facts and duty answers in
``facts``; the demo in ``demo``.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from xinyi_core import Migration, ScreenEntry, Setting, create_tables, hookimpl, i18n, t

XINYI_API = "1"
MESSAGES = i18n.package_messages(__name__, "training")


@hookimpl
def xinyi_messages() -> dict[str, Any]:
    return MESSAGES


@hookimpl
def xinyi_migrations() -> list[Migration]:
    from .models import MODELS, awaiting_index, dashboard_index

    return [Migration(1, "training sessions, invitations, articles", create_tables(*MODELS)),
            Migration(2, "articles by date and author (the dashboard's article quota)", dashboard_index),
            Migration(3, "invitations waiting for attendance (the home screen's to-do)", awaiting_index)]


@hookimpl
def xinyi_models() -> list[type]:
    from .models import MODELS

    return list(MODELS)


@hookimpl
def xinyi_settings() -> dict[str, Setting]:
    return {
        "pass_mark": Setting(60, (int, float), t("training.setting.pass_mark"), lambda v: 0 <= v <= 100),
        "articles_per_quarter": Setting(1, int, t("training.setting.quota"), lambda v: 0 <= v <= 20),
        "reminder_days": Setting([14, 3], list, t("training.setting.reminder_days"),
                                 lambda v: all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 80
                                               for d in v)),
    }


@hookimpl
def xinyi_permissions() -> dict[str, list[str]]:
    town_up = ["town_clerk", "town_head", "city_office", "bureau"]
    return {
        "training.view": ["village_head", *town_up],  # sessions and their attendance
        "training.manage": town_up,  # TRN-2: the city or a town organises in-service training
        "training.prejob": ["city_office", "bureau"],  # TRN-1: run by the city bureau
        "training.articles": ["assistant", *town_up],
        "training.quotas": ["village_head", *town_up],
        "training.own": ["assistant"],  # her own training record
    }


# --------------------------------------------------------------------------- rules other parts ask about

@hookimpl
def xinyi_status_change_vetoes(person: Any, new_status: str) -> list[str]:
    """TRN-1: not on duty before passing the pre-job exam."""
    from . import rules, service

    if new_status != "on_duty":
        return []
    refusal = rules.on_duty_refusal(new_status, service.exam_scores(person.id))
    return [t(f"training.{refusal[0]}", **refusal[1])] if refusal else []


@hookimpl
def xinyi_duty_refusals(person: Any, day: dt.date) -> list[str]:
    from . import facts

    return facts.duty_refusals(person, day)


@hookimpl
def xinyi_seed_on_duty(people: list[Any]) -> None:
    """The test city's assistants were on duty before the system: they passed their pre-job exam (TRN-1)."""
    from .demo import passed_before_joining

    passed_before_joining(people)


@hookimpl
def xinyi_calendar_marks(person: Any, start: dt.date, end: dt.date) -> list[Any]:
    from . import facts

    return facts.calendar_marks(person, start, end)


@hookimpl
def xinyi_calendar_marks_bulk(people: list[Any], start: dt.date, end: dt.date) -> dict[int, list[Any]]:
    from . import facts

    return facts.calendar_marks_bulk(people, start, end)


@hookimpl
def xinyi_assessment_facts(person: Any, year: int) -> list[Any]:
    from . import facts

    return facts.assessment_facts(person, year)


@hookimpl
def xinyi_assessment_facts_bulk(people: list[Any], year: int) -> dict[int, list[Any]]:
    from . import facts

    return facts.assessment_facts_bulk(people, year)


@hookimpl
def xinyi_person_changed(person: Any, change: str, detail: dict[str, Any]) -> None:
    """A departed person's open invitations and reminders close; after a move to another town,
    her invitations to the old town's sessions close."""
    from xinyi_core import clock

    from . import service
    from .rules import Quarter
    from .service import quota

    if change == "status" and detail.get("after") == "departed":
        on = dt.date.fromisoformat(detail["on"]) if detail.get("on") else clock.today()
        service.close_open_invitations(person, after=on)
        quota.close_reminders(person.id, Quarter.of(clock.today()), note="departed")
    elif change == "transferred" and person.town_id != (detail.get("before") or {}).get("town"):
        service.close_open_invitations(person, after=clock.today(), other_than_town=person.town_id)


# --------------------------------------------------------------------------- jobs, UI, demo

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
    # The training group of the home menu: sessions (staff), quotas, her own record (an assistant).
    # "module:Class": the screens are imported on their first visit, not as every session starts
    screens = f"{__name__}.screens:"
    return [ScreenEntry("", "training.nav.sessions", "training.view", screens + "SessionsScreen", "training"),
            ScreenEntry("", "training.nav.quotas", "training.quotas", screens + "QuotaScreen", "training"),
            ScreenEntry("", "training.nav.mine", "training.own", screens + "RecordScreen", "training")]


@hookimpl
def xinyi_dashboard_series(operator: Any, period: str) -> list[Any]:
    from .service import dashboard  # the core asks only for operators with dashboard.view

    return dashboard.charts(operator, period)


@hookimpl
def xinyi_dashboard_items(operator: Any) -> list[Any]:
    """Sessions waiting for attendance (staff); this quarter's missing articles (the assistant herself)."""
    from xinyi_core import DashboardItem, auth, clock

    from . import rules, service
    from .service import quota

    items = []
    waiting = service.awaiting_attendance(operator)
    if waiting:
        items.append(DashboardItem(t("training.todo.attendance"), "training.nav.sessions", waiting))
    if operator.person_id and auth.can(operator, "training.own"):
        today = clock.today()
        quarter = rules.Quarter.of(today)
        row = quota.own_row(operator, quarter)
        if row is not None and row.missing:
            due = rules.reminder_offset(today, service.setting("reminder_days")) is not None
            items.append(DashboardItem(t("training.todo.articles", quarter=quarter.zh), "training.nav.mine",
                                       row.missing, urgent=due))
    return items


@hookimpl(tryfirst=True)  # before attendance and worklog, which read these days as marks
def xinyi_demo_data(city: Any, rng: Any) -> None:
    from .demo import build

    build(city, rng)
