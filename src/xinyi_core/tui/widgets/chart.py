"""A dashboard chart drawn in the terminal: :class:`~xinyi_core.types.DashboardChart` on plotext
(``textual-plotext``), fit for an SSH client with a Chinese font.

Markers: bars are drawn with ``█`` and lines with ``*``. plotext's default markers (braille dots, the
quarter blocks of ``hd``/``fhd``) are not in GBK, so the Chinese fonts PuTTY and Xshell are set to
(宋体, 新宋体) have no glyph for them and show boxes or nothing; ``█`` and the box-drawing frame are in
GBK and drawn by every such font, ``*`` by every font. Colours are the 8 basic ones, so a 16-colour
terminal shows them as they are.

Labels: plotext counts a Chinese character as one cell, the terminal draws two; the town names down
the side of a bar chart would push their rows to the right. :func:`fix_labels` re-pads the label
column by display width after plotext has drawn, so every row's frame starts in the same column.
Axis labels along the bottom are digits (``DashboardChart.ticks``) and the title is the screen's.
"""
from __future__ import annotations

from typing import Any, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.app import RenderResult

from ...types import DashboardChart

try:
    from plotext import _utility as _plotext_utility
except ImportError:  # pragma: no cover - plotext is a dependency of textual-plotext
    _plotext_utility = None

COLOURS = ("blue", "green", "red", "yellow", "cyan", "magenta", "white")
BAR = "█"
LINE = "*"
FRAME_LEFT = "┤│┼├┌└"


# --------------------------------------------------------------------------- plotext, faster

def fill_boundaries(x: list, y: list) -> list:
    """plotext's ``get_fill_boundaries`` in one pass: for each point, the lowest ``y`` of the points
    in its column (the lowest below it, else its own — the same thing). plotext compares every point
    with every other: a bar chart of 16 towns at 80×24 fills ~1,000 points, ~20 ms a drawing."""
    low: dict = {}
    for xi, yi in zip(x, y):
        if xi not in low or yi < low[xi]:
            low[xi] = yi
    return [low[xi] for xi in x]


def fill_data(x: list, y: list, y0: Any, *other: list) -> list:
    """plotext's ``fill_data`` (each point extended to ``y0``, or to its column's floor when ``y0`` is a
    string; a point seen before skipped) with a set for the points seen, not a list searched each time."""
    y0s = fill_boundaries(x, y) if isinstance(y0, str) else [y0] * len(x)
    o = list(zip(*other)) if other else [()] * len(x)
    xf: list = []
    yf: list = []
    of: list = []
    seen: set = set()
    for xi, yi, y0i, oi in zip(x, y, y0s, o):
        if (xi, yi) in seen:
            continue
        seen.add((xi, yi))
        yn = list(range(y0i, yi + 1) if y0i < yi else range(yi, y0i) if y0i > yi else [y0i])
        xf += [xi] * len(yn)
        yf += yn
        of += [oi] * len(yn)
    columns = [list(column) for column in zip(*of)] if of else [[] for _ in other]
    return [xf, yf, *columns]


if _plotext_utility is not None and hasattr(_plotext_utility, "fill_data"):
    ORIGINAL_FILL_DATA = _plotext_utility.fill_data
    _plotext_utility.fill_data = fill_data


def fix_labels(text: Text, labels: Sequence[str]) -> Text:
    """Re-pad the column of y-axis labels left of the frame by display width (see the module)."""
    wide = [label for label in labels if cell_len(label) != len(label)]
    if not wide:
        return text
    lines = text.split("\n", allow_blank=True)
    column = None
    for line in lines:
        plain = line.plain
        for i, ch in enumerate(plain):
            if ch in FRAME_LEFT:
                column = i
                break
        if column is not None:
            break
    if not column:
        return text
    width = max(column, max(cell_len(label) for label in labels))
    out = Text()
    for n, line in enumerate(lines):
        if n:
            out.append("\n")
        head = line.plain[:column].strip()
        out.append(" " * (width - cell_len(head)) + head)
        out.append_text(line[column:])
    return out


def side_labels(chart: DashboardChart) -> list[str]:
    """The labels down the side of a bar chart: with the value when there is one series
    (``新安街道 98.6``), so the number is read without the table."""
    if chart.kind in ("hbar", "stacked") and len(chart.series) == 1:
        values = chart.series[0][1]
        return [f"{label} {value:g}" for label, value in zip(chart.labels, values)]
    return list(chart.labels)


