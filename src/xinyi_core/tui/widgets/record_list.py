"""The one list widget every screen uses: virtual, paged, keyboard-driven.

A :class:`RecordList` never holds more than a few pages of rows. It asks its
:class:`RecordSource` for the total once per query and for a page of rows when
a line scrolls into view, so a list of 20,000 assistants costs the same to
draw as a list of twenty. Rows are drawn with the line API: moving the cursor
inside the window repaints two lines, not the widget.

Plugins use it for their own lists: pass columns and a source (``QuerySource``
for a peewee query, ``ListSource`` for rows already in memory), handle
:class:`RecordList.Selected`.

Columns are measured in terminal cells (a Chinese character is two): a heading
is never cut — a column is at least as wide as its heading — and a column
whose values on the first page are wider than its declared width grows while
the line has room, taking it from the flexible (width 0) columns.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Protocol, Sequence

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from ...i18n import t

Row = tuple[Any, ...]  # (record id, cell, cell, …)


@dataclass(frozen=True)
class Column:
    """A column: its Chinese heading and its width in terminal cells (CJK counts double)."""

    label: str
    width: int  # 0 = take the remaining width; never narrower than the label


def column_widths(columns: Sequence[Column], width: int, content: Sequence[int] = ()) -> list[int]:
    """Each column's width in cells for a line ``width`` cells wide (one space between columns).

    A column gets at least its heading's width, a fixed column its declared width; fixed columns
    whose values (``content``: the widest per column) need more get it while there is room, then the
    flexible columns share what is left. When even the headings don't fit, the last columns are
    left out whole rather than shown with a cut heading.
    """
    heads = [cell_len(c.label) for c in columns]
    widths = [max(c.width, h) if c.width else h for c, h in zip(columns, heads)]
    spare = width - sum(widths) - max(len(columns) - 1, 0)
    if spare < 0:  # narrower than declared: give back what fixed columns have beyond their headings
        for i in sorted(range(len(columns)), key=lambda i: heads[i] - widths[i]):
            take = min(widths[i] - heads[i], -spare)
            widths[i] -= take
            spare += take
        while spare < 0 and widths:  # not even the headings fit: leave out the last columns whole
            last = max(i for i, w in enumerate(widths) if w) if any(widths) else None
            if last is None:
                break
            spare += widths[last] + (1 if last else 0)
            widths[last] = 0
        return widths
    content = list(content) + [0] * (len(columns) - len(content))
    for i, c in enumerate(columns):  # a fixed column grows to its values while there is room
        if c.width and content[i] > widths[i] and spare > 0:
            grow = min(content[i] - widths[i], spare)
            widths[i] += grow
            spare -= grow
    flex = [i for i, c in enumerate(columns) if not c.width]
    for n, i in enumerate(flex):
        widths[i] += spare // len(flex) + (n < spare % len(flex))
    return widths


class RecordSource(Protocol):
    """Where a :class:`RecordList` gets its rows."""

    def count(self) -> int: ...

    def rows(self, offset: int, limit: int) -> list[Row]: ...


class ListSource:
    """Rows already in memory (small lists: post history, jobs)."""

    def __init__(self, rows: Sequence[Row]) -> None:
        self._rows = list(rows)

    def count(self) -> int:
        return len(self._rows)

    def rows(self, offset: int, limit: int) -> list[Row]:
        return self._rows[offset:offset + limit]


class QuerySource:
    """A peewee query, fetched a page at a time with LIMIT/OFFSET.

    ``query`` must select the record id first; ``format`` turns one result
    tuple into a display row (id first). The count is asked once.
    """

    def __init__(self, query: Any, format: Callable[[tuple], Row] = tuple) -> None:
        self._query = query
        self._format = format

    def count(self) -> int:
        return self._query.count(clear_limit=True)

    def rows(self, offset: int, limit: int) -> list[Row]:
        return [self._format(r) for r in self._query.offset(offset).limit(limit).tuples()]


class RecordList(Widget, can_focus=True):
    """A virtual list with a header line and a cursor."""

    PAGE: ClassVar[int] = 64
    CACHED_PAGES: ClassVar[int] = 16

    # The cursor keys move at once, when read (priority), not after the keys already queued for the
    # list: a screen's own Enter (签到 on the highlighted person) is a priority binding, and Down Down
    # Enter read together (a slow link, a loaded server) asked about the person highlighted before the
    # Downs.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", show=False, priority=True),
        Binding("down", "cursor(1)", show=False, priority=True),
        Binding("pageup", "page(-1)", show=False, priority=True),
        Binding("pagedown", "page(1)", show=False, priority=True),
        Binding("home", "jump(0)", show=False, priority=True),
        Binding("end", "jump(-1)", show=False, priority=True),
        Binding("enter", "select", t("tui.key.open")),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"record-list--header", "record-list--cursor", "record-list--empty"}
    DEFAULT_CSS = """
    RecordList { height: 1fr; }
    RecordList > .record-list--header { text-style: bold; background: $panel; }
    RecordList > .record-list--cursor { background: $primary 40%; text-style: bold; }
    RecordList:focus > .record-list--cursor { background: $primary; color: $text; text-style: bold; }
    RecordList > .record-list--empty { color: $text-muted; }
    """

    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)

    class Highlighted(Message):
        def __init__(self, record_list: "RecordList", record_id: Any, row: Row | None) -> None:
            super().__init__()
            self.record_list, self.record_id, self.row = record_list, record_id, row

        @property
        def control(self) -> "RecordList":
            return self.record_list

    class Selected(Highlighted):
        """Enter on a row."""

    def __init__(self, columns: Sequence[Column], source: RecordSource | None = None, *,
                 empty: str = "", id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.columns = list(columns)
        self.empty = empty
        self._source: RecordSource = source or ListSource([])
        self._count = 0
        self._pages: OrderedDict[int, list[Row]] = OrderedDict()
        self._top = 0
        self._loaded = False
        self._content: list[int] = [0] * len(self.columns)  # widest value per column on the first page
        self._sized: tuple[int, list[int]] | None = None  # (line width, column widths)

    # ------------------------------------------------------------------ data

    @property
    def count(self) -> int:
        return self._count

    def set_source(self, source: RecordSource, *, keep_cursor: bool = False) -> None:
        """Show another query's results (search, filter, sort)."""
        self._source = source
        self._reload(keep_cursor)

    def reload(self) -> None:
        """Re-read the current source (after an edit)."""
        self._reload(True)

    def _reload(self, keep_cursor: bool) -> None:
        self._pages.clear()
        self._count = self._source.count()
        self._loaded = True
        self._measure()
        cursor = min(self.cursor, max(self._count - 1, 0)) if keep_cursor else 0
        if not keep_cursor:
            self._top = 0
        self._set_cursor(cursor, force=True)
        self.refresh()

    def row_at(self, index: int) -> Row | None:
        if not 0 <= index < self._count:
            return None
        page_no, pos = divmod(index, self.PAGE)
        page = self._pages.get(page_no)
        if page is None:
            page = self._source.rows(page_no * self.PAGE, self.PAGE)
            self._pages[page_no] = page
            while len(self._pages) > self.CACHED_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_no)
        return page[pos] if pos < len(page) else None

    @property
    def current(self) -> Row | None:
        return self.row_at(self.cursor)

    @property
    def current_id(self) -> Any:
        row = self.current
        return row[0] if row else None

    # ------------------------------------------------------------------ cursor

    @property
    def _window(self) -> int:
        return max(self.size.height - 1, 1)

    def _set_cursor(self, index: int, *, force: bool = False) -> None:
        index = max(0, min(index, self._count - 1)) if self._count else 0
        old, old_top = self.cursor, self._top
        if index < self._top:
            self._top = index
        elif index >= self._top + self._window:
            self._top = index - self._window + 1
        self._top = max(0, min(self._top, self._count - self._window))  # no blank rows below a short list
        if index == old and not force:
            return
        self.cursor = index
        if self._top != old_top or force:
            self.refresh()
        else:  # only the two rows that changed
            width = self.size.width
            self.refresh(Region(0, old - self._top + 1, width, 1), Region(0, index - self._top + 1, width, 1))
        self.post_message(self.Highlighted(self, self.current_id, self.current))

    def action_cursor(self, delta: int) -> None:
        self._set_cursor(self.cursor + delta)

    def action_page(self, direction: int) -> None:
        self._set_cursor(self.cursor + direction * self._window)

    def action_jump(self, index: int) -> None:
        self._set_cursor(self._count - 1 if index < 0 else index)

    def action_select(self) -> None:
        if self._count:
            self.post_message(self.Selected(self, self.current_id, self.current))

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self.action_cursor(3)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.action_cursor(-3)

    def on_resize(self, event: events.Resize) -> None:
        self._set_cursor(self.cursor, force=True)

    # ------------------------------------------------------------------ drawing

    def _measure(self) -> None:
        """The widest value of each column on the first page (fetched to be shown anyway)."""
        widest = [0] * len(self.columns)
        for index in range(min(self._count, self.PAGE)):
            row = self.row_at(index)
            for i, value in enumerate((row or ())[1:len(self.columns) + 1]):
                widest[i] = max(widest[i], cell_len("" if value is None else str(value)))
        self._content = widest
        self._sized = None

    def _widths(self, width: int) -> list[int]:
        if self._sized is None or self._sized[0] != width:
            self._sized = (width, column_widths(self.columns, width, self._content))
        return self._sized[1]

    def render_lines(self, crop: Region) -> list[Strip]:
        # The widget's style and its components' are resolved once per repaint, not per line: each
        # is a walk up the DOM, and a page of the list is ~20 lines (issue 21: keypress → repaint
        # with 50 sessions on one server's CPUs). A change of focus or theme repaints, and re-reads.
        self._line_styles: dict[str | None, Style] = {None: self.rich_style}
        try:
            return super().render_lines(crop)
        finally:
            self._line_styles = {}

    def _style(self, name: str | None) -> Style:
        styles = getattr(self, "_line_styles", None) or {}
        style = styles.get(name)
        if style is None:
            style = self.rich_style + self.get_component_rich_style(name) if name else self.rich_style
            if styles:
                styles[name] = style
        return style

    def _line(self, cells: Sequence[Any], width: int, style_name: str | None) -> Strip:
        text = " ".join(set_cell_size("" if v is None else str(v), w)
                        for v, w in zip(cells, self._widths(width)) if w > 0)
        return Strip([Segment(set_cell_size(text, width), self._style(style_name))], width)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            return self._line([c.label for c in self.columns], width, "record-list--header")
        index = self._top + y - 1
        if self._count == 0:
            text = self.empty if y == 1 and self._loaded else ""
            return Strip([Segment(set_cell_size(text, width), self._style("record-list--empty"))], width)
        row = self.row_at(index)
        if row is None:
            return Strip.blank(width, self._style(None))
        return self._line(row[1:], width, "record-list--cursor" if index == self.cursor else None)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self._count + 1
