"""Home: the operator's to-dos from every enabled plugin, and the menu of every screen she may open,
by business group, each two keys away (``2a``)."""
from __future__ import annotations

from typing import Any, ClassVar, Iterable, NamedTuple, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual import events, on, work
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.widget import Widget
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ... import alerts, auth, calendar, org
from ...db import database
from ...i18n import t
from ...types import DashboardItem
from .. import hooks, nav
from ..nav import NavEntry
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
    # the same fact as calendar.coverage_warnings, without the configuration key (the CLI names it)
    notices = [t("tui.home.year_unavailable", year=year) for year in calendar.uncovered_years()] \
        if auth.ROLE_LEVEL.get(operator.role) == "city" else []
    return sorted(items, key=lambda i: not i.urgent), notices + failures


COL_WIDTH = 26  # "2a 宣传信息完成情况  F7": three columns in 80


class Line(NamedTuple):
    group: str
    entry: NavEntry | None  # None: the group's heading


def pack(blocks: Sequence[int], columns: int) -> list[int]:
    """Split blocks of ``blocks[i]`` lines, in order and each whole, into at most ``columns`` columns
    as short as possible; the index of the first block of each column."""
    if not blocks:
        return []
    lowest = max(max(blocks), -(-sum(blocks) // columns))
    for height in range(lowest, sum(blocks) + 1):
        starts, used = [0], 0
        for i, size in enumerate(blocks):
            if used + size > height:
                starts.append(i)
                used = 0
            used += size
        if len(starts) <= columns:
            return starts
    return [0]


class NavMenu(Widget, can_focus=True):
    """The 功能 menu: every entry the operator may open, by business group, in columns.

    A digit jumps to its group, a letter opens the entry of that letter in the group the
    cursor is in (``2`` then ``a``), arrows move, Enter opens. Groups are kept whole in a
    column; when they do not all fit the menu scrolls, and the digits still reach every group.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", t("tui.key.open")),
        Binding("up", "move(-1)", show=False), Binding("down", "move(1)", show=False),
        Binding("left", "column(-1)", show=False), Binding("right", "column(1)", show=False),
        Binding("home", "jump(0)", show=False), Binding("end", "jump(-1)", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"nav-menu--group", "nav-menu--cursor", "nav-menu--fkey"}
    DEFAULT_CSS = """
    NavMenu { height: auto; padding: 0 1; }
    NavMenu > .nav-menu--group { text-style: bold; color: $accent; }
    NavMenu > .nav-menu--cursor { background: $primary 40%; }
    NavMenu:focus > .nav-menu--cursor { background: $primary; color: $text; text-style: bold; }
    NavMenu > .nav-menu--fkey { color: $text-muted; }
    """

    class Picked(Message):
        def __init__(self, entry: NavEntry) -> None:
            super().__init__()
            self.entry = entry

    def __init__(self, groups: Sequence[tuple[str, Sequence[NavEntry]]], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.groups = [(g, list(items)) for g, items in groups]
        self.entries = [e for _, items in self.groups for e in items]
        self.cursor = 0
        self._top = 0
        self._columns: list[list[Line]] = []
        self._layout(3)

    # ------------------------------------------------------------------ layout

    def _layout(self, columns: int) -> None:
        blocks = [[Line(g, None), *(Line(g, e) for e in items)] for g, items in self.groups]
        starts = pack([len(b) for b in blocks], max(columns, 1)) + [len(blocks)]
        self._columns = [[line for block in blocks[a:b] for line in block] for a, b in zip(starts, starts[1:])]

    @property
    def rows(self) -> int:
        return max((len(c) for c in self._columns), default=0)

    def _column_count(self, width: int) -> int:
        return max(1, width // COL_WIDTH)

    def on_resize(self) -> None:
        self._layout(self._column_count(self.content_size.width))
        self._show_cursor()
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        self._layout(self._column_count(width))
        return self.rows

    def where(self, entry: NavEntry) -> tuple[int, int]:
        """(column, row) of ``entry``."""
        for c, column in enumerate(self._columns):
            for r, line in enumerate(column):
                if line.entry is entry:
                    return c, r
        return 0, 0

    # ------------------------------------------------------------------ cursor

    @property
    def current(self) -> NavEntry | None:
        return self.entries[self.cursor] if self.entries else None

    def _set(self, index: int) -> None:
        if self.entries:
            self.cursor = max(0, min(index, len(self.entries) - 1))
            self._show_cursor()
            self.refresh()

    def _show_cursor(self) -> None:
        """Scroll so that the cursor's line (and, at a group's first entry, its heading) is in view."""
        if self.current is None:
            return
        height = max(self.content_size.height, 1)
        _, row = self.where(self.current)
        first = row - 1 if row and self.current is self._group_entries(self.current.group)[0] else row
        if first < self._top:
            self._top = first
        elif row >= self._top + height:
            self._top = row - height + 1
        self._top = max(0, min(self._top, self.rows - height))

    def _group_entries(self, group: str) -> list[NavEntry]:
        return next((items for g, items in self.groups if g == group), [])

    def action_move(self, delta: int) -> None:
        self._set(self.cursor + delta)

    def action_jump(self, index: int) -> None:
        self._set(len(self.entries) - 1 if index < 0 else index)

    def action_column(self, delta: int) -> None:
        if self.current is None:
            return
        col, row = self.where(self.current)
        col += delta
        if not 0 <= col < len(self._columns):
            return
        near = [(abs(r - row), line.entry) for r, line in enumerate(self._columns[col]) if line.entry is not None]
        if near:
            self._set(self.entries.index(min(near, key=lambda pair: pair[0])[1]))

    def jump_to_group(self, digit: str) -> bool:
        """Put the cursor on the first entry of the group with ``digit``; False when she has none there."""
        for group, items in self.groups:
            if nav.GROUP_DIGIT[group] == digit:
                self._set(self.entries.index(items[0]))
                return True
        return False

    def action_open(self) -> None:
        if self.current is not None:
            self.post_message(self.Picked(self.current))

    def open_letter(self, letter: str) -> bool:
        """Open the entry of ``letter`` in the cursor's group; False when there is none."""
        if self.current is None:
            return False
        entry = next((e for e in self._group_entries(self.current.group) if e.letter == letter), None)
        if entry is None:
            return False
        self._set(self.entries.index(entry))
        self.post_message(self.Picked(entry))
        return True

    def on_key(self, event: events.Key) -> None:
        """A letter opens the entry of that letter in the cursor's group; a digit moves the cursor to
        its group here and now — passed up to the screen, it would be handled after a letter typed
        right behind it (a browser sends "3a" in one go), which would open in the old group."""
        char = event.character or ""
        if len(char) == 1 and char in "0123456789" and self.jump_to_group(char):
            event.stop()
            event.prevent_default()
        elif char and char in nav.LETTERS and self.open_letter(char):
            event.stop()
            event.prevent_default()

    def on_click(self, event: events.Click) -> None:
        col, row = event.x // COL_WIDTH, self._top + event.y
        if 0 <= col < len(self._columns) and 0 <= row < len(self._columns[col]):
            entry = self._columns[col][row].entry
            if entry is not None:
                self._set(self.entries.index(entry))
                self.post_message(self.Picked(entry))

    # ------------------------------------------------------------------ drawing

    def _cell(self, line: Line | None, width: int) -> Text:
        if line is None:
            return Text(" " * width)
        if line.entry is None:
            text = Text(f"{nav.GROUP_DIGIT[line.group]} {nav.group_title(line.group)}",
                        self.get_component_rich_style("nav-menu--group"))
        else:
            entry = line.entry
            fkey = nav.key_label(entry.key) if entry.key else ""
            label = Text(f" {entry.path or '  '} {entry.title}")
            room = width - len(fkey) - 2
            label.truncate(room, pad=True)
            text = Text.assemble(label, (fkey.rjust(len(fkey)), self.get_component_rich_style("nav-menu--fkey")))
            if self.entries and entry is self.current:
                text.stylize(self.get_component_rich_style("nav-menu--cursor"))
        text.truncate(width, pad=True)
        return text

    def render(self) -> Text:
        width, height = self.content_size.width, self.content_size.height
        count = len(self._columns) or 1
        widths = [COL_WIDTH] * (count - 1) + [max(width - COL_WIDTH * (count - 1), 0)]
        out = Text(no_wrap=True, overflow="crop")
        for y in range(self._top, self._top + height):
            if y > self._top:
                out.append("\n")
            for c, w in enumerate(widths):
                column = self._columns[c] if c < len(self._columns) else []
                out.append_text(self._cell(column[y] if y < len(column) else None, w))
        return out

    @property
    def clipped(self) -> bool:
        """Whether some lines of the menu are out of view (it scrolls)."""
        return self.rows > self.content_size.height


class TodoList(OptionList):
    """The to-dos: Enter opens the screen a to-do names (and says so in the footer)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select", t("tui.key.open"))]


class HomeScreen(XinyiScreen):
    """The to-dos on top, the 功能 menu below; Tab moves between them, a digit picks a group from
    either, and a letter then opens its entry. Esc does nothing here: home stays home."""

    TITLE_KEY = "tui.nav.home"
    FOOTER_GLOBAL = ("ctrl+l", "ctrl+q")
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "app.focus_next", t("tui.home.key_tab")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._group_picked = False  # a digit was the last key: the next letter opens in its group

    def compose_body(self) -> Iterable[Widget]:
        yield Static(t("tui.home.todos"), classes="section-title")
        yield TodoList(Option(t("tui.loading"), disabled=True), id="todos")
        yield Static(t("tui.home.menu"), classes="section-title", id="menu-title")
        yield NavMenu(nav.menu(self.app.nav.values()), id="menu")  # type: ignore[attr-defined]
        yield Static(t("tui.home.hint"), classes="hint", id="home-hint")

    def check_action(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        if action == "back":
            return False  # home stays home
        return super().check_action(action, parameters)

    def help_keys(self) -> list[tuple[str, str]]:
        return [(t("tui.home.digits_key"), t("tui.home.digits")), (t("tui.home.letters_key"), t("tui.home.letters"))]

    def action_group(self, digit: str) -> None:
        menu = self.query_one("#menu", NavMenu)
        if menu.jump_to_group(digit):
            menu.focus()
            self._group_picked = True
            # screens are imported on their first visit: the group's now, while she reaches for the letter
            nav.preload(e for group, items in menu.groups if nav.GROUP_DIGIT[group] == digit for e in items)
        else:
            self.app.bell()

    def on_key(self, event: events.Key) -> None:
        """A digit picks a group; the letter right after it opens its entry, even when it arrives
        before the menu has the focus (typed fast, or both keys in one packet over SSH). Handled
        here, in the order the keys came, not as bindings (which the app checks later)."""
        char = event.character or ""
        if len(char) == 1 and char in "0123456789":
            event.stop()
            event.prevent_default()
            self.action_group(char)
        elif char and char in nav.LETTERS and self._group_picked:
            self._group_picked = False
            if self.query_one("#menu", NavMenu).open_letter(char):
                event.stop()
                event.prevent_default()
        else:
            self._group_picked = False

    def on_mount(self) -> None:
        self.query_one("#todos").focus()
        self.call_after_refresh(self._menu_title)

    def on_resize(self, event: events.Resize) -> None:
        # The menu takes what the bars, the two titles, the hint and three lines of to-dos leave.
        hint_lines = -(-cell_len(t("tui.home.hint")) // max(event.size.width - 2, 1))
        self.query_one("#menu", NavMenu).styles.max_height = max(2, event.size.height - 7 - hint_lines)
        self.call_after_refresh(self._menu_title)

    def _menu_title(self) -> None:
        """Say so when the menu does not show every line (it scrolls; the digits reach every group)."""
        clipped = self.query_one("#menu", NavMenu).clipped
        self.query_one("#menu-title", Static).update(t("tui.home.menu") + (t("tui.home.menu_more") if clipped else ""))

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
        if not items and todos.has_focus:  # nothing to do: straight to the functions
            self.query_one("#menu").focus()

    @on(OptionList.OptionSelected, "#todos")
    def _todo(self, event: OptionList.OptionSelected) -> None:
        item = self._items[int(event.option.id or 0)]
        self.app.action_open(item.screen, item.params)  # type: ignore[attr-defined]

    @on(NavMenu.Picked)
    def _menu_pick(self, event: NavMenu.Picked) -> None:
        self.app.action_open(event.entry.id)  # type: ignore[attr-defined]
