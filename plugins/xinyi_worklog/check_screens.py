"""The town centre's monthly check and the city office's spot checks (WORK-2), at 80×24.

Monthly check: one line per assistant of the month — days without an entry,
thin entries, open visits/calls, checked or not; Enter shows the details and
(or r) records the check with remarks (which locks that month's entries). Spot check:
pick at random with a seed (or everyone), then record what was found per person.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Iterable

from textual import on
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Input, Static

from xinyi_core import ValidationError, XinyiError, t
from xinyi_core import auth, clock
from xinyi_core.tui.screens import FormScreen, XinyiScreen
from xinyi_core.tui.widgets import Column, FormField, ListSource, RecordList

from . import checks, rules, service
from .models import LogEntry, SpotCheckItem
from .forms import export_book


def _shift(period: str, months: int) -> str:
    first = dt.date.fromisoformat(period + "-01")
    index = first.year * 12 + first.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def correction_form(op: Any, entry: LogEntry) -> FormScreen:
    """WORK-2: the town corrects an entry (of a locked month) with a reason; the original is kept."""
    fields = [FormField("category", t("worklog.form.category"), entry.category,
                        [(d, d) for d in service.duties()], required=True),
              *(FormField(f, t(f"worklog.form.{f}"), getattr(entry, f)) for f in service.TEXT_FIELDS),
              FormField("reason", t("worklog.tui.correct_reason"), required=True)]

    def save(values: dict[str, Any]) -> Any:
        changes = {f: values[f] for f in service.CORRECTABLE if values[f] != getattr(entry, f)}
        return service.correct(op, entry.id, changes, values["reason"])

    return FormScreen(t("worklog.tui.correct_title", day=entry.day.isoformat()), fields, save)


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
        self.period = rules.period_of(clock.today().replace(day=1) - dt.timedelta(days=1))
        self.lists: dict[int, checks.Checklist] = {}

    def compose_body(self) -> Iterable[Widget]:
        yield Input(self.period, id="period", compact=True, placeholder="2026-05")
        yield Static("", id="check-status", classes="hint")
        yield RecordList([Column(t("worklog.tui.col_name"), 8), Column(t("worklog.tui.col_village"), 12),
                          Column(t("worklog.tui.col_missing"), 4), Column(t("worklog.tui.col_thin"), 6),
                          Column(t("worklog.tui.col_open"), 6), Column(t("worklog.tui.col_checked"), 0)],
                         empty=t("worklog.tui.empty"), id="checklists")

    def on_mount(self) -> None:
        self.load()
        self.query_one("#checklists").focus()

    def load(self) -> None:
        try:
            found = checks.town_checklists(self.operator, self.period)
        except XinyiError as exc:  # an uncovered calendar year, a refused scope
            self.report(exc)
            found = []
        self.lists = {c.person.id: c for c in found}
        rows = [(c.person.id, c.person.name, c.person.village.name if c.person.village_id else "",
                 len(c.missing), len(c.thin) if c.check is None else c.check.thin_entries, len(c.open_items),
                 t("worklog.tui.checked_yes" if c.check else "worklog.tui.checked_no")) for c in found]
        self.query_one("#checklists", RecordList).set_source(ListSource(rows), keep_cursor=True)
        issues = sum(1 for r in rows if r[3] or r[4] or r[5])
        self.query_one("#check-status", Static).update(t(
            "worklog.tui.check_status", period=self.period, count=len(rows),
            done=sum(c.check is not None for c in found), issues=issues))

    @on(Input.Submitted, "#period")
    def _period(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        try:
            rules.month_bounds(value)
        except ValueError:
            self.notify(t("worklog.err.period"), severity="error")
            return
        self.period = value
        self.load()
        self.query_one("#checklists").focus()

    def action_shift(self, months: int) -> None:
        self.period = _shift(self.period, months)
        self.query_one("#period", Input).value = self.period
        self.load()

    @on(RecordList.Selected, "#checklists")
    def _selected(self) -> None:
        self.action_check()

    def action_check(self) -> None:
        person_id = self.query_one("#checklists", RecordList).current_id
        c = self.lists.get(person_id)
        if c is None:
            return
        detail = t("worklog.tui.check_detail", days=c.working_days, entries=c.entries, missing=len(c.missing),
                   dates="、".join(f"{d:%m-%d}" for d in c.missing) or t("worklog.none"),
                   thin=c.check.thin_entries if c.check else len(c.thin), open=len(c.open_items),
                   excused="、".join(f"{d:%m-%d}" for d in c.excused) or t("worklog.none"))
        if c.check is not None:  # recorded: show it, nothing to record again
            self.notify(detail + "\n" + t("worklog.tui.remarks") + "：" + (c.check.remarks or t("worklog.none")))
            return
        form = FormScreen(t("worklog.tui.check_title", name=c.person.name, period=self.period),
                          [FormField("remarks", t("worklog.tui.remarks"))],
                          lambda v: checks.record_check(self.operator, person_id, self.period, v["remarks"]),
                          detail=detail)
        self.app.push_screen(form, callback=self._recorded)

    def _recorded(self, result: Any) -> None:
        if result is not None:
            self.notify(t("worklog.tui.check_recorded", name=result.person.name, period=result.period))
            self.load()

    def action_export(self) -> None:
        person_id = self.query_one("#checklists", RecordList).current_id
        if person_id is not None:
            export_book(self, person_id, self.period)


# --------------------------------------------------------------------------- the city's spot checks

def _int_or_none(values: dict[str, Any], name: str) -> int | None:
    text = str(values.get(name) or "").strip()
    if not text:
        return None
    if not text.isdecimal():  # not isdigit: "²" is a digit that int() refuses; "１０" (full-width) is fine
        raise ValidationError(name, "worklog.err.size")
    return int(text)


class SpotScreen(XinyiScreen):
    """The city's spot checks, newest first: start one, open one to review the people picked."""

    TITLE_KEY = "worklog.nav.spot"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "new", t("worklog.tui.spot_new")), Binding("v", "items", t("worklog.key.items")),
    ]

    def compose_body(self) -> Iterable[Widget]:
        yield RecordList([Column(t("worklog.tui.col_period"), 8), Column(t("worklog.tui.col_mode"), 8),
                          Column(t("worklog.tui.col_size"), 4), Column(t("worklog.tui.col_done"), 4),
                          Column(t("worklog.tui.col_seed"), 0)], empty=t("worklog.tui.empty"), id="spots")

    def on_mount(self) -> None:
        self.load()
        self.query_one("#spots").focus()

    def load(self) -> None:
        rows = []
        for s in checks.spot_checks(self.operator):
            done = SpotCheckItem.select().where((SpotCheckItem.spot == s.id) & SpotCheckItem.result.is_null(False))
            rows.append((s.id, s.period, t(f"worklog.spot_mode.{s.mode}"), s.size, done.count(), s.seed))
        self.query_one("#spots", RecordList).set_source(ListSource(rows), keep_cursor=True)

    def action_new(self) -> None:
        towns = [(u.name, u.id) for u in auth.scope_of(self.operator).units() if u.kind == "town"]
        last = rules.period_of(clock.today().replace(day=1) - dt.timedelta(days=1))
        fields = [FormField("period", t("worklog.tui.period"), last, required=True),
                  FormField("size", t("worklog.tui.spot_size"), "10"),
                  FormField("seed", t("worklog.tui.spot_seed")),
                  FormField("town", t("worklog.tui.spot_town"), None, towns)]

        def start(values: dict[str, Any]) -> Any:
            try:
                rules.month_bounds(values["period"])
            except ValueError:
                raise ValidationError("period", "worklog.err.period") from None
            return checks.start_spot_check(self.operator, values["period"], size=_int_or_none(values, "size"),
                                           seed=_int_or_none(values, "seed"), town_id=values["town"] or None)

        self.app.push_screen(FormScreen(t("worklog.tui.spot_new"), fields, start), callback=self._started)

    def _started(self, spot: Any) -> None:
        if spot is not None:
            self.notify(t("worklog.tui.spot_started", size=spot.size, seed=spot.seed))
            self.load()

    @on(RecordList.Selected, "#spots")
    def _selected(self) -> None:
        self.action_items()

    def action_items(self) -> None:
        spot_id = self.query_one("#spots", RecordList).current_id
        if spot_id is not None:
            self.app.push_screen(SpotItemsScreen(spot_id), callback=lambda _: self.load())


