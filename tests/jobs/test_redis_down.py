"""Redis down: operators keep working, jobs asked for meanwhile are kept and
sent when Redis is back, and nothing waits longer than ``queue.redis_timeout_ms``.

Each test points the queue at its own port: first with nothing listening (or
a listener that never answers, as a hung Redis does), then with a real
``redis-server`` started there.
"""
from __future__ import annotations

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
