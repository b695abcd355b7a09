"""The work log on the 500-assistant demo city: demo year, monthly check, search, log book.

    .venv/bin/python benchmarks/worklog_bench.py [--no-postgres] [--repeat 3]

Builds ``xinyi demo`` with only the work-log plugin (≈120k entries, a year to
2026-11-25) on SQLite and on PostgreSQL at ``XINYI_BENCH_POSTGRES_URL``
(default postgresql://postgres@127.0.0.1:5432/test, a schema dropped
afterwards), then times, median of ``--repeat`` runs:

* demo: the plugin's part of ``xinyi demo`` (one run);
* check list: ``checks.town_checklists`` for the largest town, October 2026
  (what the 日志月度检查 screen loads), all live — the recorded checks removed;
* search: ``service.search`` city-wide for a word, counting and fetching the
  first page (what the 日志查询 list does on each keystroke);
* log book: ``book.write_book`` for one assistant's month (.docx).

Targets: demo under 20 s; check list under 1 s; search page under 0.5 s; log book under 1 s.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable

import peewee as pw

from xinyi_core import clock, db, demo, lifecycle, testing
from xinyi_core.models import Operator, Person

PG_URL = os.environ.get("XINYI_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
TODAY = dt.datetime(2026, 11, 26, 10, 0)
PERIOD = "2026-10"


def timed(fn: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def run(label: str, url: str, folder: Path, repeat: int) -> list[tuple[str, str, float, str]]:
    import xinyi_worklog.demo as wl_demo

    testing.start(testing.make_config(folder, url), entry_points=["worklog"])
    spent: dict[str, float] = {}
    build = wl_demo.build

    def measured(city, rng) -> None:
        t0 = time.perf_counter()
        build(city, rng)
        spent["demo"] = time.perf_counter() - t0

    wl_demo.build = measured
    try:
        with clock.frozen(TODAY):
            demo.build()
    finally:
        wl_demo.build = build
    from xinyi_worklog import book, checks, service
    from xinyi_worklog.models import LogEntry, MonthlyCheck

    with clock.frozen(TODAY):
        town_id = (Person.select(Person.town, pw.fn.COUNT(Person.id).alias("n")).group_by(Person.town)
                   .order_by(pw.SQL("n").desc()).first().town_id)
        clerk = Operator.get((Operator.role == "town_clerk") & (Operator.scope == town_id))
        MonthlyCheck.delete().where(MonthlyCheck.period == PERIOD).execute()
        city = Operator.get(Operator.role == "city_office")
        person = Person.get(Person.town == town_id)
        n_entries = LogEntry.select().count()
        rows = [
            ("demo", f"{n_entries} entries", spent["demo"], "< 20 s"),
            ("check list", f"{Person.select().where(Person.town == town_id).count()} people",
             timed(lambda: checks.town_checklists(clerk, PERIOD), repeat), "< 1 s"),
            ("search", "city, '失业登记'",
             timed(lambda: (service.search(city, "失业登记").count(),
                            list(service.search(city, "失业登记").limit(64))), repeat), "< 0.5 s"),
            ("log book", "one month .docx",
             timed(lambda: book.write_book(city, person.id, PERIOD, folder / "book.docx"), repeat), "< 1 s"),
        ]
    lifecycle.shutdown()
    return [(label, *r) for r in rows]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        results += run("SQLite", f"sqlite:///{folder / 'bench.db'}", folder, args.repeat)
        if not args.no_postgres:
            url, schema = testing.postgres_url(PG_URL)
            admin = db.make_database(PG_URL)
            admin.execute_sql(f"CREATE SCHEMA {schema}")
            try:
                results += run("PostgreSQL", url, folder, args.repeat)
            finally:
                lifecycle.shutdown()
                admin.execute_sql(f"DROP SCHEMA {schema} CASCADE")
                admin.close()
    print("| database | what | size | seconds | target |")
    print("|---|---|---|---|---|")
    for label, what, size, seconds, target in results:
        print(f"| {label} | {what} | {size} | {seconds:.3f} | {target} |")


if __name__ == "__main__":
    main()
