"""The leave rules as plain functions: no database, no UI, no queue.

Each function decides one thing the regulation (五、考勤制度) asks and names the
rule it applies: ATT-3 (slip in advance; oral report in an emergency, slip
completed after return; extension 续假), ATT-4 (the town centre head approves;
3 days or more also the city employment office) and ATT-6 (not returning after
leave without an extension is absenteeism).
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable

# The six categories of the leave slip (附件4), in the form's order.
CATEGORIES = ("personal", "sick", "marriage", "maternity", "bereavement", "other")
COUNTINGS = ("working", "calendar")
# DOMAIN.md "Open points": working days (public holidays and make-up days on the
# town calendar) for personal/sick/other leave, calendar days for marriage,
# maternity and bereavement leave. Configurable per category ([settings.leave]).
DEFAULT_COUNTING = {"personal": "working", "sick": "working", "other": "working",
                    "marriage": "calendar", "maternity": "calendar", "bereavement": "calendar"}
CITY_APPROVAL_DAYS = 3  # ATT-4: "三天（含三天）以上的须报市就业处批准"
STATES = ("oral", "pending", "approved", "rejected", "withdrawn", "cancelled")
ACTIVE_STATES = ("oral", "pending", "approved")  # a leave that still claims its dates


def date_error(start: dt.date, end: dt.date) -> str | None:
    """The catalogue key of what is wrong with a from–to pair, if anything."""
    if end < start:
        return "leave.error.end_before_start"
    return None


def years_touched(start: dt.date, end: dt.date) -> list[int]:
    return list(range(start.year, end.year + 1))


def leave_days(start: dt.date, end: dt.date, counting: str, working: Iterable[dt.date]) -> int:
    """How many days a leave from ``start`` to ``end`` counts (共 N 天).

    ``counting`` is ``working`` (only the town's working days — ``working`` lists
    them — so a leave spanning National Day counts none of the holiday) or
    ``calendar`` (every day, as for maternity leave).
    """
    if end < start:
        return 0
    if counting == "calendar":
        return (end - start).days + 1
    return sum(1 for d in working if start <= d <= end)


def needs_city_approval(total_days: int) -> bool:
    """ATT-4: leave of 3 days or more (3 included) also goes to the city employment office.

    For an extension (续假) the total of the leave and its extensions counts: two
    days plus a one-day extension is a three-day leave.
    """
    return total_days >= CITY_APPROVAL_DAYS


def approval_roles(total_days: int, *, village_opinion: bool = True) -> list[str]:
    """The chain of the leave slip: village head's opinion → town centre head (ATT-4) → city office (3+ days)."""
    roles = ["village_head"] if village_opinion else []
    roles.append("town_head")
    if needs_city_approval(total_days):
        roles.append("city_office")
    return roles


def overlaps(a_start: dt.date, a_end: dt.date, b_start: dt.date, b_end: dt.date) -> bool:
    return a_start <= b_end and b_start <= a_end


def excuses(state: str, oral: bool) -> bool:
    """Whether a leave's days are excused absence.

    Approved leave is. ATT-3: in an emergency the leave starts at once on the
    oral report, so an oral leave is excused while its slip is missing or under
    approval; a rejected or withdrawn one is not (its days fall back to
    attendance, ATT-6).
    """
    return state == "approved" or (oral and state in ("oral", "pending"))


def excused_dates(start: dt.date, end: dt.date, returned_on: dt.date | None,
                  window_start: dt.date, window_end: dt.date) -> list[dt.date]:
    """The days of one leave that are excused within a window.

    The leave covers ``start``..``end``; a return (销假) ends it the day before
    ``returned_on``. Nothing is excused after ``end`` — a leave that ended
    without return or extension simply stops, and attendance sees those days
    as unexcused (ATT-6).
    """
    last = end if returned_on is None else min(end, returned_on - dt.timedelta(days=1))
    first, last = max(start, window_start), min(last, window_end)
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)] if first <= last else []


def cancel_error(state: str, oral: bool, start: dt.date, today: dt.date, *, extended: bool = False) -> str | None:
    """Why a leave cannot be cancelled (撤销) now, as a catalogue key; ``None`` if it can.

    Only approved leave that has not started: from its first day on, the
    assistant ends it by 销假 (early return), which keeps the days she was
    away excused. A pending slip is withdrawn (撤回) by its applicant or
    refused by its approver; an oral report (ATT-3) is ended by 销假 or, when
    recorded in error, withdrawn by the town. A leave with extensions is
    cancelled from its last extension back.
    """
    if state == "oral" or (oral and state == "pending"):
        return "leave.error.cancel_oral"
    if state == "pending":
        return "leave.error.cancel_pending"
    if state != "approved":
        return "leave.error.not_cancellable"
    if start <= today:
        return "leave.error.cancel_started"
    if extended:
        return "leave.error.cancel_extended"
    return None


def slip_missing(oral: bool, state: str) -> bool:
    """ATT-3: an oral report whose slip has not been completed (补办) is an open alert."""
    return oral and state == "oral"


def overdue_return(effective_end: dt.date, returned_on: dt.date | None, extension_filed: bool,
                   today: dt.date, first_working_after_end: dt.date | None) -> bool:
    """ATT-6: the leave ended, the assistant is not back (no 销假) and filed no extension (续假).

    Raised from the first working day after the end: a leave ending on a Friday
    is not overdue on Saturday. ``None`` — the calendar cannot name that day
    (it lies in a year with no holiday schedule yet) — is never overdue: the
    software does not guess a working day, the uncovered year is warned about.
    """
    return returned_on is None and not extension_filed and effective_end < today \
        and first_working_after_end is not None and today >= first_working_after_end


def category_note_required(category: str) -> bool:
    """附件4: "其他" needs to say what kind of leave it is."""
    return category == "other"


def extension_start(effective_end: dt.date) -> dt.date:
    """ATT-3: an extension continues the leave from the day after its current end."""
    return effective_end + dt.timedelta(days=1)
