"""Dashboard benchmark (issue 23): how long 数据看板 takes to open, at 500 and 20,000 assistants.

    .venv/bin/python benchmarks/dashboard_bench.py [--runs 5] [--city 500=CONFIG] [--city 20000=CONFIG]

Measured, each in a fresh process (its own runtime, cold caches of the app; the database file as the
OS has it), at 80×24 with Textual's headless driver:

- ``gather``: (in a process of its own) every chart's numbers (``dashboard.gather``: the core's vacancies and each plugin's
  ``xinyi_dashboard_series``), for the city office and for a town head;
- ``open``: F12 pressed on the home screen → the first chart drawn (the screen, its selector and a
  plotext figure; the charts come source by source, the core's first);
- ``all``: F12 → the first frame the app sends to the terminal with every plugin's charts there
  (the screen's loading complete: the selector's 正在加载…… gone, the chart on show drawn);
- ``cpu``: the process's CPU time (both threads) from F12 to that frame — what a busy machine stretches;
- ``poll``: what ``all`` was until 2026-12-05 — F12 → the test's loop sees the screen complete; the
  loop starts only when ``pilot.press`` returns, which waits for Textual's idea of an idle process
  (20 ms slices with under 1 ms of CPU), so it adds some 20–60 ms to the same moment;

against the baseline in the same run: a bare Textual app whose F12 opens a screen with one
``textual-plotext`` bar chart of 16 fixed values (no database). Without ``--city`` the cities are
built once with ``xinyi demo`` in ``$TMPDIR/xinyi-dash-bench`` (the 20,000 one takes a while);
pass copies of ready ones (never the originals: the first start applies pending migrations).
Target: open ≤ 300 ms, and (since 2026-12-05) all ≤ 300 ms, on the 20,000-assistant city.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
BIN = Path(sys.executable).parent
CACHE = Path(tempfile.gettempdir()) / "xinyi-dash-bench"
SIZE = (80, 24)


# --------------------------------------------------------------------------- the measured processes

async def _bare() -> dict:
    from textual.app import App
    from textual.binding import Binding
    from textual.screen import Screen
    from textual.widgets import Static
    from textual_plotext import PlotextPlot

    drawn: list[float] = []

    class Plot(PlotextPlot):
        def render(self):
            self.plt.clear_figure()
            self.plt.bar([f"镇{i}" for i in range(16)], [90 + i % 7 for i in range(16)], orientation="h")
            out = super().render()
            drawn.append(time.perf_counter())
            return out

    class Chart(Screen):
        def compose(self):
            yield Static("图表")
            yield Plot()

    class Bare(App):
        BINDINGS = [Binding("f12", "chart")]

        def compose(self):
            yield Static("首页")

        def action_chart(self) -> None:
            self.push_screen(Chart())

    app = Bare()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        start = time.perf_counter()
        await pilot.press("f12")
        while not drawn:
            await pilot.pause(0.002)
        return {"open": (drawn[0] - start) * 1000}


def _gather(config: str, username: str) -> dict:
    from xinyi_core import dashboard, lifecycle
    from xinyi_core.models import Operator

    lifecycle.bootstrap(config)
    op = Operator.get(Operator.username == username)
    t0 = time.perf_counter()
    charts, _ = dashboard.gather(op, time.strftime("%Y-%m"))
    return {"gather": (time.perf_counter() - t0) * 1000, "charts": len(charts)}


async def _xinyi(config: str, username: str) -> dict:
    """F12 in a process that has not gathered the charts before (until 2026-12-05 the same process
    measured ``gather`` first, so the screen found the plugins' modules imported and SQLite warm)."""
    from xinyi_core import lifecycle
    from xinyi_core.models import Operator
    from xinyi_core.tui.app import XinyiApp

    lifecycle.bootstrap(config)
    op = Operator.get(Operator.username == username)
    from xinyi_core.tui import nav
    from xinyi_core.tui.screens import dashboard as screen_mod

    # the city office lands on 数据看板 after login (nav.landing): measured here is the same screen opened
    # from home with F12, so the run starts her on home like the town head
    nav.landing = lambda op, entry_ids: nav.HOME

    drawn: list[float] = []
    original = screen_mod.ChartView.render

    def render(self):
        out = original(self)
        if self.chart is not None:
            drawn.append(time.perf_counter())
        return out

    screen_mod.ChartView.render = render
    shown: list[float] = []
    used: list[float] = []
    display = XinyiApp._display

    def frame(self, screen, renderable):
        display(self, screen, renderable)
        if (renderable is not None and not shown and isinstance(screen, screen_mod.DashboardScreen)
                and screen._complete and screen.charts):
            shown.append(time.perf_counter())
            used.append(time.process_time())

    XinyiApp._display = frame
    app = XinyiApp(op)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()
        start, cpu = time.perf_counter(), time.process_time()
        await pilot.press("f12")
        while not drawn:
            await pilot.pause(0.002)
        opened = (drawn[0] - start) * 1000
        while not getattr(app.screen, "_complete", False) or not app.screen.charts:
            await pilot.pause(0.002)
        polled = (time.perf_counter() - start) * 1000
        while not shown:
            await pilot.pause(0.002)
        complete = (shown[0] - start) * 1000
    return {"open": opened, "all": complete, "cpu": (used[0] - cpu) * 1000, "poll": polled}


def worker(args: list[str]) -> None:
    if args[0] == "gather":
        result = _gather(args[1], args[2])
    else:
        result = asyncio.run(_bare() if args[0] == "bare" else _xinyi(args[0], args[1]))
    print(json.dumps(result))


# --------------------------------------------------------------------------- the driver

def city(assistants: int) -> str:
    """Build (once) a demo city of ``assistants`` in the cache; its config."""
    folder = CACHE / str(assistants)
    config = folder / "xinyi.toml"
    if (folder / "ready").exists():
        return str(config)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(folder / "data", ignore_errors=True)
    config.write_text('[paths]\ndata_dir = "data"\n', "utf-8")
    print(f"building the {assistants}-assistant city once …", file=sys.stderr)
    subprocess.run([str(BIN / "xinyi"), "demo", "--assistants", str(assistants),
                    "--villages", str(max(300, assistants // 10))],
                   env={**os.environ, "XINYI_CONFIG": str(config)}, check=True, stdout=subprocess.DEVNULL)
    (folder / "ready").write_text("ok")
    return str(config)


def measure(args: list[str], runs: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for _ in range(runs):
        done = subprocess.run([sys.executable, str(HERE), "--worker", *args], check=True, capture_output=True,
                              text=True)
        for key, value in json.loads(done.stdout.strip().splitlines()[-1]).items():
            out.setdefault(key, []).append(float(value))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--city", action="append", default=[], help="N=CONFIG: a ready city of N assistants")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return
    cities = dict(item.split("=", 1) for item in args.city) or {"500": city(500), "20000": city(20000)}
    for config in cities.values():  # apply pending migrations once, outside the measured runs
        subprocess.run([str(BIN / "xinyi"), "init"], env={**os.environ, "XINYI_CONFIG": config}, check=True,
                       capture_output=True)
    # the sources byte-compiled once, as an install has them: with PYTHONDONTWRITEBYTECODE set (as on
    # the build machine) an editable checkout would otherwise compile every module in every run
    import importlib.metadata as md
    import importlib.util

    import xinyi_core
    from xinyi_core.plugins import ENTRY_POINT_GROUP

    folders = {Path(xinyi_core.__file__).resolve().parent}
    for ep in md.entry_points(group=ENTRY_POINT_GROUP):
        spec = importlib.util.find_spec(ep.module.split(":")[0])
        if spec is not None and spec.origin:
            folders.add(Path(spec.origin).resolve().parent)
    for folder in folders:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(folder)], check=True, capture_output=True)
    bare = measure(["bare"], args.runs)
    base = statistics.median(bare["open"])
    print(f"{'case':<34}{'charts':>7}{'gather ms':>11}{'open ms':>10}{'range':>15}{'vs bare':>9}"
          f"{'all ms':>9}{'range':>12}{'cpu ms':>8}{'poll ms':>9}")
    span = f"{min(bare['open']):.0f}–{max(bare['open']):.0f}"
    print(f"{'bare Textual + one plotext chart':<34}{'1':>7}{'-':>11}{base:>10.0f}{span:>15}{'1.0×':>9}")
    for n, config in cities.items():
        for user in ("city", "xinan_head"):
            r = measure([config, user], args.runs)
            r.update(measure(["gather", config, user], args.runs))
            opened = statistics.median(r["open"])
            label = f"xinyi {int(n):,} assistants, {user}"
            span = f"{min(r['open']):.0f}–{max(r['open']):.0f}"
            ratio = f"{opened / base:.1f}×"
            every = f"{min(r['all']):.0f}–{max(r['all']):.0f}"
            print(f"{label:<34}{int(r['charts'][0]):>7}{statistics.median(r['gather']):>11.0f}{opened:>10.0f}"
                  f"{span:>15}{ratio:>9}{statistics.median(r['all']):>9.0f}{every:>12}"
                  f"{statistics.median(r['cpu']):>8.0f}{statistics.median(r['poll']):>9.0f}")


if __name__ == "__main__":
    main()
