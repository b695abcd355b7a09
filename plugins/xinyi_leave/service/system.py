"""What the system does with leave on its own: the daily overdue-return check (ATT-6) and the
open leave of an assistant who departed. No operator acts here; each change is audited as
the system's, and the town hears of days no longer excused through ``calendar.marks_changed``.
"""
from __future__ import annotations

import datetime as dt

from xinyi_core import ApprovalChain, Person, alerts, audit, calendar, clock, database, org, t

from .. import rules
from ..models import LeaveRequest
from .reads import effective_end, family, overdue_key

PLUGIN = "leave"
KIND = "leave"  # approval-chain kind
AUDIENCE = ("town_clerk", "town_head")


def close_for_departed(person: Person) -> int:
    """A departed assistant's unfinished leave is withdrawn with a note (its chain too)."""
    note = t("leave.audit.departed")
    open_ = list(LeaveRequest.select().where((LeaveRequest.person == person.id)
                                             & LeaveRequest.state.in_(("oral", "pending"))))
    for leave in open_:
        with database.atomic():
            (ApprovalChain.update(state="withdrawn", finished_at=clock.now())
             .where((ApprovalChain.kind == KIND) & (ApprovalChain.subject_id == leave.id)
                    & (ApprovalChain.state == "pending")).execute())
            leave.state, leave.note = "withdrawn", note
            leave.save()
            audit.record(None, "leave.withdraw", leave, person_id=person.id, note=note)
            calendar.marks_changed(person, leave.start_on, leave.end_on)
        alerts.close_by_key(PLUGIN, f"slip_missing:{leave.id}", t("leave.alert.departed_closed"))
    away = LeaveRequest.select().where((LeaveRequest.person == person.id) & LeaveRequest.root.is_null()
                                       & LeaveRequest.returned_on.is_null() & (LeaveRequest.state == "approved"))
    for root in away:
        alerts.close_by_key(PLUGIN, overdue_key(root, family(root)), t("leave.alert.departed_closed"))
    return len(open_)


def next_working_day(town_id: int, after: dt.date) -> dt.date | None:
    """The first working day after ``after``, or None when the calendar cannot say (ATT-6).

    Only days the calendar answers are looked at: the search stops at the first
    year with no holiday schedule (no ``chinese_calendar`` data, no
    ``[calendar.years.YYYY]``). A leave ending on Thursday 31 December is then
    not overdue on any guessed day; the uncovered year is in the start-up
    warnings until the administrator enters it.
    """
    day = after + dt.timedelta(days=1)
    while calendar.covered(day.year):
        end = min(day + dt.timedelta(days=30), dt.date(day.year, 12, 31))  # one year's calendar per call
        found = calendar.working_days(town_id, day, end)
        if found:
            return found[0]
        day = end + dt.timedelta(days=1)
    return None


def raise_overdue(today: dt.date | None = None, town_code: str | None = None, lookback_days: int = 120) -> int:
    """ATT-6: alert the town for every leave that ended without 销假 or 续假. Returns new alerts."""
    today = today or clock.today()
    q = LeaveRequest.select().where(LeaveRequest.root.is_null() & LeaveRequest.returned_on.is_null()
                                    & LeaveRequest.state.in_(rules.ACTIVE_STATES)
                                    & (LeaveRequest.start_on < today)
                                    & (LeaveRequest.start_on >= today - dt.timedelta(days=lookback_days)))
    if town_code:
        q = q.where(LeaveRequest.town == org.by_code(town_code).id)
    created = 0
    for root in q:
        if not rules.excuses(root.state, root.oral):
            continue
        members = family(root)
        end = effective_end(members)
        filed = any(m.state == "pending" and m.root_id for m in members)
        if not rules.overdue_return(end, None, filed, today, next_working_day(root.town_id, end)):
            continue
        _, new = alerts.raise_alert(PLUGIN, "overdue_return", overdue_key(root, members), t(
            "leave.alert.overdue_return", name=root.person.name, end=end,
            category=t(f"leave.category.{root.category}")), audience=AUDIENCE, rule="ATT-6",
            person=root.person, data={"leave": root.id, "end": end.isoformat()})
        created += new
    return created
