"""What the training rules decide, as plain functions (no database, no UI).

TRN-1 pre-job exam gates going on duty; TRN-2 in-service attendance; TRN-3 the
quarterly publicity-article quota, its reminders and its shortfall.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Sequence

QUARTER_NAMES = ("一", "二", "三", "四")


# --------------------------------------------------------------------------- quarters

@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    q: int  # 1..4

    @classmethod
    def of(cls, day: dt.date) -> "Quarter":
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> "Quarter":
        """``2026-Q4`` (the form ``xinyi report --period`` uses)."""
        year, q = text.upper().split("-Q")
        quarter = cls(int(year), int(q))
        if not 1 <= quarter.q <= 4:
            raise ValueError(text)
        return quarter

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, 3 * self.q - 2, 1)

    @property
    def last(self) -> dt.date:
        return self.next().first - dt.timedelta(days=1)

    def next(self) -> "Quarter":
        return Quarter(self.year + 1, 1) if self.q == 4 else Quarter(self.year, self.q + 1)

    def prev(self) -> "Quarter":
        return Quarter(self.year - 1, 4) if self.q == 1 else Quarter(self.year, self.q - 1)

    @property
    def code(self) -> str:
        return f"{self.year}-Q{self.q}"

    @property
    def zh(self) -> str:
        return f"{self.year}年第{QUARTER_NAMES[self.q - 1]}季度"


def quarters_of(year: int) -> list[Quarter]:
    return [Quarter(year, q) for q in (1, 2, 3, 4)]


# --------------------------------------------------------------------------- TRN-1

def passes(score: float, pass_mark: float) -> bool:
    """TRN-1: a pre-job exam is passed at the pass mark or above."""
    return score >= pass_mark


def exam_refusal(scores: Sequence[tuple[float, float]]) -> tuple[str, dict] | None:
    """What keeps a person from the post under TRN-1, as (reason, params); None once she passed.

    ``scores`` are her pre-job exam results as (score, pass mark): ``no_exam``
    when there is none, ``failed`` with her best score when none reaches its
    mark. The status gate (:func:`on_duty_refusal`) and the day-by-day duty
    check (``xinyi_duty_refusals``) both ask this, so they never disagree.
    """
    if not scores:
        return "no_exam", {}
    if any(passes(s, m) for s, m in scores):
        return None
    best, mark = max(scores)
    return "failed", {"score": f"{best:g}", "pass_mark": f"{mark:g}"}


def on_duty_refusal(new_status: str, scores: Sequence[tuple[float, float]]) -> tuple[str, dict] | None:
    """Why a person may not go on duty (TRN-1), as (message key, params); None if she may.

    ``scores`` are her pre-job exam results as (score, pass mark). Only a move
    to ``on_duty`` is gated: nobody is stopped from leaving.
    """
    if new_status != "on_duty":
        return None
    refusal = exam_refusal(scores)
    return (f"veto.{refusal[0]}", refusal[1]) if refusal else None


# --------------------------------------------------------------------------- TRN-2

def check_attendance(attendance: str, reason: str, *, today: dt.date, start_on: dt.date) -> str | None:
    """The message key of what is wrong with an attendance entry (TRN-2), or None.

    An absence is excused only with a reason; nothing is recorded before the
    session begins.
    """
    if attendance not in ("present", "excused", "unexcused"):
        return "error.bad_attendance"
    if today < start_on:
        return "error.not_started"
    if attendance == "excused" and not reason.strip():
        return "error.reason_required"
    return None


# --------------------------------------------------------------------------- TRN-3

def owes_quota(status: str, joined_on: dt.date | None, departed_on: dt.date | None, quarter: Quarter) -> bool:
    """Whether a person owes the article quota for ``quarter``.

    She owes it if she was on the roll for the whole quarter: past the pre-job
    exam (not a candidate), joined on or before its first day (no date: before
    the system) and not gone before its last day. A new hire owes from her first
    full quarter; someone leaving mid-quarter owes nothing for it.
    """
    if status == "candidate":
        return False
    if joined_on is not None and joined_on > quarter.first:
        return False
    return departed_on is None or departed_on > quarter.last


def shortfall(submitted: int, quota: int) -> int:
    """How many articles are missing (TRN-3)."""
    return max(0, quota - submitted)


def reminder_offset(today: dt.date, offsets: Iterable[int]) -> int | None:
    """Which reminder (days before the quarter's last day) is due ``today`` (TRN-3).

    A reminder is due from its day to the quarter's end; the latest milestone
    passed wins, so a daily job that missed a day (scheduler down) still sends
    it late rather than never, and the key (person, quarter, offset) keeps it
    to one alert.
    """
    last = Quarter.of(today).last
    due = [d for d in offsets if last - dt.timedelta(days=d) <= today]
    return min(due) if due else None


def quarters_short(counts: dict[Quarter, int], owed: Iterable[Quarter], quota: int) -> list[tuple[Quarter, int]]:
    """The owed quarters with articles missing, as (quarter, missing)."""
    return [(q, shortfall(counts.get(q, 0), quota)) for q in sorted(owed) if shortfall(counts.get(q, 0), quota)]
