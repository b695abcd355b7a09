"""The installed ``xinyi`` in a real terminal (a tmux pane, 80×24) in trusted-OS-user mode, without
sshd: every way the app can end leaves the terminal as it found it, a hung-up terminal ends the app
even when it is not the process the kernel signals, and the trusted identity is the process's uid.

After the app, the pane's shell prints the exit code, whether ``stty -g`` is what it was before the
app started, and reads back a typed line (see ``_ssh_helpers.AFTER``).
"""
from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from _ssh_helpers import (HOME_BAR, OTHER, OTHER_BAR, City, Pane, alive, app_pid, build_city, group_of,
                          needs, wait_gone, xinyi_command)

_missing = needs("tmux")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(_missing is not None, reason=_missing or "")]


@pytest.fixture(scope="module")
def base_city(tmp_path_factory: pytest.TempPathFactory) -> City:
    return build_city(tmp_path_factory.mktemp("terminal") / "city")


@pytest.fixture
def city(base_city: City, tmp_path: Path) -> City:
    return base_city.copy(tmp_path / "city")


@pytest.mark.parametrize("how, code", [("ctrl+q", 0), ("SIGTERM", 143), ("SIGHUP", 129)])
def test_terminal_is_restored_after_the_app_ends(city: City, how: str, code: int):
    pane = Pane(xinyi_command(city))
    try:
        pane.wait_for(HOME_BAR)
        if how == "ctrl+q":
            pane.keys("C-q")
        else:  # a shutdown or an administrator's kill; a hang-up signal while the terminal lives
            os.kill(app_pid(pane.shell_pid), getattr(signal, how))
        got, _ = pane.finished()
        assert got == code
        pane.assert_restored()
    finally:
        pane.close()


def test_a_crash_in_a_screen_restores_the_terminal_and_is_logged_not_shown(city: City):
    pane = Pane(xinyi_command(city))
    try:
        pane.wait_for(HOME_BAR)
        city.sql("alter table person rename to person_gone")  # the database changed under the app
        pane.keys("F3")  # the people list: its query fails
        got, text = pane.finished()
        assert got == 1
        logs = list((city.folder / "data" / "logs").glob("tui-crash-*.log"))
        assert len(logs) == 1
        shown = text.replace("\n", "")  # one message, wrapped at 80 columns
        # issue 17: the missing table is named, with what to do, instead of a bare OperationalError
        assert f"程序已退出。表 person 不存在：数据库不完整，请运行 xinyi init。详细记录：{logs[0]}" in shown
        assert "Traceback" not in pane.text(history=True)  # the operator gets one line, not the stack
        log = logs[0].read_text("utf-8")
        assert "operator: town_head_a" in log and "no such table: person" in log
        pane.assert_restored()
    finally:
        pane.close()


def test_the_app_ends_when_its_terminal_hangs_up_even_unsignalled(city: City):
    # The pane's shell leads the session, ignores SIGHUP and runs the app as a job of its own
    # (set -m): when the terminal goes, the kernel's SIGHUP reaches the shell only — as under a
    # wrapper script or for a process started with SIGHUP ignored. The app must notice by itself.
    pane = Pane(f"trap '' HUP; set -m; {xinyi_command(city)}")
    shell, app = pane.shell_pid, None
    try:
        pane.wait_for(HOME_BAR)
        app = app_pid(shell)
        assert group_of(app) != group_of(shell)
        pane.close()  # tmux closes the terminal's master side: a hang-up, as when sshd loses a client
        assert wait_gone([app], 5.0) == [], "the app kept running on a hung-up terminal"
    finally:
        pane.close()
        for pid in (app, shell):  # the shell ignores SIGHUP by design here; the app if it failed
            if pid is not None and alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_trusted_login_is_the_uid_not_the_USER_variable(city: City):
    # Town B's head is mapped to OTHER; the process runs as this test's account (town A's head).
    pane = Pane(xinyi_command(city, env=f"USER={OTHER} LOGNAME={OTHER}"))
    try:
        home = pane.wait_for("待办事项")
        assert HOME_BAR in home and OTHER_BAR not in home
        pane.keys("C-q")
        assert pane.finished()[0] == 0
    finally:
        pane.close()
