"""Attendance screens: today's sheet, sign-in and sign-out (a key each, asked once), phone check, the candidate
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

from xinyi_core import Operator, OrgUnit, Person, clock, date_zh, duty_refusals, org, t, weekday_zh
from xinyi_core.tui.screens import PromptScreen, XinyiScreen
from xinyi_core.tui.widgets import Column, ListSource, RecordList

from . import service
from .dialogs import CheckScreen, correct_form, sign_confirm
from .service import daily, summary


def _towns(op: Operator) -> list[OrgUnit]:
    town = org.town_of(op)
    return [town] if town is not None else list(org.towns())


def _hm(value: dt.time | None) -> str:
    return f"{value:%H:%M}" if value else ""


QUIET_ENTER = Binding("enter", "nothing", "", show=False, priority=True)


class QuietEnter(XinyiScreen):
    """Enter with nothing to open (an empty list, a row with nothing left to do) does nothing, and the
    footer offers no ``⏎`` for it. Put :data:`QUIET_ENTER` after the screen's own Enter binding, if
    any; :meth:`quiet_enter` says when it applies (by default: ``LIST_ID``'s list is empty)."""

    LIST_ID: ClassVar[str] = ""

    def quiet_enter(self) -> bool:
        lists = self.query(f"#{self.LIST_ID}") if self.LIST_ID else None
        return not lists or not lists.first(RecordList).count

    def check_action(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        if action == "nothing":
            return self.quiet_enter()
        return super().check_action(action, parameters)

    def action_nothing(self) -> None:
        pass


class TownDay(QuietEnter):
    """A screen about one town (cycled with T at city level) and one day or month.

    Shown again (another screen was on top, or the operator comes back to it), it reads
    again: the clerk at the next desk may have signed someone in meanwhile.
    """

    def on_mount(self) -> None:
        self.towns = _towns(self.operator)
        self.town = self.towns[0] if self.towns else None
        self.day = clock.today()
        self.refresh_view()

    def on_screen_resume(self) -> None:
        if hasattr(self, "towns"):
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
        QUIET_ENTER,
    ]
    LIST_ID = "sheet"

    def compose_body(self) -> Iterable[Widget]:
        yield Static("", id="sheet-title", classes="section-title")
        yield RecordList([Column(t("attendance.col.name"), 8), Column(t("attendance.col.village"), 14),
                          Column(t("attendance.col.status"), 10), Column(t("attendance.col.in"), 5),
                          Column(t("attendance.col.out"), 5), Column(t("attendance.col.note"), 0)],
                         empty=t("attendance.sheet_empty"), id="sheet")

    def action_day(self, delta: int) -> None:
        self.day += dt.timedelta(days=delta)
        self.refresh_view()

    def check_action(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        if action == "go":  # only the screens this operator may open, and use for this town
            if parameters[0] == "attendance.screen.check" and not getattr(self, "_checks", False):
                return False
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
        self._checks = service.is_keeper(self.operator, self.town, "attendance.check")  # ATT-2: the clerk's calls
        counts = {s: sum(1 for r in rows if r.status == s) for s in ("in", "excused", "missing")}
        self.query_one("#sheet-title", Static).update(t(
            "attendance.sheet_title", town=self.town.name, date=f"{self.day:%Y-%m-%d}",
            weekday=weekday_zh(self.day, short=True), **counts))
        self.query_one("#sheet", RecordList).set_source(ListSource([(r.person_id, r.name, r.village, r.status_text,
                                                                     _hm(r.sign_in), _hm(r.sign_out), _note(r))
                                                                    for r in rows]), keep_cursor=True)
        self.query_one("#sheet").focus()
        self.refresh_bindings()


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
    """Sign in and sign out: two keys, each asked once — Enter (or i) 签到, o 签退.

    An assistant signs herself; the clerk (or the town head) picks the person in the
    town's list. A key is offered only when it applies to the highlighted person: 签到
    before she signed in, 签退 after, nothing once she signed out — and none to an
    operator who does not keep the town's attendance (ATT-2). The question names the
    person and the time and says what to know first (a rest day, late, early …).
    """

    TITLE_KEY = "attendance.screen.sign"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "sign('in')", t("attendance.key.sign_in"), priority=True),
        Binding("i", "sign('in')", t("attendance.key.sign_in"), show=False),
        Binding("o", "sign('out')", t("attendance.key.sign_out")),
        QUIET_ENTER,  # a row with nothing to sign: Enter does nothing
        Binding("m", "month", t("attendance.key.person")),
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rows: dict[int, tuple[dt.time | None, dt.time | None]] = {}  # person → (sign_in, sign_out) today
        self._names: dict[int, str] = {}
        self._refusal = ""  # why this operator signs nobody here
        self._off_duty: dict[int, str] = {}  # person → why she is not on duty today ("" when she is)

    def action_month(self) -> None:
        person_id = self.operator.person_id or self.query_one("#sign-list", RecordList).current_id
        self.app.action_open("attendance.screen.person", {"person_id": person_id} if person_id else None)  # type: ignore[attr-defined]

    def compose_body(self) -> Iterable[Widget]:
        yield Static("", id="sign-status", classes="section-title")
        if self.operator.person_id is None:
            yield RecordList([Column(t("attendance.col.name"), 8), Column(t("attendance.col.village"), 14),
                              Column(t("attendance.col.status"), 10), Column(t("attendance.col.in"), 5),
                              Column(t("attendance.col.out"), 5)],
                             empty=t("attendance.sign_empty"), id="sign-list")
        yield Static("", id="sign-hint", classes="hint")

    def _target(self) -> int | None:
        if self.operator.person_id is not None:
            return self.operator.person_id
        lists = self.query("#sign-list")
        return lists.first(RecordList).current_id if lists else None

    def _not_on_duty(self, person_id: int) -> str:
        """Why ``person_id`` cannot be signed today (TRN-1, ORG-2), asked once per person and reading."""
        if person_id not in self._off_duty:
            person = service.person_of(self.operator, person_id)
            self._off_duty[person_id] = "；".join(duty_refusals(person, clock.today())) if person else ""
        return self._off_duty[person_id]

    def offered(self) -> str | None:
        """What the highlighted person may be signed for now: ``in``, ``out`` or nothing."""
        person_id = self._target()
        if self._refusal or person_id not in self._rows or self._not_on_duty(person_id):
            return None
        sign_in, sign_out = self._rows[person_id]
        return "in" if sign_in is None else "out" if sign_out is None else None

    def check_action(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        if action == "sign":
            return parameters[0] == self.offered()
        return super().check_action(action, parameters)

    def quiet_enter(self) -> bool:
        return True  # after 签到's own Enter: it acts only when 签到 is not offered

    def action_sign(self, kind: str) -> None:
        person_id = self._target()
        if person_id is None or kind != self.offered():
            return
        person = service.person_of(self.operator, person_id)
        if person is None:
            return
        now = clock.now()
        question = t(f"attendance.confirm_{kind}", name=person.name, date=date_zh(now.date(), year=False, pad=True),
                     time=f"{now:%H:%M}")

        def done(row: Any) -> str:
            stamp = _hm(row.sign_in if kind == "in" else row.sign_out)
            return t(f"attendance.signed_{kind}", name=row.person.name, time=stamp)

        def answered(yes: bool | None) -> None:
            if yes:
                self.attempt(service.sign, self.operator, person_id, kind, done=done)

        self.app.push_screen(sign_confirm(question, daily.sign_warnings(person, kind, now)), callback=answered)

    def reload(self) -> None:
        self.refresh_view()

    @on(RecordList.Highlighted, "#sign-list")
    def _highlighted(self, event: RecordList.Highlighted) -> None:
        self._hint()
        self.refresh_bindings()

    def refresh_view(self) -> None:
        today = clock.today()
        day = date_zh(today, year=False, pad=True, weekday=True)
        if self.operator.person_id is not None:  # an assistant: her own day
            me = service.person_of(self.operator, self.operator.person_id)
            if me is None:
                return
            row = service.day_of(self.operator, me.id, today)
            self._rows = {me.id: (row and row.sign_in, row and row.sign_out)}
            self._names = {me.id: me.name}
            self._off_duty = {}
            self.query_one("#sign-status", Static).update(t(
                "attendance.sign_state", date=day, sign_in=_hm(row and row.sign_in) or "—",
                sign_out=_hm(row and row.sign_out) or "—"))
        elif self.town is not None:
            rows = daily.sheet(self.operator, self.town, today)
            self._rows = {r.person_id: (r.sign_in, r.sign_out) for r in rows}
            self._names = {r.person_id: r.name for r in rows}
            self._off_duty = {}
            self._refusal = ("" if service.is_keeper(self.operator, self.town, "attendance.sign")
                             else t("attendance.sign_not_keeper", town=self.town.name))
            signed_in = sum(1 for r in rows if r.sign_in is not None)
            signed_out = sum(1 for r in rows if r.sign_out is not None)
            self.query_one("#sign-status", Static).update(t(
                "attendance.sign_town", town=self.town.name, date=day, signed_in=signed_in, signed_out=signed_out,
                waiting=len(rows) - signed_in))
            plist = self.query_one("#sign-list", RecordList)
            plist.set_source(ListSource([(r.person_id, r.name, r.village, _sign_state(r), _hm(r.sign_in),
                                          _hm(r.sign_out)) for r in rows]), keep_cursor=True)
            plist.focus()
        self._hint()
        self.refresh_bindings()

    def _hint(self) -> None:
        """The line under the list: what the keys do for the highlighted person, or why there are none."""
        person_id = self._target()
        me = "_me" if self.operator.person_id is not None else ""
        text = self._refusal
        if not text and person_id in self._rows and self._not_on_duty(person_id):
            text = t(f"attendance.hint_off_duty{me}", who=self._names[person_id], reasons=self._not_on_duty(person_id))
        elif not text and person_id in self._rows:
            sign_in, sign_out = self._rows[person_id]
            state = "in" if sign_in is None else "out" if sign_out is None else "done"
            text = t(f"attendance.hint_{state}{me}", who=self._names[person_id], sign_in=_hm(sign_in),
                     sign_out=_hm(sign_out))
        self.query_one("#sign-hint", Static).update(text)


def _sign_state(r: daily.SheetRow) -> str:
    """签到签退's state column: signed out, signed in, on leave or training (the mark's label), not yet."""
    if r.sign_out is not None:
        return t("attendance.sign_done")
    if r.sign_in is not None:
        return t("attendance.sign_in_only")
    return r.excuse if r.status == "excused" else t("attendance.sign_none")


class QueueScreen(QuietEnter):
    """旷工 candidates waiting for the clerk: Y confirms, N clears — each with a reason (ATT-5).

    The keys are offered on a candidate of a town this operator keeps (ATT-2); Enter opens
    the person's month at that day, to look before deciding.
    """

    TITLE_KEY = "attendance.screen.queue"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "decide(True)", t("attendance.key.confirm")),
        Binding("n", "decide(False)", t("attendance.key.clear")),
        Binding("g", "refresh", t("tui.key.refresh")),
        QUIET_ENTER,
    ]
    PERMISSIONS = {"decide": "attendance.decide"}
    LIST_ID = "queue"

    def compose_body(self) -> Iterable[Widget]:
        yield RecordList([Column(t("attendance.col.date"), 10), Column(t("attendance.col.name"), 8),
                          Column(t("attendance.col.village"), 14), Column(t("attendance.col.note"), 0)],
                         empty=t("attendance.queue_empty"), id="queue")

    def on_mount(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        found = list(service.open_candidates(self.operator).limit(500))
        self._rows = {r.id: (r.person_id, r.date, r.town_id) for r in found}
        towns = {r.town_id for r in found}
        self._kept = {town_id for town_id in towns if service.is_keeper(self.operator, town_id, "attendance.decide")}
        rows = [(r.id, f"{r.date:%Y-%m-%d}", r.person.name, r.person.village.name,
                 t("attendance.flag.failed_check", count=r.failed_checks) if r.failed_checks else "")
                for r in found]
        plist = self.query_one("#queue", RecordList)
        plist.set_source(ListSource(rows), keep_cursor=True)
        plist.focus()
        self.refresh_bindings()

    def reload(self) -> None:
        self.action_refresh()

    def check_action(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        if action == "decide":
            row = getattr(self, "_rows", {}).get(self.query_one("#queue", RecordList).current_id)
            if row is None or row[2] not in self._kept:
                return False
        return super().check_action(action, parameters)

    @on(RecordList.Highlighted, "#queue")
    def _highlighted(self, event: RecordList.Highlighted) -> None:
        self.refresh_bindings()

    @on(RecordList.Selected, "#queue")
    def _month(self, event: RecordList.Selected) -> None:
        row = self._rows.get(event.record_id)
        if row is not None:
            self.app.action_open("attendance.screen.person", {"person_id": row[0], "month": row[1]})  # type: ignore[attr-defined]

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


class PersonMonthScreen(QuietEnter):
    """One assistant's month, day by day; an assistant sees her own (ATT-5 counts on top).

    ``e`` (or Enter) corrects the highlighted day — offered only to who keeps the person's
    town's attendance, and only on a day the correction window still holds (ATT-2).
    """

    TITLE_KEY = "attendance.screen.person"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("[", "month(-1)", t("tui.key.prev_month"), key_display="["),
        Binding("]", "month(1)", t("tui.key.next_month"), key_display="]"),
        Binding("e", "correct", t("attendance.key.correct")),
        Binding("enter", "correct", t("attendance.key.correct"), show=False, priority=True),
        QUIET_ENTER,  # a day she may not correct: nothing
    ]
    PERMISSIONS = {"correct": "attendance.correct"}

    def compose_body(self) -> Iterable[Widget]:
        yield Static("", id="person-title", classes="section-title")
        yield RecordList([Column(t("attendance.col.date"), 9), Column(t("attendance.col.kind"), 8),
                          Column(t("attendance.col.note"), 0)], empty=t("attendance.person_hint"), id="days")
        yield Static("", id="person-hint", classes="hint")

    def on_mount(self) -> None:
        self.person_id = self.operator.person_id
        self.shown: Person | None = None  # whose month is on the screen
        self._keeper = False  # whether this operator corrects the shown person's days (ATT-2)
        self.month = clock.today().replace(day=1)
        self.draw()

    def apply_params(self, params: dict[str, Any]) -> None:
        """``person_id``, and ``month`` (a date in it) to open another month than this one."""
        if params.get("person_id"):
            self.person_id = params["person_id"]
            day = params.get("month")
            if isinstance(day, dt.date):
                self.month = day.replace(day=1)
            self.draw()
            if isinstance(day, dt.date):  # the month's rows are its days in order
                self.query_one("#days", RecordList).action_jump(day.day - 1)

    def action_month(self, delta: int) -> None:
        m = self.month.month - 1 + delta
        self.month = dt.date(self.month.year + m // 12, m % 12 + 1, 1)
        self.draw()

    def _correctable(self, day: dt.date | None) -> str | None:
        """Why ``day`` cannot be corrected here ("" when it can; None when nobody here corrects)."""
        if not getattr(self, "_keeper", False) or day is None:
            return None
        earliest, today = service.correction_window()
        if day > today:
            return t("attendance.future_correction", date=day.isoformat())
        if day < earliest:
            return t("attendance.outside_window", date=day.isoformat(), earliest=earliest.isoformat(),
                     days=service.setting("correction_window_days"))
        return ""

    def check_action(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        if action == "correct" and self._correctable(self.query_one("#days", RecordList).current_id) != "":
            return False
        if action == "month" and getattr(self, "shown", None) is None:  # nobody's month on the screen yet
            return False
        return super().check_action(action, parameters)

    def quiet_enter(self) -> bool:
        return True  # after 更正's own Enter: it acts only when 更正 is not offered

    @on(RecordList.Highlighted, "#days")
    def _highlighted(self, event: RecordList.Highlighted) -> None:
        self._hint(event.record_id)
        self.refresh_bindings()

    def _hint(self, day: dt.date | None) -> None:
        """Under the list: how to correct the highlighted day, or why it cannot be (ATT-2's window)."""
        why = self._correctable(day)
        text = "" if why is None or not self.may("attendance.correct") else why or t("attendance.correct_hint")
        self.query_one("#person-hint", Static).update(text)

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
        town = org.town_of(month.person)
        self._keeper = town is not None and service.is_keeper(self.operator, town, "attendance.correct")
        rows = [(d.date, f"{d.date:%m-%d} {weekday_zh(d.date, short=True)}", _kind(d.kind), d.text)
                for d in month.days]
        self.query_one("#person-title", Static).update(t(
            "attendance.person_title", name=month.person.name, year=self.month.year, month=self.month.month,
            absent=len(month.month_absent), year_absent=len(month.year_absent)))
        days = self.query_one("#days", RecordList)
        days.set_source(ListSource(rows), keep_cursor=keep_cursor)
        self._hint(days.current_id)
        self.refresh_bindings()


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
        QUIET_ENTER,
    ]
    PERMISSIONS = {"report": "reports.run"}
    LIST_ID = "summary"

    def compose_body(self) -> Iterable[Widget]:
        yield Static("", id="summary-title", classes="section-title")
        yield RecordList([Column(t("attendance.report.col.name"), 8), Column(t("attendance.report.col.village"), 12),
                          *(Column(t(f"attendance.report.col.{c}"), 6) for c in ("expected", "present", "late", "early")),
                          Column(t("attendance.col.excused"), 6),
                          *(Column(t(f"attendance.report.col.{c}"), 6) for c in ("absent", "open"))],
                         empty=t("attendance.summary_empty"), id="summary")

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
        self.refresh_bindings()

    @on(RecordList.Selected, "#summary")
    def _month(self, event: RecordList.Selected) -> None:
        """Enter: the person's month, day by day — the same month."""
        self.app.action_open("attendance.screen.person", {"person_id": event.record_id, "month": self.month})  # type: ignore[attr-defined]

    def action_report(self) -> None:
        from xinyi_core import jobs

        self.attempt(jobs.submit, self.operator, "attendance.monthly", period=f"{self.month:%Y-%m}",
                     town=self.town.code, done=lambda job: t("attendance.report_queued", title=job.title), reload=False)


