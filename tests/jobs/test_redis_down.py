"""Redis down: operators keep working, jobs asked for meanwhile are kept and
sent when Redis is back, and nothing waits longer than ``queue.redis_timeout_ms``.

Each test points the queue at its own port: first with nothing listening (or
a listener that never answers, as a hung Redis does), then with a real
``redis-server`` started there.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest
import redis

from xinyi_core import lifecycle, testing
from xinyi_core.jobs import JobRecord, QueueUnavailable, broker, retry, send_unsent, submit

from jobhelpers import REDIS_URL, start_runtime, wait_for


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_redis(port: int, tmp_path: Path) -> subprocess.Popen:
    server = shutil.which("redis-server")
    if server is None:
        pytest.skip("redis-server is not installed")
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                             "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            return proc
        except redis.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    raise AssertionError("redis-server did not start")


@pytest.fixture
def down(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[testing.City, int]]:
    """A city whose Redis (a port of its own) is not running."""
    monkeypatch.setenv("XINYI_QUEUE_REDIS_TIMEOUT_MS", "300")
    port = _free_port()
    start_runtime(tmp_path, database_url, redis_url=f"redis://127.0.0.1:{port}/0")
    try:
        yield testing.build_city(), port
    finally:
        lifecycle.shutdown()


def test_a_job_asked_for_while_redis_is_down_is_kept_and_sent_when_it_returns(down, tmp_path):
    city, port = down
    clerk = city.op("town_clerk", "a")
    with pytest.raises(QueueUnavailable) as refused:
        submit(clerk, "jobtest.noop")
    assert "已保存" in str(refused.value) and "恢复后自动发送" in str(refused.value)
    kept = JobRecord.get_by_id(refused.value.record.id)
    assert kept.state == "unsent" and "无法连接任务队列" in kept.error
    assert send_unsent() == 0  # still down: nothing is lost by trying
    assert JobRecord.get_by_id(kept.id).state == "unsent"

    server = _start_redis(port, tmp_path)
    try:
        assert send_unsent() == 1
        assert send_unsent() == 0  # sent once, however often the resender runs
        broker.stop()  # this process only sent; now a worker on the recovered Redis runs the job
        broker.start(worker_threads=2)
        done = wait_for(kept.id, lambda r: r.state == "done")
        assert done.error is None and done.attempts == 1
    finally:
        lifecycle.shutdown()
        server.kill()
        server.wait()


def test_the_operator_can_send_a_kept_job_herself_once_redis_is_back(down, tmp_path):
    city, port = down
    office = city.op("city_office")
    with pytest.raises(QueueUnavailable) as refused:
        submit(office, "jobtest.noop")
    job_id = refused.value.record.id
    with pytest.raises(QueueUnavailable):  # the job panel's retry key, still down: told again, still kept
        retry(office, job_id)
    assert JobRecord.get_by_id(job_id).state == "unsent"
    server = _start_redis(port, tmp_path)
    try:
        assert retry(office, job_id).state == "queued"
        assert send_unsent() == 0
    finally:
        lifecycle.shutdown()
        server.kill()
        server.wait()


def test_a_hung_redis_does_not_hang_the_operator(down):
    """A Redis that accepts connections but never answers (stopped, or a dead link)."""
    city, port = down
    listener = socket.socket()
    listener.bind(("127.0.0.1", port))
    listener.listen(16)
    outcome: list[BaseException | None] = []

    def ask() -> None:
        try:
            submit(city.op("town_clerk", "a"), "jobtest.noop")
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            outcome.append(exc)

    caller = threading.Thread(target=ask, daemon=True)
    caller.start()
    caller.join(timeout=20)  # far above the 0.3 s timeout: only a real hang gets here
    listener.close()
    assert not caller.is_alive(), "submit hung on an unresponsive Redis"
    assert isinstance(outcome[0], QueueUnavailable)
    assert JobRecord.get_by_id(outcome[0].record.id).state == "unsent"


def test_a_job_recorded_but_never_sent_is_found_and_sent_once(tmp_path, database_url):
    """The submitting process died between committing the record and sending the
    message: the job is sent by the resender, and a job whose message is waiting
    in the queue is not sent twice."""
    import datetime as dt

    from xinyi_core import clock, jobs

    start_runtime(tmp_path, database_url, redis_url=REDIS_URL)
    try:
        city = testing.build_city()
        office = city.op("city_office")
        waiting = submit(office, "jobtest.noop")  # sent; no worker yet, so it waits in Redis
        lost, created = jobs._record(office, "jobtest.noop", None, {})  # the crash: recorded, never sent
        assert created
        assert jobs.resend_lost() == 0  # too young to judge: it may be on its way
        old = clock.now() - dt.timedelta(seconds=jobs.LOST_AFTER_S + 60)
        JobRecord.update(created_at=old).where(JobRecord.id.in_([waiting.id, lost.id])).execute()
        assert jobs.resend_lost() == 1
        assert jobs.resend_lost() == 0  # now the queue holds it
        client = redis.Redis.from_url(REDIS_URL)
        namespace = broker.QueueSettings.from_config().namespace
        assert client.hlen(f"{namespace}:default.msgs") == 2  # one message per job, none twice
        broker.stop()
        broker.start(worker_threads=2)
        for job in (waiting, lost):
            assert wait_for(job.id, lambda r: r.state == "done").attempts == 1
    finally:
        lifecycle.shutdown()


XINYI = str(Path(sys.executable).with_name("xinyi"))


@pytest.mark.parametrize("verbose", [False, True], ids=["plain", "verbose"])
def test_enqueue_on_the_command_line_with_redis_down_keeps_the_job_says_so_in_chinese_and_exits_0(
        down, tmp_path, database_url, verbose):
    """Issue 20 (9): it is not an error — exit 0, one Chinese line that the job is kept and will be
    sent; the English detail (the connection error) only with ``--verbose``."""
    city, port = down
    clerk = city.op("town_clerk", "a")
    env = {**os.environ, "XINYI_CONFIG": str(tmp_path / "xinyi.toml"), "XINYI_DATABASE_URL": database_url,
           "XINYI_REDIS_URL": f"redis://127.0.0.1:{port}/0", "XINYI_QUEUE_REDIS_TIMEOUT_MS": "300"}
    flags = ["--verbose"] if verbose else []

    def xinyi(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([XINYI, *flags, *args], env=env, capture_output=True, text=True, timeout=120)

    asked = xinyi("report", "core.roster", "--period", "2026-10", "--enqueue", "--operator", clerk.username)
    kept = JobRecord.get(JobRecord.kind == "core.roster")
    again = xinyi("jobs", "retry", str(kept.id), "--operator", clerk.username)  # still down: told again
    for proc in (asked, again):
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert f"任务 #{kept.id}" in proc.stdout and "已保存" in proc.stdout and "恢复后自动发送" in proc.stdout
        assert "错误" not in proc.stdout + proc.stderr and "Traceback" not in proc.stderr
        detail = "Connection refused" in proc.stderr or "connecting to" in proc.stderr
        assert detail == verbose, proc.stderr
        if not verbose:
            assert not re.search(r"[A-Za-z]{4,} [A-Za-z]{4,}", proc.stderr.replace("calendar.years", "")), proc.stderr
    assert JobRecord.get_by_id(kept.id).state == "unsent"


# --------------------------------------------------------------------------- Redis restarted empty

@pytest.fixture
def private_redis(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch):
    """A city on a redis-server of its own (never the shared one: the tests restart it empty)."""
    monkeypatch.setenv("XINYI_QUEUE_REDIS_TIMEOUT_MS", "300")
    port = _free_port()
    servers = [_start_redis(port, tmp_path)]
    start_runtime(tmp_path, database_url, redis_url=f"redis://127.0.0.1:{port}/0")

    def restart_empty() -> None:
        """``SHUTDOWN NOSAVE`` and start again: no persistence, so every message is gone."""
        try:
            redis.Redis(port=port).shutdown(nosave=True)
        except redis.ConnectionError:
            pass  # the server closes the connection as it exits
        servers[-1].wait(10)
        servers.append(_start_redis(port, tmp_path))

    try:
        yield testing.build_city(), port, restart_empty
    finally:
        lifecycle.shutdown()
        for server in servers:
            server.kill()
            server.wait()


def _held(port: int) -> set[int]:
    """The jobs whose messages the private server holds (what a worker would get)."""
    client = redis.Redis(port=port)
    return {int(m.decode().rsplit("-", 1)[1]) for key in client.scan_iter("*.msgs")
            for m in (json.loads(v).get("message_id", "").encode() for v in client.hvals(key))}


def _asked_a_minute_ago(*records: JobRecord) -> None:
    """A job submitted a moment ago may still be on its way to the queue and is never judged lost;
    these have waited a minute when Redis restarts (still far within the 10-minute judgement)."""
    import datetime as dt

    from xinyi_core import clock

    (JobRecord.update(created_at=clock.now() - dt.timedelta(minutes=1))
     .where(JobRecord.id.in_([r.id for r in records])).execute())


def test_jobs_waiting_when_redis_restarts_empty_are_sent_again_at_the_next_resend_not_after_10_minutes(
        private_redis):
    """Issue 20 (5): the restart is noticed (xinyi's marker is gone from the server) and the waiting
    jobs are sent again by ``xinyi worker``/``xinyi scheduler`` at their next half-minute round —
    not after the 10 minutes a job recorded by a process that died before sending is given."""
    from xinyi_core import jobs

    city, port, restart_empty = private_redis
    office = city.op("city_office")
    first, second = submit(office, "jobtest.noop"), submit(city.op("town_clerk", "a"), "jobtest.noop")
    _asked_a_minute_ago(first, second)
    jobs.send_kept()  # a round of the worker's (every 30 s): nothing to do
    assert _held(port) == {first.id, second.id}
    restart_empty()
    assert _held(port) == set()
    jobs.send_kept()  # its next round
    assert _held(port) == {first.id, second.id}
    jobs.send_kept()
    client = redis.Redis(port=port)
    assert sum(client.hlen(k) for k in client.scan_iter("*.msgs")) == 2  # each sent again once, however often
    broker.stop()
    broker.start(worker_threads=2)
    for job in (first, second):
        assert wait_for(job.id, lambda r: r.state == "done").attempts == 1


def test_after_redis_restarted_empty_retry_or_asking_again_sends_the_stuck_job(private_redis):
    """Issue 20 (5): ``jobs retry`` refused a job whose message was gone (still queued), and asking
    for the same report again returned the stuck job. Both now send it again, once."""
    from xinyi_core.errors import ConflictError
    from xinyi_core.models import AuditLog

    city, port, restart_empty = private_redis
    clerk = city.op("town_clerk", "a")
    report = submit(clerk, "core.roster", period="2026-10")
    other = submit(clerk, "core.roster", period="2026-09")
    with pytest.raises(ConflictError):  # its message is on the queue: nothing to retry
        retry(clerk, report.id)
    _asked_a_minute_ago(report, other)
    restart_empty()
    assert retry(clerk, report.id).state == "queued" and _held(port) == {report.id}
    assert AuditLog.select().where((AuditLog.action == "jobs.retry") & (AuditLog.object_id == report.id)
                                   & (AuditLog.allowed == True)).count() == 1  # noqa: E712
    with pytest.raises(ConflictError):  # now held again: a second retry sends nothing
        retry(clerk, report.id)
    again = submit(clerk, "core.roster", period="2026-09")  # asking again for the other stuck report
    assert again.id == other.id and _held(port) == {report.id, other.id}
    assert submit(clerk, "core.roster", period="2026-09").id == other.id and len(_held(port)) == 2
    broker.stop()
    broker.start(worker_threads=2)
    for job in (report, other):
        assert wait_for(job.id, lambda r: r.state == "done", timeout=20).attempts == 1
