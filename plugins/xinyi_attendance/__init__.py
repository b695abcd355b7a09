"""Attendance (考勤): sign-in, phone checks, absenteeism — ATT-1, ATT-2, ATT-5, ATT-6.

Registered through the ``xinyi.plugins`` entry point ``attendance``. Works with
or without the leave plugin: excused days (leave, training) come only through
``xinyi_calendar_marks`` from the plugins the town enabled.

Decisions the regulation leaves open (settings under ``[settings.attendance]``):

- *A day of 旷工* (ATT-5): a working day of the town's calendar (public
  holidays and make-up working days included) with no sign-in and no excusing
  mark becomes a *candidate* at the end of the day (19:00 job); the town's
  attendance clerk confirms or clears it with a reason. Only confirmed days
  count; the confirmation that brings a year to ``absent_fail_days`` (5) raises
  an ATT-5 alert and the year's assessment fact carries the veto.
- *Late / early* (ATT-1): against the town's hours in force that day, with
  ``late_grace_minutes`` (default 0) of grace; never on a rest day.
- *More than 7 days off post* (ATT-6): a run starts on the first working day
  missed without leave after the last day at the post (signed in, or found at
  the post by a phone check) or excused; it goes on through weekends and
  holidays and ends at a sign-in or an excusing mark (or a candidate the clerk
  cleared). A working day counts as missed once the end-of-day run made it a
  candidate — days before attendance was kept in xinyi are not held against
  anyone. With ``off_post_count = "calendar"`` (default) its length is the
  calendar days from that first missed working day to today; with
  ``"working"`` only missed working days count. Longer than ``off_post_days``
  (7) raises an alert to the town head and the city office proposing a
  departure of category 解除合同 (the departure plugin hears it through
  ``xinyi_alert_raised`` and reads the core's typed ``OffPostAlert``:
  ``proposes="rescinded"``, the run's dates and length). The weekend or
  holiday *before* an absence never counts, so a long holiday alone never
  raises it.
- *Excuses that change afterwards* (ATT-3): the end-of-day run stores each
  day's excusing mark; when a plugin says its marks changed
  (``xinyi_calendar_marks_changed`` — an oral slip refused, leave cancelled,
  销假, an extension approved) the stored days follow at once: a day no
  longer excused is a candidate again, a newly excused one clears its open
  candidate, the off-post run is recounted; the clerk's decisions stay.
- *ATT-2*: each town names one clerk (``service.name_clerk``); only she, the
  town head or the city may record for others, correct, record phone checks and
  decide candidates. Corrections keep the original and the reason.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from xinyi_core import (AssessmentFact, DashboardItem, Migration, MonthFact, Operator, Person, ScreenEntry, Setting,
                        create_tables, hookimpl, i18n, t)

from .models import MODELS, unsigned_index

XINYI_API = "1"
MESSAGES = i18n.package_messages(__name__, "attendance")


@hookimpl
def xinyi_models() -> list[type]:
    return list(MODELS)


@hookimpl
def xinyi_migrations() -> list[Migration]:
    return [Migration(1, "attendance tables", create_tables(*MODELS)),
            Migration(2, "the days without a sign-in, by town and date (the dashboard's rate)", unsigned_index)]



@hookimpl
def xinyi_messages() -> dict[str, Any]:
    return MESSAGES


@hookimpl
def xinyi_settings() -> dict[str, Setting]:
    return {
        "late_grace_minutes": Setting(0, int, t("attendance.setting.late_grace_minutes"), lambda v: 0 <= v <= 120),
        "off_post_days": Setting(7, int, t("attendance.setting.off_post_days"), lambda v: v > 0),
        "off_post_count": Setting("calendar", str, t("attendance.setting.off_post_count"),
                                  lambda v: v in ("calendar", "working")),
        "absent_fail_days": Setting(5, int, t("attendance.setting.absent_fail_days"), lambda v: v > 0),
        "correction_window_days": Setting(31, int, t("attendance.setting.correction_window_days"),
                                          lambda v: 0 <= v <= 366),
    }


@hookimpl
def xinyi_permissions() -> dict[str, list[str]]:
    keepers = ["town_clerk", "town_head", "city_office", "bureau"]
    return {
        "attendance.sign": ["assistant", "town_clerk", "town_head"],
        "attendance.view": ["assistant", "village_head", *keepers],
        "attendance.sheet": ["village_head", *keepers],
        "attendance.correct": keepers,
        "attendance.check": keepers,
        "attendance.decide": keepers,
        "attendance.name_clerk": ["town_head", "city_office", "bureau"],
    }


@hookimpl
def xinyi_assessment_facts(person: Person, year: int) -> list[AssessmentFact]:
    from . import facts

    return facts.assessment_facts(person, year)


@hookimpl
def xinyi_assessment_facts_bulk(people: list[Person], year: int) -> dict[int, list[AssessmentFact]]:
    from . import facts

    return facts.assessment_facts_bulk(people, year)


@hookimpl
def xinyi_calendar_marks_changed(person: Person, start: dt.date, end: dt.date) -> None:
    from .service.daily import follow_marks  # late: like the jobs, the day's run is not needed at start-up

    follow_marks(person, start, end)


@hookimpl
def xinyi_month_facts(person: Person, year: int, month: int) -> list[MonthFact]:
    from . import facts

    return facts.month_facts(person, year, month)


@hookimpl
def xinyi_month_facts_bulk(people: list[Person], year: int, month: int) -> dict[int, list[MonthFact]]:
    from . import facts

    return facts.month_facts_bulk(people, year, month)


@hookimpl
def xinyi_actors() -> list[Any]:
    from . import jobs  # late: reports pull in openpyxl, which start-up does not need

    return list(jobs.ACTORS)


@hookimpl
def xinyi_reports() -> list[Any]:
    from . import documents  # late: reports pull in openpyxl, which start-up does not need

    return list(documents.REPORTS)


@hookimpl
def xinyi_schedules() -> list[Any]:
    from . import jobs  # late: reports pull in openpyxl, which start-up does not need

    return list(jobs.SCHEDULES)


@hookimpl
def xinyi_dashboard_items(operator: Operator) -> list[DashboardItem]:
    from xinyi_core import auth

    from . import service

    if not auth.can(operator, "attendance.decide"):
        return []
    n = service.open_candidates(operator).count()
    return [DashboardItem(t("attendance.dash.queue"), "attendance.screen.queue", n, urgent=True)] if n else []


@hookimpl
def xinyi_dashboard_series(operator: Operator, period: str) -> list[Any]:
    from .service import dashboard  # the core asks only for operators with dashboard.view

    return dashboard.charts(operator, period)


@hookimpl
def xinyi_screens() -> list[Any]:
    # "module:Class": the screens are imported on their first visit, not as every session starts
    screens = f"{__name__}.screens:"
    return [ScreenEntry("", "attendance.screen.sheet", "attendance.sheet", screens + "SheetScreen", "attendance"),
            ScreenEntry("", "attendance.screen.sign", "attendance.sign", screens + "SignScreen", "attendance"),
            ScreenEntry("", "attendance.screen.queue", "attendance.decide", screens + "QueueScreen", "attendance"),
            ScreenEntry("", "attendance.screen.check", "attendance.check", screens + "CheckScreen", "attendance"),
            ScreenEntry("", "attendance.screen.person", "attendance.view", screens + "PersonMonthScreen", "attendance"),
            ScreenEntry("", "attendance.screen.summary", "attendance.sheet", screens + "SummaryScreen", "reports")]


@hookimpl
def xinyi_demo_data(city: Any, rng: Any) -> None:
    from .demo import build

    build(city, rng)
