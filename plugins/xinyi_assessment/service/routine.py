"""The year's routine results as evidence in the annual scoring — ASM-2 → ASM-3.

The regulation has the town score the year 「结合日常考核成绩」: the annual
assessor and the panel see each assistant's monthly results (ASM-2) beside her
sheet. They are evidence only and deduct nothing by themselves: the regulation
says nothing of points for them and the scoring sheet's deductions are per
item (README «Routine results in the annual assessment (ASM-2, ASM-3)»).

A month is counted when a review of it was due — she was on the roll in it
(join and departure dates, as the monthly sheet selects) and it has ended — or
when it was reviewed anyway. A month that was due and has no review is named,
so the assessor sees the gap rather than a silently smaller count. The
results are read when shown, never copied: a month reviewed late is seen.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from xinyi_core import Person, clock, people, t
from xinyi_core import period_bounds

from . import monthly
from ..models import MonthlyResult


@dataclass(frozen=True)
class RoutineMonth:
    month: int
    on_roll: bool  # on the roll at some time in the month
    ended: bool  # the month is over: its review is due
    result: str | None  # good / pass / poor; None: not reviewed
    work: str = ""
    attendance: str = ""  # the 出勤情况 as published: the plugins' counts, then the reviewer's note

    @property
    def counted(self) -> bool:
        """Part of the year's routine record: reviewed, or due and missing."""
        return self.result is not None or (self.on_roll and self.ended)

    @property
    def state(self) -> str:
        """好/合格/差, 未评, 未在册 or 未结束 — the month-by-month column."""
        if self.result is not None:
            return result_label(self.result)
        if not self.on_roll:
            return t("assessment.routine.off_roll")
        return t("assessment.routine.unreviewed") if self.ended else t("assessment.routine.not_ended")


@dataclass(frozen=True)
class RoutineYear:
    year: int
    months: tuple[RoutineMonth, ...]  # January to December

    @property
    def missing(self) -> list[int]:
        """Months whose review was due and never made."""
        return [m.month for m in self.months if m.counted and m.result is None]

    def summary(self) -> str:
        """One line: 日常考核（1-11月）：已评 10 个月，好 9、合格 1；未评 1 个月（3月）."""
        counted = [m for m in self.months if m.counted]
        if not counted:
            return t("assessment.routine.none_due")
        reviewed = [m.result for m in counted if m.result is not None]
        parts = []
        if reviewed:
            results = "、".join(t("assessment.routine.result_count", label=result_label(r), count=reviewed.count(r))
                               for r in monthly.RESULTS if r in reviewed)
            parts.append(t("assessment.routine.reviewed", count=len(reviewed), results=results))
        if self.missing:
            parts.append(t("assessment.routine.missing", count=len(self.missing), months=month_list(self.missing)))
        return t("assessment.routine.summary", span=month_list([m.month for m in counted]), parts="；".join(parts))


def result_label(result: str) -> str:
    return t(f"assessment.monthly.result.{result}")


def month_list(months: list[int]) -> str:
    """Months as runs: [1, 2, 3, 5] → 1-3、5月."""
    runs: list[list[int]] = []
    for m in sorted(months):
        if runs and m == runs[-1][-1] + 1:
            runs[-1].append(m)
        else:
            runs.append([m])
    text = "、".join(str(r[0]) if len(r) == 1 else t("assessment.routine.run", first=r[0], last=r[-1]) for r in runs)
    return t("assessment.routine.months", months=text)


def routine_year(person: Person, year: int, *, detail: bool = False, today: dt.date | None = None) -> RoutineYear:
    """Her twelve months of ``year``: on the roll or not, ended or not, and the town's result.

    ``detail`` also reads each reviewed month's work done and 出勤情况 (the
    attendance counts come from the town's plugins, a few queries a month):
    for the month-by-month view, not for a one-line summary.
    """
    if detail:
        return _routine_years([person], year, detail=True, today=today)[person.id]
    return routine_years([person.id], year, today=today)[person.id]


def routine_years(person_ids: list[int], year: int, *, today: dt.date | None = None) -> dict[int, RoutineYear]:
    """:func:`routine_year` (without detail) of many people at once: two queries in all, not two
    each — what the panel's grades record for a whole town."""
    return _routine_years(person_ids, year, today=today)


def _routine_years(persons: list, year: int, *, detail: bool = False,
                   today: dt.date | None = None) -> dict[int, RoutineYear]:
    today = today or clock.today()
    ids = [p if isinstance(p, int) else p.id for p in persons]
    bounds = [period_bounds(f"{year}-{m:02d}") for m in range(1, 13)]
    out: dict[int, RoutineYear] = {}
    for k in range(0, len(ids), 500):  # bound the IN list
        chunk = ids[k:k + 500]
        # one query: per person and month, whether she was on the roll (the core's rule, as the monthly sheet uses it)
        flags = {row["id"]: row for row in Person.select(
            Person.id, *[people.on_roll_during(first, last).alias(f"m{m}") for m, (first, last) in
                         enumerate(bounds, 1)]).where(Person.id.in_(chunk)).dicts()}
        results: dict[int, dict[str, MonthlyResult]] = {}
        for r in MonthlyResult.select().where(MonthlyResult.person.in_(chunk)
                                              & MonthlyResult.period.between(f"{year}-01", f"{year}-12")):
            results.setdefault(r.person_id, {})[r.period] = r
        for pid in chunk:
            if pid not in flags:
                continue
            mine = results.get(pid, {})
            months = []
            for m, (_, last) in enumerate(bounds, 1):
                r = mine.get(f"{year}-{m:02d}")
                attendance = ""
                if detail and r is not None:
                    person = next(p for p in persons if not isinstance(p, int) and p.id == pid)
                    counted = monthly.facts_text(monthly.month_facts(person, year, m))
                    attendance = "；".join(part for part in (counted, r.attendance) if part)
                months.append(RoutineMonth(m, bool(flags[pid][f"m{m}"]), last < today, r.result if r else None,
                                           r.work if r else "", attendance))
            out[pid] = RoutineYear(year, tuple(months))
    return out
