"""Leave reads: scoped lists, the approval queue, calendar marks and assessment facts.

Every list goes through the operator's scope in the data layer
(``auth.scope_of(op).restrict``), so a town clerk never sees another town's leave.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

import peewee as pw

from xinyi_core import AssessmentFact, CalendarMark, Operator, OrgUnit, Person, t
from xinyi_core import approvals, auth, calendar
from xinyi_core.errors import CalendarUnavailable

from . import rules
from .models import LeaveRequest


def visible(op: Operator) -> pw.ModelSelect:
    """Every leave ``op`` may see, newest first."""
    auth.require(op, "leave.view")
    q = LeaveRequest.select(LeaveRequest, Person).join(Person, on=(LeaveRequest.person == Person.id))
    return auth.scope_of(op).restrict(q, LeaveRequest.person).order_by(LeaveRequest.start_on.desc(),
                                                                       LeaveRequest.id.desc())


def for_person(op: Operator, person_id: int) -> list[LeaveRequest]:
    """A person's leave history (within ``op``'s scope, else empty)."""
    return list(visible(op).where(LeaveRequest.person == person_id))


def waiting(op: Operator) -> list[tuple[LeaveRequest, object]]:
    """Slips whose current step ``op`` may decide, oldest first, with the chain."""
    chains = approvals.waiting_for(op, "leave")
    leaves = {lv.id: lv for lv in LeaveRequest.select().where(LeaveRequest.id.in_([c.subject_id for c in chains]))}
    return [(leaves[c.subject_id], c) for c in chains if c.subject_id in leaves]


def step_lines(leave: LeaveRequest) -> list[tuple[str, object]]:
    """(role, step) of the leave's chain, for the slip and the detail view (a cancellation last)."""
    chain = approvals.for_subject("leave", leave.id)
    return [(s.role, s) for s in approvals.steps(chain)] if chain else []


def cancellation(leave: LeaveRequest) -> object | None:
    """The step that cancelled (撤销) the leave: who, when, and the reason as its opinion."""
    return next((s for _, s in step_lines(leave) if s.decision == "cancelled"), None) \
        if leave.state == "cancelled" else None


def _roots(leaves: list[LeaveRequest]) -> dict[int, LeaveRequest]:
    ids = {lv.root_id for lv in leaves if lv.root_id}
    roots = {lv.id: lv for lv in leaves if not lv.root_id}
    missing = ids - set(roots)
    if missing:
        roots.update({lv.id: lv for lv in LeaveRequest.select().where(LeaveRequest.id.in_(list(missing)))})
    return roots


def excused(person_id: int, start: dt.date, end: dt.date) -> list[tuple[dt.date, LeaveRequest]]:
    """Every excused leave day of a person in ``start``..``end`` (approved, or oral per ATT-3)."""
    leaves = list(LeaveRequest.select().where((LeaveRequest.person == person_id) & (LeaveRequest.start_on <= end)
                                              & (LeaveRequest.end_on >= start)
                                              & LeaveRequest.state.in_(rules.ACTIVE_STATES)))
    roots = _roots(leaves)
    out = []
    for lv in leaves:
        if rules.excuses(lv.state, lv.oral):
            returned = roots[lv.root_id or lv.id].returned_on
            out.extend((d, lv) for d in rules.excused_dates(lv.start_on, lv.end_on, returned, start, end))
    return sorted(out, key=lambda pair: pair[0])


def marks(person: Person, start: dt.date, end: dt.date) -> list[CalendarMark]:
    """``xinyi_calendar_marks``: approved leave days (extensions included) as excused absence (ATT-6)."""
    return [CalendarMark(day, "leave", t(f"leave.category.{lv.category}"), True)
            for day, lv in excused(person.id, start, end)]


def facts(person: Person, year: int) -> list[AssessmentFact]:
    """``xinyi_assessment_facts``: leave taken in ``year``, per category, counted as the category counts."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    by_category: dict[str, list[dt.date]] = defaultdict(list)
    evidence: dict[str, set[str]] = defaultdict(set)
    for day, lv in excused(person.id, first, last):
        by_category[lv.category].append(day)
        evidence[lv.category].add(f"{lv.start_on:%m-%d}~{lv.end_on:%m-%d}#{lv.id}")
    out = []
    for category in rules.CATEGORIES:
        days = by_category.get(category)
        if not days:
            continue
        counting = _counting(category)
        try:
            working = calendar.working_days(person.town_id, min(days), max(days)) if counting == "working" else ()
        except CalendarUnavailable:
            continue
        value = len(days) if counting == "calendar" else len(set(days) & set(working))
        out.append(AssessmentFact("ATT-3", t("leave.fact.days", category=t(f"leave.category.{category}")),
                                  float(value), evidence=tuple(sorted(evidence[category]))))
    return out


def _counting(category: str) -> str:
    from .service import counting_for

    return counting_for(category)


def town_month(op: Operator, town: OrgUnit, year: int, month: int) -> dict[dt.date, list[tuple[str, str]]]:
    """Who is (or asks to be) on leave each day of a month in a town: date → [(name, category label)]."""
    first = dt.date(year, month, 1)
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    q = visible(op).where((LeaveRequest.town == town.id) & (LeaveRequest.start_on <= last)
                          & (LeaveRequest.end_on >= first) & LeaveRequest.state.in_(rules.ACTIVE_STATES))
    leaves = list(q)
    roots = _roots(leaves)
    out: dict[dt.date, list[tuple[str, str]]] = defaultdict(list)
    for lv in leaves:  # pending slips too, marked as such: the town plans with them
        label = t(f"leave.category.{lv.category}")
        if not rules.excuses(lv.state, lv.oral):
            label += t("leave.tui.unapproved")
        for day in rules.excused_dates(lv.start_on, lv.end_on, roots[lv.root_id or lv.id].returned_on, first, last):
            out[day].append((lv.person.name, label))
    return dict(out)
