"""Work-log screens at 80×24, keyboard only: my log, the register, search; the navigation
entries and the home-screen to-dos. The town's monthly check and the city's spot checks
are in :mod:`.check_screens`.

Lists are the core's :class:`RecordList` over the services' scoped queries; every
form is the core's :class:`Form` inside :class:`FormScreen`, so a refused save
shows the service's Chinese message beside the field.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Iterable

from textual import on
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Static

from xinyi_core import DashboardItem, Person, ScreenEntry, ValidationError, XinyiError, t
from xinyi_core import auth, clock
from xinyi_core.tui.screens import FormScreen, XinyiScreen
from xinyi_core.tui.widgets import Column, FormField, QuerySource, RecordList

from . import register, rules, service
from .forms import YES_NO, export_book
from .models import LogEntry, MonthlyCheck, RegisterItem, SpotCheckItem


# --------------------------------------------------------------------------- my log

def entry_form(op: Any, entry: LogEntry | None) -> FormScreen:
    """New or edit: the day defaults to today, the duty to the last one used (fast entry, WORK-2)."""
    talk = entry.consultations.first() if entry else None
    last = LogEntry.select(LogEntry.category).where(LogEntry.person == op.person_id).order_by(LogEntry.id.desc()).first()
    v = {"day": (entry.day if entry else clock.today()).isoformat(),
         "category": entry.category if entry else (last.category if last else None),
         **{f: getattr(entry, f) if entry else "" for f in service.TEXT_FIELDS},
         "served": talk.served if talk else "", "question": talk.question if talk else "",
         "answer": talk.answer if talk else "", "save_as": entry.state if entry else "submitted"}
    fields = [FormField("day", t("worklog.form.day"), v["day"], required=True),
              FormField("category", t("worklog.form.category"), v["category"],
                        [(d, d) for d in service.duties()], required=True),
              *(FormField(f, t(f"worklog.form.{f}"), v[f]) for f in service.TEXT_FIELDS),
              FormField("served", t("worklog.form.served"), v["served"], placeholder=t("worklog.tui.consult")),
              FormField("question", t("worklog.form.question"), v["question"]),
              FormField("answer", t("worklog.form.answer"), v["answer"]),
              FormField("save_as", t("worklog.tui.save_as"), v["save_as"],
                        [(t("worklog.state.submitted"), "submitted"), (t("worklog.state.draft"), "draft")],
                        required=True)]

    several = entry is not None and entry.consultations.count() > 1  # the form shows one: keep the rest

    def save(values: dict[str, Any]) -> LogEntry:
        talks = None if several else [{k: values[k] for k in ("served", "question", "answer")}]
        return service.save(op, values, entry_id=entry.id if entry else None,
                            submit=values["save_as"] == "submitted", consultations=talks)

    title = t("worklog.tui.edit_title" if entry else "worklog.tui.new_title")
    return FormScreen(title, fields, save, hint=t("worklog.tui.entry_hint"))


class MyLogScreen(XinyiScreen):
    """The assistant's own log: newest first, drafts marked; new, edit, submit, delete a draft."""

    TITLE_KEY = "worklog.nav.mine"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", t("worklog.key.new")), Binding("e", "edit", t("worklog.key.edit")),
        Binding("s", "submit", t("worklog.key.submit")), Binding("d", "delete", t("worklog.key.delete")),
        Binding("p", "export", t("worklog.key.export")),
    ]

    def compose_body(self) -> Iterable[Widget]:
        yield Static("", id="mine-status", classes="hint")
        yield RecordList([Column(t("worklog.tui.col_day"), 10), Column(t("worklog.tui.col_category"), 16),
                          Column(t("worklog.tui.col_state"), 6), Column(t("worklog.tui.col_progress"), 0)],
                         empty=t("worklog.tui.empty_log"), id="mine")

    def on_mount(self) -> None:
        self.load()
        self.query_one("#mine").focus()

    def load(self) -> None:
        q = (service.visible(self.operator).where(LogEntry.person == self.operator.person_id)
             .select(LogEntry.id, LogEntry.day, LogEntry.category, LogEntry.state, LogEntry.progress)
             .order_by(LogEntry.day.desc(), LogEntry.id.desc()))
        locked = {c.period for c in MonthlyCheck.select(MonthlyCheck.period)
                  .where(MonthlyCheck.person == self.operator.person_id)}

        def row(r: tuple) -> tuple:
            day = r[1] if isinstance(r[1], dt.date) else dt.date.fromisoformat(str(r[1]))
            state = "locked" if rules.period_of(day) in locked else r[3]
            return (r[0], day.isoformat(), r[2], t(f"worklog.state.{state}"), r[4])

        self.query_one("#mine", RecordList).set_source(QuerySource(q, row))
        period = rules.period_of(clock.today())
        month = service.month(self.operator, self.operator.person_id, period)
        self.query_one("#mine-status", Static).update(t(
            "worklog.tui.mine_status", period=period, days=len({e.day for e in month if e.state == "submitted"}),
            drafts=sum(e.state == "draft" for e in month), count=self.query_one("#mine", RecordList).count))

    def _current(self) -> LogEntry | None:
        entry_id = self.query_one("#mine", RecordList).current_id
        return service.get(self.operator, entry_id) if entry_id else None

    def _done(self, result: Any) -> None:
        if result is not None:
            self.notify(t("worklog.tui.saved", state=t(f"worklog.state.{result.state}")))
            self.load()

    def action_new(self) -> None:
        self.app.push_screen(entry_form(self.operator, None), callback=self._done)

    def action_edit(self) -> None:
        entry = self._current()
        if entry is not None:
            self.app.push_screen(entry_form(self.operator, entry), callback=self._done)

    @on(RecordList.Selected, "#mine")
    def _selected(self) -> None:
        self.action_edit()

    def action_submit(self) -> None:
        entry = self._current()
        if entry is None or entry.state != "draft":
            return
        try:
            service.submit(self.operator, entry.id)
        except XinyiError as exc:
            self.report(exc)
            return
        self.notify(t("worklog.tui.submitted"))
        self.load()

    def action_delete(self) -> None:
        entry = self._current()
        if entry is None:
            return
        try:
            service.delete_draft(self.operator, entry.id)
        except XinyiError as exc:
            self.report(exc)
            return
        self.notify(t("worklog.tui.deleted"))
        self.load()

    def action_export(self) -> None:
        entry = self._current()
        period = rules.period_of(entry.day if entry else clock.today())
        export_book(self, self.operator.person_id, period)


