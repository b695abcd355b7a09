"""Jobs on both queues: state and progress, retries, failures in Chinese, who sees what."""
from __future__ import annotations

import pytest

from xinyi_core import ConflictError, PermissionDenied, jobs
from xinyi_core.jobs import JobRecord

import jobplugin


def test_job_moves_queued_running_done_with_progress(jobs_city, wait_for):
    clerk = jobs_city.op("town_clerk", "a")
    record = jobs.submit(clerk, "jobtest.steps")
    assert record.state == "queued" and record.town_code == "a"  # returned at once, never blocks
    running = wait_for(record.id, lambda r: r.state == "running" and r.progress == 0.5)
    assert running.message == "处理到一半" and running.started_at is not None
    jobplugin.GATE.set()
    done = wait_for(record.id, lambda r: r.state == "done")
    assert done.progress == 1.0 and done.finished_at >= done.started_at
    assert done.error is None and done.attempts == 1


def test_a_long_job_that_reports_no_progress_still_shows_running(jobs_city, wait_for):
    """Quick jobs go queued → done in one write; one that keeps working is marked
    running within a fraction of a second, so the job panel never shows it waiting."""
    record = jobs.submit(jobs_city.op("city_office"), "jobtest.quiet")
    running = wait_for(record.id, lambda r: r.state == "running")
    assert running.message == "开始运行" and running.started_at is not None and running.attempts == 1
    jobplugin.GATE.set()
    done = wait_for(record.id, lambda r: r.state == "done")
    assert done.attempts == 1 and done.started_at == running.started_at
    quick = wait_for(jobs.submit(jobs_city.op("city_office"), "jobtest.noop").id, lambda r: r.state == "done")
    assert quick.attempts == 1 and quick.created_at <= quick.started_at <= quick.finished_at


def test_failing_actor_retries_then_records_the_error_in_chinese(jobs_city, wait_for):
    city_office = jobs_city.op("city_office")
    record = jobs.submit(city_office, "jobtest.broken")
    failed = wait_for(record.id, lambda r: r.state == "failed")
    assert failed.attempts == 3  # the first try and 2 retries (XINYI_JOB_RETRIES=2)
    assert "任务出错" in failed.error and "磁盘已满" in failed.error
    assert failed.active_key is None and failed.finished_at is not None


def test_flaky_actor_succeeds_after_a_retry(jobs_city, wait_for):
    record = jobs.submit(jobs_city.op("city_office"), "jobtest.flaky", key="k1", failures=1)
    done = wait_for(record.id, lambda r: r.state == "done")
    assert done.attempts == 2 and done.error is None


def test_between_attempts_the_job_shows_retrying_with_the_error(jobs_city, wait_for, monkeypatch):
    from xinyi_core.jobs import broker

    broker.stop()
    monkeypatch.setenv("XINYI_JOB_MIN_BACKOFF_MS", "400")  # long enough to see the pause
    broker.start(worker_threads=2)
    record = jobs.submit(jobs_city.op("city_office"), "jobtest.flaky", key="k3", failures=1)
    waiting = wait_for(record.id, lambda r: r.state == "retrying")
    assert "连接超时" in waiting.error and waiting.message == "第 1 次失败，稍后自动重试"
    done = wait_for(record.id, lambda r: r.state == "done")
    assert done.error is None and done.attempts == 2


def test_operator_error_is_shown_verbatim_without_retrying(jobs_city, wait_for):
    record = jobs.submit(jobs_city.op("city_office"), "jobtest.refused")
    failed = wait_for(record.id, lambda r: r.state == "failed")
    assert failed.attempts == 1
    assert failed.error == "该报表必须指定镇（街道）"


def test_retry_runs_a_failed_job_again_in_the_same_record(jobs_city, wait_for):
    clerk = jobs_city.op("town_clerk", "a")
    record = jobs.submit(clerk, "jobtest.flaky", key="k2", failures=3)  # outlasts 2 retries
    wait_for(record.id, lambda r: r.state == "failed")
    again = jobs.retry(clerk, record.id)
    assert again.id == record.id and again.state == "queued" and again.error is None
    done = wait_for(record.id, lambda r: r.state == "done")
    assert done.attempts == 4


@pytest.mark.parametrize("queue", ["inprocess"])
def test_retry_refuses_a_job_still_running(jobs_city, wait_for):
    clerk = jobs_city.op("town_clerk", "a")
    record = jobs.submit(clerk, "jobtest.steps")
    wait_for(record.id, lambda r: r.state == "running")
    with pytest.raises(ConflictError):
        jobs.retry(clerk, record.id)


@pytest.mark.parametrize("queue", ["inprocess"])
def test_operators_see_their_own_and_their_scope(jobs_city, wait_for):
    ops = {key: jobs_city.op(*key.split("@")) for key in ("town_clerk@a", "town_clerk@b", "assistant@a")}
    a = jobs.submit(ops["town_clerk@a"], "jobtest.noop")
    b = jobs.submit(ops["town_clerk@b"], "jobtest.noop")
    city = jobs.submit(jobs_city.op("city_office"), "jobtest.noop")
    scheduler_a = jobs.submit(None, "jobtest.noop", town="a")
    for job in (a, b, city, scheduler_a):
        wait_for(job.id, lambda r: r.state == "done")

    def ids(op):
        return [r.id for r in jobs.recent(op)]

    assert ids(ops["town_clerk@a"]) == [scheduler_a.id, a.id]  # newest first
    assert ids(ops["town_clerk@b"]) == [b.id]
    assert ids(ops["assistant@a"]) == []  # no jobs.view, none of her own
    assert set(ids(jobs_city.op("city_office"))) == {a.id, b.id, city.id, scheduler_a.id}
    with pytest.raises(jobs.NotFound):
        jobs.get(ops["town_clerk@b"], a.id)