def extra_cells(chart: DashboardChart) -> int:
    """How many cells wider than plotext thinks the label column is drawn (Chinese names)."""
    if chart.kind not in ("hbar", "stacked"):
        return 0
    labels = side_labels(chart)
    return max((cell_len(x) for x in labels), default=0) - max((len(x) for x in labels), default=0)


def legend(chart: DashboardChart) -> Text:
    """``██ 事假  ██ 病假 …`` in the series' colours (plotext's own legend miscounts Chinese names)."""
    out = Text()
    if len(chart.series) < 2 and chart.cap is None:
        return out
    for i, (name, _) in enumerate(chart.series):
        out.append(BAR * 2 if chart.kind != "line" else LINE * 2, style=COLOURS[i % len(COLOURS)])
        out.append(f" {name}  ")
    if chart.cap is not None:
        out.append("│", style="red")
        out.append(f" {chart.cap_label}")
    return out


def cap_line(text: Text) -> Text:
    """Draw the cap line (plotext's ``vline``) through the bars too: plotext paints bars over it, which
    leaves only its two ticks on the frame. Done on plotext's own grid, before :func:`fix_labels`."""
    lines = text.split("\n", allow_blank=True)
    top = next((i for i, line in enumerate(lines) if "┌" in line.plain), None)
    if top is None or "┬" not in lines[top].plain:
        return text
    column = lines[top].plain.index("┬")
    out = Text()
    inside = True
    for n, line in enumerate(lines):
        if n:
            out.append("\n")
        if n > top and inside and "└" in line.plain:
            inside = False
        if n > top and inside and len(line.plain) > column:
            line = Text.assemble(line[:column], ("│", "bold red"), line[column + 1:])
        out.append_text(line)
    return out


def draw(plt: Any, chart: DashboardChart, width: int, height: int) -> None:
    """Put ``chart`` on plotext's figure ``plt`` for a ``width`` × ``height`` area."""
    plt.clear_figure()
    bars = chart.kind in ("hbar", "stacked")
    if bars:  # one row a bar, and no more: plotext puts fractional bars on the wrong rows when squeezed
        height = min(height, len(chart.labels) + 3)
    plt.plotsize(max(width - extra_cells(chart), 10), height)
    labels = side_labels(chart)
    names = [name for name, _ in chart.series]
    values = [list(v) for _, v in chart.series]
    colours = [COLOURS[i % len(COLOURS)] for i in range(len(values))]
    legend = len(values) > 1
    if chart.kind == "line":
        xs = list(range(1, len(labels) + 1))
        for vs, colour in zip(values, colours):
            plt.plot(xs, vs, marker=LINE, color=colour)
        plt.xticks(xs, list(chart.ticks or labels))
        top = max((max(vs) for vs in values if vs), default=0)
        plt.ylim(0, max(top * 1.15, 1))
    elif chart.kind == "vbar":
        xs = list(chart.ticks or labels)
        if legend:
            plt.stacked_bar(xs, values, marker=BAR, color=colours, width=0.6)
        else:
            plt.bar(xs, values[0], marker=BAR, color=colours[0], width=0.6)
    else:  # hbar, stacked: one bar per label, labels down the side, first label on top
        ys = labels[::-1]
        rows = [vs[::-1] for vs in values]
        if chart.kind == "stacked" and legend:
            plt.stacked_bar(ys, rows, marker=BAR, color=colours, orientation="h", width=0.3)
        elif legend:
            plt.multiple_bar(ys, rows, marker=BAR, color=colours, orientation="h", width=0.3)
        else:
            plt.bar(ys, rows[0], marker=BAR, color=colours[0], orientation="h", width=0.3)
        top = max((max(vs) for vs in values if vs), default=0)
        if chart.unit == "%" or chart.kind == "stacked":
            plt.xlim(0, 100)
            plt.xticks([0, 20, 40, 60, 80, 100])
        else:
            plt.xlim(0, max(top * 1.1, 1))
        if chart.cap is not None:
            plt.vline(chart.cap, "red")
    plt.frame(True)


def build(plt: Any, chart: DashboardChart) -> RenderResult:
    """The figure as text, its label column fixed for Chinese names."""
    text = Text.from_ansi(plt.build())
    if chart.cap is not None and chart.kind in ("hbar", "stacked"):
        text = cap_line(text)
    if chart.kind in ("hbar", "stacked"):
        text = fix_labels(text, side_labels(chart))
    return text
