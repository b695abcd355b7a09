"""The duty roster screen: this week's and next week's rotation; P publishes next week."""
from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Iterable

from textual.binding import Binding, BindingType
from textual.widget import Widget

from xinyi_core import ScreenEntry, clock, org, t, weekday_zh
from xinyi_core.tui.screens import XinyiScreen
from xinyi_core.tui.widgets import Column, ListSource, RecordList

from . import rules, service

P = "duty_roster"


class DutyRosterScreen(XinyiScreen):
    TITLE_KEY = f"{P}.title"
    PERMISSIONS: ClassVar[dict[str, str]] = {"publish": f"{P}.publish"}
    BINDINGS: ClassVar[list[BindingType]] = [Binding("p", "publish", t(f"{P}.key.publish"))]

    def compose_body(self) -> Iterable[Widget]:
        yield RecordList([Column(t(f"{P}.col.date"), 10), Column(t(f"{P}.col.weekday"), 4),
                          Column(t(f"{P}.col.town"), 10), Column(t(f"{P}.col.person"), 0)],
                         empty=t(f"{P}.empty"), id="slots")

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#slots").focus()

    def reload(self) -> None:
        """This week's and later slots the operator may see, read through the scoped service."""
        today = clock.today()
        monday = today - dt.timedelta(days=today.weekday())
        rows = [(s.id, s.date.isoformat(), weekday_zh(s.date, short=True), s.town.name, s.person.name)
                for s in service.visible(self.operator, monday).limit(200)]
        self.query_one("#slots", RecordList).set_source(ListSource(rows))

    def action_publish(self) -> None:
        town = org.town_of(self.operator)
        if town is not None:  # the service checks the permission and audits; attempt shows a refusal
            self.attempt(service.publish_week, self.operator, town, rules.week_after(clock.today()),
                         done=lambda days: t(f"{P}.published", days=days) if days else t(f"{P}.already"))


ENTRIES: list[Any] = [ScreenEntry("", f"{P}.title", f"{P}.view", DutyRosterScreen, "attendance")]
