"""Publishing and reading the duty roster: permission-checked and audited."""
from __future__ import annotations

import datetime as dt

import peewee as pw

from xinyi_core import OrgUnit, Operator, Person, audit, auth, calendar, database

from . import rules
from .models import DutySlot

PLUGIN = "duty_roster"


def roster(town: OrgUnit) -> list[int]:
    """The town's assistants on duty, in a stable order (by id): the rotation's order."""
    query = Person.select(Person.id).where((Person.town == town) & (Person.status == "on_duty"))
    return [p.id for p in query.order_by(Person.id)]


def publish_week(op: Operator | None, town: OrgUnit, monday: dt.date) -> int:
    """Publish ``town``'s rotation for the week of ``monday``; returns the number of days published.

    A week already published is left as it is (0), so the Friday job may run twice
    and a town clerk's early publication is not reshuffled. ``op`` is None for the
    scheduled run. Only working days of the town are filled (ATT-1: the town's calendar).
    """
    if op is not None:
        auth.require(op, f"{PLUGIN}.publish", obj=town)
    sunday = monday + dt.timedelta(days=6)
    with database.atomic():
        if DutySlot.select().where((DutySlot.town == town) & DutySlot.date.between(monday, sunday)).exists():
            return 0
        previous = (DutySlot.select(DutySlot.person).where((DutySlot.town == town) & (DutySlot.date < monday))
                    .order_by(DutySlot.date.desc()).first())
        plan = rules.rotation(roster(town), calendar.working_days(town, monday, sunday),
                              previous.person_id if previous else None)
        for day, person_id in plan:
            DutySlot.create(town=town, date=day, person=person_id)
        if plan:
            audit.record(op, f"{PLUGIN}.publish", town, after={"week": monday.isoformat(), "days": len(plan)})
    return len(plan)


def visible(op: Operator, since: dt.date) -> pw.ModelSelect:
    """Slots from ``since`` on: the operator's town (her villages and assistants too), or every
    town for the city; each with its person and its town, so a list names both without a query."""
    auth.require(op, f"{PLUGIN}.view")
    query = (DutySlot.select(DutySlot, Person, OrgUnit).join(Person).switch(DutySlot).join(OrgUnit)
             .where(DutySlot.date >= since).order_by(DutySlot.date, DutySlot.town))
    return auth.scope_of(op).restrict_towns(query, DutySlot.town)
