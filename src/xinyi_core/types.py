"""Plain value types that plugins return from hooks."""
from __future__ import annotations

import datetime as dt

from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class CalendarMark:
    """A day a plugin marks for a person (leave, training …), via ``xinyi_calendar_marks``."""

    date: dt.date
    kind: str  # e.g. "leave", "training"
    label: str  # Chinese, shown in the calendar and the daily sheet
    excused: bool = True  # an excused absence is never 旷工


@dataclass(frozen=True)
class AssessmentFact:
    """Something a plugin knows that bears on a person's annual assessment."""

    rule: str  # rule ID, e.g. "ATT-5": for the code and the city's checks, never printed on a screen
    label: str  # Chinese, shown alone to the assessor and on the person page: says its count ("全年事假 2 天")
    value: float  # a count, days, points … as the item defines
    item: int | None = None  # the scoring-sheet item it affects (附件1), if any
    veto: bool = False  # fails the year whatever the score (ASM-4, ATT-5)
    evidence: tuple[str, ...] = ()  # human-readable references (dates, record ids)


@dataclass(frozen=True)
class MonthFact:
    """Something a plugin counted in a person's month, for the routine assessment (ASM-2).

    A typed value, not a sentence: a reader that knows the plugin picks a fact by
    ``key``; any other reader prints ``label``, ``value``, ``unit`` (and ``of``)
    as it likes, so the publication can show facts of plugins it has never heard of.
    """

    rule: str  # rule ID, e.g. "ATT-2"
    key: str  # stable, prefixed by the plugin: "attendance.present"
    label: str  # Chinese, e.g. "出勤"
    value: int | float  # a count: days, times …
    unit: str = ""  # Chinese unit of ``value``: "天", "次"
    of: int | float | None = None  # the whole ``value`` is part of, if any (出勤 19 of 21 working days)
    evidence: tuple[str, ...] = ()  # what the count rests on (dates, record ids)


@dataclass(frozen=True)
class ScreenEntry:
    """A navigation entry in the terminal UI."""

    key: str  # the binding, e.g. "a"
    title: str  # catalogue key for the title
    permission: str  # named action required to see it
    factory: Callable[[], Any]  # builds the Textual Screen
    group: str = "plugins"


@dataclass(frozen=True)
class DashboardItem:
    """A to-do on an operator's home screen."""

    title: str  # Chinese text (already translated)
    screen: str  # the ScreenEntry title key to open
    count: int = 1
    urgent: bool = False
    params: dict[str, Any] = field(default_factory=dict)
