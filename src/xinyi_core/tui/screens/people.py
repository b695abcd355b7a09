"""The assistants list: search as you type, filter, sort; instant at 20,000 rows.

The list is a :class:`RecordList` over ``people.search`` — scoped in the data
layer, so a town clerk's list only ever holds her town — fetched a page at a
time. Typing is debounced; arrows and Enter work from the search box.
"""
from __future__ import annotations

from typing import Any, ClassVar, Iterable

from textual import on
from textual.binding import Binding, BindingType
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Input, Static

from ... import auth, org, people
from ...errors import XinyiError
from ...fmt import mask_id, mask_phone
from ...i18n import t
from ...models import OrgUnit, Person
from ..widgets import Column, Form, FormField, QuerySource, RecordList, SearchBox
from .base import XinyiScreen

ORDERS = ("name", "joined", "town")
COLUMNS = [Column(t("tui.people.col_name"), 8), Column(t("tui.people.col_sex"), 4),
           Column(t("tui.people.col_town"), 10), Column(t("tui.people.col_village"), 12),
           Column(t("tui.people.col_status"), 6), Column(t("tui.people.col_phone"), 11),
           Column(t("tui.people.col_id"), 0)]


class PeopleScreen(XinyiScreen):
    TITLE_KEY = "tui.nav.people"
    DEBOUNCE: ClassVar[float] = 0.12
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", t("tui.key.open")),
        # priority: from the search box too, / is a key, not a character (nobody searches for one)
        Binding("slash", "focus_search", t("tui.key.search"), key_display="/", priority=True),
        Binding("f", "filter", t("tui.key.filter")),
        Binding("s", "sort", t("tui.key.sort")),
        Binding("a", "add", t("tui.key.add")),
        Binding("e", "edit", t("tui.key.edit")),
        Binding("down", "move(1)", show=False), Binding("up", "move(-1)", show=False),
        Binding("pagedown", "move(20)", show=False), Binding("pageup", "move(-20)", show=False),
    ]
    PERMISSIONS = {"add": "people.hire", "edit": "people.edit"}  # ORG-3: hire is the city's act

    def __init__(self) -> None:
        super().__init__()
        self.filters: dict[str, Any] = {"town_id": None, "village_id": None, "status": None}
        self.order = "name"
        self._timer: Timer | None = None
        self._names = _UnitNames()

    def compose_body(self) -> Iterable[Widget]:
        yield SearchBox(placeholder=t("tui.people.search_placeholder"), id="search", compact=True)
        yield Static("", id="people-status")
        yield RecordList(COLUMNS, empty=t("tui.people.empty"), id="people")

    def on_mount(self) -> None:
        self.query_one("#search").focus()
        self.run_search()

    # ------------------------------------------------------------------ query

    @property
    def text(self) -> str:
        return self.query_one("#search", Input).value

    def _row(self, r: tuple) -> tuple:
        pid, name, sex, town, village, status, phone, id_number = r
        return (pid, name, t(f"person.sex.{sex}"), self._names.get(town, ""), self._names.get(village, ""),
                t(f"person.status.{status}"), mask_phone(phone), mask_id(id_number))  # full: the person page

    def run_search(self) -> None:
        q = people.search(self.operator, self.text, order=self.order, limit=None, **self.filters)
        q = q.select(Person.id, Person.name, Person.sex, Person.town, Person.village, Person.status,
                     Person.phone, Person.id_number)
        plist = self.query_one("#people", RecordList)
        plist.set_source(_PeopleSource(q, self._row, self._names))
        self._status()

    def _status(self) -> None:
        bits = [t("tui.people.count", count=self.query_one("#people", RecordList).count),
                t("tui.people.order", order=t(f"tui.people.orders.{self.order}"))]
        shown = [self._names.name(self.filters["town_id"]), self._names.name(self.filters["village_id"]),
                 t(f"person.status.{self.filters['status']}") if self.filters["status"] else ""]
        if any(shown):
            bits.append(t("tui.people.filters", text="、".join(s for s in shown if s)))
        self.query_one("#people-status", Static).update("  ".join(bits))
        self.refresh_bindings()  # the footer's Esc: 清除筛选 or 返回

    @on(Input.Changed, "#search")
    def _typed(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(self.DEBOUNCE, self.run_search)

    @on(Input.Submitted, "#search")
    def _submitted(self) -> None:
        if self._timer is not None:  # Enter before the debounce fired: search now, then open
            self._timer.stop()
            self._timer = None
            self.run_search()
        self.action_open()

    def apply_params(self, params: dict[str, Any]) -> None:
        """A dashboard item may open the list pre-filtered (``town_id``, ``status``, ``text``).

        A town or village outside the operator's scope is refused (and audited) by
        ``people.search``: say so and keep the list as it was.
        """
        before = dict(self.filters)
        self.filters.update({k: v for k, v in params.items() if k in self.filters})
        if "text" in params:
            self.query_one("#search", Input).value = params["text"]
        try:
            self.run_search()
        except XinyiError as exc:
            self.filters = before
            self.report(exc)
            self.run_search()

    # ------------------------------------------------------------------ actions

    def action_move(self, delta: int) -> None:
        """Arrows from the search box move into the list, where the action keys work."""
        plist = self.query_one("#people", RecordList)
        if plist.has_focus:
            plist.action_cursor(delta)
        else:
            plist.focus()

    def action_focus_search(self) -> None:
        self.query_one("#search").focus()

    def has_filter(self) -> bool:
        return bool(self.text) or any(v is not None for v in self.filters.values())

    def clear_filter(self) -> None:
        """Esc: the search text first, then the town/village/status filter (组织架构 → a village)."""
        search = self.query_one("#search", Input)
        if search.value:
            search.value = ""
        else:
            self.filters = {k: None for k in self.filters}
        self.run_search()
        search.focus()

    def action_sort(self) -> None:
        self.order = ORDERS[(ORDERS.index(self.order) + 1) % len(ORDERS)]
        self.run_search()

    def action_open(self) -> None:
        from .person import PersonScreen

        person_id = self.query_one("#people", RecordList).current_id
        if person_id is None:
            return
        # scope is checked (and a refusal audited) by the core
        if self.attempt(people.get, self.operator, person_id, reload=False) is None:
            return
        self.app.push_screen(PersonScreen(person_id), callback=self._after_change)

    def action_add(self) -> None:
        from .person import PersonFormScreen

        self.app.push_screen(PersonFormScreen(None), callback=self._after_change)

    def action_edit(self) -> None:
        from .person import PersonFormScreen

        person_id = self.query_one("#people", RecordList).current_id
        if person_id is not None:
            self.app.push_screen(PersonFormScreen(person_id), callback=self._after_change)

    def action_filter(self) -> None:
        self.app.push_screen(FilterScreen(self.filters, self.order), callback=self._filtered)

    def _filtered(self, result: dict[str, Any] | None) -> None:
        if result is None:
            return
        self.order = result.pop("order") or "name"
        self.filters = {k: (v or None) for k, v in result.items()}
        self.run_search()

    def _after_change(self, changed: Any) -> None:
        if changed:
            self.query_one("#people", RecordList).reload()
            self._status()

    @on(RecordList.Selected, "#people")
    def _selected(self) -> None:
        self.action_open()


class _UnitNames(dict):
    """Org unit id → name, for the units of the rows fetched so far (a page at a time).

    The 20,000-assistant city has 12,000 villages: all their names in every session would be
    ~2 MB of Python objects for the 20 rows on the screen (issue 21). ``learn`` reads the
    names a page needs in one query; the cache is emptied when it outgrows :data:`KEEP`."""

    KEEP = 2_000

    def learn(self, ids: Iterable[int | None]) -> None:
        wanted = {i for i in ids if i is not None}
        missing = wanted - self.keys()
        if not missing:
            return
        if len(self) + len(missing) > self.KEEP:
            self.clear()
            missing = wanted
        self.update(org.unit_names(missing))

    def name(self, unit_id: int | None) -> str:
        self.learn((unit_id,))
        return self.get(unit_id, "")  # type: ignore[arg-type]


class _PeopleSource(QuerySource):
    """:class:`QuerySource` that reads the names of each page's towns and villages with the page."""

    def __init__(self, query: Any, format: Any, names: _UnitNames) -> None:
        super().__init__(query, format)
        self._names = names

    def rows(self, offset: int, limit: int) -> list[tuple]:
        raw = list(self._query.offset(offset).limit(limit).tuples())
        self._names.learn(id_ for r in raw for id_ in (r[3], r[4]))
        return [self._format(r) for r in raw]


class FilterScreen(XinyiScreen):
    """Town, village, status and order — only units within the operator's scope are offered."""

    TITLE_KEY = "tui.people.filter_title"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", t("tui.key.cancel"))]

    def __init__(self, filters: dict[str, Any], order: str) -> None:
        super().__init__()
        self._filters, self._order = filters, order

    def compose_body(self) -> Iterable[Widget]:
        units = list(auth.scope_of(self.operator).units().select(OrgUnit.id, OrgUnit.name, OrgUnit.kind)
                     .order_by(OrgUnit.path))
        yield Form([
            FormField("town_id", t("person.field.town"), self._filters["town_id"],
                      [(u.name, u.id) for u in units if u.kind == "town"]),
            FormField("village_id", t("person.field.village"), self._filters["village_id"],
                      [(u.name, u.id) for u in units if u.kind == "village"]),
            FormField("status", t("person.field.status"), self._filters["status"],
                      [(v, k) for k, v in people.labels("status").items()]),
            FormField("order", t("tui.people.order_label"), self._order,
                      [(t(f"tui.people.orders.{o}"), o) for o in ORDERS]),
        ], id="filter-form")

    def on_mount(self) -> None:
        self.query_one(Form).widget("town_id").focus()

    @on(Form.Submitted)
    def _done(self, event: Form.Submitted) -> None:
        self.dismiss(event.values)

    def action_cancel(self) -> None:
        self.dismiss(None)
