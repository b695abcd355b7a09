"""Helpers for the SSH deployment and terminal-restore tests: a small city on disk in trusted-OS-user
mode, a tmux pane (80×24) as the operator's terminal, and a look at processes through /proc."""
from __future__ import annotations

import os
import pwd
import re
import shlex
import shutil
import sqlite3
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from xinyi_core import config as config_mod, lifecycle, testing
from xinyi_core.models import Operator

XINYI = Path(sys.executable).parent / "xinyi"
ME = pwd.getpwuid(os.getuid()).pw_name  # the OS account the app trusts in these tests
HOME_BAR = "（镇中心负责人·甲镇）"  # the operator mapped to ME: town A's centre head
OTHER_BAR = "（镇中心负责人·乙镇）"  # the operator mapped to OTHER
OTHER = "xinyi_other_user"  # an os_user name that is not this process's account

# After the command ends: its exit code, whether the tty modes are exactly what they were before
# it ran (stty -g), the modes a shell needs, then a line read back in canonical mode ("the shell
# prompt is usable": what is typed is echoed and Enter ends the line).
AFTER = ('echo EXIT=$?; [ "$(stty -g)" = "$XY_TTY0" ] && echo TTY=same || echo TTY=changed; '
         "echo TTY: $(stty -a | tr ' ;' '\\n\\n' | grep -x -e echo -e -echo -e icanon -e -icanon "
         "-e isig -e -isig -e icrnl -e -icrnl); read -r line; echo \"GOT=$line\"; sleep 60")


def needs(*programs: str) -> str | None:
    """Why a test cannot run here (a missing program), or None."""
    for program in programs:
        found = os.access(program, os.X_OK) if program.startswith("/") else shutil.which(program) is not None
        if not found:
            return f"{program} is not installed (scripts/test.sh installs it)"
    return None


# --------------------------------------------------------------------------- the city

@dataclass
class City:
    folder: Path

    @property
    def config(self) -> Path:
        return self.folder / "xinyi.toml"

    @property
    def db(self) -> Path:
        return self.folder / "data" / "xinyi.db"

    def sql(self, query: str, *params: object) -> list[tuple]:
        with sqlite3.connect(self.db, timeout=10) as con:
            rows = con.execute(query, params).fetchall()
        con.close()
        return rows

    def copy(self, to: Path) -> City:
        shutil.copytree(self.folder, to)
        return City(to)


def build_city(folder: Path, outbox: Path | None = None) -> City:
    """The test city (xinyi_core.testing) in a SQLite file, in trusted-OS-user mode; town A's centre
    head is mapped to this process's OS account, town B's to :data:`OTHER`. ``outbox``: its
    ``[paths] outbox_dir`` (default: in the data folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    city = City(folder)
    paths = 'data_dir = "data"\n' + (f'outbox_dir = "{outbox}"\n' if outbox else "")
    city.config.write_text(f'[paths]\n{paths}\n[auth]\nmode = "os_user"\n', "utf-8")
    lifecycle.shutdown()
    testing.start(config_mod.load(city.config))
    try:
        built = testing.build_city()
        Operator.update(os_user=ME).where(Operator.id == built.op("town_head", "a").id).execute()
        Operator.update(os_user=OTHER).where(Operator.id == built.op("town_head", "b").id).execute()
    finally:
        lifecycle.shutdown()
    return city


def clean_env() -> dict[str, str]:
    """This process's environment without overrides that would point the app elsewhere."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XINYI_", "TMUX"))}
    env.setdefault("LANG", "C.UTF-8")
    return env


# --------------------------------------------------------------------------- tmux

