"""Fixtures for the job tests: a small city with the test plugin, on either queue.

``queue`` runs a test twice: on the in-process broker, and on the real Redis
at ``XINYI_TEST_REDIS_URL`` (each test in its own key namespace) with worker
threads in the test process. Retries back off in milliseconds here.
"""
from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import redis

from xinyi_core import lifecycle, testing
from xinyi_core.jobs import broker

sys.path.insert(0, str(Path(__file__).parent))
import jobplugin  # noqa: E402
from jobhelpers import REDIS_URL, start_runtime, wait_for  # noqa: E402


@pytest.fixture(autouse=True)
def queue_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    namespace = f"xinyi-test-{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("XINYI_QUEUE_NAMESPACE", namespace)
    monkeypatch.setenv("XINYI_JOB_RETRIES", "2")
    monkeypatch.setenv("XINYI_JOB_MIN_BACKOFF_MS", "20")
    monkeypatch.setenv("XINYI_JOB_MAX_BACKOFF_MS", "200")
    jobplugin.GATE.clear()
    jobplugin.CALLS.clear()
    yield namespace
    jobplugin.GATE.set()  # never leave a worker thread waiting
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(f"{namespace}*"))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture(params=["inprocess", "redis"])
def queue(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def jobs_city(queue: str, tmp_path: Path, database_url: str) -> Iterator[testing.City]:
    """The test city, with a running worker on the chosen queue."""
    start_runtime(tmp_path, database_url, redis_url=REDIS_URL if queue == "redis" else "")
    city = testing.build_city()
    broker.start(worker_threads=3)
    try:
        yield city
    finally:
        jobplugin.GATE.set()  # let a held job finish so the worker stops at once
        lifecycle.shutdown()


@pytest.fixture(name="wait_for")
def wait_for_fixture() -> Callable[..., Any]:
    return wait_for
