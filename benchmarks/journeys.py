"""The six journeys of issue 18, timed: keystrokes and wall time each, in a real terminal.

    .venv/bin/python benchmarks/journeys.py [--repeat 3] [--only worklog,scoring]

Runs the journeys of ``tests/tui/journeys.py`` — the same steps the tests take — with the
installed ``xinyi`` of this interpreter in tmux at 80×24, each on a fresh copy of the demo city
(built once, ``xinyi demo --assistants 60 --villages 30``), and checks each outcome. Keystrokes
count every key pressed and every character typed (a Chinese character as one: the input
method's choice), logging in and quitting included. Wall time runs from the first app start to
the last quit, so it holds the app's starts, the waits for each screen and the keys' pacing
(0.06 s between keys, 0.2 s after Esc) — a person is slower, but the sum tells whether a
journey got longer or slower. With ``--repeat`` the median of the runs is shown.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from tui import journeys, terminal  # noqa: E402  (tests/tui: the journeys' definitions)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per journey (median shown)")
    parser.add_argument("--only", default="", help="journey keys, comma-separated (default: all)")
    args = parser.parse_args()
    if not terminal.available():
        sys.exit("tmux is not installed")
    chosen = [j for j in journeys.JOURNEYS if not args.only or j.key in args.only.split(",")]
    with tempfile.TemporaryDirectory(prefix="xinyi-journeys-") as tmp:
        base = Path(tmp)
        demo = journeys.build_city(base / "demo")
        rows = []
        for journey in chosen:
            runs = []
            for n in range(args.repeat):
                runs.append(journeys.run(journey, journeys.copy_city(demo, base / f"{journey.key}-{n}")))
            rows.append((journey, runs))
            print(f"{journey.key}: {', '.join(f'{r.seconds:.1f} s' for r in runs)}", file=sys.stderr)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{dt.date.today()}, {os.cpu_count()} CPUs, {platform.python_implementation()} "
          f"{platform.python_version()}, load average {load:.1f} at the end, {args.repeat} run(s) each\n")
    print("| journey | sessions | steps | keystrokes | wall time |")
    print("|---|---|---|---|---|")
    total = 0.0
    for journey, runs in rows:
        seconds = statistics.median(r.seconds for r in runs)
        total += seconds
        print(f"| {journey.title} | {len(journey.sessions)} | {runs[0].steps} | {runs[0].keystrokes} "
              f"| {seconds:.1f} s |")
    print(f"| **all** | | | {sum(runs[0].keystrokes for _, runs in rows)} | {total:.1f} s |")


if __name__ == "__main__":
    main()
