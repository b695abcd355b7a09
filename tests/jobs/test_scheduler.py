"""Schedules: cron in the city's time zone, per-town enablement, and one run per fire
however many schedulers race for it."""
from __future__ import annotations

import datetime as dt
import threading
import time

import peewee as pw
import pytest

from xinyi_core import lifecycle, testing
from xinyi_core.config import TownConfig
from xinyi_core.jobs import JobRecord, ScheduledRun, broker, registry
from xinyi_core.jobs.scheduler import Scheduler, fire, trigger

from jobhelpers import start_runtime


@pytest.fixture
def sched_city(tmp_path, database_url):
    # Town b has not enabled the test plugin: its schedules must not run there.
    start_runtime(tmp_path, database_url, towns={"b": TownConfig(plugins=())})
    city = testing.build_city()
    broker.start()
    yield city
    lifecycle.shutdown()


def test_crontab_weekdays_and_city_time_zone():
    sunday_six = trigger("0 6 * * 0", "Asia/Shanghai")
    now = dt.datetime(2026, 11, 26, 12, 0, tzinfo=dt.timezone.utc)  # a Thursday
    nxt = sunday_six.get_next_fire_time(None, now)
    assert nxt.weekday() == 6 and (nxt.hour, nxt.minute) == (6, 0)  # crontab 0 = Sunday
    assert nxt.utcoffset() == dt.timedelta(hours=8)
    workdays = trigger("30 8 * * 1-5", "Asia/Shanghai").get_next_fire_time(None, now)
    assert workdays.weekday() == 4 and workdays.hour == 8  # Friday 08:30 Beijing time


def test_a_run_is_sent_once_and_only_to_towns_that_enabled_the_plugin(sched_city):
    schedule = registry().schedules["jobtest.every_second"]
    at = dt.datetime(2026, 12, 1, 6, 0)
    first = fire(schedule, at)
    assert fire(schedule, at) == []  # the same run again: already claimed
    assert [JobRecord.get_by_id(i).town_code for i in first] == ["a"]  # b disabled the plugin
    assert fire(schedule, at + dt.timedelta(seconds=1)) != []  # the next run is a new key


def test_the_core_roster_schedule_reports_the_previous_month(sched_city):
    schedule = registry().schedules["core.roster.monthly"]
    ids = fire(schedule, dt.datetime(2027, 1, 1, 6, 0))
    records = [JobRecord.get_by_id(i) for i in ids]
    assert {r.town_code for r in records} == {"a", "b"}  # core reports go to every town
    assert {r.params["period"] for r in records} == {"2026-12"}
    assert all(r.requested_by_id is None and r.schedule == "core.roster.monthly" for r in records)


def test_two_schedulers_fire_each_run_once(sched_city):
    schedulers = [Scheduler(only=["jobtest.every_second"]) for _ in range(2)]
    threads = [threading.Thread(target=s.start) for s in schedulers]
    for th in threads:
        th.start()
    time.sleep(2.6)
    for s in schedulers:
        s.stop()
    runs = list(ScheduledRun.select().where(ScheduledRun.schedule == "jobtest.every_second"))
    assert len(runs) >= 2
    keys = [(r.town_code, r.fire_time) for r in runs]
    assert len(keys) == len(set(keys))
    assert {r.town_code for r in runs} == {"a"}
    jobs = JobRecord.select().where(JobRecord.schedule == "jobtest.every_second")
    assert jobs.count() == len(runs)  # one job per run, none twice
    per_fire = (ScheduledRun.select(ScheduledRun.fire_time, pw.fn.COUNT(ScheduledRun.id).alias("n"))
                .group_by(ScheduledRun.fire_time))
    assert all(row.n == 1 for row in per_fire)
