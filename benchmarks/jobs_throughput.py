"""Job throughput: xinyi's job layer against bare dramatiq, same Redis, same run.

    python benchmarks/jobs_throughput.py [--jobs 2000] [--threads 4] [--rounds 3] [--database URL]

Two workloads, each run first on bare dramatiq (a plain actor, no job record)
and then through ``xinyi_core.jobs.submit`` (record, state, progress, outputs):

* no-op: a job that does nothing — the pure cost of the queue and the record;
* monthly report: the people roster (协理员花名册, .xlsx + .docx) per town of a
  500-assistant demo city — standing in for "the monthly report" until the
  plugin reports exist.

Throughput is jobs per second from the first send to the last completion,
with the worker threads in this process on Redis (``XINYI_TEST_REDIS_URL``,
default redis://127.0.0.1:6379/15). Target: xinyi within 1.2× of bare dramatiq.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import types
import uuid
from pathlib import Path

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker

from xinyi_core import db, hookimpl, lifecycle, testing
from xinyi_core.jobs import ActorSpec, JobContext, JobRecord, broker, registry, submit

REDIS_URL = os.environ.get("XINYI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def bench_plugin() -> types.ModuleType:
    module = types.ModuleType("benchplugin")
    module.XINYI_API = "1"

    def noop(job: JobContext, *, town: str | None = None) -> None:
        return None

    module.xinyi_actors = hookimpl(lambda: [ActorSpec("bench.noop", noop, "jobs.state.done")])
    return module


def bare(threads: int, count: int, work) -> float:
    """Seconds for ``count`` messages through a plain dramatiq actor on Redis."""
    namespace = f"bench-bare-{uuid.uuid4().hex[:8]}"
    rb = RedisBroker(url=REDIS_URL, namespace=namespace)
    done = threading.Semaphore(0)

    def body(i: int) -> None:
        work(i)
        done.release()

    actor = dramatiq.Actor(body, broker=rb, actor_name="bare", queue_name="default", priority=0, options={})
    worker = dramatiq.Worker(rb, worker_threads=threads, worker_timeout=100)
    worker.start()
    try:
        start = time.perf_counter()
        for i in range(count):
            actor.send(i)
        for _ in range(count):
            done.acquire()
        return time.perf_counter() - start
    finally:
        worker.stop()
        rb.close()
        _flush(namespace)


def ours(count: int, name: str, params) -> float:
    """Seconds for ``count`` jobs through xinyi's submit → record → done."""
    start = time.perf_counter()
    ids = [submit(None, name, **params(i)).id for i in range(count)]
    first, last = min(ids), max(ids)
    while (JobRecord.select().where(JobRecord.id.between(first, last) & JobRecord.state.in_(("done", "failed")))
           .count()) < count:
        time.sleep(0.05)  # the poll is the harness's, not the queue's: keep its load on the database small
    elapsed = time.perf_counter() - start
    failed = JobRecord.select().where(JobRecord.id.between(first, last) & (JobRecord.state == "failed")).count()
    if failed:
        raise SystemExit(f"{failed} jobs failed")
    return elapsed


def _flush(namespace: str) -> None:
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{namespace}*"))
    if keys:
        client.delete(*keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2000, help="no-op jobs per side")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--periods", type=int, default=2, help="report periods per town")
    parser.add_argument("--database", help="a PostgreSQL URL to run on (default: a temporary SQLite file)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="bare and xinyi alternate this many times; the median ratio is reported")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="xinyi-bench-"))
    namespace = f"bench-xinyi-{uuid.uuid4().hex[:8]}"
    os.environ["XINYI_QUEUE_NAMESPACE"] = namespace
    url, schema = f"sqlite:///{tmp / 'xinyi.db'}", None
    if args.database and args.database.startswith("postgres"):
        url, schema = testing.postgres_url(args.database)  # a fresh schema, dropped afterwards
        db.make_database(args.database).execute_sql(f"CREATE SCHEMA {schema}")
    cfg = testing.make_config(tmp, url, redis_url=REDIS_URL)
    lifecycle.bootstrap(cfg, plugin_modules={"bench": bench_plugin()}, entry_points=False)
    from xinyi_core import demo, org, reports

    demo.build(seed=7, assistants=500, villages=300)
    towns = org.town_codes()
    broker.start(worker_threads=args.threads)
    rows = []
    try:
        n = args.jobs
        spec = registry().reports["core.roster"]
        work = [(t, f"2026-{m:02d}") for m in range(1, args.periods + 1) for t in towns]
        out = tmp / "bare-reports"

        def bare_report(i: int) -> None:
            town, period = work[i]
            reports.run(spec, {"town": town, "period": period}, JobContext(None), out_dir=out)

        # Alternating rounds: a checkpoint or a noisy neighbour lands on one round of one
        # side, and the median of the per-round ratios does not follow it.
        noop = ("no-op", n, [], [], [], [])
        report = ("monthly report*", len(work), [], [], [], [])

        def timed(row, side: int, fn) -> None:
            cpu = time.process_time()
            row[2 + side].append(fn())
            row[4 + side].append(time.process_time() - cpu)  # this process: sender and worker threads

        for _ in range(args.rounds):
            timed(noop, 0, lambda: bare(args.threads, n, lambda i: None))
            timed(noop, 1, lambda: ours(n, "bench.noop", lambda i: {}))
            timed(report, 0, lambda: bare(args.threads, len(work), bare_report))
            timed(report, 1, lambda: ours(len(work), "core.roster", lambda i: {"town": work[i][0], "period": work[i][1]}))
        rows = [noop, report]
    finally:
        lifecycle.shutdown()
        _flush(namespace)
        if schema:
            db.make_database(args.database).execute_sql(f"DROP SCHEMA {schema} CASCADE")

    print(f"\njob throughput, {args.threads} worker threads, Redis {REDIS_URL}, database "
          f"{'SQLite' if cfg.database_url.startswith('sqlite') else 'PostgreSQL'}")
    print(f"{'workload':<17}{'jobs':>6}{'bare jobs/s':>13}{'xinyi jobs/s':>14}{'overhead':>10}{'rounds':>16}"
          f"{'CPU ms/job bare':>17}{'xinyi':>7}{'CPU ×':>7}  target ≤1.20×")
    for name, count, b, o, bc, oc in rows:
        ratios = sorted(ours_s / bare_s for bare_s, ours_s in zip(b, o))
        ratio = statistics.median(ratios)
        spread = f"{ratios[0]:.2f}–{ratios[-1]:.2f}×" if len(ratios) > 1 else ""
        cpu_b, cpu_o = statistics.median(bc) / count * 1000, statistics.median(oc) / count * 1000
        print(f"{name:<17}{count:>6}{count / statistics.median(b):>13.1f}{count / statistics.median(o):>14.1f}"
              f"{ratio:>9.2f}×{spread:>16}{cpu_b:>17.2f}{cpu_o:>7.2f}{cpu_o / cpu_b:>6.2f}×"
              f"  {'ok' if ratio <= 1.2 else 'over'}")
    print(f"overhead: median of {args.rounds} alternating rounds (range after it); CPU: this process's "
          f"(sender and worker threads; the database and Redis servers' work is not in it), median per round")
    print("* the people roster (.xlsx + .docx) per town stands in for the monthly report")


if __name__ == "__main__":
    sys.exit(main())
