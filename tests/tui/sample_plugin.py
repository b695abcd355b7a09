"""A minimal plugin for the UI tests: one screen, one dashboard to-do, one chart, one calendar mark."""
from __future__ import annotations

from textual.widgets import Static

from xinyi_core import CalendarMark, DashboardChart, DashboardItem, ScreenEntry, dashboard, hookimpl
from xinyi_core.tui.screens import XinyiScreen
from xinyi_core.tui.widgets import Column, ListSource, RecordList

XINYI_API = "1"


class SampleScreen(XinyiScreen):
    TITLE_KEY = "sample.title"

    def compose_body(self):
        yield Static("样例插件页面", id="sample-body")
        yield RecordList([Column("事项", 0)], ListSource([(1, "第一项"), (2, "第二项")]), id="sample-list")

    def on_mount(self) -> None:
        self.query_one("#sample-list", RecordList).reload()


@hookimpl
def xinyi_messages():
    return {"title": "样例审批", "secret": "机密页面", "alert": {"kind": {"off_post": "擅自离岗"}}}


@hookimpl
def xinyi_permissions():
    return {"sample.view": ["town_clerk", "city_office"], "sample.secret": ["bureau"]}


@hookimpl
def xinyi_screens():
    return [ScreenEntry("", "sample.title", "sample.view", SampleScreen, "leave"),
            ScreenEntry("", "sample.secret", "sample.secret", SampleScreen, "leave")]


@hookimpl
def xinyi_dashboard_items(operator):
    return [DashboardItem("请假待审批", "sample.title", count=3, urgent=True)]


@hookimpl
def xinyi_calendar_marks(person, start, end):
    return [CalendarMark(start, "leave", "事假")]


@hookimpl
def xinyi_dashboard_series(operator, period):
    """A town's own chart, added without any change to the core: 3 visits in town a, 5 in town b."""
    counts = {town_id: (3 if name == "甲镇" else 5) for town_id, name in dashboard.towns()}
    labels, series = dashboard.by_town(operator, [("走访", counts)])
    return [DashboardChart("sample.visits", f"走访次数（{dashboard.period_label(period)}）", "走访", "hbar",
                           labels, series, unit="次", order=5, label_title="镇街")]
