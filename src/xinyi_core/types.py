"""Plain value types that plugins return from hooks."""
from __future__ import annotations

import dataclasses
import datetime as dt
import typing
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Mapping, TypeVar

P = TypeVar("P", bound="AlertPayload")


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


SCREEN_GROUPS = ("people", "attendance", "leave", "worklog", "training", "departure", "assessment", "reports",
                 "system")
"""The business groups of the home menu, in order: digits 1–9 on the home screen, and F3–F10 open the
first entry an operator may open of groups 1–8. Any other ``ScreenEntry.group`` is shown under 0 其他."""


@dataclass(frozen=True)
class ScreenEntry:
    """A navigation entry in the terminal UI: a line of the home menu, under its business group."""

    key: str  # "" (usual), or the letter it would like within its group on the home menu, e.g. "v"
    title: str  # catalogue key for the title
    permission: str  # named action required to see it
    # builds the Textual Screen; or "package.module:Class", imported on the screen's first visit — not as
    # every session starts (a server runs one app per operator: each module imported is memory in each)
    factory: Callable[[], Any] | str
    group: str = ""  # one of SCREEN_GROUPS; anything else: 0 其他


@dataclass(frozen=True)
class DashboardItem:
    """A to-do on an operator's home screen."""

    title: str  # Chinese text (already translated)
    screen: str  # the ScreenEntry title key to open
    count: int = 1
    urgent: bool = False
    params: dict[str, Any] = field(default_factory=dict)


CHART_KINDS = ("hbar", "stacked", "line", "vbar")
"""How a :class:`DashboardChart` is drawn: ``hbar`` one horizontal bar per label for each series (towns
down the side), ``stacked`` the series stacked in one horizontal bar per label (shares of a whole),
``line`` one line per series over the labels (months), ``vbar`` the series stacked in one vertical
bar per label (months)."""


@dataclass(frozen=True)
class DashboardChart:
    """One chart of the dashboard screen and its numbers (``xinyi_dashboard_series``).

    ``labels`` are the categories (town names, months), ``series`` the named rows of values, one
    value per label; the dashboard draws them as ``kind`` (:data:`CHART_KINDS`) and shows the same
    numbers as a table one key away. Everything shown is Chinese and already translated.
    """

    key: str  # stable id within the plugin ("attendance.rate"): the screen remembers the chart by it
    title: str  # "出勤率（2026年11月）"
    short: str  # at most 4 characters, on the chart selector row ("出勤率")
    kind: str  # one of CHART_KINDS
    labels: tuple[str, ...]
    series: tuple[tuple[str, tuple[float, ...]], ...]  # (name, one value per label)
    unit: str = ""  # of the values: "%", "天", "个"
    cap: float | None = None  # a reference line drawn across the chart (the 20% cap)
    cap_label: str = ""  # what the line is ("优秀比例上限 20%")
    note: str = ""  # one line under the title: what is counted, the axis ("横轴：月份")
    order: int = 100  # position on the selector, smaller first
    label_title: str = ""  # the table's first column header ("镇街", "月份")
    ticks: tuple[str, ...] = ()  # short axis labels in digits, one per label ("11" for 2026年11月); "": labels


# --------------------------------------------------------------------------- what alerts tell other plugins

_PAYLOADS: dict[tuple[str, str], type[AlertPayload]] = {}


@dataclass(frozen=True)
class AlertPayload:
    """What an alert tells the plugins that hear it (``xinyi_alert_raised``): typed values, not text.

    A plugin never imports another, so the alerts one plugin raises for another
    to act on are declared here, in the core, one subclass per ``(SOURCE, KIND)``:
    codes (``"rescinded"``), ISO dates and counts — never a Chinese display
    string, which may be reworded at any time. The raiser passes an instance as
    ``data`` to :func:`xinyi_core.alerts.raise_alert`; a listener reads it back
    with :func:`xinyi_core.alerts.payload_of`. ``JSON_NAMES`` maps a field to
    its key in the stored ``Alert.data`` where the two differ.
    """

    SOURCE: ClassVar[str] = ""
    KIND: ClassVar[str] = ""
    RULE: ClassVar[str] = ""
    JSON_NAMES: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.SOURCE and cls.KIND:
            _PAYLOADS[(cls.SOURCE, cls.KIND)] = cls

    @classmethod
    def of_kind(cls, source: str, kind: str) -> type[AlertPayload] | None:
        """The payload type declared for alerts of ``source`` and ``kind``, if any."""
        return _PAYLOADS.get((source, kind))

    def to_data(self) -> dict[str, Any]:
        """The JSON stored in ``Alert.data``: dates as ISO text."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[self.JSON_NAMES.get(f.name, f.name)] = value.isoformat() if isinstance(value, dt.date) else value
        return out

    @classmethod
    def from_data(cls: type[P], data: Mapping[str, Any] | None) -> P:
        """Read a stored ``Alert.data`` back; a missing key takes the field's default (``None`` if it has none)."""
        data = data or {}
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            key = cls.JSON_NAMES.get(f.name, f.name)
            if key in data:
                value = data[key]
                if isinstance(value, str) and dt.date in (hints[f.name], *typing.get_args(hints[f.name])):
                    value = dt.date.fromisoformat(value)
                values[f.name] = value
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                values[f.name] = None
        return cls(**values)


@dataclass(frozen=True)
class OffPostAlert(AlertPayload):
    """ATT-6: more than the limit of days off post without leave (attendance → departure).

    ``proposes`` is the 附件5 departure category it proposes, as a code
    (``"rescinded"``: 解除合同); ``start``..``end`` is the run off post, ``days``
    its length counted as ``count`` says (``"calendar"`` or ``"working"`` days),
    ``missed_working_days`` the working days missed in it.
    """

    SOURCE: ClassVar[str] = "attendance"
    KIND: ClassVar[str] = "off_post"
    RULE: ClassVar[str] = "ATT-6"
    JSON_NAMES: ClassVar[dict[str, str]] = {"start": "from", "end": "to", "proposes": "proposed_category"}

    days: int
    start: dt.date | None
    end: dt.date | None
    missed_working_days: int = 0
    count: str = "calendar"
    proposes: str = "rescinded"
