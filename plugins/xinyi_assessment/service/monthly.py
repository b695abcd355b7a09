"""The routine (monthly) assessment — ASM-2: attendance and work done per assistant,
reviewed by the town, published at the start of the next month.

The sheet lists everyone on the roll during the month (joined by its end, not
gone before its start), not today's roster. The town enters each assistant's
result and work done; the 出勤情况 column is filled from the month's facts of
the plugins the town enabled (``xinyi_month_facts``: attendance's days present,
late/early, leave, 旷工, failed phone checks), the reviewer's own words added
after them — or alone, when no plugin counts attendance. Days other plugins
mark (leave, training) are counted in through ``xinyi_calendar_marks``, so the
sheet is complete with whatever subset of plugins the town enabled.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from collections.abc import Iterable

from xinyi_core import (
    MonthFact,
    Operator,
    OrgUnit,
    Person,
    ValidationError,
    audit,
    auth,
    bulk,
    clock,
    database,
    facts,
    org,
    people,
    t,
)
from xinyi_core import period_bounds
from xinyi_core import Compiled, Ids, Param

from ..models import MonthlyResult

RESULTS = ("good", "pass", "poor")  # 好 / 合格 / 差


class MonthRow(NamedTuple):
    """One assistant's line of the month's sheet: a named tuple, as a town's sheet makes one for each
    assistant (a frozen dataclass's ``__init__`` costs a microsecond)."""

    person_id: int
    name: str
    village: str
    marked_days: int  # days other plugins marked as excused (leave, training …)
    note: str  # what the reviewer wrote about attendance (the whole column when no plugin counts it)
    work: str
    result: str | None  # None: not reviewed yet
    facts: tuple[MonthFact, ...] = ()  # the month's counts from the town's plugins

    @property
    def counted(self) -> str:
        """The facts as one line: 出勤19/21天，迟到1次 (counts of zero left out)."""
        return facts_text(self.facts)

    @property
    def attendance(self) -> str:
        """The 出勤情况 column: the plugins' counts, then the reviewer's note."""
        return "；".join(part for part in (self.counted, self.note) if part)


def facts_text(facts: Iterable[MonthFact], memo: dict[tuple[Any, ...], str] | None = None) -> str:
    """One line of month facts, in the order given; a count of zero says nothing unless it is
    a part of a whole (出勤0/21天 is worth saying).

    ``memo``, shared over a sheet's rows, keeps each distinct fact's words: most assistants'
    counts are alike (出勤21/21天), so a town's sheet formats a few dozen, not one per fact.
    """
    parts = []
    for f in facts:
        if f.of is None and not f.value:
            continue
        key = (f.label, f.value, f.of, f.unit)
        text = memo.get(key) if memo is not None else None
        if text is None:
            if f.of is not None:
                text = t("assessment.monthly.fact_of", label=f.label, value=f"{f.value:g}", of=f"{f.of:g}",
                         unit=f.unit)
            else:
                text = t("assessment.monthly.fact", label=f.label, value=f"{f.value:g}", unit=f.unit)
            if memo is not None:
                memo[key] = text
        parts.append(text)
    return "，".join(parts)


def attendance_texts(rows: Iterable[MonthRow]) -> list[str]:
    """Each row's 出勤情况 (:attr:`MonthRow.attendance`), the facts' words made once for the sheet."""
    memo: dict[tuple[Any, ...], str] = {}
    return ["；".join(part for part in (facts_text(r.facts, memo), r.note) if part) for r in rows]


def review(op: Operator, person_id: int, period: str, *, attendance: str, work: str, result: str) -> MonthlyResult:
    """The town's review of one assistant's month (ASM-2); re-reviewing replaces it.

    ``attendance`` is the reviewer's note on attendance: with a plugin counting
    it, an annotation printed after the counts (empty: she confirms them as
    they are); without one, the whole 出勤情况. The counts she saw are audited.
    """
    auth.require(op, "assessment.monthly")
    person = people.get(op, person_id)  # scope checked and audited
    if result not in RESULTS:
        raise ValidationError("result", "assessment.error.bad_result")
    first, _ = period_bounds(period)  # a bad period raises
    counted = facts_text(month_facts(person, first.year, first.month))
    with database.atomic():
        row, created = MonthlyResult.get_or_create(person=person, period=period, defaults=dict(town=person.town_id))
        before = None if created else audit.snapshot(row, ("attendance", "work", "result"))
        row.attendance, row.work, row.result = attendance.strip(), work.strip(), result
        row.reviewed_by_id, row.reviewed_at = op.id, clock.now()
        row.save()
        audit.record(op, "assessment.monthly", row, person_id=person.id, before=before,
                     after={"period": period, "result": result, "counted": counted})
    return row


def month_facts(person: Person, year: int, month: int) -> list[MonthFact]:
    """What the plugins her town enabled counted in her month (``xinyi_month_facts``), in plugin order."""
    return facts.month_facts([person], year, month)[person.id]


# the sheet's three queries, their SQL made once (a small town's sheet ran faster than peewee wrote them)
_ON_ROLL = Compiled(lambda: Person.select().where(
    (Person.town == Param("town")) & people.on_roll_during(Param("first"), Param("last")))
    .order_by(Person.name_initials, Person.id))
_REVIEWS = Compiled(lambda: MonthlyResult.select(  # the three texts the sheet prints of each review, as stored
    MonthlyResult.person, MonthlyResult.attendance, MonthlyResult.work, MonthlyResult.result)
    .where((MonthlyResult.town == Param("town")) & (MonthlyResult.period == Param("period"))))
_NAMES = Compiled(lambda: OrgUnit.select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(Ids("units"))))


def on_roll(town: OrgUnit, period: str) -> list[Person]:
    """ASM-2: the full-time assistants of ``town`` on the roll at some time in ``period`` —
    by join and departure dates, not by who is on duty the day the sheet is made."""
    first, last = period_bounds(period)
    return bulk.objects(_ON_ROLL, town=town, first=first, last=last)


def month_rows(town: OrgUnit, period: str) -> list[MonthRow]:
    """Every full-time assistant of ``town`` on the roll in ``period``, reviewed or not."""
    first, last = period_bounds(period)
    reviews = {person_id: (attendance, work, result)
               for person_id, attendance, work, result in _REVIEWS.run(town=town, period=period)}
    roll = on_roll(town, period)
    # the names of the roll's villages, not of every village of the city (12,000 at 20,000)
    villages = dict(_NAMES.run(units={p.village_id for p in roll if p.village_id}).fetchall())
    # every plugin's marks and counts for the whole roll: one grouped query per plugin (the bulk hooks)
    marks = facts.calendar_marks(roll, first, last, town=town)
    counted = facts.month_facts(roll, first.year, first.month, town=town)
    out = []
    for p in roll:
        pid = p.id
        excused = {m.date for m in marks[pid] if m.excused}
        note, work, result = reviews.get(pid, ("", "", None))
        out.append(MonthRow(pid, p.name, villages.get(p.village_id, ""), len(excused), note, work, result,
                            tuple(counted[pid])))
    return out


def sheet(op: Operator, period: str) -> list[MonthRow]:
    """The routine sheet of ``period`` as ``op`` reviews it: her own town's rows (ASM-2); none above a town."""
    auth.require(op, "assessment.monthly")
    town = org.town_of(op)
    return month_rows(town, period) if town is not None else []


def last_period(today: dt.date) -> str:
    first = today.replace(day=1) - dt.timedelta(days=1)
    return f"{first:%Y-%m}"