class SpotItemsScreen(XinyiScreen):
    """The people one spot check picked: record the result per person, export a log book page."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", t("tui.key.back")), Binding("r", "finding", t("worklog.key.finding")),
        Binding("p", "export", t("worklog.key.export")),
    ]

    def __init__(self, spot_id: int) -> None:
        super().__init__()
        self.spot_id = spot_id

    def screen_title(self) -> str:
        from .models import SpotCheck

        spot = SpotCheck.get_by_id(self.spot_id)
        return t("worklog.tui.spot_items_title", period=spot.period, mode=t(f"worklog.spot_mode.{spot.mode}"),
                 seed=spot.seed)

    def compose_body(self) -> Iterable[Widget]:
        yield RecordList([Column(t("worklog.tui.col_name"), 8), Column(t("worklog.tui.col_town"), 10),
                          Column(t("worklog.tui.col_result"), 6), Column(t("worklog.tui.col_findings"), 0)],
                         empty=t("worklog.tui.empty"), id="spot-items")

    def on_mount(self) -> None:
        self.load()
        self.query_one("#spot-items").focus()

    def load(self) -> None:
        self.items = {i.id: i for i in checks.spot_items(self.operator, self.spot_id)}
        rows = [(i.id, i.person.name, i.person.town.name if i.person.town_id else "",
                 t(f"worklog.spot_result.{i.result or 'pending'}"), i.findings) for i in self.items.values()]
        self.query_one("#spot-items", RecordList).set_source(ListSource(rows), keep_cursor=True)

    @on(RecordList.Selected, "#spot-items")
    def _selected(self) -> None:
        self.action_finding()

    def action_finding(self) -> None:
        item = self.items.get(self.query_one("#spot-items", RecordList).current_id)
        if item is None:
            return
        fields = [FormField("result", t("worklog.tui.col_result"), item.result or "ok",
                            [(t(f"worklog.spot_result.{r}"), r) for r in ("ok", "problem")], required=True),
                  FormField("findings", t("worklog.tui.col_findings"), item.findings)]
        form = FormScreen(t("worklog.tui.finding_title", name=item.person.name), fields,
                          lambda v: checks.record_finding(self.operator, item.id, v["result"], v["findings"]))
        self.app.push_screen(form, callback=lambda r: r is not None and self.load())

    def action_export(self) -> None:
        item = self.items.get(self.query_one("#spot-items", RecordList).current_id)
        if item is not None:
            from .models import SpotCheck

            export_book(self, item.person_id, SpotCheck.get_by_id(self.spot_id).period)

    def action_back(self) -> None:
        self.dismiss(None)
