"""`xinyi demo` at scale: the whole demo city with every installed plugin, timed per part.

    .venv/bin/python benchmarks/demo_scale.py [--sizes 500,5000,20000] [--villages-per 0.15]
        [--profile] [--database URL]

For each size builds the demo city (the same ``demo.build`` that ``xinyi demo --assistants N``
runs, villages in the default ratio 300 per 500 assistants unless ``--villages-per``) into a fresh
SQLite database in a temporary folder, with the clock at 2026-11-26 10:00 like the tests, and
prints the time of the core part (units, posts, people, accounts) and of each plugin's
``xinyi_demo_data``. Target (issue 21): 20,000 assistants in under 2 minutes on the 2-core machine.
``--database URL`` (PostgreSQL) builds each city in a fresh schema ``xinyi_bench_demo_<N>`` of that
database (dropped before and after; nothing else in the database is touched), not in the URL's
default schema. ``--profile`` prints the top of a cProfile of the whole build for the first size. The table adds
the build's CPU time (this process) and the 1-minute load average after it: on a shared machine
the wall time is only comparable at the same load.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import datetime as dt
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

from xinyi_core import clock, db, demo, testing
from xinyi_core.state import runtime

TODAY = dt.datetime(2026, 11, 26, 10, 0)


def _schema(url: str, sql: str) -> None:
    import psycopg2

    con = psycopg2.connect(url)
    con.autocommit = True
    con.cursor().execute(sql)
    con.close()


def build_once(n: int, villages: int, url: str | None,
               profile: bool) -> tuple[dict[str, float], float, float, list[str]]:
    spent: dict[str, float] = {}
    schema, base = f"xinyi_bench_demo_{n}", url
    if url:
        _schema(url, f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
        url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    with tempfile.TemporaryDirectory() as tmp:
        testing.start(testing.make_config(Path(tmp), url))
        hook = runtime().plugins.hook.xinyi_demo_data
        for impl in hook.get_hookimpls():
            fn = impl.function

            def timed(*args, _fn=fn, _name=impl.plugin_name, **kwargs):
                t0 = time.perf_counter()
                try:
                    return _fn(*args, **kwargs)
                finally:
                    spent[_name] = time.perf_counter() - t0
            impl.function = timed
        prof = cProfile.Profile() if profile else None
        t0, cpu0 = time.perf_counter(), time.process_time()
        with clock.frozen(TODAY):
            if prof:
                prof.enable()
            summary = demo.build(assistants=n, villages=villages)
            if prof:
                prof.disable()
        total, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        spent = {"core": total - sum(spent.values()), **spent}
        db.close()
    if base:
        _schema(base, f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    if prof:
        pstats.Stats(prof).sort_stats("cumulative").print_stats(45)
    return spent, total, cpu, summary.warnings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="500,5000,20000")
    ap.add_argument("--villages-per", type=float, default=300 / 500)
    ap.add_argument("--database", default=None, help="default: SQLite in a temporary folder")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    rows = []
    for i, n in enumerate(int(s) for s in args.sizes.split(",")):
        villages = max(16, round(n * args.villages_per))
        spent, total, cpu, warnings = build_once(n, villages, args.database, args.profile and i == 0)
        for w in warnings:
            print("WARNING", w, file=sys.stderr)
        rows.append((n, villages, spent, total, cpu, os.getloadavg()[0]))
        print(f"{n} assistants: {total:.1f} s (CPU {cpu:.1f} s)  " + "  ".join(f"{k} {v:.1f}" for k, v in spent.items()),
              flush=True)
    parts = list(rows[0][2])
    print()
    print("| assistants | villages | " + " | ".join(parts) + " | total s | CPU s | load | target |")
    print("|---" * (len(parts) + 6) + "|")
    for n, villages, spent, total, cpu, load in rows:
        print(f"| {n} | {villages} | " + " | ".join(f"{spent.get(p, 0):.1f}" for p in parts)
              + f" | {total:.1f} | {cpu:.1f} | {load:.1f} | {'< 120 s' if n >= 20000 else ''} |")
    print(f"\npeak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
