"""Work-log screens at 80×24, keyboard only: my log, the register, search; the town centre's
monthly check and the city office's spot checks; the navigation entries.

Lists are the core's :class:`RecordList` over the services' scoped reads; every
form they open is a :class:`FormScreen` of :mod:`.dialogs`, and an action calls
its service through :meth:`XinyiScreen.attempt`, so a refusal shows the
service's Chinese message.

Monthly check: one line per assistant of the month — days without an entry,
thin entries, open visits/calls, checked or not; Enter shows the details and
(or r) records the check with remarks (which locks that month's entries). Spot
check: pick at random with a seed (or everyone), then record what was found per
person.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Iterable

from textual import on
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Static

from xinyi_core import clock, t, translator
from xinyi_core.tui.screens import XinyiScreen
from xinyi_core.tui.widgets import Column, ListSource, QuerySource, RecordList, SearchBox

from . import dialogs, rules, service
from .models import LogEntry, RegisterItem
from .service import checks, register

tr = translator("worklog.tui")


def export_book(screen: XinyiScreen, person_id: int, period: str) -> None:
    """Write the log book page of ``person_id``'s month under the report folder and say where."""
    from . import documents  # late: python-docx is not needed until a page is printed

    screen.attempt(documents.print_book, screen.operator, person_id, period, reload=False,
                   done=screen.offer_document)


def _shift(period: str, months: int) -> str:
    first = dt.date.fromisoformat(period + "-01")
    index = first.year * 12 + first.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


# --------------------------------------------------------------------------- reading one record

