"""Terminal UI benchmark: the installed ``xinyi`` against a bare Textual app, in real ptys.

    .venv/bin/python benchmarks/tui_bench.py [--runs 3] [--keys 40]

Every app runs as its own process on an 80×24 pseudo-terminal, exactly as over
SSH: keys are written to the pty, the bytes the app writes back are counted and
timed. Measured, per app:

- cold start: process start → the first interactive screen is complete (xinyi: its to-dos; its text
  has appeared and the output has gone quiet);
- peak RSS of the process (``wait4`` rusage);
- keypress → repaint, moving the cursor in the people list / the DataTable, and
  switching screens (the time of the last byte of the repaint after the key);
- bytes written to the terminal per such keypress.

The baseline is a bare Textual app showing a 500-row DataTable with two screens,
run in the same invocation. xinyi runs on the demo city (500 assistants) and on a
20,000-assistant city, both built once with ``xinyi demo`` and cached in
``$TMPDIR/xinyi-tui-bench``; the operator logs in as a trusted OS user (the SSH
set-up), city level — the administrator, who starts on 首页 (the city office starts on 数据看板) —
so the list holds every assistant.
"""
from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import pwd
import os
import select
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve()
BIN = Path(sys.executable).parent
CACHE = Path(tempfile.gettempdir()) / "xinyi-tui-bench"
SIZE = (80, 24)
QUIET = 0.1  # s of silence that ends a repaint (longer than the 50 ms Textual may hold output)
FRAME_MS = 1000 / 60
KEYS = {"down": b"\x1b[B", "f1": b"\x1bOP", "f2": b"\x1bOQ", "f3": b"\x1bOR", "quit": b"\x11"}


# --------------------------------------------------------------------------- the bare baseline app

def run_bare() -> None:
    """A bare Textual app: a 500-row DataTable on one screen, a second screen to switch to."""
    import random

    from textual.app import App
    from textual.screen import Screen
    from textual.widgets import DataTable, Footer, Header, Static

    rng = random.Random(1)
    surnames, given = "王李张刘陈杨赵黄周吴徐孙胡朱高林", "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"

    class TableScreen(Screen):
        def compose(self):
            yield Header()
            yield DataTable(cursor_type="row")
            yield Footer()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns("姓名", "性别", "镇（街道）", "村（社区）", "状态", "手机号", "身份证号")
            for i in range(500):
                table.add_row(rng.choice(surnames) + rng.choice(given) + rng.choice(given), "女", "新安街道",
                              "王庄村", "在岗", f"139{i:08d}", f"r{i:04d}38119800101123X")
            table.focus()

    class OtherScreen(Screen):
        def compose(self):
            yield Header()
            yield Static("另一个页面")
            yield Footer()

    class Bare(App):
        BINDINGS = [("f1", "switch_mode('table')", "表格"), ("f2", "switch_mode('other')", "其他"),
                    ("ctrl+q", "quit", "退出")]
        MODES = {"table": TableScreen, "other": OtherScreen}

        def on_mount(self) -> None:
            self.switch_mode("table")

    Bare().run()


# --------------------------------------------------------------------------- cities

# The city-level operator who logs in: the administrator. She starts on 首页 with its to-dos, whose
# first complete paint is the target (issue 21), and sees every assistant of the city in 协理员 (F3).
# The city office (``city``) starts on 数据看板 since issue 23: its charts are dashboard_bench.py's.
OPERATOR = "admin"


def link_city_operator(config: Path) -> None:
    """The city-level operator (:data:`OPERATOR`) of the city at ``config`` logs in as this OS user
    (``auth.mode = os_user``)."""
    subprocess.run([sys.executable, "-c", (
        "import sys; from xinyi_core import lifecycle; from xinyi_core.models import Operator;"
        "rt = lifecycle.bootstrap(sys.argv[1]);"
        "assert rt.config.auth_mode == 'os_user', 'the config must set [auth] mode = \"os_user\"';"
        "Operator.update(os_user=None).where(Operator.os_user == sys.argv[2]).execute();"
        "Operator.update(os_user=sys.argv[2]).where(Operator.username == sys.argv[3]).execute()"),
        str(config), pwd.getpwuid(os.getuid()).pw_name, OPERATOR], check=True)


