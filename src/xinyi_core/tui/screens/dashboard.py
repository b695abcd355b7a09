"""数据看板: the city's (or a town head's) few questions answered as charts, one at a time, at 80×24.

Row 2 is the selector — a digit per chart and the month — then the chart's title and legend, the
chart itself (``textual-plotext``, see :mod:`xinyi_core.tui.widgets.chart` for the markers chosen
for PuTTY with a Chinese font), and the footer. ``t`` shows the same numbers as a table, ``←``/``→``
(or the digit) change the chart, ``[``/``]`` the month. The charts come from
:func:`xinyi_core.dashboard.gather` — the plugins' ``xinyi_dashboard_series`` — off the UI thread;
while they are computed the chart area shows a loading indicator.
"""
from __future__ import annotations

from typing import Any, ClassVar, Iterable

from rich.text import Text
from textual import work
from textual.app import RenderResult
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import DataTable, Static
from textual_plotext import PlotextPlot

from ... import clock, dashboard
from ...db import database
from ...i18n import t
from ...types import DashboardChart
from ..widgets import chart as drawing
from ..widgets.operator_bar import OperatorBar
from .base import XinyiScreen


class ChartView(PlotextPlot):
    """One :class:`DashboardChart` drawn by plotext, in the terminal's own colours (theme ``clear``:
    plotext's true-colour themes would be squeezed into a 16-colour terminal)."""

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.theme = "clear"
        self.chart: DashboardChart | None = None

    def show(self, chart: DashboardChart | None) -> None:
        if chart is self.chart:
            return  # the one on show (another source came in, or the last): no second plotext figure
        self.chart = chart
        self.refresh()

    def render(self) -> RenderResult:
        if self.chart is None or self.size.width < 20 or self.size.height < 5:
            return Text("")
        drawing.draw(self.plt, self.chart, self.size.width, self.size.height)
        self.plt.theme("clear")
        return drawing.build(self.plt, self.chart)


