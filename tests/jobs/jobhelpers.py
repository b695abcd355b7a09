"""Helpers for the job tests (a module of its own: several test folders have a conftest)."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Callable

from xinyi_core import lifecycle, testing
from xinyi_core.config import TownConfig
from xinyi_core.jobs import JobRecord

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
import jobplugin  # noqa: E402

REDIS_URL = os.environ.get("XINYI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def start_runtime(tmp_path: Path, database_url: str, *, redis_url: str = "",
                  towns: dict[str, TownConfig] | None = None) -> lifecycle.Runtime:
    cfg = testing.make_config(tmp_path, database_url, redis_url=redis_url)
    if towns:
        cfg.towns = towns
    return testing.start(cfg, plugin_modules={"jobtest": jobplugin}, entry_points=False)


def wait_for(job_id: int, ok: Callable[[JobRecord], bool], timeout: float = 10.0) -> JobRecord:
    """Poll the job's record until ``ok`` holds (what the job panel does)."""
    deadline = time.monotonic() + timeout
    while True:
        record = JobRecord.get_by_id(job_id)
        if ok(record):
            return record
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} stuck: {record.state} {record.progress} {record.error}")
        time.sleep(0.02)
