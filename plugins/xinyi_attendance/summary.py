"""Reading attendance back: the town's monthly summary (ASM-2), one person's month,
and the facts the annual assessment gets (ATT-5).

The monthly summary is one aggregate query — people LEFT JOIN their days,
``GROUP BY`` person — plus the town calendar for the working days; the days'
excuses and candidate decisions were written by the end-of-day run, so no
per-person query is needed. ``benchmarks/attendance_bench.py`` holds it
against the same aggregate written as one raw SQL query.
"""
from __future__ import annotations

import datetime as dt
import functools
import operator
from dataclasses import dataclass, field
from typing import Iterable

import peewee as pw

from xinyi_core import AssessmentFact, MonthFact, OrgUnit, Person, people, t
from xinyi_core import calendar
from xinyi_core.errors import CalendarUnavailable
from xinyi_core.models import TownClosure

from . import rules
from .models import AttendanceDay
from .service import confirmed_days, setting


@dataclass
class SummaryRow:
    person_id: int
    name: str
    village: str
    expected: int  # working days on the roll
    present: int  # signed in on a working day
    late: int
    early: int
    leave: int
    training: int
    other_excused: int
    failed_checks: int
    absent: int  # confirmed 旷工 (ATT-5): the month's wage deduction days
    open: int  # candidates not yet decided
    cleared: int
    deduction_dates: list[dt.date] = field(default_factory=list)
    year_absent: int = 0  # confirmed 旷工 in the year up to the month's end (ATT-5: 5 fails the year)


def _case(cond: pw.Expression) -> pw.Expression:
    return pw.fn.SUM(pw.Case(None, [(cond, 1)], 0))


def working_days_by_town(towns: Iterable[OrgUnit], first: dt.date, last: dt.date) -> dict[int, list[dt.date]]:
    """Each town's working days: the national schedule once, less each town's closures (one query).

    The same answer as :func:`xinyi_core.calendar.working_days` per town, without a query per town
    (a province has hundreds of towns).
    """
    ids = [town.id for town in towns]
    national = [d for d in calendar.days(first, last) if calendar.national_kind(d) in ("workday", "makeup")]
    closed: dict[int, set[dt.date]] = {}
    for row in TownClosure.select(TownClosure.town, TownClosure.date).where(
            TownClosure.town.in_(ids) & TownClosure.date.between(first, last)).tuples():
        closed.setdefault(row[0], set()).add(row[1])
    return {i: [d for d in national if d not in closed[i]] if i in closed else national for i in ids}


