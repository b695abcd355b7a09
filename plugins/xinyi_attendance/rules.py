"""What the attendance rules decide, as pure functions (no database, no UI, no queue).

Each function names the rule it applies (DOMAIN.md): ATT-1 working hours,
ATT-2 sign-in/out and phone checks, ATT-5 absenteeism counts and the 5-day
veto, ATT-6 more than 7 days off post.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

# What one calendar day was for one assistant, as far as ATT-6 is concerned.
PRESENT = "present"  # signed in, or found at the post by a phone check
EXCUSED = "excused"  # an excusing mark (leave, training) or a candidate cleared by the clerk
MISSED = "missed"  # a working day with neither
REST = "rest"  # a non-working day (weekend, public holiday, closure) without a sign-in

OFF_POST_MODES = ("calendar", "working")


def is_late(sign_in: dt.time | None, hours: tuple[dt.time, dt.time], grace_minutes: int = 0) -> bool:
    """ATT-1/ATT-2: signed in after the town's start of work (plus a grace period)."""
    if sign_in is None:
        return False
    return _minutes(sign_in) > _minutes(hours[0]) + grace_minutes


def is_early(sign_out: dt.time | None, hours: tuple[dt.time, dt.time], grace_minutes: int = 0) -> bool:
    """ATT-1/ATT-2: signed out before the town's end of work (minus a grace period)."""
    if sign_out is None:
        return False
    return _minutes(sign_out) < _minutes(hours[1]) - grace_minutes


def lateness(sign_in: dt.time | None, sign_out: dt.time | None, hours: tuple[dt.time, dt.time],
             grace_minutes: int = 0) -> tuple[bool, bool]:
    """``(late, early)`` for one day against the hours in force that day (ATT-1)."""
    return is_late(sign_in, hours, grace_minutes), is_early(sign_out, hours, grace_minutes)


def _minutes(t: dt.time) -> int:
    return t.hour * 60 + t.minute


def absence_candidates(working_days: Iterable[dt.date], signed_days: Iterable[dt.date],
                       excused_days: Iterable[dt.date]) -> list[dt.date]:
    """ATT-5/ATT-6: working days with no sign-in and no excusing mark, oldest first.

    These are only *candidates*: the attendance clerk confirms or clears each
    (ATT-2); only confirmed days are 旷工.
    """
    taken = set(signed_days) | set(excused_days)
    return sorted(d for d in set(working_days) if d not in taken)


def day_state(working: bool, signed: bool, excused: bool) -> str:
    """One day's :data:`PRESENT`/:data:`EXCUSED`/:data:`MISSED`/:data:`REST` (ATT-6)."""
    if signed:
        return PRESENT
    if excused:
        return EXCUSED
    return MISSED if working else REST


@dataclass(frozen=True)
class OffPost:
    """A run of days away from the post without leave (ATT-6)."""

    start: dt.date  # the first missed working day
    end: dt.date  # the last day looked at
    days: int  # its length, counted as the setting says
    missed: int  # working days missed in it


def consecutive_off_post(states: Mapping[dt.date, str], until: dt.date, *, mode: str = "calendar") -> OffPost | None:
    """ATT-6: the current run of days off post without leave, ending on ``until``.

    Walking back from ``until``, the run goes on through missed working days
    and non-working days, and stops at a day present or excused (a day not in
    ``states`` counts as present: nothing is known against her). It starts on
    its first *missed working day*, so the weekend or holiday before an
    absence never counts, while one inside it does.

    ``mode`` "calendar" (default): the run's length is the calendar days from
    its first missed working day to ``until`` inclusive — "away from the post
    for more than 7 days" read as days on the calendar. ``mode`` "working":
    only the missed working days are counted.
    """
    if mode not in OFF_POST_MODES:
        raise ValueError(mode)
    day = until
    first_missed: dt.date | None = None
    missed = 0
    while states.get(day, PRESENT) in (MISSED, REST):
        if states[day] == MISSED:
            first_missed = day
            missed += 1
        day -= dt.timedelta(days=1)
    if first_missed is None:
        return None
    days = (until - first_missed).days + 1 if mode == "calendar" else missed
    return OffPost(first_missed, until, days, missed)


def crosses_att6(run: OffPost | None, limit: int = 7) -> bool:
    """ATT-6: *more than* ``limit`` days away from the post without leave."""
    return run is not None and run.days > limit


def crosses_att5(count: int, limit: int = 5) -> bool:
    """ATT-5: ``limit`` (5) or more confirmed days of 旷工 in a year fails the year (不合格)."""
    return count >= limit


def wage_deduction_days(confirmed: Iterable[dt.date], year: int, month: int) -> list[dt.date]:
    """ATT-5: 旷工 forfeits that period's wage — the confirmed days that fall in the month."""
    return sorted(d for d in confirmed if d.year == year and d.month == month)


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    first = dt.date(year, month, 1)
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return first, nxt - dt.timedelta(days=1)


def expected_days(working_days: Sequence[dt.date], joined: dt.date | None, departed: dt.date | None) -> int:
    """Working days an assistant was on the roll for: from joining, until departure."""
    if not working_days or ((joined is None or joined <= working_days[0]) and
                            (departed is None or departed > working_days[-1])):
        return len(working_days)  # on the roll all month: most people, most months
    return sum(1 for d in working_days if (joined is None or d >= joined) and (departed is None or d < departed))