class Pane(testing.TmuxPane):
    """The operator's terminal: ``command``, then :data:`AFTER` to show how it left the tty."""

    def __init__(self, command: str, env: dict[str, str] | None = None) -> None:
        super().__init__(f"XY_TTY0=$(stty -g); {command}; {AFTER}", env=env or clean_env(), name="xinyi-ssh")
        self.shell_pid = int(self("display", "-p", "-t", "t", "#{pane_pid}").strip())

    def flags(self) -> dict[str, str]:
        """The terminal's state as tmux sees it."""
        names = ("alternate_on", "cursor_flag", "mouse_any_flag", "mouse_all_flag", "mouse_button_flag",
                 "mouse_standard_flag", "mouse_sgr_flag", "wrap_flag")
        values = self("display", "-p", "-t", "t", " ".join(f"#{{{n}}}" for n in names)).split()
        return dict(zip(names, values))

    def finished(self, timeout: float = 20.0) -> tuple[int, str]:
        """Wait for the command to end; its exit code and the pane."""
        pane = self.wait_for("TTY:", timeout)
        return int(re.search(r"EXIT=(\d+)", pane).group(1)), pane

    def assert_restored(self, check_modes: bool = True) -> None:
        """The operator's terminal is as it was: normal screen, cursor shown, no mouse reporting,
        lines wrap, tty modes back (echo, line editing, signals) — and a typed line comes back."""
        flags = self.flags()
        assert flags == {"alternate_on": "0", "cursor_flag": "1", "mouse_any_flag": "0", "mouse_all_flag": "0",
                         "mouse_button_flag": "0", "mouse_standard_flag": "0", "mouse_sgr_flag": "0",
                         "wrap_flag": "1"}, flags
        pane = self.text()
        if check_modes:
            assert "TTY=same" in pane, pane
            modes = set(re.search(r"TTY: (.*)", pane).group(1).split())
            assert modes == {"echo", "icanon", "isig", "icrnl"}, modes
        self.keys("typed 42", literal=True)
        self.keys("Enter")
        pane = self.wait_for("GOT=typed 42", timeout=5)
        assert "typed 42\nGOT=typed 42" in pane  # echoed as typed, then read as one line


def app_pid(shell_pid: int) -> int:
    """The pid of the command the pane's shell is running (wait for it to start)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        kids = [p for p in children(shell_pid) if alive(p)]
        if kids:
            return kids[0]
        time.sleep(0.05)
    raise AssertionError("the command did not start")


# --------------------------------------------------------------------------- processes (/proc)

def _stat(pid: int) -> tuple[str, int, int, int] | None:
    """(state, ppid, session id, process group) of ``pid``, or None once it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = raw[raw.rindex(")") + 2:].split()
    return fields[0], int(fields[1]), int(fields[3]), int(fields[2])


def _all() -> dict[int, tuple[str, int, int, int]]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (st := _stat(int(entry))) is not None:
            found[int(entry)] = st
    return found


def alive(pid: int) -> bool:
    st = _stat(pid)
    return st is not None and st[0] not in ("Z", "X")


def children(pid: int) -> list[int]:
    return sorted(p for p, st in _all().items() if st[1] == pid)


def descendants(pid: int) -> list[int]:
    procs = _all()
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for p, st in procs.items():
            if st[1] == parent:
                found.append(p)
                todo.append(p)
    return sorted(found)


def session_of(pid: int) -> int:
    st = _stat(pid)
    assert st is not None, f"process {pid} is gone"
    return st[2]


def group_of(pid: int) -> int:
    st = _stat(pid)
    assert st is not None, f"process {pid} is gone"
    return st[3]


def live_in_session(sid: int) -> list[int]:
    """Processes of session ``sid`` still running (zombies waiting for their parent don't count)."""
    return sorted(p for p, st in _all().items() if st[2] == sid and st[0] not in ("Z", "X"))


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except (FileNotFoundError, ProcessLookupError):
        return ""


def wait_gone(pids: list[int], timeout: float) -> list[int]:
    """Wait until none of ``pids`` runs; those still running after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        left = [p for p in pids if alive(p)]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def xinyi_command(city: City, *, env: str = "") -> str:
    """The shell command that starts the app on ``city`` (nothing from this process's XINYI_* env)."""
    return f"{env} XINYI_CONFIG={shlex.quote(str(city.config))} {shlex.quote(str(XINYI))}".strip()