def summary_query(town_ids: list[int], first: dt.date, last: dt.date,
                  working: dict[int, list[dt.date]]) -> pw.ModelSelect:
    """The one aggregate query of the monthly summary.

    People LEFT JOIN their days of the month, plus (LEFT JOIN) each one's confirmed
    旷工 of the year so far — a few rows found through the (absence, town, date) index.
    """
    D = AttendanceDay
    Y = AttendanceDay.alias("y")
    village = OrgUnit.alias()
    groups: dict[tuple[dt.date, ...], list[int]] = {}
    for town_id, days in working.items():  # towns share a calendar unless one has a closure
        groups.setdefault(tuple(days), []).append(town_id)
    if len(groups) == 1:  # the usual case: one calendar for every town asked about
        days = next(iter(groups))
        workday = D.date.in_(list(days)) if days else pw.SQL("1 = 0")
    else:
        workday = functools.reduce(operator.or_, [(Person.town.in_(ids) & D.date.in_(list(days)))
                                                  for days, ids in groups.items() if days] or [pw.SQL("1 = 0")])
    signed = D.sign_in.is_null(False)
    year = (Y.select(Y.person.alias("person_id"), pw.fn.COUNT(Y.id).alias("n"))
            .where((Y.absence == "confirmed") & Y.town.in_(town_ids) &
                   Y.date.between(first.replace(month=1, day=1), last))
            .group_by(Y.person).alias("ya"))
    return (Person.select(Person.id, Person.name, village.name.alias("village"), Person.town, Person.joined_on,
                          Person.departed_on,
                          _case(signed & workday).alias("present"), _case(D.late == True).alias("late"),  # noqa: E712
                          _case(D.early == True).alias("early"),  # noqa: E712
                          _case(D.sign_in.is_null() & (D.excuse == "leave")).alias("leave"),
                          _case(D.sign_in.is_null() & (D.excuse == "training")).alias("training"),
                          _case(D.sign_in.is_null() & D.excuse.not_in(["leave", "training"])).alias("other"),
                          pw.fn.COALESCE(pw.fn.SUM(D.failed_checks), 0).alias("failed_checks"),
                          _case(D.absence == "confirmed").alias("absent"), _case(D.absence == "open").alias("open"),
                          _case(D.absence == "cleared").alias("cleared"),
                          pw.fn.COALESCE(pw.fn.MAX(year.c.n), 0).alias("year_absent"))
            .join(village, on=(Person.village == village.id))
            .switch(Person)
            .join(D, pw.JOIN.LEFT_OUTER, on=((D.person == Person.id) & D.date.between(first, last)))
            .switch(Person)
            .join(year, pw.JOIN.LEFT_OUTER, on=(year.c.person_id == Person.id))
            .where(Person.town.in_(town_ids) & people.on_roll_during(first, last))
            .group_by(Person.id, Person.name, village.name, Person.town, Person.joined_on, Person.departed_on)
            .order_by(village.name, Person.name_initials, Person.id))


def month_summary(towns: list[OrgUnit], year: int, month: int) -> list[SummaryRow]:
    """ASM-2: the month's attendance per assistant of ``towns`` (ATT-5 deduction days included)."""
    first, last = rules.month_bounds(year, month)
    working = working_days_by_town(towns, first, last)
    rows = []
    for r in summary_query([t_.id for t_ in towns], first, last, working).tuples():
        # id, name, village, town, joined, departed, the COUNTS…, year_absent (the query's column order)
        rows.append(SummaryRow(r[0], r[1], r[2], rules.expected_days(working[r[3]], r[4], r[5]),
                               *(int(v or 0) for v in r[6:-1]), year_absent=int(r[-1] or 0)))
    _add_deduction_dates(rows, first, last)
    return rows


def _add_deduction_dates(rows: list[SummaryRow], first: dt.date, last: dt.date) -> None:
    """ATT-5: the month's confirmed days, for the few who have any (no query when nobody has)."""
    by_person = {r.person_id: r for r in rows if r.absent}
    if not by_person:
        return
    q = (AttendanceDay.select(AttendanceDay.person, AttendanceDay.date)
         .where((AttendanceDay.absence == "confirmed") & AttendanceDay.person.in_(list(by_person)) &
                AttendanceDay.date.between(first, last)).tuples())
    for person_id, day in q:
        by_person[person_id].deduction_dates.append(day)
    for row in by_person.values():
        row.deduction_dates = rules.wage_deduction_days(row.deduction_dates, first.year, first.month)


# --------------------------------------------------------------------------- one person's month

@dataclass(frozen=True)
class PersonDay:
    date: dt.date
    kind: str  # calendar day kind, or "unknown" for an uncovered year
    row: AttendanceDay | None
    mark: str  # labels of the plugins' marks that day

    @property
    def text(self) -> str:
        r = self.row
        parts = []
        if r is not None and r.sign_in:
            parts.append(f"{r.sign_in:%H:%M}-{r.sign_out:%H:%M}" if r.sign_out else f"{r.sign_in:%H:%M}-")
            if r.late:
                parts.append(t("attendance.flag.late"))
            if r.early:
                parts.append(t("attendance.flag.early"))
        if self.mark:
            parts.append(self.mark)
        if r is not None and r.failed_checks:
            parts.append(t("attendance.flag.failed_check", count=r.failed_checks))
        if r is not None and r.absence:
            parts.append(t(f"attendance.absence.{r.absence}"))
        return " ".join(parts)


