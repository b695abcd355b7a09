"""The attendance plugin's answers to the assessment hooks (ASM-2, ASM-5, ATT-5).

``xinyi_assessment_facts``: the year's confirmed 旷工 (the veto at 5 days) and
the record for scoring item 5; ``xinyi_month_facts``: one assistant's month as
the town's summary counts it, for the publication's 出勤情况.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from xinyi_core import AssessmentFact, MonthFact, Person, bulk, calendar, database, t

from . import rules
from .models import AttendanceDay
from .service import confirmed_days, setting
from .service.summary import count_if, summary_query


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


def month_facts(person: Person, year: int, month: int) -> list[MonthFact]:
    """ASM-2: one assistant's month as the town's summary counts it, for the publication's 出勤情况.

    The same aggregate as :func:`~xinyi_attendance.service.summary.month_summary`, for one person: days present out
    of the working days she was on the roll, late and early, leave and training
    days, confirmed 旷工 (with their dates) and candidates still open, failed phone
    checks. Nothing when she was not on the roll that month.
    """
    first, last = rules.month_bounds(year, month)
    working = calendar.working_days_by_town([person.town_id], first, last)
    found = (summary_query([person.town_id], first, last, working, year_absent=False).where(Person.id == person.id)
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


def month_facts_bulk(people: list[Person], year: int, month: int) -> dict[int, list[MonthFact]]:
    """``xinyi_month_facts_bulk``: :func:`month_facts` for a town's people — the summary's one aggregate
    query, and one for the confirmed 旷工 dates."""
    first, last = rules.month_bounds(year, month)
    ids = [p.id for p in people]
    town_ids = sorted({p.town_id for p in people if p.town_id})
    if not town_ids:
        return {}
    working = calendar.working_days_by_town(town_ids, first, last)
    # the rows as the database gives them: ids and counts need no conversion, and the two dates only
    # for the few people whose joining or departure falls in the month (see ``expected`` below)
    found = {row[0]: row for row in database.execute(
        summary_query(town_ids, first, last, working, year_absent=False).where(bulk.in_ids(Person.id, ids)))}
    absent_on: dict[int, list[dt.date]] = {}
    if any(int(row[-4] or 0) for row in found.values()):  # the "absent" column
        for pid, day in (AttendanceDay.select(AttendanceDay.person, AttendanceDay.date)
                         .where(bulk.in_ids(AttendanceDay.person, ids) & (AttendanceDay.absence == "confirmed")
                                & AttendanceDay.date.between(first, last))
                         .order_by(AttendanceDay.person, AttendanceDay.date).tuples()):
            absent_on.setdefault(pid, []).append(day)
    # each fact's key, label and unit translated once for the town, not once per person
    kinds = [(key, rule, f"attendance.{key}", t(f"attendance.month.{key}"), t(f"attendance.month.{unit}"))
             for key, rule, unit in _MONTH_COUNTS]
    # and each distinct fact made once: most people share most counts (no late arrival, no leave …), and a
    # MonthFact is immutable, so they share the object
    made: dict[tuple[str, int, int | None], MonthFact] = {}
    expected_by: dict[tuple[Any, ...], int] = {}  # (town, joined, departed) → working days on the roll
    out = {}
    for pid, row in found.items():
        counts = dict(zip(("present", "late", "early", "leave", "training", "other", "failed_checks", "absent",
                           "open", "cleared"), [int(v or 0) for v in row[6:-1]]))
        expected = expected_by.get(row[3:6])
        if expected is None:
            expected = expected_by[row[3:6]] = rules.expected_days(
                working[row[3]], Person.joined_on.python_value(row[4]), Person.departed_on.python_value(row[5]))
        facts = []
        for key, rule, fact_key, label, unit in kinds:
            if key == "absent" and counts["absent"]:  # the dates are hers alone
                facts.append(MonthFact(rule, fact_key, label, counts[key], unit,
                                       evidence=tuple(d.isoformat() for d in absent_on.get(pid, []))))
                continue
            of = expected if key == "present" else None
            fact = made.get((key, counts[key], of))
            if fact is None:
                fact = made[key, counts[key], of] = MonthFact(rule, fact_key, label, counts[key], unit, of=of)
            facts.append(fact)
        out[pid] = facts
    return out
