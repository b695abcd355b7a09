"""Attendance screens: today's sheet, sign-in (one key), phone check, the candidate
queue, one person's month and the town's month summary — all at 80×24, every
action on a key shown in the footer. Every row they show comes from a service read
that takes the operator and keeps to her scope (``service``, ``service.daily``,
``service.summary``); the edit screens are in :mod:`.dialogs`.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Iterable

from textual import on
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static

from xinyi_core import Operator, OrgUnit, Person, ScreenEntry, clock, date_zh, org, t, weekday_zh
from xinyi_core.tui.screens import PromptScreen, XinyiScreen
from xinyi_core.tui.widgets import Column, ListSource, RecordList

from . import service
from .dialogs import CheckScreen, correct_form
from .service import daily, summary


def _towns(op: Operator) -> list[OrgUnit]:
    town = org.town_of(op)
    return [town] if town is not None else list(org.towns())


def _hm(value: dt.time | None) -> str:
    return f"{value:%H:%M}" if value else ""


class TownDay(XinyiScreen):
    """A screen about one town (cycled with T at city level) and one day or month."""

    def on_mount(self) -> None:
        self.towns = _towns(self.operator)
        self.town = self.towns[0] if self.towns else None
        self.day = clock.today()
        self.refresh_view()

    def check_action(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        if action == "town":
            return len(getattr(self, "towns", ())) > 1
        return super().check_action(action, parameters)

    def action_town(self) -> None:
        self.town = self.towns[(self.towns.index(self.town) + 1) % len(self.towns)]
        self.refresh_view()

    def refresh_view(self) -> None:  # pragma: no cover - every subclass draws itself
        raise NotImplementedError


class SheetScreen(TownDay):
    """Today's sheet: who is in, on leave or training, missing (ATT-2)."""

    TITLE_KEY = "attendance.screen.sheet"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("[", "day(-1)", t("attendance.key.prev_day"), key_display="["),
        Binding("]", "day(1)", t("attendance.key.next_day"), key_display="]"),
        Binding("t", "town", t("tui.key.town")),
        Binding("c", "go('attendance.screen.check')", t("attendance.key.check")),
        Binding("q", "go('attendance.screen.queue')", t("attendance.key.queue")),
        Binding("s", "go('attendance.screen.summary')", t("attendance.key.summary")),
        Binding("m", "go('attendance.screen.person')", t("attendance.key.person")),
    ]

    def compose_body(self) -> Iterable[Widget]:
        yield Static("", id="sheet-title", classes="section-title")
        yield RecordList([Column(t("attendance.col.name"), 8), Column(t("attendance.col.village"), 14),
                          Column(t("attendance.col.status"), 10), Column(t("attendance.col.in"), 5),
                          Column(t("attendance.col.out"), 5), Column(t("attendance.col.note"), 0)],
                         empty=t("attendance.empty"), id="sheet")

    def action_day(self, delta: int) -> None:
        self.day += dt.timedelta(days=delta)
        self.refresh_view()

    def check_action(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        if action == "go":  # only the screens this operator may open
            return parameters[0] in self.app.nav  # type: ignore[attr-defined]
        return super().check_action(action, parameters)

    def action_go(self, entry: str) -> None:
        person_id = self.query_one("#sheet", RecordList).current_id
        self.app.action_open(entry, {"person_id": person_id} if person_id else None)  # type: ignore[attr-defined]

    @on(RecordList.Selected, "#sheet")
    def _person(self, event: RecordList.Selected) -> None:
        self.app.action_open("attendance.screen.person", {"person_id": event.record_id})  # type: ignore[attr-defined]

    def refresh_view(self) -> None:
        if self.town is None:
            return
        rows = daily.sheet(self.operator, self.town, self.day)
        counts = {s: sum(1 for r in rows if r.status == s) for s in ("in", "excused", "missing")}
        self.query_one("#sheet-title", Static).update(t(
            "attendance.sheet_title", town=self.town.name, date=f"{self.day:%Y-%m-%d}",
            weekday=weekday_zh(self.day, short=True), **counts))
        self.query_one("#sheet", RecordList).set_source(ListSource([(r.person_id, r.name, r.village, r.status_text,
                                                                     _hm(r.sign_in), _hm(r.sign_out), _note(r))
                                                                    for r in rows]), keep_cursor=True)
        self.query_one("#sheet").focus()


def _note(r: daily.SheetRow) -> str:
    parts = [t("attendance.flag.late")] if r.late else []
    if r.early:
        parts.append(t("attendance.flag.early"))
    if r.failed_checks:
        parts.append(t("attendance.flag.failed_check", count=r.failed_checks))
    if r.absence:
        parts.append(t(f"attendance.absence.{r.absence}"))
    return " ".join(parts)


class SignScreen(TownDay):
    """Sign in / out with one key: Enter. An assistant signs herself; the clerk picks the person."""

    TITLE_KEY = "attendance.screen.sign"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "sign", t("attendance.key.sign"), priority=True),
        Binding("m", "month", t("attendance.key.person")),
    ]

    def action_month(self) -> None:
        person_id = self.operator.person_id or self.query_one("#sign-list", RecordList).current_id
        self.app.action_open("attendance.screen.person", {"person_id": person_id} if person_id else None)  # type: ignore[attr-defined]

    def compose_body(self) -> Iterable[Widget]:
        yield Static("", id="sign-status", classes="section-title")
        if self.operator.person_id is None:
            yield RecordList([Column(t("attendance.col.name"), 8), Column(t("attendance.col.village"), 14),
                              Column(t("attendance.col.in"), 5), Column(t("attendance.col.out"), 5)],
                             empty=t("attendance.empty"), id="sign-list")
        yield Static(t("attendance.sign_hint"), classes="hint")

    def _target(self) -> int | None:
        if self.operator.person_id is not None:
            return self.operator.person_id
        return self.query_one("#sign-list", RecordList).current_id

    def action_sign(self) -> None:
        person_id = self._target()
        if person_id is None:
            return
        row = service.day_of(self.operator, person_id, clock.today())
        kind = "out" if row is not None and row.sign_in is not None else "in"

        def done(row: Any) -> str:
            stamp = _hm(row.sign_in if kind == "in" else row.sign_out)
            return t(f"attendance.signed_{kind}", name=row.person.name, time=stamp)

        self.attempt(service.sign, self.operator, person_id, kind, done=done)

    def reload(self) -> None:
        self.refresh_view()

    def refresh_view(self) -> None:
        today = clock.today()
        if self.operator.person_id is not None:
            row = service.day_of(self.operator, self.operator.person_id, today)
            text = t("attendance.sign_state", date=date_zh(today, year=False, pad=True),
                     sign_in=_hm(row and row.sign_in) or "—", sign_out=_hm(row and row.sign_out) or "—")
            self.query_one("#sign-status", Static).update(text)
            return
        if self.town is None:
            return
        rows = daily.sheet(self.operator, self.town, today)
        self.query_one("#sign-status", Static).update(t("attendance.sign_town", town=self.town.name,
                                                        date=date_zh(today, year=False, pad=True)))
        plist = self.query_one("#sign-list", RecordList)
        plist.set_source(ListSource([(r.person_id, r.name, r.village, _hm(r.sign_in), _hm(r.sign_out)) for r in rows]),
                         keep_cursor=True)
        plist.focus()


