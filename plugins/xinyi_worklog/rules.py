"""What the work log decides, as plain functions (WORK-1, WORK-2, ASM-5 item 4).

No database, no UI: the service and the screens call these, and the tests
call them directly.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from xinyi_core import ValidationError, t, validators

# DUTY: the 15 duties of 一、工作职责, short names; the default of setting ``duties``.
DEFAULT_DUTIES = (
    "政策宣传咨询", "人力资源调查", "企业用工调查", "就业失业登记", "就业信息服务",
    "培训信息发布", "创业担保贷款", "就业困难帮扶", "城乡居民养老保险", "社会保障卡",
    "全民参保登记", "被征地农民社保", "窗口服务建设", "问题反馈上报", "其他交办工作",
)
ITEM4 = 4  # 附件1 item 4: 工作日志及政策咨询
ITEM4_POINTS = 2.0  # ASM-5: item 4 → 2 points
MISSING_RULES = ("zero", "per_record")


# --------------------------------------------------------------------------- periods

def period_of(day: dt.date) -> str:
    return f"{day:%Y-%m}"


def previous_period(today: dt.date) -> str:
    """The month before ``today``'s: the one the town checks now (WORK-2)."""
    return period_of(today.replace(day=1) - dt.timedelta(days=1))


def month_bounds(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of ``YYYY-MM``."""
    first = dt.date.fromisoformat(period + "-01")
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)


def month_is_over(period: str, today: dt.date) -> bool:
    """A month can be checked only once it has ended: checking locks it (WORK-2)."""
    return month_bounds(period)[1] < today


# --------------------------------------------------------------------------- entries

def entry_errors(values: dict[str, Any], duties: Sequence[str], today: dt.date, *,
                 submitting: bool) -> dict[str, str]:
    """Field → Chinese message for a log entry. A draft needs only a date and a duty;
    a submitted entry also needs the progress made (WORK-2: kept truthfully and in detail).
    """
    errors: dict[str, str] = {}
    day = values.get("day")
    if not isinstance(day, dt.date):
        errors["day"] = t("worklog.err.date", example=validators.date_example(today))
    elif day > today:
        errors["day"] = t("worklog.err.future")
    if values.get("category") not in duties:
        errors["category"] = t("worklog.err.category")
    if submitting and not str(values.get("progress") or "").strip():
        errors["progress"] = t("worklog.err.progress_required")
    return errors


def is_thin(progress: str, min_chars: int) -> bool:
    """WORK-2 / item 4 "记载不详实": the progress written is shorter than ``min_chars`` characters
    (whitespace ignored). ``min_chars`` is the setting ``thin_min_chars``.
    """
    return len("".join(str(progress or "").split())) < min_chars


def parse_day(text: Any, today: dt.date) -> dt.date | None:
    """A typed log day: any date the core's date fields take (``2026-05-07``, ``2026.5.7``, ``20260507``,
    ``5-7`` this year) or ``7`` (this month) → a date; else None."""
    return validators.parse_date(text, today=today, bare_day=True)


# --------------------------------------------------------------------------- the monthly check

def gap_days(working: Iterable[dt.date], logged: set[dt.date], excused: set[dt.date], *,
             on_post_from: dt.date | None = None, on_post_until: dt.date | None = None) -> list[dt.date]:
    """WORK-2: the town's working days with no submitted entry.

    Days outside working days are never gaps (weekends, holidays, town closures);
    nor are days another plugin excused (approved leave, training days), nor days
    before the assistant joined or after she left.
    """
    return [d for d in working
            if d not in logged and d not in excused
            and (on_post_from is None or d >= on_post_from)
            and (on_post_until is None or d <= on_post_until)]


@dataclass(frozen=True)
class Item4:
    """The score of 附件1 item 4 (工作日志及政策咨询, 2 points) from the checks' findings."""

    missing: int  # working days without an entry (未记载 / 记载不全)
    thin: int  # entries too thin to be useful (记载不详实)
    deduction: float
    score: float
    points: float = ITEM4_POINTS


def item4(missing: int, thin: int, *, missing_rule: str = "zero", per_record: float = 0.5,
          points: float = ITEM4_POINTS) -> Item4:
    """ASM-5 item 4, within [0, points].

    The scoring sheet says: "未记载或记载不全不得分，记载不详实每一次扣0.5分". With
    ``missing_rule = "zero"`` (the original, the default) any missing day makes the item
    score 0 and each thin entry costs 0.5; with ``"per_record"`` a missing day costs 0.5
    like a thin entry (−0.5 each, floor 0).
    """
    if missing_rule == "zero" and missing > 0:
        deduction = points
    else:
        counted = thin + (missing if missing_rule == "per_record" else 0)
        deduction = min(points, per_record * counted)
    return Item4(missing, thin, deduction, max(0.0, points - deduction), points)


# --------------------------------------------------------------------------- the city's spot check

def int_or_none(values: dict[str, Any], name: str) -> int | None:
    """The whole number typed in field ``name`` (a spot check's size or seed), None when blank."""
    text = str(values.get(name) or "").strip()
    if not text:
        return None
    if not text.isdecimal():  # not isdigit: "²" is a digit that int() refuses; "１０" (full-width) is fine
        raise ValidationError(name, "worklog.err.size")
    return int(text)


def pick_for_spot_check(candidates: Iterable[int], size: int | None, seed: int) -> list[int]:
    """WORK-2: the city picks ``size`` assistants at random (``None``: all of them).

    The same candidates and seed always give the same pick, so a spot check can
    be shown to have been random: the seed is recorded with it.
    """
    pool = sorted(set(candidates))
    if size is None or size >= len(pool):
        return pool
    return sorted(random.Random(seed).sample(pool, max(0, size)))


# --------------------------------------------------------------------------- settings

def strings(value: Any) -> bool:
    """A setting that lists names (duties, excusing marks) holds at least one, none blank."""
    return bool(value) and all(isinstance(v, str) and v.strip() for v in value)
