"""Pure decisions of the annual assessment — ASM-3, ASM-4, ASM-5, ATT-5.

No database, no UI: scores from deductions, grades from scores, the 20% cap on
优秀, what the panel may assign, the deadlines of the annual round. The scoring
scheme these apply (附件1, as data) is :mod:`.scheme`.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from xinyi_core import ValidationError

from .scheme import Deduction, Item

GRADES = ("excellent", "pass", "basic", "fail")  # 优秀 合格 基本合格 不合格, best first
DEFAULT_THRESHOLDS = {"excellent": 90.0, "pass": 75.0, "basic": 60.0}
ROUNDINGS = ("floor", "round", "ceil")
ATT5_LIMIT = 5  # ATT-5: 5 or more days of 旷工 in a year fail it
ATT5 = "ATT-5"  # the veto code of ATT-5, beside the scheme's veto-1 … veto-3


def deduction_points(item: Item, rule: Deduction, units: float) -> float:
    """What one deduction entry takes from ``item`` (ASM-5): never below 0, never above the item."""
    if not math.isfinite(units):  # float("nan") from the form would deduct the whole item, or nothing
        raise ValidationError("units", "assessment.error.bad_units")
    if units < 0:
        raise ValidationError("units", "assessment.error.negative_units")
    if rule.whole:
        return item.points if units > 0 else 0.0
    if rule.max_units is not None:
        units = min(units, rule.max_units)
    return round(min(item.points, rule.per_unit * units), 2)


def item_score(item: Item, deductions: Iterable[float]) -> float:
    """ASM-5: an item's score stays within [0, its points] whatever is deducted."""
    return round(max(0.0, min(item.points, item.points - sum(deductions))), 2)


def total_score(scores: Iterable[float]) -> float:
    return round(sum(scores), 2)


def fails_att5(absent_days: float, limit: int = ATT5_LIMIT) -> bool:
    """ATT-5: 5 or more days of 旷工 in the year."""
    return absent_days >= limit


def grade_for(score: float, thresholds: dict[str, float], *, failed: bool = False) -> str:
    """ASM-3: the grade a score earns; a veto (ASM-4) or ATT-5 fails the year whatever the score."""
    if failed:
        return "fail"
    for grade in ("excellent", "pass", "basic"):
        if score >= thresholds[grade]:
            return grade
    return "fail"


def valid_thresholds(value: object) -> bool:
    return (isinstance(value, dict) and set(value) == set(DEFAULT_THRESHOLDS)
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 < v <= 100 for v in value.values())
            and value["excellent"] > value["pass"] > value["basic"])


def excellent_cap(full_time: int, ratio: float = 0.2, rounding: str = "floor") -> int:
    """ASM-3: 优秀 ≤ ``ratio`` of the town's full-time assistants (floor by default: 4 → 0, 5 → 1, 11 → 2)."""
    exact = full_time * ratio
    if rounding == "ceil":
        return math.ceil(exact - 1e-9)
    if rounding == "round":
        return math.floor(exact + 0.5)
    return math.floor(exact + 1e-9)


@dataclass(frozen=True)
class Ranked:
    person_id: int
    name: str
    score: float
    failed: bool  # veto or ATT-5
    earned: str  # the grade the score earns (before the cap)
    rank: int


def ranking(rows: Sequence[tuple[int, str, float, bool]], thresholds: dict[str, float]) -> list[Ranked]:
    """The panel's ranking: highest score first, failed years last; ties share a rank."""
    ordered = sorted(rows, key=lambda r: (r[3], -r[2], r[1], r[0]))
    out: list[Ranked] = []
    for i, (pid, name, score, failed) in enumerate(ordered):
        same = out and not failed and not out[-1].failed and out[-1].score == score
        out.append(Ranked(pid, name, score, failed, grade_for(score, thresholds, failed=failed),
                          out[-1].rank if same else i + 1))
    return out


def proposed_grades(ranked: Sequence[Ranked], cap: int) -> dict[int, str]:
    """A first proposal for the panel: the best ``cap`` who earned 优秀 keep it, the rest get 合格."""
    out, given = {}, 0
    for r in ranked:
        grade = r.earned
        if grade == "excellent":
            if given < cap:
                given += 1
            else:
                grade = "pass"
        out[r.person_id] = grade
    return out


def check_panel_grades(ranked: Sequence[Ranked], assigned: dict[int, str], cap: int,
                       explanations: dict[int, str]) -> None:
    """ASM-3/ASM-4/ASM-7: what the panel may assign; raises ValidationError naming the problem.

    A grade may not be better than the score earns; a failed year is 不合格; at most ``cap``
    优秀; every 不合格 needs a written explanation.
    """
    by_id = {r.person_id: r for r in ranked}
    for pid, grade in assigned.items():
        if grade not in GRADES:
            raise ValidationError("grade", "assessment.error.bad_grade", grade=grade)
        r = by_id[pid]
        if GRADES.index(grade) < GRADES.index(r.earned):
            raise ValidationError("grade", "assessment.error.above_score", name=r.name,
                                  grade=grade_label(grade), earned=grade_label(r.earned))
        if grade == "fail" and not (explanations.get(pid) or "").strip():
            raise ValidationError("explanation", "assessment.error.fail_needs_explanation", name=r.name)
    n = sum(1 for g in assigned.values() if g == "excellent")
    if n > cap:
        raise ValidationError("grade", "assessment.error.cap", count=n, cap=cap)


def grade_label(grade: str) -> str:
    from xinyi_core import t

    return t(f"assessment.grade.{grade}")


def veto_title(code: str) -> str:
    """A veto code as the forms and screens name it: ATT-5, or the scheme's veto item ``veto-N``."""
    from xinyi_core import t

    return t("assessment.veto.att5") if code == ATT5 else t("assessment.veto.item", no=code.split("-")[-1])


# ------------------------------------------------------------------ the annual round's dates (ASM-3)

def scoring_opens(year: int, day: int = 15) -> dt.date:
    """Scoring opens in mid-December of the assessed year."""
    return dt.date(year, 12, day)


def package_due(year: int, day: int = 20) -> dt.date:
    """The town's package must reach the city *before* 20 January of the next year (due on the 19th)."""
    return dt.date(year + 1, 1, day) - dt.timedelta(days=1)


def round_phase(year: int, today: dt.date, *, open_day: int = 15, due_day: int = 20) -> str:
    """``not_open``, ``open`` (scoring), ``overdue`` — for a town whose package has not gone in."""
    if today < scoring_opens(year, open_day):
        return "not_open"
    return "overdue" if today > package_due(year, due_day) else "open"


def assessed_year(today: dt.date) -> int:
    """In January the round being finished is last year's; from mid-December, this year's."""
    return today.year - 1 if today.month == 1 else today.year