def person_month(person: Person, year: int, month: int) -> list[PersonDay]:
    """Every day of the month for one assistant: hours, marks, checks, candidate state."""
    from .daily import marks_for

    first, last = rules.month_bounds(year, month)
    rows = {r.date: r for r in AttendanceDay.select().where(
        (AttendanceDay.person == person.id) & AttendanceDay.date.between(first, last))}
    marks: dict[dt.date, list[str]] = {}
    for m in marks_for(person, first, last):
        marks.setdefault(m.date, []).append(m.label)
    out = []
    for day in calendar.days(first, last):
        try:
            kind = calendar.day_kind(person.town_id, day)
        except CalendarUnavailable:
            kind = "unknown"
        out.append(PersonDay(day, kind, rows.get(day), "、".join(marks.get(day, []))))
    return out


# --------------------------------------------------------------------------- facts for the annual assessment

def assessment_facts(person: Person, year: int) -> list[AssessmentFact]:
    """ATT-5 (veto at 5 confirmed days) and the attendance record for scoring item 5 (ASM-5)."""
    days = confirmed_days(person.id, year)
    limit = setting("absent_fail_days")
    D = AttendanceDay
    counts = (D.select(_case(D.late == True).alias("late"), _case(D.early == True).alias("early"))  # noqa: E712
              .where((D.person == person.id) & D.date.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
              .dicts().get())
    late, early = int(counts["late"] or 0), int(counts["early"] or 0)
    return [
        AssessmentFact("ATT-5", t("attendance.fact.absent", days=len(days), limit=limit), len(days), item=5,
                       veto=rules.crosses_att5(len(days), limit), evidence=tuple(d.isoformat() for d in days)),
        AssessmentFact("ASM-5", t("attendance.fact.record", late=late, early=early, absent=len(days)),
                       late + early, item=5,
                       evidence=(t("attendance.fact.late", count=late), t("attendance.fact.early", count=early))),
    ]


# --------------------------------------------------------------------------- facts for the routine assessment

# (key, rule, unit) of each count of the month, in the order the publication lists them
_MONTH_COUNTS = (("present", "ATT-2", "days"), ("late", "ATT-1", "times"), ("early", "ATT-1", "times"),
                 ("leave", "ATT-3", "days"), ("training", "TRN-2", "days"), ("absent", "ATT-5", "days"),
                 ("open", "ATT-5", "days"), ("failed_checks", "ATT-2", "times"))


def month_facts(person: Person, year: int, month: int) -> list[MonthFact]:
    """ASM-2: one assistant's month as the town's summary counts it, for the publication's 出勤情况.

    The same aggregate as :func:`month_summary`, for one person: days present out
    of the working days she was on the roll, late and early, leave and training
    days, confirmed 旷工 (with their dates) and candidates still open, failed phone
    checks. Nothing when she was not on the roll that month.
    """
    first, last = rules.month_bounds(year, month)
    working = working_days_by_town([person.town], first, last)
    found = (summary_query([person.town_id], first, last, working).where(Person.id == person.id)
             .tuples().first())
    if found is None:
        return []
    counts = dict(zip(("present", "late", "early", "leave", "training", "other", "failed_checks", "absent",
                       "open", "cleared"), (int(v or 0) for v in found[6:-1])))
    expected = rules.expected_days(working[person.town_id], found[4], found[5])
    absent_on = [] if not counts["absent"] else [d for (d,) in AttendanceDay.select(AttendanceDay.date).where(
        (AttendanceDay.person == person.id) & (AttendanceDay.absence == "confirmed")
        & AttendanceDay.date.between(first, last)).order_by(AttendanceDay.date).tuples()]
    return [MonthFact(rule, f"attendance.{key}", t(f"attendance.month.{key}"), counts[key],
                      t(f"attendance.month.{unit}"), of=expected if key == "present" else None,
                      evidence=tuple(d.isoformat() for d in absent_on) if key == "absent" else ())
            for key, rule, unit in _MONTH_COUNTS]
