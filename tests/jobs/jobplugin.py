"""A plugin for the job tests: actors that wait, fail, or take a while.

Imported by the tests and by worker subprocesses (which find it on sys.path).
"""
from __future__ import annotations

import threading
import time

from xinyi_core import XinyiError, hookimpl
from xinyi_core.jobs import ActorSpec, JobContext, Schedule

XINYI_API = "1"
GATE = threading.Event()  # the "steps" job waits here, so a test can watch it running
CALLS: dict[str, int] = {}


def steps(job: JobContext, *, town: str | None = None) -> list[str]:
    job.progress(0.5, "处理到一半", force=True)
    GATE.wait(10)
    return []


def quiet(job: JobContext, *, town: str | None = None) -> None:
    """Works a while without reporting progress."""
    GATE.wait(10)


def flaky(job: JobContext, *, key: str, failures: int, town: str | None = None) -> None:
    CALLS[key] = CALLS.get(key, 0) + 1
    if CALLS[key] <= failures:
        raise RuntimeError("连接超时")


def broken(job: JobContext, *, town: str | None = None) -> None:
    raise RuntimeError("磁盘已满")


def refused(job: JobContext, *, town: str | None = None) -> None:
    raise XinyiError("jobs.town_required")


def slow(job: JobContext, *, seconds: float, town: str | None = None) -> None:
    steps_total = int(seconds / 0.1)
    for i in range(steps_total):
        job.progress(i / steps_total, f"第 {i + 1} 步", force=True)
        time.sleep(0.1)


def noop(job: JobContext, *, town: str | None = None) -> None:
    return None


@hookimpl
def xinyi_actors() -> list[ActorSpec]:
    return [ActorSpec("jobtest.steps", steps, "jobs.state.running"),
            ActorSpec("jobtest.flaky", flaky, "jobs.state.retrying"),
            ActorSpec("jobtest.broken", broken, "jobs.state.failed"),
            ActorSpec("jobtest.refused", refused, "jobs.state.failed", max_retries=0),
            ActorSpec("jobtest.slow", slow, "jobs.state.running"),
            ActorSpec("jobtest.noop", noop, "jobs.state.done"),
            ActorSpec("jobtest.quiet", quiet, "jobs.state.running")]


@hookimpl
def xinyi_schedules() -> list[Schedule]:
    return [Schedule("jobtest.every_second", "jobtest.noop", "* * * * * *", per_town=True)]


@hookimpl
def xinyi_messages() -> dict[str, str]:
    return {"title": "任务测试"}
