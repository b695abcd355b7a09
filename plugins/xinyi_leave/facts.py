"""What leave tells the other plugins through hooks: excused days as calendar marks (attendance,
work log — ATT-3, ATT-6) and the year's leave per category as assessment facts.

Marks are read for the system, not for an operator: every excused day of the
person, whoever asks.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from xinyi_core import AssessmentFact, CalendarMark, CalendarUnavailable, Person, bulk, calendar, t
from xinyi_core import Compiled, Ids, Param

from . import rules, service
from .models import LeaveRequest


def excused(person_id: int, start: dt.date, end: dt.date) -> list[tuple[dt.date, LeaveRequest]]:
    """Every excused leave day of a person in ``start``..``end`` (approved, or oral per ATT-3)."""
    leaves = list(LeaveRequest.select().where((LeaveRequest.person == person_id) & (LeaveRequest.start_on <= end)
                                              & (LeaveRequest.end_on >= start)
                                              & LeaveRequest.state.in_(rules.ACTIVE_STATES))
                  .order_by(LeaveRequest.id))
    roots = service.roots(leaves)
    out = []
    for lv in leaves:
        if rules.excuses(lv.state, lv.oral):
            returned = roots[lv.root_id or lv.id].returned_on
            out.extend((d, lv) for d in rules.excused_dates(lv.start_on, lv.end_on, returned, start, end))
    return sorted(out, key=lambda pair: pair[0])


# what the marks and the facts read of a leave: a slip's other fields (reason, phone, the oral report …), two
# thirds of its columns, are neither read nor made into values
_EXCUSING = (LeaveRequest.id, LeaveRequest.person, LeaveRequest.root, LeaveRequest.category, LeaveRequest.start_on,
             LeaveRequest.end_on, LeaveRequest.state, LeaveRequest.oral, LeaveRequest.returned_on)
# the state is tested in Python, not in SQL: with it there SQLite reads through the state index — every active
# slip of the city, once for each town's call — instead of the person one
_OVERLAPPING = Compiled(lambda: LeaveRequest.select(*_EXCUSING).where(
    LeaveRequest.person.in_(Ids("people")) & (LeaveRequest.start_on <= Param("end"))
    & (LeaveRequest.end_on >= Param("start"))).order_by(LeaveRequest.id))


def excused_bulk(person_ids: list[int], start: dt.date,
                 end: dt.date) -> dict[int, list[tuple[dt.date, LeaveRequest]]]:
    """:func:`excused` for many people in one query: person id → her excused days (people without any left out).

    The leaves come with the fields of :data:`_EXCUSING` only."""
    leaves = [lv for lv in bulk.objects(_OVERLAPPING, people=person_ids, start=start, end=end)
              if lv.state in rules.ACTIVE_STATES]
    roots = service.roots(leaves)
    out: dict[int, list[tuple[dt.date, LeaveRequest]]] = defaultdict(list)
    for lv in leaves:
        if rules.excuses(lv.state, lv.oral):
            returned = roots[lv.root_id or lv.id].returned_on
            out[lv.person_id].extend((d, lv) for d in rules.excused_dates(lv.start_on, lv.end_on, returned, start, end))
    return {pid: sorted(days, key=lambda pair: pair[0]) for pid, days in out.items()}


def calendar_marks(person: Person, start: dt.date, end: dt.date) -> list[CalendarMark]:
    """``xinyi_calendar_marks``: approved leave days (extensions included) as excused absence (ATT-6)."""
    return [CalendarMark(day, "leave", t(f"leave.category.{lv.category}"), True)
            for day, lv in excused(person.id, start, end)]


def calendar_marks_bulk(people: list[Person], start: dt.date, end: dt.date) -> dict[int, list[CalendarMark]]:
    """``xinyi_calendar_marks_bulk``: :func:`calendar_marks` for a town's people, one query."""
    labels = {c: t(f"leave.category.{c}") for c in rules.CATEGORIES}
    return {pid: [CalendarMark(day, "leave", labels.get(lv.category) or t(f"leave.category.{lv.category}"), True)
                  for day, lv in days]
            for pid, days in excused_bulk([p.id for p in people], start, end).items()}


def assessment_facts(person: Person, year: int) -> list[AssessmentFact]:
    """``xinyi_assessment_facts``: leave taken in ``year``, per category, counted as the category counts."""
    return _assessment_facts(person, year, excused(person.id, dt.date(year, 1, 1), dt.date(year, 12, 31)))


def assessment_facts_bulk(people: list[Person], year: int) -> dict[int, list[AssessmentFact]]:
    """``xinyi_assessment_facts_bulk``: :func:`assessment_facts` for a town's people, one leave query."""
    days = excused_bulk([p.id for p in people], dt.date(year, 1, 1), dt.date(year, 12, 31))
    return {p.id: _assessment_facts(p, year, days[p.id]) for p in people if p.id in days}


def _assessment_facts(person: Person, year: int,
                      excused_days: list[tuple[dt.date, LeaveRequest]]) -> list[AssessmentFact]:
    by_category: dict[str, list[dt.date]] = defaultdict(list)
    evidence: dict[str, set[str]] = defaultdict(set)
    for day, lv in excused_days:
        by_category[lv.category].append(day)
        evidence[lv.category].add(f"{lv.start_on:%m-%d}~{lv.end_on:%m-%d}#{lv.id}")
    out = []
    for category in rules.CATEGORIES:
        days = by_category.get(category)
        if not days:
            continue
        counting = service.counting_for(category)
        try:
            working = calendar.working_days(person.town_id, min(days), max(days)) if counting == "working" else ()
        except CalendarUnavailable:
            continue
        value = len(days) if counting == "calendar" else len(set(days) & set(working))
        label = t("leave.fact.days", category=t(f"leave.category.{category}"), days=value)
        out.append(AssessmentFact("ATT-3", label, float(value), evidence=tuple(sorted(evidence[category]))))
    return out
