"""A month of a town's calendar: working days, weekends, holidays, make-up days, closures (ATT-1),
and — opened from a person — the days the enabled plugins mark for her (leave, training).

The grid is one Static drawn from a Rich Text (7 columns × 10 cells = 70 cells),
so moving the day cursor repaints one widget and fits 80×24.
"""
from __future__ import annotations

import calendar as pycal
import datetime as dt
from typing import ClassVar, Iterable

from rich.cells import set_cell_size
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static

from ... import auth, calendar, clock, org, people
from ...errors import CalendarUnavailable
from ...fmt import date_weekday
from ...i18n import t
from ...models import OrgUnit
from .. import hooks
from .base import XinyiScreen

CELL = 10
# ANSI colour names: readable in a 16-colour terminal.
KIND_STYLE = {"workday": "", "weekend": "dim", "holiday": "bold red", "makeup": "bold yellow",
              "closure": "bold magenta"}
MARK_STYLE = "bold cyan"


class CalendarScreen(XinyiScreen):
    TITLE_KEY = "tui.nav.calendar"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("pageup", "month(-1)", t("tui.key.prev_month")),
        Binding("pagedown", "month(1)", t("tui.key.next_month")),
        Binding("t", "town", t("tui.key.town")),
        Binding("escape", "back", t("tui.key.back")),
        Binding("left", "day(-1)", show=False), Binding("right", "day(1)", show=False),
        Binding("up", "day(-7)", show=False), Binding("down", "day(7)", show=False),
    ]

    def __init__(self, person_id: int | None = None) -> None:
        super().__init__()
        self.person_id = person_id
        self.day = clock.today()
        self._kinds: dict[dt.date, str] = {}
        self._marks: dict[dt.date, list] = {}
        self._failures: list[str] = []
        self._missing = False
        self._month: tuple[int, int] | None = None

    def compose_body(self) -> Iterable[Widget]:
        yield Static("", id="cal-title", classes="section-title")
        yield Static("", id="cal-grid")
        yield Static("", id="cal-detail")

    def on_mount(self) -> None:
        self.person = people.get(self.operator, self.person_id) if self.person_id else None
        self.towns = self._towns()
        self.town = self.towns[0] if self.towns else None
        self.query_one("#cal-grid").can_focus = True
        self.draw()

    def _towns(self) -> list[OrgUnit]:
        if self.person is not None:
            return [self.person.town]
        code = auth.town_code_of(self.operator)
        return [org.by_code(code)] if code else list(org.towns())

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "town":
            return len(getattr(self, "towns", ())) > 1
        return super().check_action(action, parameters)

    def action_month(self, delta: int) -> None:
        month = self.day.month - 1 + delta
        year = self.day.year + month // 12
        month = month % 12 + 1
        self.day = dt.date(year, month, min(self.day.day, pycal.monthrange(year, month)[1]))
        self.draw()

    def action_day(self, delta: int) -> None:
        self.day += dt.timedelta(days=delta)
        self.draw()

    def action_town(self) -> None:
        self.town = self.towns[(self.towns.index(self.town) + 1) % len(self.towns)]
        self._month = None
        self.draw()

    def action_back(self) -> None:
        self.dismiss()

    # ------------------------------------------------------------------ drawing

    def _load_month(self) -> None:
        year, month = self.day.year, self.day.month
        start, end = dt.date(year, month, 1), dt.date(year, month, pycal.monthrange(year, month)[1])
        self._kinds, self._marks, self._missing, self._failures = {}, {}, False, []
        try:
            self._kinds = {d: calendar.day_kind(self.town, d) for d in calendar.days(start, end)}
        except CalendarUnavailable:
            self._missing = True
        if self.person is not None:
            marks, failures = hooks.flat(self.town.code, "xinyi_calendar_marks", person=self.person,
                                         start=start, end=end)
            for mark in marks:
                self._marks.setdefault(mark.date, []).append(mark)
            self._failures = failures
        self._month = (year, month)

    def draw(self) -> None:
        if self.town is None:
            return
        if self._month != (self.day.year, self.day.month):
            self._load_month()
        title = (t("tui.calendar.person_title", name=self.person.name, town=self.town.name, year=self.day.year,
                   month=self.day.month) if self.person is not None else
                 t("tui.calendar.title", town=self.town.name, year=self.day.year, month=self.day.month))
        self.query_one("#cal-title", Static).update(title)
        self.query_one("#cal-grid", Static).update(self._grid())
        self.query_one("#cal-detail", Static).update(self._detail())

    def _label(self, day: dt.date) -> tuple[str, str]:
        marks = self._marks.get(day)
        if marks:
            return marks[0].label, MARK_STYLE
        kind = self._kinds.get(day, "")
        if kind == "holiday":
            return calendar.holiday_name(day) or t("calendar.kind.holiday"), KIND_STYLE[kind]
        if kind in ("makeup", "closure"):
            return t(f"calendar.kind.{kind}"), KIND_STYLE[kind]
        return "", KIND_STYLE.get(kind, "")

    def _grid(self) -> Text:
        text = Text()
        for name in t("tui.calendar.weekdays").split():
            text.append(set_cell_size(f"  {name}", CELL), "bold")
        for week in pycal.Calendar().monthdatescalendar(self.day.year, self.day.month):
            numbers, labels = Text(), Text()
            for d in week:
                if d.month != self.day.month:
                    numbers.append(" " * CELL)
                    labels.append(" " * CELL)
                    continue
                label, style = self._label(d)
                kind_style = KIND_STYLE.get(self._kinds.get(d, ""), "")
                number_style = f"{kind_style} reverse".strip() if d == self.day else kind_style
                numbers.append(set_cell_size(f"  {d.day:>2}", CELL), number_style)
                labels.append(set_cell_size(f"  {label}", CELL), style)
            text.append("\n")
            text.append_text(numbers)
            text.append("\n")
            text.append_text(labels)
        return text

    def _detail(self) -> str:
        if self._missing:
            return t("tui.calendar.unavailable")
        kind = self._kinds.get(self.day, "")
        extra = [calendar.holiday_name(self.day) or ""] + [m.label for m in self._marks.get(self.day, [])]
        start, end = calendar.working_hours(self.town, self.day)
        work = sum(1 for k in self._kinds.values() if k in ("workday", "makeup"))
        return "\n".join([
            t("tui.calendar.day_detail", date=date_weekday(self.day), kind=t(f"calendar.kind.{kind}"),
              extra="".join(f"  {e}" for e in extra if e)),
            t("tui.calendar.hours", start=f"{start:%H:%M}", end=f"{end:%H:%M}") + "  "
            + t("tui.calendar.working_days", count=work),
            *self._failures,
        ])
