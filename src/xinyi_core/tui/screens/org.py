"""The org tree within the operator's scope, with head counts and vacancies (ORG-2, ORG-3).

Drawn with the shared :class:`RecordList` as an indented list (towns fold and
unfold with Enter/Space): a cursor move repaints two lines, and a city of a
few thousand villages costs no more than a town of twenty.
"""
from __future__ import annotations

from typing import ClassVar, Iterable, NamedTuple

from textual import on
from textual.binding import Binding, BindingType
from textual.widget import Widget

from ... import auth, org, people
from ...i18n import t
from ...models import OrgUnit
from ..widgets import Column, ListSource, RecordList
from .base import XinyiScreen

INDENT = {"city": "", "town": "  ", "village": "      "}


class Unit(NamedTuple):
    """An org node as four plain values: a city of thousands of villages stays light."""

    id: int
    kind: str
    name: str
    parent_id: int | None


class OrgScreen(XinyiScreen):
    TITLE_KEY = "tui.org.title"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle", t("tui.org.toggle")),
        Binding("p", "people", t("tui.nav.people")),
        Binding("r", "refresh", t("tui.key.refresh")),
    ]

    def compose_body(self) -> Iterable[Widget]:
        yield RecordList([Column(t("tui.org.col_unit"), 0), Column(t("tui.org.col_people"), 8),
                          Column(t("tui.org.col_vacant"), 8)], id="org-list")

    def on_mount(self) -> None:
        self.action_refresh()
        self.query_one("#org-list").focus()

    def action_refresh(self) -> None:
        scope = auth.scope_of(self.operator)
        self.units = [Unit(*row) for row in scope.units().select(OrgUnit.id, OrgUnit.kind, OrgUnit.name,
                                                                 OrgUnit.parent).order_by(OrgUnit.path).tuples()]
        self.vacant = org.vacancy_counts()
        self.heads = people.headcounts(self.operator)
        towns = [u.id for u in self.units if u.kind == "town"]
        self.open = set(towns) if len(towns) == 1 else set()  # a town's own staff see its villages at once
        self._show()

    def _show(self) -> None:
        rows = []
        listed = {u.id for u in self.units}
        for unit in self.units:
            under_town = unit.kind == "village" and unit.parent_id in listed
            if under_town and unit.parent_id not in self.open:
                continue
            mark = ("▼ " if unit.id in self.open else "▶ ") if unit.kind == "town" else ""
            vacant = self.vacant.get(unit.id, 0)
            # a village head's scope is her village alone: it is her top line (not hidden under a town)
            indent = INDENT[unit.kind] if under_town or unit.kind != "village" else INDENT["town"]
            rows.append((unit.id, indent + mark + unit.name,
                         t("tui.org.people", count=self.heads.get(unit.id, 0)) if unit.kind != "city" else "",
                         t("tui.org.vacant", count=vacant) if vacant else ""))
        self._by_id = {u.id: u for u in self.units}
        self.query_one("#org-list", RecordList).set_source(ListSource(rows), keep_cursor=True)

    def _current(self) -> Unit | None:
        return self._by_id.get(self.query_one("#org-list", RecordList).current_id)

    def action_toggle(self) -> None:
        unit = self._current()
        if unit is not None and unit.kind == "town":
            self.open ^= {unit.id}
            self._show()

    def action_people(self) -> None:
        """Open the assistants list filtered to the highlighted town or village."""
        unit = self._current()
        if unit is None or unit.kind == "city":
            return
        params = {"town_id": unit.id, "village_id": None} if unit.kind == "town" else \
            {"town_id": None, "village_id": unit.id}
        self.app.action_open("tui.nav.people", params)  # type: ignore[attr-defined]

    @on(RecordList.Selected, "#org-list")
    def _selected(self) -> None:
        unit = self._current()
        if unit is not None and unit.kind == "town":
            self.action_toggle()
        else:
            self.action_people()