@pytest.mark.parametrize("queue", ["inprocess"])
def test_a_town_clerk_cannot_run_jobs_for_another_town(jobs_city):
    with pytest.raises(PermissionDenied):
        jobs.submit(jobs_city.op("town_clerk", "a"), "jobtest.noop", town="b")
    with pytest.raises(PermissionDenied):  # assistants hold no reports.run
        jobs.submit(jobs_city.op("assistant", "a"), "jobtest.noop")
    assert JobRecord.select().count() == 0


@pytest.mark.parametrize("queue", ["inprocess"])
def test_in_process_jobs_of_a_closed_app_are_picked_up_again(jobs_city, wait_for):
    """Without Redis a job lives in the app's memory: if the app was closed mid-job,
    the next app to start its queue on this machine runs it."""
    import socket
    import subprocess

    from xinyi_core import clock
    from xinyi_core.jobs import broker

    gone = subprocess.Popen(["true"])
    gone.wait()
    orphan = f"{socket.gethostname()}:{gone.pid}"
    stranded = [JobRecord.create(kind="jobtest.noop", title="未完成", params={"town": None}, state=state,
                                 owner=orphan, created_at=clock.now()) for state in ("queued", "running")]
    elsewhere = JobRecord.create(kind="jobtest.noop", title="他机", params={"town": None}, state="running",
                                 owner="another-host:1", created_at=clock.now())
    broker.stop()
    assert jobs.adopt_orphans()  # the next app, as it starts, finds them and starts its queue
    for record in stranded:
        assert wait_for(record.id, lambda r: r.state == "done").owner != orphan
    assert JobRecord.get_by_id(elsewhere.id).state == "running"  # not ours to judge
    assert not jobs.adopt_orphans()  # nothing left: the queue is not started for nothing


@pytest.mark.parametrize("queue", ["inprocess"])
def test_a_job_of_a_live_process_or_of_a_reused_pid_is_judged_right(jobs_city, wait_for):
    """After a reboot the dead app's pid may belong to an unrelated process: the
    owner's start time tells them apart, so its job is run again, not left for ever."""
    import os
    import socket

    from xinyi_core import clock
    from xinyi_core.jobs import broker, owner

    host = socket.gethostname()
    live = JobRecord.create(kind="jobtest.noop", title="本机另一进程", params={"town": None}, state="running",
                            owner=f"{host}:{owner._started(1)}:1", created_at=clock.now())  # pid 1 as it runs
    reused = JobRecord.create(kind="jobtest.noop", title="进程号已被复用", params={"town": None}, state="running",
                              owner=f"{host}:1:{os.getpid()}", created_at=clock.now())  # our pid, another start
    assert owner.ended(reused.owner) and not owner.ended(owner.this_process())
    broker.stop()
    broker.start()
    assert wait_for(reused.id, lambda r: r.state == "done").attempts == 1
    assert JobRecord.get_by_id(live.id).state == "running"


@pytest.mark.parametrize("queue", ["inprocess"])
def test_a_job_submitted_inside_a_plugins_transaction_leaves_its_durability_alone(jobs_city, backend):
    """The job record's own commit skips the WAL flush on PostgreSQL (bookkeeping a server
    crash may lose); a plugin's transaction that submits a job keeps a full commit."""
    from xinyi_core.db import database

    if backend != "postgres":
        pytest.skip("synchronous_commit is PostgreSQL's")
    clerk = jobs_city.op("town_clerk", "a")
    with database.atomic():
        jobs.submit(clerk, "jobtest.noop")
        assert database.execute_sql("SHOW synchronous_commit").fetchone()[0] == "on"
    with database.atomic():
        from xinyi_core import db

        db.relax_commit()  # what the job record's own transaction does
        assert database.execute_sql("SHOW synchronous_commit").fetchone()[0] == "off"
    assert database.execute_sql("SHOW synchronous_commit").fetchone()[0] == "on"  # LOCAL: gone with it


@pytest.mark.parametrize("queue", ["inprocess"])
def test_a_quick_jobs_done_is_relaxed_only_for_itself(jobs_city, backend):
    """A quick job's final write (queued → done at once) skips the WAL flush on PostgreSQL; the
    connection's next writes (a plugin's, in the same worker thread) keep full commits, and a
    record whose "done" a server crash lost is what resend_lost looks for (queued, never started)."""
    from xinyi_core import clock
    from xinyi_core.db import database
    from xinyi_core.jobs import runner
    from xinyi_core.jobs.inflight import DONE_AT_ONCE, mark

    record = jobs._record(None, "jobtest.noop", None, {})[0]  # recorded, not sent
    before = jobs.JobRecord.get_by_id(record.id)
    assert before.state == "queued" and before.started_at is None  # what a lost "done" leaves (resend_lost)
    runner.execute(record.id, "jobtest.noop", {"town": None})
    done = jobs.JobRecord.get_by_id(record.id)
    assert done.state == "done" and done.started_at is not None and done.attempts == 1
    assert not mark(DONE_AT_ONCE, "x", "[]", clock.now(), clock.now(), record.id)  # once only
    if backend == "postgres":
        assert database.execute_sql("SHOW synchronous_commit").fetchone()[0] == "on"