class QueueScreen(XinyiScreen):
    """旷工 candidates waiting for the clerk: Y confirms, N clears — each with a reason (ATT-5)."""

    TITLE_KEY = "attendance.screen.queue"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "decide(True)", t("attendance.key.confirm")),
        Binding("n", "decide(False)", t("attendance.key.clear")),
        Binding("g", "refresh", t("tui.key.refresh")),
    ]
    PERMISSIONS = {"decide": "attendance.decide"}

    def compose_body(self) -> Iterable[Widget]:
        yield RecordList([Column(t("attendance.col.date"), 10), Column(t("attendance.col.name"), 8),
                          Column(t("attendance.col.village"), 14), Column(t("attendance.col.note"), 0)],
                         empty=t("attendance.queue_empty"), id="queue")

    def on_mount(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        rows = [(r.id, f"{r.date:%Y-%m-%d}", r.person.name, r.person.village.name,
                 t("attendance.flag.failed_check", count=r.failed_checks) if r.failed_checks else "")
                for r in service.open_candidates(self.operator).limit(500)]
        plist = self.query_one("#queue", RecordList)
        plist.set_source(ListSource(rows), keep_cursor=True)
        plist.focus()

    def reload(self) -> None:
        self.action_refresh()

    def action_decide(self, confirm: bool) -> None:
        day_id = self.query_one("#queue", RecordList).current_id
        if day_id is None:
            return
        title = t("attendance.key.confirm" if confirm else "attendance.key.clear")

        def done(reason: str | None) -> None:
            if reason:
                self.attempt(service.decide, self.operator, day_id, confirm, reason,
                             done=lambda row: t("attendance.decided", name=row.person.name, date=f"{row.date:%m-%d}"))

        self.app.push_screen(PromptScreen(title, t("attendance.field.reason")), callback=done)


class PersonMonthScreen(XinyiScreen):
    """One assistant's month, day by day; an assistant sees her own (ATT-5 counts on top)."""

    TITLE_KEY = "attendance.screen.person"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("[", "month(-1)", t("tui.key.prev_month"), key_display="["),
        Binding("]", "month(1)", t("tui.key.next_month"), key_display="]"),
        Binding("e", "correct", t("attendance.key.correct")),
    ]
    PERMISSIONS = {"correct": "attendance.correct"}

    def compose_body(self) -> Iterable[Widget]:
        yield Static(t("attendance.person_hint"), id="person-title", classes="section-title")
        yield RecordList([Column(t("attendance.col.date"), 9), Column(t("attendance.col.kind"), 8),
                          Column(t("attendance.col.note"), 0)], id="days")

    def on_mount(self) -> None:
        self.person_id = self.operator.person_id
        self.shown: Person | None = None  # whose month is on the screen
        self.month = clock.today().replace(day=1)
        self.draw()

    def apply_params(self, params: dict[str, Any]) -> None:
        if params.get("person_id"):
            self.person_id = params["person_id"]
            self.draw()

    def action_month(self, delta: int) -> None:
        m = self.month.month - 1 + delta
        self.month = dt.date(self.month.year + m // 12, m % 12 + 1, 1)
        self.draw()

    def action_correct(self) -> None:
        day = self.query_one("#days", RecordList).current_id
        if not self.person_id or day is None:
            return
        person = self.shown
        if person is None or person.id != self.person_id:
            return
        screen = correct_form(self.operator, person, day, service.day_of(self.operator, person.id, day))
        self.app.push_screen(screen, callback=lambda saved: saved and self.draw(keep_cursor=True))

    def draw(self, keep_cursor: bool = False) -> None:
        if not self.person_id:
            return
        month = summary.person_month_for(self.operator, self.person_id, self.month.year, self.month.month)
        if month is None:  # not hers to see: nothing shown
            return
        self.shown = month.person
        rows = [(d.date, f"{d.date:%m-%d} {weekday_zh(d.date, short=True)}", _kind(d.kind), d.text)
                for d in month.days]
        self.query_one("#person-title", Static).update(t(
            "attendance.person_title", name=month.person.name, year=self.month.year, month=self.month.month,
            absent=len(month.month_absent), year_absent=len(month.year_absent)))
        self.query_one("#days", RecordList).set_source(ListSource(rows), keep_cursor=keep_cursor)


def _kind(kind: str) -> str:
    return t("attendance.kind_unknown") if kind == "unknown" else t(f"calendar.kind.{kind}")


class SummaryScreen(TownDay):
    """The town's month (ASM-2): the same figures as the monthly .xlsx; R writes that file."""

    TITLE_KEY = "attendance.screen.summary"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("[", "month(-1)", t("tui.key.prev_month"), key_display="["),
        Binding("]", "month(1)", t("tui.key.next_month"), key_display="]"),
        Binding("t", "town", t("tui.key.town")),
        Binding("r", "report", t("attendance.key.report")),
    ]
    PERMISSIONS = {"report": "reports.run"}

    def compose_body(self) -> Iterable[Widget]:
        yield Static("", id="summary-title", classes="section-title")
        yield RecordList([Column(t("attendance.report.col.name"), 8), Column(t("attendance.report.col.village"), 12),
                          *(Column(t(f"attendance.report.col.{c}"), 6) for c in ("expected", "present", "late", "early")),
                          Column(t("attendance.col.excused"), 6),
                          *(Column(t(f"attendance.report.col.{c}"), 6) for c in ("absent", "open"))],
                         empty=t("attendance.empty"), id="summary")

    def on_mount(self) -> None:
        self.month = (clock.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)  # the month just ended
        super().on_mount()

    def action_month(self, delta: int) -> None:
        m = self.month.month - 1 + delta
        self.month = dt.date(self.month.year + m // 12, m % 12 + 1, 1)
        self.refresh_view()

    def refresh_view(self) -> None:
        if self.town is None:
            return
        rows = summary.town_month(self.operator, self.town, self.month.year, self.month.month)
        self.query_one("#summary-title", Static).update(t(
            "attendance.report.heading", unit=self.town.name, year=self.month.year, month=self.month.month))
        self.query_one("#summary", RecordList).set_source(ListSource(
            [(r.person_id, r.name, r.village, r.expected, r.present, r.late, r.early, r.leave + r.training,
              r.absent, r.open) for r in rows]))
        self.query_one("#summary").focus()

    def action_report(self) -> None:
        from xinyi_core import jobs

        self.attempt(jobs.submit, self.operator, "attendance.monthly", period=f"{self.month:%Y-%m}",
                     town=self.town.code, done=lambda job: t("attendance.report_queued", title=job.title), reload=False)


def entries() -> list[ScreenEntry]:
    return [ScreenEntry("", "attendance.screen.sheet", "attendance.sheet", SheetScreen, "attendance"),
            ScreenEntry("", "attendance.screen.sign", "attendance.sign", SignScreen, "attendance"),
            ScreenEntry("", "attendance.screen.queue", "attendance.decide", QueueScreen, "attendance"),
            ScreenEntry("", "attendance.screen.check", "attendance.check", CheckScreen, "attendance"),
            ScreenEntry("", "attendance.screen.person", "attendance.view", PersonMonthScreen, "attendance"),
            ScreenEntry("", "attendance.screen.summary", "attendance.sheet", SummaryScreen, "reports")]
