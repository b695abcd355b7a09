"""Helpers for the crash tests: start the driver as a real process, SIGKILL it,
start the runtime again on the same database, and check what survived."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from xinyi_core import db, lifecycle, testing

import _crash_plugin

HERE = Path(__file__).parent
DRIVER = HERE / "_crash_driver.py"
REDIS_URL = os.environ.get("XINYI_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@dataclass
class Site:
    """One installation under test: its config file, database and report folder."""

    tmp: Path
    database_url: str
    redis_url: str = ""
    only_test_plugin: bool = False

    @property
    def config_path(self) -> Path:
        return self.tmp / "xinyi.toml"

    @property
    def report_dir(self) -> Path:
        return self.tmp / "data" / "reports"

    def start(self) -> lifecycle.Runtime:
        """(Re)start the runtime in the test process, as the app does: migrations included."""
        lifecycle.shutdown()
        cfg = testing.make_config(self.tmp, self.database_url, redis_url=self.redis_url)
        return testing.start(cfg, plugin_modules={"crashtest": _crash_plugin},
                             entry_points=not self.only_test_plugin)

    def env(self, **extra: str) -> dict[str, str]:
        testing.make_config(self.tmp)  # writes xinyi.toml if missing
        env = {**os.environ, "XINYI_CONFIG": str(self.config_path), "XINYI_DATABASE_URL": self.database_url,
               "XINYI_REDIS_URL": self.redis_url, **extra}
        if self.only_test_plugin:
            env["XINYI_CRASHTEST_PLUGINS"] = "crashtest"
        return env

    def spawn(self, *args: str, out: Path | None = None, **env: str) -> subprocess.Popen:
        """Run the driver in its own process group; its acknowledgements go to ``out``."""
        stdout = open(out, "ab") if out else subprocess.DEVNULL
        try:
            return subprocess.Popen([sys.executable, str(DRIVER), *args], env=self.env(**env), stdout=stdout,
                                    stderr=subprocess.DEVNULL, start_new_session=True)
        finally:
            if out:
                stdout.close()


def kill9(proc: subprocess.Popen) -> None:
    """SIGKILL the process (and any child it started), and reap it."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(10)


def stop(*procs: subprocess.Popen | None) -> None:
    """Teardown: whatever is still running is killed."""
    for proc in procs:
        if proc is not None:
            kill9(proc)


def lines(path: Path) -> list[list[str]]:
    if not path.exists():
        return []
    return [line.split() for line in path.read_text("utf-8").splitlines() if line.strip()]


def wait_until(check: Callable[[], Any], timeout: float = 15.0, what: str = "", proc: subprocess.Popen | None = None,
               poll: float = 0.02) -> Any:
    """Poll ``check`` until it returns something truthy (and return it)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"driver exited ({proc.returncode}) while waiting for {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(poll)


def assert_database_sound() -> None:
    """After a kill: SQLite's own checks pass and nothing is pending; a write does not wait on a lock."""
    from xinyi_core.models import AuditLog

    if db.is_sqlite():
        assert db.database.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.database.execute_sql("PRAGMA foreign_key_check").fetchall() == []
    assert db.pending(lifecycle.runtime().plugins.migrations()) == []
    started = time.monotonic()
    with db.database.atomic():  # a stale write lock would make this wait out the busy timeout
        AuditLog.create(at=dt.datetime(2026, 1, 1), action="test.restart", object_type="")
    assert time.monotonic() - started < 2.0


def tmp_files(folder: Path) -> list[Path]:
    """Temporary files :func:`xinyi_core.export.atomic_path` left in ``folder``."""
    return sorted(p for p in folder.rglob(".*.tmp*") if p.is_file()) if folder.exists() else []
