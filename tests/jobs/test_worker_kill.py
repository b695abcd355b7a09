"""A worker killed mid-job (kill -9) loses nothing: once its heartbeat is
overdue, Redis hands the unacknowledged job to another ``xinyi worker``."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from xinyi_core import jobs, lifecycle, testing
from xinyi_core.jobs import broker

from jobhelpers import HERE, REDIS_URL, start_runtime, wait_for

pytestmark = pytest.mark.redis

# Runs the real `xinyi worker` command, with the test plugin registered.
WORKER = textwrap.dedent(f"""
    import sys
    sys.path.insert(0, {str(HERE)!r})
    import jobplugin
    from xinyi_core import lifecycle
    real = lifecycle.bootstrap
    lifecycle.bootstrap = lambda *a, **k: real(*a, plugin_modules={{"jobtest": jobplugin}}, **k)
    from xinyi_core.cli import main
    sys.argv = ["xinyi", "worker", "--threads", "2"]
    main()
""")


@pytest.fixture
def redis_city(tmp_path, backend):
    if backend != "sqlite":
        pytest.skip("the worker subprocess shares the SQLite file")
    db_url = f"sqlite:///{tmp_path / 'xinyi.db'}"
    start_runtime(tmp_path, db_url, redis_url=REDIS_URL)
    city = testing.build_city()
    broker.start()  # send only: the jobs run in the worker processes
    cfg = tmp_path / "worker.toml"
    cfg.write_text(f'[paths]\ndata_dir = "data"\n[database]\nurl = "{db_url}"\n'
                   f'[queue]\nredis_url = "{REDIS_URL}"\n', "utf-8")
    yield city, cfg
    lifecycle.shutdown()


def spawn(cfg) -> subprocess.Popen:
    env = {**os.environ, "XINYI_CONFIG": str(cfg), "XINYI_QUEUE_HEARTBEAT_MS": "3000",
           "XINYI_QUEUE_MAINTENANCE": "1000000"}  # check for dead workers on every Redis call
    return subprocess.Popen([sys.executable, "-c", WORKER], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_killed_worker_leaves_the_job_redeliverable(redis_city):
    city, cfg = redis_city
    first = spawn(cfg)
    second = None
    try:
        record = jobs.submit(city.op("city_office"), "jobtest.slow", seconds=2.0)
        wait_for(record.id, lambda r: r.state == "running" and r.progress > 0, timeout=20)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(5)
        stranded = jobs.get(None, record.id)
        assert stranded.state == "running" and stranded.progress < 1  # not finished, not lost
        second = spawn(cfg)
        done = wait_for(record.id, lambda r: r.state == "done", timeout=30)
        assert done.attempts == 2 and done.error is None
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