def city(name: str, assistants: int, villages: int, given: str | None = None) -> Path:
    """Build (once) a demo city and its config; the city operator logs in as this OS user.
    ``given``: the config of a city built before (a copy: its city operator is linked to this user)."""
    if given:
        link_city_operator(Path(given).resolve())
        return Path(given).resolve()
    folder = CACHE / name
    config = folder / "xinyi.toml"
    if (folder / "ready").exists():
        return config
    folder.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(folder / "data", ignore_errors=True)  # a half-built city from an interrupted run
    config.write_text('[paths]\ndata_dir = "data"\n[auth]\nmode = "os_user"\n', "utf-8")
    env = {**os.environ, "XINYI_CONFIG": str(config)}
    print(f"building the {name} city ({assistants} assistants) once …", file=sys.stderr)
    subprocess.run([str(BIN / "xinyi"), "demo", "--assistants", str(assistants), "--villages", str(villages)],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    link_city_operator(config)
    (folder / "ready").write_text(dt.datetime.now().isoformat())
    return config


# --------------------------------------------------------------------------- driving a pty

@dataclass
class Result:
    start_s: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    move_ms: list[float] = field(default_factory=list)
    move_bytes: list[int] = field(default_factory=list)
    switch_ms: list[float] = field(default_factory=list)
    switch_bytes: list[int] = field(default_factory=list)


class Pty:
    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
        self.t0 = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self.buffer = bytearray()

    def read_until_quiet(self, marker: bytes = b"", timeout: float = 60.0) -> tuple[float, int]:
        """Wait (up to ``timeout``) for output containing ``marker``, then read until QUIET s pass
        without a byte; → (time of the last byte, bytes read)."""
        start = time.perf_counter()
        last, total = start, 0
        seen = False
        while True:
            wait = QUIET if seen else max(0.0, timeout - (time.perf_counter() - start))
            ready, _, _ = select.select([self.master], [], [], wait)
            if not ready:
                if seen:
                    return last, total
                raise TimeoutError(f"{marker!r} never appeared; got {bytes(self.buffer[-400:])!r}")
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return last, total
            last = time.perf_counter()
            total += len(chunk)
            self.buffer += chunk
            seen = seen or marker in self.buffer

    def key(self, name: str) -> tuple[float, int]:
        """Press a key and wait for its repaint; → (ms until the repaint's last byte, bytes written).

        Every measured key changes the screen, so the first byte is waited for (Textual may hold
        output back, e.g. 50 ms on a mode switch); the repaint ends after QUIET s of silence.
        """
        self.buffer.clear()
        sent = time.perf_counter()
        os.write(self.master, KEYS[name])
        last, total = self.read_until_quiet(timeout=2.0)
        return (last - sent) * 1000, total

    def quit(self) -> float:
        """Quit; → peak RSS in MB."""
        os.write(self.master, KEYS["quit"])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if select.select([self.master], [], [], 0.05)[0]:
                    os.read(self.master, 65536)
            except OSError:  # the slave side closed: the app is gone
                time.sleep(0.01)
            pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
            if pid:
                self.proc.returncode = status
                os.close(self.master)
                return usage.ru_maxrss / 1024
        self.proc.kill()
        raise RuntimeError("the app did not quit")


def child_env(extra: dict[str, str]) -> dict[str, str]:
    """An SSH-like terminal, and compiled bytecode as an installed package has it: the sources
    are compiled once into the bench cache (PYTHONDONTWRITEBYTECODE would recompile every start)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "TERM": "xterm-256color", "COLORTERM": "truecolor",
            "PYTHONPYCACHEPREFIX": str(CACHE / "pycache"), **extra}


def warm_up(argv: list[str], env: dict[str, str], marker: bytes) -> None:
    """One unmeasured start, so that bytecode and the OS file cache are warm for every case alike."""
    term = Pty(argv, child_env(env))
    term.read_until_quiet(marker)
    term.quit()


def measure(argv: list[str], env: dict[str, str], marker: bytes, enter: list[str], moves: int,
            switch: tuple[str, str], result: Result) -> None:
    term = Pty(argv, child_env(env))
    last, _ = term.read_until_quiet(marker)
    result.start_s.append(last - term.t0)
    for name in enter:
        term.key(name)
    for _ in range(3):  # warm-up
        term.key("down")
    for _ in range(moves):
        ms, n = term.key("down")
        result.move_ms.append(ms)
        result.move_bytes.append(n)
    for i in range(moves // 2):
        ms, n = term.key(switch[i % 2])
        if i >= 2:  # the first visits build the screens: that is start-up, not switching
            result.switch_ms.append(ms)
            result.switch_bytes.append(n)
    result.rss_mb.append(term.quit())


# --------------------------------------------------------------------------- report

def row(label: str, r: Result, base: Result | None) -> list[str]:
    def ratio(a: float, b: float) -> str:
        return f" ({a / b:.2f}×)" if base is not None and b else ""

    med = statistics.median
    start, rss = med(r.start_s), max(r.rss_mb)
    mv, mvb = med(r.move_ms), statistics.mean(r.move_bytes)
    sw, swb = med(r.switch_ms), statistics.mean(r.switch_bytes)
    b = base or r
    return [label,
            f"{start:.2f} s / {min(r.start_s):.2f} s" + ratio(start, med(b.start_s)),
            f"{rss:.0f} MB" + ratio(rss, max(b.rss_mb)),
            f"{mv:.1f} / {statistics.quantiles(r.move_ms, n=10)[-1]:.1f} ms",
            f"{mvb:.0f} B" + ratio(mvb, statistics.mean(b.move_bytes)),
            f"{sw:.1f} / {statistics.quantiles(r.switch_ms, n=10)[-1]:.1f} ms",
            f"{swb:.0f} B" + ratio(swb, statistics.mean(b.switch_bytes))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keys", type=int, default=40, help="moves per run (switches: half as many)")
    parser.add_argument("--out", help="also write the table to this Markdown file")
    parser.add_argument("--demo-config", help="a 500-assistant city built before (its xinyi.toml, os_user mode)")
    parser.add_argument("--big-config", help="a 20,000-assistant city built before (its xinyi.toml, os_user mode)")
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare:
        run_bare()
        return

    demo = city("demo", 500, 300, args.demo_config)
    big = city("big", 20000, 2000, args.big_config)
    xinyi = [str(BIN / "xinyi")]
    # The home screen is complete once its to-dos are in (a worker fills them after the first paint:
    # the section heading 待办事项 alone would stop the clock early). Both demo cities' administrator
    # has urgent ones, marked 【急】.
    home = "【急】".encode()
    cases = [
        ("bare Textual, 500-row DataTable", [sys.executable, str(HERE), "--bare"], {}, "r0000".encode(), [],
         ("f2", "f1")),
        # F3 is the people list, F2 home (issue 18's keys; before, F2 people and F3 the org tree)
        ("xinyi, demo city (500)", xinyi, {"XINYI_CONFIG": str(demo)}, home, ["f3", "down"],
         ("f2", "f3")),
        ("xinyi, 20,000 assistants", xinyi, {"XINYI_CONFIG": str(big)}, home, ["f3", "down"],
         ("f2", "f3")),
        ("xinyi, demo city, 16 colours", xinyi, {"XINYI_CONFIG": str(demo), "TEXTUAL_COLOR_SYSTEM": "standard"},
         home, ["f3", "down"], ("f2", "f3")),
    ]
    results = {label: Result() for label, *_ in cases}
    for _label, argv, env, marker, *_ in cases:
        warm_up(argv, env, marker)
    for run in range(args.runs):  # interleaved, so drift in machine load hits every case alike
        for label, argv, env, marker, enter, switch in cases:
            measure(argv, env, marker, enter, args.keys, switch, results[label])
        print(f"run {run + 1}/{args.runs} done", file=sys.stderr)

    base = results[cases[0][0]]
    header = ["app", "cold start: median / best", "peak RSS", "move in list: median / p90", "bytes / move",
              "switch screen: median / p90", "bytes / switch"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for label, *_ in cases:
        lines.append("| " + " | ".join(row(label, results[label], None if label == cases[0][0] else base)) + " |")
    table = "\n".join(lines)
    note = (f"{dt.date.today()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end; "
            f"{args.runs} runs × {args.keys} moves and {args.keys // 2 - 2} switches each after one warm-up start "
            f"per app (bytecode compiled, as installed), 80×24 pty, TERM=xterm-256color. Ratios are against the "
            f"bare app. Targets: start and RSS ≤ 1.3×, repaint median < {FRAME_MS:.1f} ms, bytes/keypress ≤ 2×.")
    print(table)
    print()
    print(note)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(f"# TUI benchmark\n\n`.venv/bin/python benchmarks/tui_bench.py`\n\n{table}\n\n{note}\n",
                                  "utf-8")


if __name__ == "__main__":
    main()