# --------------------------------------------------------------------------- the register (WORK-1)

def register_form(op: Any) -> FormScreen:
    fields = [FormField("party", t("worklog.tui.col_party"), required=True),
              FormField("matter", t("worklog.tui.col_matter"), required=True),
              FormField("handling", t("worklog.book.col.handling")),
              FormField("channel", t("worklog.tui.col_channel"), "visit",
                        [(t(f"worklog.channel.{c}"), c) for c in ("visit", "call")], required=True),
              FormField("party_kind", t("worklog.book.col.party"), "citizen",
                        [(t(f"worklog.party.{c}"), c) for c in ("citizen", "employer")], required=True),
              FormField("phone", t("person.field.phone")),
              FormField("at", t("worklog.tui.col_at"), placeholder="09:30"),
              FormField("referred", t("worklog.book.col.referred"), "no", YES_NO, required=True),
              FormField("resolved", t("worklog.tui.resolved"), "no", YES_NO, required=True)]

    def save(values: dict[str, Any]) -> RegisterItem:
        return register.record(op, {**values, "referred": values["referred"] == "yes"},
                               resolved=values["resolved"] == "yes")

    return FormScreen(t("worklog.tui.register_title"), fields, save, hint=t("worklog.tui.register_hint"))


class RegisterScreen(XinyiScreen):
    """Visits and calls in scope, newest first; register one fast, close an open one."""

    TITLE_KEY = "worklog.nav.register"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", t("worklog.key.new")), Binding("c", "close", t("worklog.key.close")),
        Binding("o", "open_only", t("worklog.key.open_only")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.open_only = False

    def compose_body(self) -> Iterable[Widget]:
        yield Static("", id="register-status", classes="hint")
        yield RecordList([Column(t("worklog.tui.col_at"), 11), Column(t("worklog.tui.col_channel"), 4),
                          Column(t("worklog.tui.col_party"), 14), Column(t("worklog.tui.col_state"), 6),
                          Column(t("worklog.tui.col_matter"), 0)], empty=t("worklog.tui.empty"), id="register")

    def on_mount(self) -> None:
        self.load()
        self.query_one("#register").focus()

    def load(self) -> None:
        q = register.visible(self.operator, state="open" if self.open_only else None)
        plist = self.query_one("#register", RecordList)
        plist.set_source(QuerySource(q.select(RegisterItem.id, RegisterItem.at, RegisterItem.channel,
                                              RegisterItem.party, RegisterItem.state, RegisterItem.matter),
                                     lambda r: (r[0], f"{r[1]:%m-%d %H:%M}", t(f"worklog.channel.{r[2]}"), r[3],
                                                t(f"worklog.item_state.{r[4]}"), r[5])))
        self.query_one("#register-status", Static).update(t(
            "worklog.tui.register_status", count=plist.count,
            filter=t("worklog.tui.open_filter") if self.open_only else ""))

    def action_new(self) -> None:
        if self.operator.person_id is None:
            self.notify(t("worklog.tui.not_assistant"), severity="warning")
            return
        self.app.push_screen(register_form(self.operator), callback=self._done)

    def _done(self, result: Any) -> None:
        if result is not None:
            self.notify(t("worklog.tui.registered", party=result.party))
            self.load()

    def action_close(self) -> None:
        item_id = self.query_one("#register", RecordList).current_id
        if item_id is None:
            return
        form = FormScreen(t("worklog.tui.close_title"),
                          [FormField("note", t("worklog.tui.close_note"), required=True)],
                          lambda v: register.close(self.operator, item_id, v["note"]))
        self.app.push_screen(form, callback=lambda r: r is not None and (self.notify(t("worklog.tui.closed")),
                                                                         self.load()))

    def action_open_only(self) -> None:
        self.open_only = not self.open_only
        self.load()


# --------------------------------------------------------------------------- search

class SearchScreen(XinyiScreen):
    """Search the logs in scope as you type; filter by dates, duty and town; export a month."""

    TITLE_KEY = "worklog.nav.search"
    DEBOUNCE: ClassVar[float] = 0.15
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+f", "filter", t("worklog.key.filter")), Binding("ctrl+o", "export", t("worklog.key.export")),
        Binding("ctrl+r", "correct", t("worklog.key.correct")),
        Binding("down", "move(1)", show=False), Binding("up", "move(-1)", show=False),
    ]
    PERMISSIONS = {"correct": "worklog.correct"}

    def __init__(self) -> None:
        super().__init__()
        self.filters: dict[str, Any] = {}
        self._timer: Timer | None = None

    def compose_body(self) -> Iterable[Widget]:
        yield Input(placeholder=t("worklog.tui.search_placeholder"), id="wl-search", compact=True)
        yield Static("", id="search-status", classes="hint")
        yield RecordList([Column(t("worklog.tui.col_day"), 10), Column(t("worklog.tui.col_name"), 8),
                          Column(t("worklog.tui.col_category"), 14), Column(t("worklog.tui.col_progress"), 0)],
                         empty=t("worklog.tui.empty"), id="results")

    def on_mount(self) -> None:
        self.query_one("#wl-search").focus()
        self.run_search()

    def run_search(self) -> None:
        text = self.query_one("#wl-search", Input).value
        q = service.search(self.operator, text, **self.filters).select(
            LogEntry.id, LogEntry.day, Person.name, LogEntry.category, LogEntry.progress)
        results = self.query_one("#results", RecordList)
        results.set_source(QuerySource(q, lambda r: (r[0], str(r[1]), r[2], r[3], r[4])))
        shown = "、".join(str(v) for v in self.filters.values() if v)
        self.query_one("#search-status", Static).update(t(
            "worklog.tui.search_status", count=results.count, filters=f"（{shown}）" if shown else ""))

    @on(Input.Changed, "#wl-search")
    def _typed(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.DEBOUNCE, self.run_search)

    def action_move(self, delta: int) -> None:
        results = self.query_one("#results", RecordList)
        if results.has_focus:
            results.action_cursor(delta)
        else:
            results.focus()

    def action_filter(self) -> None:
        towns = [(u.name, u.id) for u in auth.scope_of(self.operator).units() if u.kind == "town"]
        f = self.filters
        fields = [FormField("start", t("worklog.tui.start"), f.get("start") or "", placeholder="2026-01-01"),
                  FormField("end", t("worklog.tui.end"), f.get("end") or "", placeholder="2026-12-31"),
                  FormField("category", t("worklog.tui.col_category"), f.get("category"),
                            [(d, d) for d in service.duties()]),
                  FormField("town_id", t("worklog.tui.col_town"), f.get("town_id"), towns)]

        def apply(values: dict[str, Any]) -> dict[str, Any]:
            today = clock.today()
            out = {k: values[k] or None for k in ("category", "town_id")}
            for k in ("start", "end"):
                out[k] = rules.parse_day(values[k], today) if values[k] else None
                if values[k] and out[k] is None:
                    raise ValidationError(k, "worklog.err.date")
            return out

        self.app.push_screen(FormScreen(t("worklog.tui.filter_title"), fields, apply), callback=self._filtered)

    def _filtered(self, result: dict[str, Any] | None) -> None:
        if result is not None:
            self.filters = result
            self.run_search()

    def action_export(self) -> None:
        entry_id = self.query_one("#results", RecordList).current_id
        if entry_id is not None:
            entry = service.get(self.operator, entry_id)
            export_book(self, entry.person_id, rules.period_of(entry.day))

    def action_correct(self) -> None:
        from .check_screens import correction_form

        entry_id = self.query_one("#results", RecordList).current_id
        if entry_id is not None:
            self.app.push_screen(correction_form(self.operator, service.get(self.operator, entry_id)),
                                 callback=self._corrected)

    def _corrected(self, result: Any) -> None:
        if result is not None:
            self.notify(t("worklog.tui.corrected"))
            self.run_search()


