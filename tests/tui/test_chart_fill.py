"""The dashboard's charts use a one-pass copy of plotext's ``fill_data`` (``tui/widgets/chart.py``):
it must give plotext's own answer — point for point, on random bars and on the charts drawn."""
from __future__ import annotations

import random

from textual_plotext import PlotextPlot  # noqa: F401 - plotext as textual-plotext loads it

from xinyi_core.tui.widgets import chart


def test_fill_data_is_plotexts_on_random_points():
    rng = random.Random(23)
    for _ in range(300):
        n = rng.randint(1, 40)  # plotext's own fails on no points with a string y0
        x = [rng.randint(0, 8) for _ in range(n)]
        y = [rng.randint(0, 12) for _ in range(n)]
        other = ([rng.choice("█*") for _ in range(n)], [rng.choice(["red", "blue"]) for _ in range(n)],
                 [rng.randint(0, 3) for _ in range(n)])
        for y0 in ("bottom", rng.randint(0, 12)):
            assert chart.fill_data(list(x), list(y), y0, *other) == \
                chart.ORIGINAL_FILL_DATA(list(x), list(y), y0, *other)
    assert chart.fill_boundaries([1, 1, 2, 1], [5, 3, 4, 7]) == [3, 3, 4, 3]


def test_the_drawn_charts_are_plotexts(monkeypatch):
    """A bar, stacked, line and vbar chart drawn with the fast fill and with plotext's: the same text."""
    from plotext import _utility
    from textual_plotext import Plot

    from xinyi_core.types import DashboardChart

    towns = tuple(f"{name}镇" for name in "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳")
    months = tuple(f"{m}月" for m in range(1, 13))
    charts = [
        DashboardChart("a", "出勤率", "出勤", "hbar", towns, (("出勤率", tuple(90 + i % 7 for i in range(16))),),
                       unit="%"),
        DashboardChart("b", "等次", "等次", "stacked", towns,
                       (("优秀", tuple(20.0 for _ in towns)), ("合格", tuple(79.0 for _ in towns)),
                        ("不合格", tuple(1.0 for _ in towns))), unit="%", cap=20.0, cap_label="20%"),
        DashboardChart("c", "旷工", "旷工", "line", months, (("全市", tuple(float(m % 5) for m in range(12))),),
                       ticks=tuple(str(m) for m in range(1, 13))),
        DashboardChart("d", "请假", "请假", "vbar", months,
                       (("事假", tuple(float(m) for m in range(12))), ("病假", tuple(float(12 - m) for m in range(12)))),
                       ticks=tuple(str(m) for m in range(1, 13))),
    ]

    def drawn(c):
        plt = Plot()
        chart.draw(plt, c, 78, 18)
        return chart.build(plt, c).plain

    fast = [drawn(c) for c in charts]
    monkeypatch.setattr(_utility, "fill_data", chart.ORIGINAL_FILL_DATA)
    assert fast == [drawn(c) for c in charts]
    assert all("█" in text or "*" in text for text in fast)
