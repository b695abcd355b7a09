"""Leave reads: who may see which leave, the scoped lists the screens show, a leave's family.

Every list goes through the operator's scope in the data layer
(``auth.scope_of(op).restrict``), so a town clerk never sees another town's
leave; one record (:func:`get`, :func:`person_for`) is refused and audited
when it lies outside the scope. The writes in :mod:`xinyi_leave.service` build
on these; nothing here writes.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

import peewee as pw

from xinyi_core import ApprovalChain, ApprovalStep, NotFound, Operator, OrgUnit, Person, auth, approvals, t

from .. import rules
from ..models import LeaveRequest

SEARCH_LIMIT = 500  # rows a list shows; the search narrows it


# --------------------------------------------------------------------------- access

def in_scope(op: Operator, person: Person, action: str) -> None:
    """Refuse (and audit) ``action`` on ``person`` unless ``op`` holds it and she is in ``op``'s scope."""
    auth.require(op, action, person_id=person.id)
    if not auth.scope_of(op).contains_person(person):
        auth.deny(op, action, obj=person, person_id=person.id, key="auth.out_of_scope")


def get(op: Operator, leave_id: int, action: str = "leave.view") -> LeaveRequest:
    """One leave, if ``op`` may ``action`` on it (an out-of-scope attempt is refused and audited)."""
    leave = LeaveRequest.get_or_none(LeaveRequest.id == leave_id)
    if leave is None:
        raise NotFound("leave.error.not_found")
    in_scope(op, leave.person, action)
    return leave


def person_for(op: Operator, person_id: int, action: str = "leave.view") -> Person:
    """The assistant ``op`` files or reads leave for, if within ``op``'s scope (else refused, audited)."""
    person = Person.get_or_none(Person.id == person_id)
    if person is None:
        raise NotFound("person.not_found")
    in_scope(op, person, action)
    return person


def people_on_duty(op: Operator) -> list[Person]:
    """The people on duty in ``op``'s scope, by village and name: whom leave may be filed for."""
    q = auth.scope_of(op).people().where(Person.status == "on_duty")
    return list(q.order_by(Person.village, Person.name_initials))


# --------------------------------------------------------------------------- lists

def visible(op: Operator) -> pw.ModelSelect:
    """Every leave ``op`` may see, newest first."""
    auth.require(op, "leave.view")
    q = LeaveRequest.select(LeaveRequest, Person).join(Person, on=(LeaveRequest.person == Person.id))
    return auth.scope_of(op).restrict(q, LeaveRequest.person).order_by(LeaveRequest.start_on.desc(),
                                                                       LeaveRequest.id.desc())


def for_person(op: Operator, person_id: int) -> list[LeaveRequest]:
    """A person's leave history (within ``op``'s scope, else empty)."""
    return list(visible(op).where(LeaveRequest.person == person_id))


def search(op: Operator, text: str = "", *, person_id: int | None = None,
           limit: int = SEARCH_LIMIT) -> list[LeaveRequest]:
    """The leave list of a screen: ``op``'s leave, one person's, or those whose name (or its
    pinyin initials, as in the people list) holds ``text``; newest first."""
    q = visible(op)
    if person_id is not None:
        q = q.where(LeaveRequest.person == person_id)
    text = text.strip()
    if text:
        q = q.where(Person.name.contains(text) | Person.name_initials.startswith(text.lower()))
    return list(q.limit(limit))


def waiting(op: Operator) -> list[tuple[LeaveRequest, ApprovalChain]]:
    """Slips whose current step ``op`` may decide, oldest first, with the chain."""
    chains = approvals.waiting_for(op, "leave")
    leaves = {lv.id: lv for lv in LeaveRequest.select().where(LeaveRequest.id.in_([c.subject_id for c in chains]))}
    return [(leaves[c.subject_id], c) for c in chains if c.subject_id in leaves]


def step_lines(leave: LeaveRequest) -> list[tuple[str, ApprovalStep]]:
    """(role, step) of the leave's chain, for the slip and the detail view (a cancellation last)."""
    chain = approvals.for_subject("leave", leave.id)
    return [(s.role, s) for s in approvals.steps(chain)] if chain else []


def cancellation(leave: LeaveRequest) -> ApprovalStep | None:
    """The step that cancelled (撤销) the leave: who, when, and the reason as its opinion."""
    return next((s for _, s in step_lines(leave) if s.decision == "cancelled"), None) \
        if leave.state == "cancelled" else None


def roots(leaves: list[LeaveRequest]) -> dict[int, LeaveRequest]:
    """id → the first leave of each family among ``leaves`` (loaded when only an extension is there)."""
    ids = {lv.root_id for lv in leaves if lv.root_id}
    found = {lv.id: lv for lv in leaves if not lv.root_id}
    missing = ids - set(found)
    if missing:
        found.update({lv.id: lv for lv in LeaveRequest.select().where(LeaveRequest.id.in_(list(missing)))})
    return found


def town_month(op: Operator, town: OrgUnit, year: int, month: int) -> dict[dt.date, list[tuple[str, str]]]:
    """Who is (or asks to be) on leave each day of a month in a town: date → [(name, category label)]."""
    first = dt.date(year, month, 1)
    last = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    q = visible(op).where((LeaveRequest.town == town.id) & (LeaveRequest.start_on <= last)
                          & (LeaveRequest.end_on >= first) & LeaveRequest.state.in_(rules.ACTIVE_STATES))
    leaves = list(q)
    by_id = roots(leaves)
    out: dict[dt.date, list[tuple[str, str]]] = defaultdict(list)
    for lv in leaves:  # pending slips too, marked as such: the town plans with them
        label = t(f"leave.category.{lv.category}")
        if not rules.excuses(lv.state, lv.oral):
            label += t("leave.tui.unapproved")
        for day in rules.excused_dates(lv.start_on, lv.end_on, by_id[lv.root_id or lv.id].returned_on, first, last):
            out[day].append((lv.person.name, label))
    return dict(out)


# --------------------------------------------------------------------------- a leave and its extensions

def family(root: LeaveRequest) -> list[LeaveRequest]:
    """The leave and its extensions, in date order."""
    return list(LeaveRequest.select().where((LeaveRequest.id == root.id) | (LeaveRequest.root == root.id))
                .order_by(LeaveRequest.start_on, LeaveRequest.id))


def effective_end(members: list[LeaveRequest], *, filed: bool = False) -> dt.date:
    """The last excused day of a family; with ``filed`` also counting extensions under approval."""
    ok = [m for m in members if rules.excuses(m.state, m.oral) or (filed and m.state == "pending")]
    return max(m.end_on for m in ok) if ok else members[0].end_on


def overdue_key(root: LeaveRequest, members: list[LeaveRequest]) -> str:
    """One alert per (leave, end, attempt): a rejected extension opens a new one."""
    return f"overdue_return:{root.id}:{effective_end(members)}:{len(members)}"


def overlapping(person_id: int, start: dt.date, end: dt.date, *, exclude: int | None = None) -> LeaveRequest | None:
    """An active leave of the same person sharing a day with ``start``..``end``."""
    q = LeaveRequest.select().where((LeaveRequest.person == person_id) & LeaveRequest.state.in_(rules.ACTIVE_STATES)
                                    & (LeaveRequest.start_on <= end) & (LeaveRequest.end_on >= start))
    if exclude is not None:
        q = q.where(LeaveRequest.id != exclude)
    return q.order_by(LeaveRequest.start_on).first()
