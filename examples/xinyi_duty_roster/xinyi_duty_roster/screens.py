"""The duty roster screen: this week's and next week's rotation; P publishes next week."""
from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Iterable

from textual.binding import Binding, BindingType
from textual.widget import Widget

from xinyi_core import OrgUnit, ScreenEntry, XinyiError, clock, org, t
from xinyi_core.tui.screens import XinyiScreen
from xinyi_core.tui.widgets import Column, ListSource, RecordList

from . import rules, service

P = "duty_roster"
WEEKDAYS = "一二三四五六日"


class DutyRosterScreen(XinyiScreen):
    TITLE_KEY = f"{P}.title"
    PERMISSIONS: ClassVar[dict[str, str]] = {"publish": f"{P}.publish"}
    BINDINGS: ClassVar[list[BindingType]] = [Binding("p", "publish", t(f"{P}.key.publish"))]

    def compose_body(self) -> Iterable[Widget]:
        yield RecordList([Column(t(f"{P}.col.date"), 10), Column(t(f"{P}.col.weekday"), 4),
                          Column(t(f"{P}.col.town"), 10), Column(t(f"{P}.col.person"), 0)],
                         empty=t(f"{P}.empty"), id="slots")

    def on_mount(self) -> None:
        self.load()
        self.query_one("#slots").focus()

    def load(self) -> None:
        today = clock.today()
        monday = today - dt.timedelta(days=today.weekday())
        names = dict(OrgUnit.select(OrgUnit.id, OrgUnit.name).where(OrgUnit.kind == "town").tuples())
        rows = [(s.id, s.date.isoformat(), WEEKDAYS[s.date.weekday()], names.get(s.town_id, ""), s.person.name)
                for s in service.visible(self.operator, monday).limit(200)]
        self.query_one("#slots", RecordList).set_source(ListSource(rows))

    def action_publish(self) -> None:
        town = org.town_of(self.operator.scope)
        if town is None:
            return
        try:
            days = service.publish_week(self.operator, town, rules.week_after(clock.today()))
        except XinyiError as exc:
            self.report(exc)
            return
        self.notify(t(f"{P}.published", days=days) if days else t(f"{P}.already"))
        self.load()


ENTRIES: list[Any] = [ScreenEntry("", f"{P}.title", f"{P}.view", DutyRosterScreen, "attendance")]