class DashboardScreen(XinyiScreen):
    TITLE_KEY = "tui.nav.dashboard"
    # the city's first screen after login (nav.landing): the way to her to-dos and menu is on show
    FOOTER_GLOBAL = ("f2",)
    BINDINGS: ClassVar[list[BindingType]] = [
        # priority: the table, when shown, would take ← → for its own cursor
        Binding("right", "chart(1)", t("tui.dashboard.key_chart"), key_display="←→", priority=True),
        Binding("left", "chart(-1)", "", show=False, priority=True),  # the ←→ above, on F1 too
        Binding("left_square_bracket", "month(-1)", t("tui.dashboard.key_prev_month")),
        Binding("right_square_bracket", "month(1)", t("tui.dashboard.key_next_month")),
        Binding("t", "table", t("tui.dashboard.key_table")),
        # listed once on F1 as 1～9 (help_keys), not nine times
        *(Binding(str(i), f"pick({i - 1})", "", show=False) for i in range(1, 10)),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.period = f"{clock.today():%Y-%m}"
        self.charts: list[DashboardChart] = []
        self.current = 0
        self.current_key = ""
        self._chosen = False  # the operator picked a chart: it stays on show while the others come
        self._incoming: list[DashboardChart] = []
        self._complete = True
        self.as_table = False

    def compose_body(self) -> Iterable[Widget]:
        yield Static("", id="dash-tabs")
        yield Static("", id="dash-title", classes="section-title")
        yield Static("", id="dash-legend", classes="hint")
        yield ChartView(id="dash-chart")
        table: DataTable = DataTable(id="dash-table", zebra_stripes=True, cursor_type="row")
        table.display = False
        yield table

    def help_keys(self) -> list[tuple[str, str]]:
        return [("1～9", t("tui.dashboard.key_pick"))]

    def on_mount(self) -> None:
        self.load()

    def on_screen_resume(self) -> None:
        if self.charts:
            self.load()  # the numbers may have moved since (a day confirmed, a post filled)

    # ------------------------------------------------------------------ data

    @work(thread=True, exclusive=True)
    def load(self, todos: bool = True) -> None:
        """The charts of ``self.period``, off the UI thread, drawn source by source as they come (the
        core's, then each plugin's); until the chart on show has come the chart area shows progress.
        Then, unless only the month changed (``todos=False``), the to-dos that wait on 首页."""
        period = self.period
        self.app.call_from_thread(self._start, period)
        try:
            for charts, failures in dashboard.sources(self.operator, period):
                self.app.call_from_thread(self._add, period, charts, failures)
            self.app.call_from_thread(self._done, period)
            if not todos:
                return
            # the city lands here, not on 首页: what waits for her there is said on the top line
            from .home import gather

            items, notices = gather(self.operator, self.app.permissions)  # type: ignore[attr-defined]
        finally:
            database.close()  # this thread's own connection
        self.app.call_from_thread(self._todos, len(items) + len(notices), sum(1 for i in items if i.urgent))

    def _todos(self, count: int, urgent: int) -> None:
        bar = self.query_one(OperatorBar)
        if not count:
            bar.note("")
        elif urgent:
            bar.note(t("tui.dashboard.todos_urgent", count=count, urgent=urgent), urgent=True)
        else:
            bar.note(t("tui.dashboard.todos", count=count))

    def _start(self, period: str) -> None:
        self._incoming: list[DashboardChart] = []
        self._complete = False
        self.query_one("#dash-chart", ChartView).loading = True
        self.query_one("#dash-tabs", Static).update(self._tabs())

    def _add(self, period: str, charts: list[DashboardChart], failures: list[str]) -> None:
        if period != self.period:
            return  # the month changed again while these were computed: a newer load is on its way
        for failure in failures:
            self.notify(failure, severity="error")
        self._incoming = sorted([*self._incoming, *charts], key=lambda c: c.order)
        keys = [c.key for c in self._incoming]
        if self._chosen and self.current_key in keys:  # the chart she chose has come: draw it now
            self._show(self._incoming, keys.index(self.current_key))
        elif not self._chosen and self._incoming:  # nothing chosen: the first chart (by order) there is
            self._show(self._incoming, 0)

    def _done(self, period: str) -> None:
        if period != self.period:
            return
        self._complete = True
        keys = [c.key for c in self._incoming]
        chosen = self._chosen and self.current_key in keys
        self._show(self._incoming, keys.index(self.current_key) if chosen else 0)

    def _show(self, charts: list[DashboardChart], current: int) -> None:
        self.charts = list(charts)
        self.current = current
        self.query_one("#dash-chart", ChartView).loading = False
        self._draw()

    # ------------------------------------------------------------------ drawing

    def _tabs(self) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis")
        for i, chart in enumerate(self.charts[:9]):
            style = "reverse bold" if i == self.current else ""
            out.append(f"{i + 1} {chart.short}", style=style)
            out.append(" ")
        out.append(" " + t("tui.dashboard.period", month=dashboard.period_label(self.period)), style="bold")
        if not self._complete:
            out.append("  " + t("tui.loading"), style="italic")
        return out

    def _draw(self) -> None:
        chart = self.charts[self.current] if self.charts else None
        self.current_key = chart.key if chart is not None else ""
        self.query_one("#dash-tabs", Static).update(self._tabs())
        title = self.query_one("#dash-title", Static)
        legend = self.query_one("#dash-legend", Static)
        view = self.query_one("#dash-chart", ChartView)
        table = self.query_one("#dash-table", DataTable)
        if chart is None:
            title.update(t("tui.dashboard.none") if self._complete else t("tui.loading"))
            legend.update("")
            view.show(None)
            table.display = False
            return
        unit = t("tui.dashboard.unit", unit=chart.unit) if chart.unit else ""
        title.update(f"{chart.title}{unit}")
        line = drawing.legend(chart)
        legend.update(line if line.plain and not self.as_table else Text(chart.note))
        # a bar chart of a few labels (a town head's: her town and the city) leaves room for its table below
        short = chart.kind in ("hbar", "stacked") and 2 * len(chart.labels) + 5 <= max(self.size.height - 5, 0)
        view.display = not self.as_table
        view.styles.height = len(chart.labels) + 3 if short else "1fr"
        table.display = self.as_table or short
        if table.display:
            self._fill(table, chart)
        if not self.as_table:
            view.show(chart)
        self.refresh_bindings()

    def _fill(self, table: DataTable, chart: DashboardChart) -> None:
        table.clear(columns=True)
        table.add_column(chart.label_title or t("tui.dashboard.label"))
        for name, _ in chart.series:
            table.add_column(name)
        for i, label in enumerate(chart.labels):
            table.add_row(label, *(f"{values[i]:g}" for _, values in chart.series))

    # ------------------------------------------------------------------ keys

    def check_action(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        if action == "pick":
            return parameters[0] < len(self.charts)
        return super().check_action(action, parameters)

    def action_chart(self, delta: int) -> None:
        if self.charts:
            self._chosen = True
            self.current = (self.current + delta) % len(self.charts)
            self._draw()

    def action_pick(self, index: int) -> None:
        if 0 <= index < len(self.charts):
            self._chosen = True
            self.current = index
            self._draw()

    def action_month(self, delta: int) -> None:
        self._chosen = self._chosen or bool(self.charts)  # the same chart, another month
        self.period = dashboard.shift(self.period, delta)
        self.load(todos=False)  # the to-dos are no month's: the top line stands

    def action_table(self) -> None:
        self.as_table = not self.as_table
        self._draw()
        if self.as_table:
            self.query_one("#dash-table").focus()
