"""The attendance plugin's answers to the assessment hooks (ASM-2, ASM-5, ATT-5).

``xinyi_assessment_facts``: the year's confirmed 旷工 (the veto at 5 days) and
the record for scoring item 5; ``xinyi_month_facts``: one assistant's month as
the town's summary counts it, for the publication's 出勤情况.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from xinyi_core import AssessmentFact, MonthFact, Person, bulk, calendar, t
from xinyi_core.people import was_on_roll

from . import rules
from .models import AttendanceDay
from .service import confirmed_days, setting
from .service.summary import by_calendar, count_if, day_counts_query


# --------------------------------------------------------------------------- facts for the annual assessment

def assessment_facts(person: Person, year: int) -> list[AssessmentFact]:
    """ATT-5 (veto at 5 confirmed days) and the attendance record for scoring item 5 (ASM-5)."""
    days = confirmed_days(person.id, year)
    D = AttendanceDay
    counts = (D.select(count_if(D.late == True).alias("late"), count_if(D.early == True).alias("early"))  # noqa: E712
              .where((D.person == person.id) & D.date.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
              .dicts().get())
    return _assessment_facts(days, int(counts["late"] or 0), int(counts["early"] or 0))


def assessment_facts_bulk(people: list[Person], year: int) -> dict[int, list[AssessmentFact]]:
    """``xinyi_assessment_facts_bulk``: :func:`assessment_facts` for a town's people, two grouped queries."""
    ids = [p.id for p in people]
    D = AttendanceDay
    year_days = D.date.between(dt.date(year, 1, 1), dt.date(year, 12, 31))
    confirmed: dict[int, list[dt.date]] = {}
    for pid, day in (D.select(D.person, D.date).where(D.person.in_(ids) & (D.absence == "confirmed") & year_days)
                     .order_by(D.person, D.date).tuples()):
        confirmed.setdefault(pid, []).append(day)
    counts = {pid: (int(late or 0), int(early or 0)) for pid, late, early in (
        D.select(D.person, count_if(D.late == True), count_if(D.early == True))  # noqa: E712
        .where(D.person.in_(ids) & year_days).group_by(D.person).tuples())}
    return {pid: _assessment_facts(confirmed.get(pid, []), *counts.get(pid, (0, 0))) for pid in ids}


def _assessment_facts(days: list[dt.date], late: int, early: int) -> list[AssessmentFact]:
    limit = setting("absent_fail_days")
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
_KEYS = tuple(key for key, _, _ in _MONTH_COUNTS)
_ABSENT = _KEYS.index("absent")


def month_facts(person: Person, year: int, month: int) -> list[MonthFact]:
    """ASM-2: one assistant's month as the town's summary counts it, for the publication's 出勤情况.

    The same counts as :func:`~xinyi_attendance.service.summary.month_summary`, for one person: days present out
    of the working days she was on the roll, late and early, leave and training
    days, confirmed 旷工 (with their dates) and candidates still open, failed phone
    checks. Nothing when she was not on the roll that month.
    """
    return month_facts_bulk([person], year, month).get(person.id, [])


def month_facts_bulk(people: list[Person], year: int, month: int) -> dict[int, list[MonthFact]]:
    """``xinyi_month_facts_bulk``: :func:`month_facts` for a town's people — one grouped query of their
    days (per calendar: towns share one unless a town has a closure), and one for the confirmed 旷工
    dates when someone has any.

    Who was on the roll, in which town, from and until when, is read from the people given, not from
    the person table again."""
    first, last = rules.month_bounds(year, month)
    on_roll = [p for p in people if p.town_id and was_on_roll(p, first, last)]
    if not on_roll:
        return {}
    by_town: dict[int, list[int]] = {}
    for p in on_roll:
        by_town.setdefault(p.town_id, []).append(p.id)
    working = calendar.working_days_by_town(by_town, first, last)
    counted: dict[int, tuple[Any, ...]] = {}  # person id → her counts (of _KEYS), as stored
    for days, towns in by_calendar(working).items():
        ids = [pid for town_id in towns for pid in by_town[town_id]]
        counted.update((row[0], row[1:])
                       for row in day_counts_query(_KEYS).run(people=ids, first=first, last=last, days=days))
    absent_on: dict[int, list[dt.date]] = {}
    if any(counts[_ABSENT] for counts in counted.values()):
        for person_id, day in (AttendanceDay.select(AttendanceDay.person, AttendanceDay.date)
                               .where(bulk.in_ids(AttendanceDay.person, [p.id for p in on_roll])
                                      & (AttendanceDay.absence == "confirmed")
                                      & AttendanceDay.date.between(first, last))
                               .order_by(AttendanceDay.person, AttendanceDay.date).tuples()):
            absent_on.setdefault(person_id, []).append(day)
    kinds = _fact_kinds()  # translated once for the town, not once per person
    nothing = (0,) * len(_KEYS)  # a month without a recorded day
    # most people's months are alike (no late arrival, no leave …): each distinct month's facts are made
    # once and their MonthFacts (immutable) shared — only the 旷工 dates are hers alone
    alike: dict[tuple[Any, ...], list[MonthFact]] = {}
    out = {}
    for p in on_roll:
        counts = counted.get(p.id, nothing)
        expected = rules.expected_days(working[p.town_id], p.joined_on, p.departed_on)
        if counts[_ABSENT]:
            out[p.id] = _month_facts(kinds, counts, expected, absent_on.get(p.id, ()))
            continue
        facts = alike.get((expected, counts))
        if facts is None:
            facts = alike[expected, counts] = _month_facts(kinds, counts, expected)
        out[p.id] = list(facts)
    return out


def _fact_kinds() -> list[tuple[str, str, str, str]]:
    """Each count's (rule, fact key, label, unit), in :data:`_MONTH_COUNTS`' order."""
    return [(rule, f"attendance.{key}", t(f"attendance.month.{key}"), t(f"attendance.month.{unit}"))
            for key, rule, unit in _MONTH_COUNTS]


def _month_facts(kinds: list[tuple[str, str, str, str]], counts: Sequence[Any], expected: int,
                 absent_on: Sequence[dt.date] = ()) -> list[MonthFact]:
    """The month's facts of one person: ``counts`` in :data:`_MONTH_COUNTS`' order (as the database gives
    them), days present of ``expected``, the confirmed 旷工 on ``absent_on``."""
    out = []
    for (rule, key, label, unit), stored in zip(kinds, counts):
        count = int(stored or 0)
        if key == "attendance.present":
            out.append(MonthFact(rule, key, label, count, unit, of=expected))
        elif key == "attendance.absent" and count:
            out.append(MonthFact(rule, key, label, count, unit, evidence=tuple(d.isoformat() for d in absent_on)))
        else:
            out.append(MonthFact(rule, key, label, count, unit))
    return out
