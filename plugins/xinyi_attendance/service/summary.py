"""Reading attendance back: the town's monthly summary (ASM-2) and one person's month.

The screens read them through :func:`town_month` and :func:`person_month_for`,
which take the operator and keep to her scope; the hook answers built on the
same aggregate are in :mod:`xinyi_attendance.facts`.

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
from collections.abc import Sequence
from dataclasses import dataclass, field
import peewee as pw

from xinyi_core import CalendarUnavailable, Operator, OrgUnit, Person, auth, people, t
from xinyi_core import calendar
from xinyi_core import Compiled, Ids, Param, Params

from .. import rules
from ..models import AttendanceDay
from . import confirmed_days


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


def count_if(cond: pw.Expression) -> pw.Expression:
    """``COUNT(*) FILTER (WHERE cond)``: how many rows of the group meet ``cond`` (0 for none).

    The aggregate filter (SQLite 3.30+, PostgreSQL 9.4+) rather than ``SUM(CASE WHEN …)``: the
    rows that do not match are skipped, not summed as zeros — a fifth less time for the
    month's counts of a town's days."""
    return pw.fn.COUNT(pw.SQL("*")).filter(cond)


COUNTS = ("present", "late", "early", "leave", "training", "other", "failed_checks", "absent", "open", "cleared")
"""The counts of a person's month, in the order of the summary's columns (:class:`SummaryRow`)."""


def day_counts(workday: pw.Expression, keys: tuple[str, ...] = COUNTS) -> list[pw.Expression]:
    """``keys`` (of :data:`COUNTS`) as aggregates over a person's days: days present (signed in on a day
    ``workday`` holds for), late, early, unsigned days excused by leave, by training or otherwise, failed
    phone checks, and her 旷工 candidates confirmed, open and cleared."""
    D = AttendanceDay
    unsigned = D.sign_in.is_null()
    counted = {
        "present": count_if(D.sign_in.is_null(False) & workday),
        "late": count_if(D.late == True),  # noqa: E712
        "early": count_if(D.early == True),  # noqa: E712
        "leave": count_if(unsigned & (D.excuse == "leave")),
        "training": count_if(unsigned & (D.excuse == "training")),
        "other": count_if(unsigned & D.excuse.not_in(["leave", "training"])),
        "failed_checks": pw.fn.COALESCE(pw.fn.SUM(D.failed_checks), 0),
        "absent": count_if(D.absence == "confirmed"),
        "open": count_if(D.absence == "open"),
        "cleared": count_if(D.absence == "cleared"),
    }
    return [counted[key].alias(key) for key in keys]


def working_day(days: Sequence[dt.date]) -> pw.Expression:
    """An attendance day falls on one of ``days``."""
    return AttendanceDay.date.in_(list(days)) if days else pw.SQL("1 = 0")


def by_calendar(working: dict[int, list[dt.date]]) -> dict[tuple[dt.date, ...], list[int]]:
    """Town ids by their working days: towns share one calendar unless one has a closure, so their
    days are counted together."""
    groups: dict[tuple[dt.date, ...], list[int]] = {}
    for town_id, days in working.items():
        groups.setdefault(tuple(days), []).append(town_id)
    return groups


def summary_query(town_ids: list[int], first: dt.date, last: dt.date,
                  working: dict[int, list[dt.date]]) -> pw.ModelSelect:
    """The one aggregate query of the monthly summary.

    People LEFT JOIN their days of the month, plus (LEFT JOIN) each one's confirmed
    旷工 of the year so far — a few rows found through the (absence, town, date) index.
    """
    D = AttendanceDay
    Y = AttendanceDay.alias("y")
    village = OrgUnit.alias()
    groups = by_calendar(working)
    if len(groups) == 1:  # the usual case: one calendar for every town asked about
        workday = working_day(next(iter(groups)))
    else:
        workday = functools.reduce(operator.or_, [Person.town.in_(ids) & working_day(days)
                                                  for days, ids in groups.items()])
    year = (Y.select(Y.person.alias("person_id"), pw.fn.COUNT(Y.id).alias("n"))
            .where((Y.absence == "confirmed") & Y.town.in_(town_ids) &
                   Y.date.between(first.replace(month=1, day=1), last))
            .group_by(Y.person).alias("ya"))
    return (Person.select(Person.id, Person.name, village.name.alias("village"), Person.town, Person.joined_on,
                          Person.departed_on, *day_counts(workday),
                          pw.fn.COALESCE(pw.fn.MAX(year.c.n), 0).alias("year_absent"))
            .join(village, on=(Person.village == village.id))
            .switch(Person)
            .join(D, pw.JOIN.LEFT_OUTER, on=((D.person == Person.id) & D.date.between(first, last)))
            .switch(Person)
            .join(year, pw.JOIN.LEFT_OUTER, on=(year.c.person_id == Person.id))
            .where(Person.town.in_(town_ids) & people.on_roll_during(first, last))
            .group_by(Person.id, Person.name, village.name, Person.town, Person.joined_on, Person.departed_on)
            .order_by(village.name, Person.name_initials, Person.id))


@functools.cache
def day_counts_query(keys: tuple[str, ...] = COUNTS) -> Compiled:
    """The summary's counts without the summary: each of the ``people``'s days from ``first`` to ``last``
    counted (:func:`day_counts` with ``days`` as her working days), by person — her id, then ``keys``.
    A person without a recorded day has no row. Its SQL is made once: ``run(people=…, first=…, last=…,
    days=…)`` (every monthly sheet asks it; written each time, it cost more than SQLite's counting)."""
    D = AttendanceDay
    return Compiled(lambda: D.select(D.person, *day_counts(D.date.in_(Params("days")), keys))
                    .where(D.person.in_(Ids("people")) & D.date.between(Param("first"), Param("last")))
                    .group_by(D.person))


def month_summary(towns: list[OrgUnit], year: int, month: int) -> list[SummaryRow]:
    """ASM-2: the month's attendance per assistant of ``towns`` (ATT-5 deduction days included)."""
    return [row for rows in month_summary_by_town(towns, year, month).values() for row in rows]


def month_summary_by_town(towns: list[OrgUnit], year: int, month: int) -> dict[int, list[SummaryRow]]:
    """:func:`month_summary` of ``towns`` in one query, each town's rows apart (by town id, in the
    order the town's own summary has them): a city-wide run of the report asks once, not per town."""
    first, last = rules.month_bounds(year, month)
    working = calendar.working_days_by_town(towns, first, last)
    by_town: dict[int, list[SummaryRow]] = {}
    for r in summary_query([t_.id for t_ in towns], first, last, working).tuples():
        # id, name, village, town, joined, departed, the COUNTS…, year_absent (the query's column order)
        by_town.setdefault(r[3], []).append(
            SummaryRow(r[0], r[1], r[2], rules.expected_days(working[r[3]], r[4], r[5]),
                       *(int(v or 0) for v in r[6:-1]), year_absent=int(r[-1] or 0)))
    _add_deduction_dates([row for rows in by_town.values() for row in rows], first, last)
    return by_town


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


def town_month(op: Operator, town: OrgUnit, year: int, month: int) -> list[SummaryRow]:
    """ASM-2: :func:`month_summary` of ``town`` as ``op`` may see it — only the people of her scope
    (another town's operator gets no rows)."""
    visible = {p.id for p in auth.scope_of(op).person_ids()}
    return [r for r in month_summary([town], year, month) if r.person_id in visible]


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
    from .daily import marks_for  # late: the day's run is not needed to read a month

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


@dataclass(frozen=True)
class PersonMonth:
    """One assistant's month as her screen shows it: the days, and her 旷工 of the month and year (ATT-5)."""

    person: Person
    days: list[PersonDay]
    month_absent: list[dt.date]
    year_absent: list[dt.date]


def person_month_for(op: Operator, person_id: int, year: int, month: int) -> PersonMonth | None:
    """:func:`person_month` of someone in ``op``'s scope; None for anyone else.

    Nothing is shown of a person outside the scope, as a list filtered to the
    scope shows nothing of her: a screen parameter naming her is no attempt to act.
    """
    person = auth.scope_of(op).people().where(Person.id == person_id).first()
    if person is None:
        return None
    year_days = confirmed_days(person.id, year)
    return PersonMonth(person, person_month(person, year, month), rules.wage_deduction_days(year_days, year, month),
                       year_days)
