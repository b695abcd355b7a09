"""Home: the operator's to-dos from every enabled plugin, and the menu of screens."""
from __future__ import annotations

from typing import Any, Iterable

from rich.text import Text
from textual import on, work
from textual.widget import Widget
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ... import alerts, auth, calendar, org
from ...db import database
from ...i18n import t
from ...types import DashboardItem
from .. import hooks, nav
from .base import XinyiScreen


def gather(operator: Any, permissions: set[str]) -> tuple[list[DashboardItem], list[str]]:
    """The core's own to-dos plus ``xinyi_dashboard_items`` from the operator's town's plugins,
    and the notices shown above them: plugins that failed, and — to the city, who enters it in
    ``xinyi.toml`` — a year with no holiday schedule, on whose days the software decides nothing."""
    items: list[DashboardItem] = []
    if "people.hire" in permissions:  # ORG-3: only the city fills vacancies
        vacant = org.vacant_posts().count()
        if vacant:
            items.append(DashboardItem(t("tui.home.vacancies", count=vacant), "tui.nav.org", vacant))
    found, failures = hooks.flat(auth.town_code_of(operator), "xinyi_dashboard_items", operator=operator)
    items.extend(found)
    # ATT-5, ATT-6, ATT-3, TRN-3 … raised by plugins; after the plugins' own to-dos, which are
    # usually the concrete next step for the same fact (e.g. a departure proposal for ATT-6)
    open_alerts = alerts.visible(operator).count()
    if open_alerts:
        items.append(DashboardItem(t("tui.home.alerts"), "tui.nav.alerts", open_alerts, urgent=True))
    notices = calendar.coverage_warnings() if auth.ROLE_LEVEL.get(operator.role) == "city" else []
    return sorted(items, key=lambda i: not i.urgent), notices + failures


class HomeScreen(XinyiScreen):
    TITLE_KEY = "tui.nav.home"

    def compose_body(self) -> Iterable[Widget]:
        yield Static(t("tui.home.todos"), classes="section-title")
        yield OptionList(Option(t("tui.loading"), disabled=True), id="todos")
        yield Static(t("tui.home.menu"), classes="section-title")
        yield OptionList(*self._menu(), id="menu")

    def _menu(self) -> list[Option]:
        out = []
        for entry in self.app.nav.values():  # type: ignore[attr-defined]
            if entry.id == "tui.nav.home":
                continue
            out.append(Option(f"{nav.key_label(entry.key):<4}{entry.title}", id=entry.id))
        return out

    def on_mount(self) -> None:
        self.query_one("#todos").focus()

    def on_screen_resume(self) -> None:
        """Every return to the home screen shows current to-dos (an approval may have been decided)."""
        self.load()

    @work(thread=True, exclusive=True)
    def load(self) -> None:
        """Plugins may query a lot: never on the UI thread."""
        try:
            items, failures = gather(self.operator, self.app.permissions)  # type: ignore[attr-defined]
        finally:
            database.close()  # this thread's own connection
        self.app.call_from_thread(self._show, items, failures)

    def _show(self, items: list[DashboardItem], failures: list[str]) -> None:
        """To-dos, urgent first; a plugin that failed is listed too, so the operator can report it."""
        self._items = items
        todos = self.query_one("#todos", OptionList)
        todos.clear_options()
        for failure in dict.fromkeys(self.app.plugin_failures + failures):  # type: ignore[attr-defined]
            todos.add_option(Option(Text(failure, style="bold red"), disabled=True))
        if not items:
            todos.add_option(Option(t("tui.home.no_todos"), disabled=True))
        for i, item in enumerate(items):
            text = t("tui.home.item", title=item.title, count=item.count)
            todos.add_option(Option((t("tui.home.urgent") if item.urgent else "") + text, id=str(i)))
        todos.highlighted = todos.option_count - len(items) if items else None

    @on(OptionList.OptionSelected, "#todos")
    def _todo(self, event: OptionList.OptionSelected) -> None:
        item = self._items[int(event.option.id or 0)]
        self.app.action_open(item.screen, item.params)  # type: ignore[attr-defined]

    @on(OptionList.OptionSelected, "#menu")
    def _menu_pick(self, event: OptionList.OptionSelected) -> None:
        self.app.action_open(event.option.id)  # type: ignore[attr-defined]
