"""The installed ``xinyi`` in a real terminal (tmux, 80×24) on a small demo city.

Logs in as a town clerk, searches, opens a person, quits — and checks that the
terminal is usable again afterwards (left the alternate screen, echo and
canonical mode back on).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from xinyi_core import testing

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (scripts/test.sh installs it)")]

XINYI = Path(sys.executable).parent / "xinyi"


@pytest.fixture
def demo_config(tmp_path: Path) -> Path:
    config = tmp_path / "xinyi.toml"
    config.write_text('[paths]\ndata_dir = "data"\n', "utf-8")
    env = {**os.environ, "XINYI_CONFIG": str(config)}
    subprocess.run([str(XINYI), "demo", "--assistants", "60", "--villages", "30"], env=env, check=True,
                   capture_output=True, timeout=60)
    return config


def test_login_search_open_and_quit_in_a_real_terminal(demo_config: Path):
    # After the app ends, show its exit code and the tty modes, then wait so the pane can be read.
    script = (f"XINYI_CONFIG={demo_config} {XINYI}; echo EXIT=$?; "
              "stty -a | tr ' ;' '\\n\\n' | grep -x -e echo -e icanon | tr '\\n' ' '; echo TTY-END; sleep 30")
    tmux = testing.TmuxPane(script, name="xinyi-smoke")
    tmux.KEY_PAUSE = 0.3
    try:
        tmux.wait_for("用户名", timeout=15)
        pane = tmux.login("xinan_clerk", "xinyi123")
        assert "（镇考勤员·新安街道）" in pane  # name, role and scope on the bar
        tmux.keys("F3")  # 人员
        tmux.wait_for("共 ")
        tmux.keys("3203", literal=True)  # every ID number here starts with the city code
        pane = tmux.wait_for("320381")
        assert "新安街道" in pane and "北沟街道" not in pane  # her town only
        tmux.keys("Enter")
        pane = tmux.wait_for("岗位履历")
        assert "协理员：" in pane and "身份证号：320381" in pane
        tmux.keys("C-q")
        pane = tmux.wait_for("TTY-END")  # the exit code, then the tty modes, are printed
        assert "EXIT=0" in pane
        assert "岗位履历" not in pane  # the alternate screen is gone
        assert "icanon" in pane and "echo" in pane  # the tty is back in its normal mode
    finally:
        tmux.close()


def test_the_city_office_starts_on_the_dashboard_and_f2_takes_her_home(demo_config: Path):
    """Issue 23: the city's first screen is 数据看板, its first chart drawn; the key bar says how home is
    reached, and F2 gets there."""
    tmux = testing.TmuxPane(f"XINYI_CONFIG={demo_config} {XINYI}; sleep 30", name="xinyi-landing")
    try:
        tmux.login("city", "xinyi123", then="月份：")
        pane = tmux.wait_until(lambda p: "┤" in p and "┬" in p, "the first chart drawn")
        lines = pane.splitlines()
        assert lines[0].lstrip().startswith("数据看板") and "（市就业处·新沂市）" in lines[0]
        assert lines[1].startswith("1 ") and "（单位：" in lines[2]  # the charts to pick, the first one's title
        assert "F2 首页" in lines[-1] and lines[-1].rstrip().endswith("F1 帮助")
        tmux.keys("F2")
        pane = tmux.wait_for("待办事项")
        assert pane.splitlines()[0].lstrip().startswith("首页") and "Ctrl+L 注销/切换用户" in pane.splitlines()[-1]
    finally:
        tmux.close()


def test_the_app_draws_on_the_terminal_when_stderr_goes_to_a_log(tmp_path: Path):
    """Issue 17: ``xinyi 2>log`` said 本程序需要在终端中运行 though stdin and stdout were the terminal."""
    config = tmp_path / "xinyi.toml"
    config.write_text('[paths]\ndata_dir = "data"\n', "utf-8")
    log = tmp_path / "err.log"
    tmux = testing.TmuxPane(f"XINYI_CONFIG={config} {XINYI} 2>{log}; echo EXIT=$?; sleep 30", name="xinyi-stderr")
    try:
        tmux.wait_for("用户名", timeout=15)  # the login screen, drawn on the terminal
        tmux.keys("C-q")
        pane = tmux.wait_for("EXIT=")
        assert "EXIT=0" in pane and "本程序需要在终端中运行" not in pane
        assert "\x1b[" not in log.read_text("utf-8")  # nothing was drawn into the log
    finally:
        tmux.close()
