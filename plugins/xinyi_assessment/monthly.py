"""The routine (monthly) assessment — ASM-2: attendance and work done per assistant,
reviewed by the town, published at the start of the next month.

The town enters each assistant's result; days other plugins mark (leave,
training) are counted in through ``xinyi_calendar_marks``, so the sheet is
complete with whatever subset of plugins the town enabled.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from xinyi_core import (
    Operator,
    OrgUnit,
    ValidationError,
    audit,
    auth,
    clock,
    database,
    runtime,
)
from xinyi_core.jobs.specs import period_bounds

from . import service
from .models import MonthlyResult

RESULTS = ("good", "pass", "poor")  # 好 / 合格 / 差


@dataclass(frozen=True)
class MonthRow:
    person_id: int
    name: str
    village: str
    marked_days: int  # days other plugins marked as excused (leave, training …)
    attendance: str
    work: str
    result: str | None  # None: not reviewed yet


def review(op: Operator, person_id: int, period: str, *, attendance: str, work: str, result: str) -> MonthlyResult:
    """The town's review of one assistant's month (ASM-2); re-reviewing replaces it."""
    auth.require(op, "assessment.monthly")
    from xinyi_core import people

    person = people.get(op, person_id)  # scope checked and audited
    if result not in RESULTS:
        raise ValidationError("result", "assessment.error.bad_result")
    period_bounds(period)  # a bad period raises
    with database.atomic():
        row, created = MonthlyResult.get_or_create(person=person, period=period, defaults=dict(town=person.town_id))
        before = None if created else audit.snapshot(row, ("attendance", "work", "result"))
        row.attendance, row.work, row.result = attendance.strip(), work.strip(), result
        row.reviewed_by_id, row.reviewed_at = op.id, clock.now()
        row.save()
        audit.record(op, "assessment.monthly", row, person_id=person.id, before=before,
                     after={"period": period, "result": result})
    return row


def month_rows(town: OrgUnit, period: str) -> list[MonthRow]:
    """Every full-time assistant of ``town`` for ``period``, reviewed or not."""
    first, last = period_bounds(period)
    results = {r.person_id: r for r in MonthlyResult.select().where(
        (MonthlyResult.town == town) & (MonthlyResult.period == period))}
    hooks = runtime().plugins.for_town(town.code)
    villages = dict(OrgUnit.select(OrgUnit.id, OrgUnit.name).where(OrgUnit.kind == "village").tuples())
    out = []
    for p in service.full_time(town):
        marks = {m.date for batch in hooks.xinyi_calendar_marks(person=p, start=first, end=last) for m in batch
                 if m.excused}
        r = results.get(p.id)
        out.append(MonthRow(p.id, p.name, villages.get(p.village_id, ""), len(marks),
                            r.attendance if r else "", r.work if r else "", r.result if r else None))
    return out


def last_period(today: dt.date) -> str:
    first = today.replace(day=1) - dt.timedelta(days=1)
    return f"{first:%Y-%m}"
