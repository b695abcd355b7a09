"""CRASHES (issue 11): ``xinyi scheduler`` killed with SIGKILL around a fire time.

The crash-test plugin's schedule fires every two seconds. A run is claimed by
its run key (schedule, town, fire time) together with its job's record, so
after a kill and a restart each due run exists once — the one missed while no
scheduler ran is fired when the next one starts (coalesced with any others
missed) — and no claim is left without its job, nor a job stuck.
"""
from __future__ import annotations

import datetime as dt
import random
import subprocess
import time
import uuid
from zoneinfo import ZoneInfo

import pytest
import redis

from xinyi_core import clock, lifecycle
from xinyi_core.jobs import JobRecord, ScheduledRun, broker

from _crash_helpers import REDIS_URL, Site, assert_database_sound, kill9, stop, wait_until
from _crash_plugin import EVERY_2S

EVERY = dt.timedelta(seconds=2)
TZ = ZoneInfo("Asia/Shanghai")


def local_now() -> dt.datetime:
    return dt.datetime.now(TZ).replace(tzinfo=None)


def sleep_until(moment: dt.datetime) -> None:
    delay = (moment - local_now()).total_seconds()
    if delay > 0:
        time.sleep(delay)


def runs() -> list[ScheduledRun]:
    return list(ScheduledRun.select().where(ScheduledRun.schedule == EVERY_2S).order_by(ScheduledRun.fire_time))


def started(site: Site, out, what: str) -> tuple[subprocess.Popen, dt.datetime]:
    """Start ``xinyi scheduler``; return it and the moment it said it had started (and caught up)."""
    proc = site.spawn("scheduler", out=out)
    wait_until(lambda: out.exists() and out.read_text("utf-8").strip(), what=what, proc=proc, poll=0.01)
    return proc, local_now()


def first_claim_of(proc: subprocess.Popen) -> ScheduledRun | None:
    mine = [r for r in runs() if pid_of(r) == proc.pid]
    return mine[0] if mine else None


def pid_of(run: ScheduledRun) -> int | None:
    parts = run.claimed_by.split(":")  # host:pid:thread
    return int(parts[1]) if len(parts) == 3 else None


def job_done(fire_time: dt.datetime) -> bool:
    run = ScheduledRun.get_or_none((ScheduledRun.schedule == EVERY_2S) & (ScheduledRun.fire_time == fire_time))
    return run is not None and run.job_id is not None and JobRecord.get_by_id(run.job_id).state == "done"


def assert_each_run_whole(upto: dt.datetime) -> None:
    """Every claimed run up to ``upto`` has its own job, and that job ran; no job without its run."""
    claimed = [r for r in runs() if r.fire_time <= upto]
    assert all(r.job_id is not None for r in claimed)
    assert len({r.job_id for r in claimed}) == len(claimed)
    wait_until(lambda: all(JobRecord.get_by_id(r.job_id).state == "done" for r in claimed), what="the runs' jobs")
    scheduled = JobRecord.select().where(JobRecord.schedule == EVERY_2S)
    assert {j.id for j in scheduled} <= {r.job_id for r in runs()}


@pytest.fixture(params=["inprocess", pytest.param("redis", marks=pytest.mark.redis)])
def site(request, tmp_path, monkeypatch):
    namespace = f"xinyi-crash-{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("XINYI_QUEUE_NAMESPACE", namespace)
    on_redis = request.param == "redis"
    site = Site(tmp_path, f"sqlite:///{tmp_path / 'xinyi.db'}", redis_url=REDIS_URL if on_redis else "",
                only_test_plugin=True)
    site.start()
    if on_redis:
        broker.start(worker_threads=2)  # the workers; the schedulers only send
    yield site
    lifecycle.shutdown()
    if on_redis:
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(f"{namespace}*"))
        if keys:
            client.delete(*keys)
        client.close()


def test_a_scheduler_killed_before_a_fire_time_has_the_missed_run_fired_once_on_restart(site, tmp_path):
    first = second = None
    try:
        first = site.spawn("scheduler", out=tmp_path / "first.txt")
        f1 = wait_until(lambda: runs() and runs()[0].fire_time, what="the first run", proc=first)
        f2 = f1 + EVERY
        sleep_until(f2 - dt.timedelta(seconds=random.Random(11).uniform(0.3, 0.6)))
        kill9(first)
        killed_at = local_now()
        sleep_until(f2 + dt.timedelta(seconds=0.05))  # f2 passes with no scheduler running

        second, up = started(site, tmp_path / "second.txt", "the second scheduler")
        caught_up = wait_until(lambda: first_claim_of(second), what="the missed run", proc=second).fire_time
        wait_until(lambda: job_done(caught_up), what="the missed run's job", proc=second)
        assert caught_up <= up  # fired as it started, not at its first fire time after
        between = [r for r in runs() if f1 < r.fire_time < caught_up]
        assert all(pid_of(r) == first.pid for r in between)  # the runs missed meanwhile: coalesced into it
        if killed_at < f2:
            assert between == []
            assert caught_up == f2 or up >= f2 + EVERY  # f2 itself, unless the restart took longer than a period
        assert_each_run_whole(caught_up)
    finally:
        stop(first, second)


@pytest.fixture
def pg_or_sqlite_site(tmp_path, database_url):
    site = Site(tmp_path, database_url, only_test_plugin=True)
    site.start()
    yield site
    lifecycle.shutdown()


def test_a_scheduler_killed_while_claiming_a_run_leaves_no_half_claim_and_the_restart_fires_it(
        pg_or_sqlite_site, tmp_path):
    site = pg_or_sqlite_site
    # The schedule ran before (a scheduler was running, then went down): its last run a while ago.
    earlier = local_now().replace(microsecond=0) - dt.timedelta(seconds=10)
    earlier -= dt.timedelta(seconds=earlier.second % 2)
    job = JobRecord.create(kind="crashtest.noop", title="崩溃测试", params={"town": None}, state="done",
                           schedule=EVERY_2S, created_at=clock.now())
    ScheduledRun.create(schedule=EVERY_2S, fire_time=earlier, job_id=job.id, claimed_by="earlier")
    lifecycle.shutdown()

    crashing = site.spawn("scheduler-crash")  # catches up at start, and dies writing that run's job record
    assert crashing.wait(30) == -9
    site.start()
    assert_database_sound()
    assert [r.fire_time for r in runs()] == [earlier]  # the claim went with its record: no run blocked for ever

    second, up = started(site, tmp_path / "second.txt", "the second scheduler")
    try:
        caught_up = wait_until(lambda: first_claim_of(second), what="the missed run", proc=second).fire_time
        wait_until(lambda: job_done(caught_up), what="the missed run's job", proc=second)
        assert caught_up <= up  # fired as it started: the latest fire time due, the others coalesced into it
        assert [r.fire_time for r in runs() if r.fire_time <= caught_up] == [earlier, caught_up]
        assert_each_run_whole(caught_up)
    finally:
        stop(second)
