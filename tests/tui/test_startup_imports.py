"""What the installed ``xinyi`` loads before the home screen (issue 21): an operator linked to her OS
account starts the app in a real terminal (tmux, 80×24) and reaches 待办事项 without the app having
imported the document writers (openpyxl, python-docx, lxml), the job queue (dramatiq, redis,
apscheduler), a PostgreSQL driver her SQLite town does not use, or the plugins' screens — each is megabytes of memory in
every one of a server's sessions, and time before her first screen.

The app's own process reports its modules: a ``sitecustomize`` on ``PYTHONPATH`` makes it write
``sys.modules`` to a file on SIGUSR1, sent once the home screen is on the terminal.
"""
from __future__ import annotations

import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from xinyi_core import config as config_mod, lifecycle, testing
from xinyi_core.models import Operator

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (scripts/test.sh installs it)")]

XINYI = Path(sys.executable).parent / "xinyi"
ME = pwd.getpwuid(os.getuid()).pw_name
# Not before the operator asks for a document, a job or PostgreSQL.
HEAVY = ("openpyxl", "docx", "lxml", "dramatiq", "redis", "apscheduler", "psycopg2", "psycopg", "pypinyin")

SITECUSTOMIZE = '''
import os, signal, sys

def _dump(signum, frame):
    path = os.environ["XINYI_TEST_MODULES"]
    with open(path + ".tmp", "w") as out:
        out.write("\\n".join(sorted(sys.modules)))
    os.replace(path + ".tmp", path)

signal.signal(signal.SIGUSR1, _dump)
'''


@pytest.fixture
def linked_city(tmp_path: Path) -> Path:
    """The test city with every installed plugin, in trusted-OS-user mode: town A's head is this
    process's OS account."""
    config = tmp_path / "xinyi.toml"
    config.write_text('[paths]\ndata_dir = "data"\n[auth]\nmode = "os_user"\n', "utf-8")
    lifecycle.shutdown()
    testing.start(config_mod.load(config))
    try:
        city = testing.build_city()
        Operator.update(os_user=ME).where(Operator.id == city.op("town_head", "a").id).execute()
    finally:
        lifecycle.shutdown()
    return config


def _pids_of(pane: testing.TmuxPane) -> list[int]:
    """The pane's shell and everything under it."""
    shell = int(pane("display", "-p", "-t", "t", "#{pane_pid}").strip())
    out = subprocess.run(["ps", "-e", "-o", "pid=,ppid="], capture_output=True, text=True, check=True).stdout
    children: dict[int, list[int]] = {}
    for line in out.splitlines():
        pid, ppid = map(int, line.split())
        children.setdefault(ppid, []).append(pid)
    found, todo = [], [shell]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def test_reaching_the_home_screen_loads_no_document_writer_queue_or_unused_driver(linked_city: Path, tmp_path: Path):
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(SITECUSTOMIZE, "utf-8")
    modules = tmp_path / "modules.txt"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XINYI_", "TMUX", "PYTHON"))}
    env.update(XINYI_CONFIG=str(linked_city), PYTHONPATH=str(hook), XINYI_TEST_MODULES=str(modules))
    pane = testing.TmuxPane(f"{XINYI}; sleep 30", env=env, name="xinyi-imports")
    try:
        screen = pane.wait_for("待办事项", timeout=30)
        assert "（镇中心负责人·甲镇）" in screen  # logged in as her linked operator, on the home screen
        time.sleep(0.5)  # the home screen's first paint is complete
        apps = [pid for pid in _pids_of(pane) if Path(f"/proc/{pid}/cmdline").read_bytes().find(b"xinyi") >= 0
                and b"sleep" not in Path(f"/proc/{pid}/cmdline").read_bytes()]
        assert apps, "the app's process was not found"
        for pid in apps:
            os.kill(pid, signal.SIGUSR1)
        deadline = time.monotonic() + 10
        while not modules.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        loaded = set(modules.read_text("utf-8").split())
        assert "xinyi_core.tui.app" in loaded and "textual" in loaded  # the dump is the app's own
        early = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
        assert early == [], json.dumps(early)
        # nor any plugin's screens: they are imported on the first visit (the factory of its ScreenEntry)
        screens = sorted(m for m in loaded if m.startswith("xinyi_") and ".screens" in m and not m.startswith("xinyi_core"))
        assert screens == [], json.dumps(screens)
        pane.keys("C-q")
    finally:
        pane.close()