class ReadScreen(XinyiScreen):
    """One log entry or register item in full, opened with Enter from a list; Esc goes back."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", t("tui.key.back"))]
    DEFAULT_CSS = "ReadScreen #read-text { padding: 0 1; }"

    def __init__(self, title: str, lines: list[str]) -> None:
        super().__init__()
        self.title_text, self.lines = title, lines

    def screen_title(self) -> str:
        return self.title_text

    def compose_body(self) -> Iterable[Widget]:
        with VerticalScroll():
            yield Static("\n".join(self.lines), id="read-text", markup=False)

    def action_back(self) -> None:
        self.dismiss(None)


def entry_lines(entry: LogEntry) -> list[str]:
    """A log entry as the book prints it: the duty, the task, progress, problems, consultations."""
    lines = [tr("read_entry_head", day=entry.day.isoformat(), name=entry.person.name, category=entry.category,
                state=t(f"worklog.state.{entry.state}"))]
    for field in ("task", "progress", "problems", "solutions"):
        lines.append(f"{t(f'worklog.form.{field}')}：{getattr(entry, field) or t('worklog.none')}")
    for talk in entry.consultations:
        lines.append(tr("read_consultation", served=talk.served, question=talk.question,
                        answer=talk.answer or t("worklog.none")))
    return lines


def item_lines(item: RegisterItem) -> list[str]:
    """A visit or call: when, who, the matter, how it was handled and closed."""
    lines = [tr("read_item_head", at=f"{item.at:%Y-%m-%d %H:%M}", channel=t(f"worklog.channel.{item.channel}"),
                party=item.party, kind=t(f"worklog.party.{item.party_kind}"),
                state=t(f"worklog.item_state.{item.state}")),
             f"{tr('col_matter')}：{item.matter}",
             f"{t('worklog.book.col.handling')}：{item.handling or t('worklog.none')}",
             f"{t('worklog.book.col.referred')}：{t('worklog.yes' if item.referred else 'worklog.no')}"]
    if item.phone:
        lines.append(f"{t('person.field.phone')}：{item.phone}")
    if item.state == "closed":
        lines.append(tr("read_closed", at=f"{item.closed_at:%Y-%m-%d %H:%M}" if item.closed_at else "",
                        note=item.close_note or t("worklog.none")))
    lines.append(tr("read_assistant", name=item.person.name))
    return lines


# --------------------------------------------------------------------------- my log

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
        yield RecordList([Column(tr("col_day"), 10), Column(tr("col_category"), 16),
                          Column(tr("col_state"), 6), Column(tr("col_progress"), 0)],
                         empty=tr("empty_log"), id="mine")

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#mine").focus()

    def reload(self) -> None:
        locked = service.locked_periods(self.operator, self.operator.person_id)

        def row(r: tuple) -> tuple:
            day = r[1] if isinstance(r[1], dt.date) else dt.date.fromisoformat(str(r[1]))
            state = "locked" if rules.period_of(day) in locked else r[3]
            return (r[0], day.isoformat(), r[2], t(f"worklog.state.{state}"), r[4])

        self.query_one("#mine", RecordList).set_source(QuerySource(service.own_entries(self.operator), row))
        period = rules.period_of(clock.today())
        month = service.month(self.operator, self.operator.person_id, period)
        self.query_one("#mine-status", Static).update(tr(
            "mine_status", period=period, days=len({e.day for e in month if e.state == "submitted"}),
            drafts=sum(e.state == "draft" for e in month), count=self.query_one("#mine", RecordList).count))

    def _current(self) -> Any:
        entry_id = self.query_one("#mine", RecordList).current_id
        return None if entry_id is None else self.attempt(service.get, self.operator, entry_id, reload=False)

    def _done(self, result: Any) -> None:
        if result is not None:
            self.notify(tr("saved", state=t(f"worklog.state.{result.state}")))
            self.reload()

    def action_new(self) -> None:
        self.app.push_screen(dialogs.entry_form(self.operator, None), callback=self._done)

    def action_edit(self) -> None:
        entry = self._current()
        if entry is not None:
            self.app.push_screen(dialogs.entry_form(self.operator, entry), callback=self._done)

    @on(RecordList.Selected, "#mine")
    def _selected(self) -> None:
        self.action_edit()

    def action_submit(self) -> None:
        entry = self._current()
        if entry is not None and entry.state == "draft":
            self.attempt(service.submit, self.operator, entry.id, done=tr("submitted"))

    def action_delete(self) -> None:
        entry = self._current()
        if entry is not None:
            self.attempt(service.delete_draft, self.operator, entry.id, done=tr("deleted"))

    def action_export(self) -> None:
        entry = self._current()
        export_book(self, self.operator.person_id, rules.period_of(entry.day if entry else clock.today()))


# --------------------------------------------------------------------------- the register (WORK-1)

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

    @property
    def registers(self) -> bool:
        """Only an assistant registers (WORK-1: at her own window); the town centre reads and closes."""
        return self.operator.person_id is not None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "new":  # never offer a key she cannot use
            return self.registers
        return super().check_action(action, parameters)

    def compose_body(self) -> Iterable[Widget]:
        yield Static("", id="register-status", classes="hint")
        yield RecordList([Column(tr("col_at"), 11), Column(tr("col_channel"), 4), Column(tr("col_party"), 14),
                          Column(tr("col_state"), 6), Column(tr("col_matter"), 0)],
                         empty=tr("register_empty_own" if self.registers else "register_empty"), id="register")

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#register").focus()

    def reload(self) -> None:
        plist = self.query_one("#register", RecordList)
        plist.set_source(QuerySource(register.listing(self.operator, open_only=self.open_only),
                                     lambda r: (r[0], f"{r[1]:%m-%d %H:%M}", t(f"worklog.channel.{r[2]}"), r[3],
                                                t(f"worklog.item_state.{r[4]}"), r[5])))
        status = tr("register_status", count=plist.count, filter=tr("open_filter") if self.open_only else "")
        self.query_one("#register-status", Static).update(status if self.registers else
                                                           f"{status}　{tr('register_by_assistant')}")

    def action_new(self) -> None:
        if self.registers:
            self.app.push_screen(dialogs.register_form(self.operator), callback=self._done)

    def _done(self, result: Any) -> None:
        if result is not None:
            self.notify(tr("registered", party=result.party))
            self.reload()

    def action_close(self) -> None:
        item_id = self.query_one("#register", RecordList).current_id
        if item_id is not None:
            self.app.push_screen(dialogs.close_form(self.operator, item_id),
                                 callback=lambda r: r is not None and (self.notify(tr("closed")), self.reload()))

    @on(RecordList.Selected, "#register")
    def _opened(self, event: RecordList.Selected) -> None:
        item = self.attempt(register.get, self.operator, event.record_id, reload=False)
        if item:
            self.app.push_screen(ReadScreen(tr("item_title", where=self.screen_title(), party=item.party),
                                            item_lines(item)))

    def action_open_only(self) -> None:
        self.open_only = not self.open_only
        self.reload()


# --------------------------------------------------------------------------- search

class SearchScreen(XinyiScreen):
    """Search the logs in scope as you type; filter by dates, duty and town; export a month."""

    TITLE_KEY = "worklog.nav.search"
    DEBOUNCE: ClassVar[float] = 0.15
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+f", "filter", t("worklog.key.filter")), Binding("ctrl+o", "export", t("worklog.key.export")),
        Binding("ctrl+r", "correct", t("worklog.key.correct")),
        Binding("slash", "focus_search", t("tui.key.search"), key_display="/", show=False),
        Binding("down", "move(1)", show=False), Binding("up", "move(-1)", show=False),
    ]
    PERMISSIONS = {"correct": "worklog.correct"}

    def __init__(self) -> None:
        super().__init__()
        self.filters: dict[str, Any] = {}
        self._timer: Timer | None = None

    def compose_body(self) -> Iterable[Widget]:
        yield SearchBox(placeholder=tr("search_placeholder"), id="wl-search", compact=True)
        yield Static("", id="search-status", classes="hint")
        yield RecordList([Column(tr("col_day"), 10), Column(tr("col_name"), 8), Column(tr("col_category"), 14),
                          Column(tr("col_progress"), 0)], empty=tr("empty_search"), id="results")

    def on_mount(self) -> None:
        self.query_one("#wl-search").focus()
        self.reload()

    def reload(self) -> None:
        text = self.query_one("#wl-search", Input).value
        results = self.query_one("#results", RecordList)
        results.set_source(QuerySource(service.search_rows(self.operator, text, **self.filters),
                                       lambda r: (r[0], str(r[1]), r[2], r[3], r[4])))
        shown = dialogs.filter_text(self.operator, self.filters)
        self.query_one("#search-status", Static).update(tr(
            "search_status", count=results.count, filters=f"（{shown}）" if shown else ""))

    @on(Input.Changed, "#wl-search")
    def _typed(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.DEBOUNCE, self.reload)

    def action_focus_search(self) -> None:
        self.query_one("#wl-search").focus()

    def has_filter(self) -> bool:
        """A keyword or a filter narrows the results: Esc clears them before it leaves."""
        return bool(self.query_one("#wl-search", Input).value or any(self.filters.values()))

    def clear_filter(self) -> None:
        self.filters = {}
        self.query_one("#wl-search", Input).value = ""  # reloads (debounced); reload now for the status line
        self.reload()

    def action_move(self, delta: int) -> None:
        results = self.query_one("#results", RecordList)
        if results.has_focus:
            results.action_cursor(delta)
        else:
            results.focus()

    @on(RecordList.Selected, "#results")
    def _opened(self) -> None:
        entry = self._current()
        if entry is not None:
            self.app.push_screen(ReadScreen(tr("entry_title", where=self.screen_title(), name=entry.person.name,
                                               day=entry.day.isoformat()),
                                            entry_lines(entry)))

    def action_filter(self) -> None:
        self.app.push_screen(dialogs.filter_form(self.operator, self.filters), callback=self._filtered)

    def _filtered(self, result: dict[str, Any] | None) -> None:
        if result is not None:
            self.filters = result
            self.reload()

    def _current(self) -> Any:
        entry_id = self.query_one("#results", RecordList).current_id
        return None if entry_id is None else self.attempt(service.get, self.operator, entry_id, reload=False)

    def action_export(self) -> None:
        entry = self._current()
        if entry is not None:
            export_book(self, entry.person_id, rules.period_of(entry.day))

    def action_correct(self) -> None:
        entry = self._current()
        if entry is not None:
            self.app.push_screen(dialogs.correction_form(self.operator, entry), callback=self._corrected)

    def _corrected(self, result: Any) -> None:
        if result is not None:
            self.notify(tr("corrected"))
            self.reload()


# --------------------------------------------------------------------------- the town's monthly check

class CheckScreen(XinyiScreen):
    """A town's assistants for one month, with what the check finds (recorded or live)."""

    TITLE_KEY = "worklog.nav.check"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "check", t("worklog.key.check")), Binding("p", "export", t("worklog.key.export")),
        Binding("left_square_bracket", "shift(-1)", t("worklog.key.prev"), key_display="["),
        Binding("right_square_bracket", "shift(1)", t("worklog.key.next"), key_display="]"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.period = rules.previous_period(clock.today())
        self.lists: dict[int, checks.Checklist] = {}

    def compose_body(self) -> Iterable[Widget]:
        yield Input(self.period, id="period", compact=True, placeholder="2026-05")
        yield Static("", id="check-status", classes="hint")
        yield RecordList([Column(tr("col_name"), 8), Column(tr("col_village"), 12), Column(tr("col_missing"), 4),
                          Column(tr("col_thin"), 6), Column(tr("col_open"), 6), Column(tr("col_checked"), 0)],
                         empty=tr("empty_check"), id="checklists")

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#checklists").focus()

    def reload(self) -> None:
        # an uncovered calendar year or a refused scope is said, and the list is empty
        found = self.attempt(checks.town_checklists, self.operator, self.period, reload=False) or []
        self.lists = {c.person.id: c for c in found}
        rows = [(c.person.id, c.person.name, c.person.village.name if c.person.village_id else "",
                 len(c.missing), len(c.thin) if c.check is None else c.check.thin_entries, len(c.open_items),
                 tr("checked_yes" if c.check else "checked_no")) for c in found]
        self.query_one("#checklists", RecordList).set_source(ListSource(rows), keep_cursor=True)
        issues = sum(1 for r in rows if r[3] or r[4] or r[5])
        self.query_one("#check-status", Static).update(tr(
            "check_status", period=self.period, count=len(rows), done=sum(c.check is not None for c in found),
            issues=issues))

    @on(Input.Submitted, "#period")
    def _period(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        try:
            rules.month_bounds(value)
        except ValueError:
            self.notify(t("worklog.err.period"), severity="error")
            return
        self.period = value
        self.reload()
        self.query_one("#checklists").focus()

    def action_shift(self, months: int) -> None:
        self.period = _shift(self.period, months)
        self.query_one("#period", Input).value = self.period
        self.reload()

    @on(RecordList.Selected, "#checklists")
    def _selected(self) -> None:
        self.action_check()

    def action_check(self) -> None:
        c = self.lists.get(self.query_one("#checklists", RecordList).current_id)
        if c is None:
            return
        if c.check is not None:  # recorded: show it, nothing to record again
            detail = tr("check_detail", days=c.working_days, entries=c.entries, missing=len(c.missing),
                        dates="、".join(f"{d:%m-%d}" for d in c.missing) or t("worklog.none"),
                        thin=c.check.thin_entries, open=len(c.open_items),
                        excused="、".join(f"{d:%m-%d}" for d in c.excused) or t("worklog.none"))
            self.notify(detail + "\n" + tr("remarks") + "：" + (c.check.remarks or t("worklog.none")))
            return
        self.app.push_screen(dialogs.check_form(self.operator, c, self.period), callback=self._recorded)

    def _recorded(self, result: Any) -> None:
        if result is not None:
            self.notify(tr("check_recorded", name=result.person.name, period=result.period))
            self.reload()

    def action_export(self) -> None:
        person_id = self.query_one("#checklists", RecordList).current_id
        if person_id is not None:
            export_book(self, person_id, self.period)


# --------------------------------------------------------------------------- the city's spot checks

class SpotScreen(XinyiScreen):
    """The city's spot checks, newest first: start one, open one to review the people picked."""

    TITLE_KEY = "worklog.nav.spot"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", tr("spot_new")), Binding("v", "items", t("worklog.key.items")),
    ]

    def compose_body(self) -> Iterable[Widget]:
        # the random pick's seed is recorded with the check (it reproduces the pick), not shown
        yield RecordList([Column(tr("col_period"), 8), Column(tr("col_mode"), 8), Column(tr("col_size"), 4),
                          Column(tr("col_done"), 0)], empty=tr("empty_spot"), id="spots")

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#spots").focus()

    def reload(self) -> None:
        done = checks.reviewed(self.operator)
        rows = [(s.id, s.period, t(f"worklog.spot_mode.{s.mode}"), s.size, done.get(s.id, 0))
                for s in checks.spot_checks(self.operator)]
        self.query_one("#spots", RecordList).set_source(ListSource(rows), keep_cursor=True)

    def action_new(self) -> None:
        self.app.push_screen(dialogs.spot_form(self.operator), callback=self._started)

    def _started(self, spot: Any) -> None:
        if spot is not None:
            self.notify(tr("spot_started", size=spot.size))
            self.reload()

    @on(RecordList.Selected, "#spots")
    def _selected(self) -> None:
        self.action_items()

    def action_items(self) -> None:
        spot_id = self.query_one("#spots", RecordList).current_id
        spot = None if spot_id is None else self.attempt(checks.spot_check, self.operator, spot_id, reload=False)
        if spot is not None:
            self.app.push_screen(SpotItemsScreen(spot), callback=lambda _: self.reload())


class SpotItemsScreen(XinyiScreen):
    """The people one spot check picked: record the result per person, export a log book page."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", t("tui.key.back")), Binding("r", "finding", t("worklog.key.finding")),
        Binding("p", "export", t("worklog.key.export")),
    ]

    def __init__(self, spot: Any) -> None:
        super().__init__()
        self.spot = spot

    def screen_title(self) -> str:
        return tr("spot_items_title", period=self.spot.period, mode=t(f"worklog.spot_mode.{self.spot.mode}"))

    def compose_body(self) -> Iterable[Widget]:
        yield RecordList([Column(tr("col_name"), 8), Column(tr("col_town"), 10), Column(tr("col_result"), 6),
                          Column(tr("col_findings"), 0)], empty=tr("empty_spot_items"), id="spot-items")

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#spot-items").focus()

    def reload(self) -> None:
        self.items = {i.id: i for i in checks.spot_items(self.operator, self.spot.id)}
        rows = [(i.id, i.person.name, i.person.town.name if i.person.town_id else "",
                 t(f"worklog.spot_result.{i.result or 'pending'}"), i.findings) for i in self.items.values()]
        self.query_one("#spot-items", RecordList).set_source(ListSource(rows), keep_cursor=True)

    @on(RecordList.Selected, "#spot-items")
    def _selected(self) -> None:
        self.action_finding()

    def action_finding(self) -> None:
        item = self.items.get(self.query_one("#spot-items", RecordList).current_id)
        if item is not None:
            self.app.push_screen(dialogs.finding_form(self.operator, item),
                                 callback=lambda r: r is not None and self.reload())

    def action_export(self) -> None:
        item = self.items.get(self.query_one("#spot-items", RecordList).current_id)
        if item is not None:
            export_book(self, item.person_id, self.spot.period)

    def action_back(self) -> None:
        self.dismiss(None)


# --------------------------------------------------------------------------- navigation