# --------------------------------------------------------------------------- navigation and to-dos

def screen_entries() -> list[ScreenEntry]:
    from .check_screens import CheckScreen, SpotScreen

    return [ScreenEntry("f12", "worklog.nav.mine", "worklog.write", MyLogScreen),
            ScreenEntry("f12", "worklog.nav.check", "worklog.check", CheckScreen),
            ScreenEntry("f12", "worklog.nav.spot", "worklog.spot", SpotScreen),
            ScreenEntry("", "worklog.nav.register", "worklog.register", RegisterScreen),
            ScreenEntry("", "worklog.nav.search", "worklog.view", SearchScreen)]


def dashboard_items(op: Any) -> list[DashboardItem]:
    """Drafts (assistant), stale open visits/calls and last month's unchecked logs (town), spot
    checks waiting for review (city)."""
    items = []
    if auth.can(op, "worklog.write") and op.person_id:
        drafts = service.visible(op).where((LogEntry.person == op.person_id) & (LogEntry.state == "draft")).count()
        if drafts:
            items.append(DashboardItem(t("worklog.dash.drafts"), "worklog.nav.mine", drafts))
    if auth.can(op, "worklog.check"):
        days = int(service.setting("register_stale_days"))
        stale = register.stale(op).count()
        if stale:
            items.append(DashboardItem(t("worklog.dash.stale", days=days), "worklog.nav.register", stale, urgent=True))
        period = rules.period_of(clock.today().replace(day=1) - dt.timedelta(days=1))
        people = auth.scope_of(op).people(Person.select(Person.id)).where(Person.status == "on_duty")
        done = MonthlyCheck.select().where((MonthlyCheck.period == period) & MonthlyCheck.person.in_(people))
        waiting = people.count() - done.count()
        if waiting > 0:
            items.append(DashboardItem(t("worklog.dash.unchecked", period=period), "worklog.nav.check", waiting))
    if auth.can(op, "worklog.spot"):
        pending = SpotCheckItem.select().where(SpotCheckItem.result.is_null()).count()
        if pending:
            items.append(DashboardItem(t("worklog.dash.spot"), "worklog.nav.spot", pending))
    return items
