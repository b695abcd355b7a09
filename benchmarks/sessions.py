"""One server, many operators: N terminal sessions at once in tmux, against as many bare Textual apps.

    .venv/bin/python benchmarks/sessions.py --config CITY/xinyi.toml [--sessions 50] [--active 5]

``--config``: a city (the 20,000-assistant one for issue 21) in ``auth.mode = "os_user"``; its
city-level operator (the administrator, who starts on 首页; the city office starts on 数据看板
since issue 23) is linked to this OS account (as ``tui_bench.py`` does), so every session logs in
as that operator, as over SSH. Each app runs in a window of one tmux server of its own (80×24,
a unique socket name). For the installed ``xinyi`` and then for the bare Textual app of
``tui_bench.py`` (a 500-row DataTable), in the same run:

1. start the sessions, a batch at a time, each until its first screen is on the terminal;
2. **idle**: after the sessions have settled, the CPU time (``/proc/PID/stat`` utime+stime) and
   context switches (every thread's, ``/proc/PID/task/*/status``) of every app process over an
   idle interval — an idle session should use none, and wake up never;
3. **active**: a ``tmux -C`` control client types into ``--active`` sessions at once, each paging
   through its list (xinyi: the people list, F3, every assistant of the city; PageDown, Down),
   and times each key as ``tui_bench.py`` does: from the key's write to the last byte of the
   repaint the pane gets back (the repaint ends after ``QUIET`` s without a byte). The idle
   sessions' CPU over that phase is measured too;
4. memory: the sum of every session's RSS and PSS (shared pages counted once) and the largest
   peak RSS (VmHWM).

Targets (issue 21): idle sessions use no CPU, key → repaint p95 ≤ 50 ms while 5 sessions page.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import queue
import re
import shlex
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import tui_bench as tb

HERE = Path(__file__).resolve()
QUIET = tb.QUIET
TICK = os.sysconf("SC_CLK_TCK")
TARGET_P95_MS = 50.0


# --------------------------------------------------------------------------- /proc

def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def context_switches(pid: int) -> int:
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            for line in (task / "status").read_text().splitlines():
                if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                    total += int(line.split()[1])
        except OSError:  # a thread that ended meanwhile
            pass
    return total


def memory_kb(pid: int) -> tuple[int, int, int]:
    """(RSS, peak RSS, PSS) in KiB."""
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    rss, hwm = int(status["VmRSS"].split()[0]), int(status["VmHWM"].split()[0])
    pss = 0
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            pss = int(line.split()[1])
    return rss, hwm, pss


def usage(pids: list[int]) -> dict[int, tuple[float, int]]:
    return {pid: (cpu_seconds(pid), context_switches(pid)) for pid in pids}


# --------------------------------------------------------------------------- tmux

class Server:
    """A tmux server of its own (unique socket), one 80×24 window per session."""

    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.socket = f"xinyi-sessions-{name}-{os.getpid()}"
        self.env = env
        self.panes: list[tuple[str, int]] = []  # (pane id, pid of the app)
        self._run("new-session", "-d", "-s", "s", "-x", str(tb.SIZE[0]), "-y", str(tb.SIZE[1]), "-n", "keep",
                  "exec sleep 100000")
        # (No window-size/default-size: tmux 3.3a's server dies setting both. With no client attached
        # new windows are 80×24, and a control client does not resize them: checked in size().)
        for option in (("default-terminal", "screen-256color"), ("remain-on-exit", "off")):
            self._run("set-option", "-g", *option)

    def _run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args], env=self.env, check=True,
                              capture_output=True, text=True, timeout=30).stdout

    def start(self, argv: list[str]) -> tuple[str, int]:
        out = self._run("new-window", "-d", "-t", "s:", "-P", "-F", "#{pane_id} #{pane_pid}",
                        "exec " + " ".join(shlex.quote(a) for a in argv))
        pane, pid = out.split()
        self.panes.append((pane, int(pid)))
        return pane, int(pid)

    def size(self, pane: str) -> str:
        return self._run("display-message", "-p", "-t", pane, "#{pane_width}x#{pane_height}").strip()

    def text(self, pane: str) -> str:
        return self._run("capture-pane", "-p", "-t", pane)

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=30)


_ESCAPE = re.compile(rb"\\([0-7]{3})")


class Control:
    """A ``tmux -C`` client: sends keys to panes and times the output each pane gets back."""

    def __init__(self, server: Server) -> None:
        self.proc = subprocess.Popen(["tmux", "-L", server.socket, "-C", "attach", "-t", "s"], env=server.env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
        self.lock = threading.Condition()
        self.count: dict[str, int] = {}  # bytes each pane has received
        self.last: dict[str, float] = {}  # when its last byte came
        self._send = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if not line.startswith(b"%output "):
                continue
            now = time.perf_counter()
            _, pane, data = line.rstrip(b"\n").split(b" ", 2)
            size = len(_ESCAPE.sub(b"x", data))
            with self.lock:
                key = pane.decode()
                self.count[key] = self.count.get(key, 0) + size
                self.last[key] = now
                self.lock.notify_all()

    def key(self, pane: str, key: str, timeout: float = 2.0) -> tuple[float | None, int]:
        """Press ``key`` in ``pane``; (ms from the write to the repaint's last byte, bytes), or
        (None, 0) if the screen did not change within ``timeout``."""
        with self.lock:
            before = self.count.get(pane, 0)
        sent = time.perf_counter()
        with self._send:
            assert self.proc.stdin is not None
            self.proc.stdin.write(f"send-keys -t {pane} {key}\n".encode())
        with self.lock:
            if not self.lock.wait_for(lambda: self.count.get(pane, 0) > before, timeout):
                return None, 0
            while True:
                quiet_for = time.perf_counter() - self.last[pane]
                if quiet_for >= QUIET:
                    return (self.last[pane] - sent) * 1000, self.count[pane] - before
                self.lock.wait(QUIET - quiet_for)

    def settle(self, pane: str) -> None:
        """Wait until ``pane`` has had no output for QUIET s."""
        while True:
            with self.lock:
                last = self.last.get(pane, 0.0)
            if time.perf_counter() - last >= QUIET:
                return
            time.sleep(QUIET / 2)

    def close(self) -> None:
        try:
            self.proc.stdin.close()  # type: ignore[union-attr]
        except OSError:
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# --------------------------------------------------------------------------- one app, N sessions

@dataclass
class App:
    label: str
    argv: list[str]
    env: dict[str, str]
    marker: str  # on the first screen once it is drawn
    enter: list[str]  # keys that open the list to page through
    keys: list[str]  # pressed in turn while paging


@dataclass
class Outcome:
    start_s: float = 0.0
    idle_s: float = 0.0
    idle_cpu: dict[int, float] = field(default_factory=dict)  # pid → CPU s over the idle interval
    idle_switches: dict[int, int] = field(default_factory=dict)
    active_s: float = 0.0
    bystander_cpu: dict[int, float] = field(default_factory=dict)  # idle sessions while others page
    bystander_switches: dict[int, int] = field(default_factory=dict)
    active_cpu: dict[int, float] = field(default_factory=dict)
    repaint_ms: list[float] = field(default_factory=list)
    repaint_bytes: list[int] = field(default_factory=list)
    missed: int = 0
    rss_kb: list[int] = field(default_factory=list)
    hwm_kb: list[int] = field(default_factory=list)
    pss_kb: list[int] = field(default_factory=list)


def wait_for(server: Server, pane: str, marker: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while marker not in server.text(pane):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{marker!r} never appeared in {pane}:\n{server.text(pane)}")
        time.sleep(0.1)


def run(app: App, sessions: int, active: int, batch: int, idle: float, presses: int) -> Outcome:
    out = Outcome()
    server = Server(app.label.split()[0].strip(",").lower(), tb.child_env(app.env))
    control: Control | None = None
    try:
        t0 = time.perf_counter()
        for first in range(0, sessions, batch):
            started = [server.start(app.argv) for _ in range(min(batch, sessions - first))]
            for pane, _pid in started:
                wait_for(server, pane, app.marker)
        out.start_s = time.perf_counter() - t0
        pids = [pid for _, pid in server.panes]
        time.sleep(3.0)  # the first screens' workers and repaints end

        before = usage(pids)
        time.sleep(idle)
        after = usage(pids)
        out.idle_s = idle
        for pid in pids:
            out.idle_cpu[pid] = after[pid][0] - before[pid][0]
            out.idle_switches[pid] = after[pid][1] - before[pid][1]

        control = Control(server)
        typists = server.panes[:active]
        time.sleep(0.5)
        sizes = {server.size(pane) for pane, _ in server.panes}
        if sizes != {f"{tb.SIZE[0]}x{tb.SIZE[1]}"}:
            raise RuntimeError(f"the panes are not 80×24: {sizes}")
        for pane, _pid in typists:
            for key in app.enter:
                control.key(pane, key, timeout=30.0)
            for _ in range(3):  # warm-up, as tui_bench
                control.key(pane, app.keys[0])
        bystanders = [pid for _, pid in server.panes[active:]]
        results: queue.Queue[tuple[float | None, int]] = queue.Queue()

        def page(pane: str) -> None:
            for i in range(presses):
                results.put(control.key(pane, app.keys[i % len(app.keys)]))  # type: ignore[union-attr]

        before = usage(pids)
        t1 = time.perf_counter()
        threads = [threading.Thread(target=page, args=(pane,)) for pane, _ in typists]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        out.active_s = time.perf_counter() - t1
        after = usage(pids)
        for pid in bystanders:
            out.bystander_cpu[pid] = after[pid][0] - before[pid][0]
            out.bystander_switches[pid] = after[pid][1] - before[pid][1]
        for _, pid in typists:
            out.active_cpu[pid] = after[pid][0] - before[pid][0]
        while not results.empty():
            ms, size = results.get()
            if ms is None:
                out.missed += 1
            else:
                out.repaint_ms.append(ms)
                out.repaint_bytes.append(size)

        for pid in pids:
            rss, hwm, pss = memory_kb(pid)
            out.rss_kb.append(rss)
            out.hwm_kb.append(hwm)
            out.pss_kb.append(pss)
    finally:
        if control is not None:
            control.close()
        server.close()
    return out


# --------------------------------------------------------------------------- report

def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else (values[0] if values else float("nan"))


def row(label: str, r: Outcome, base: Outcome | None) -> list[str]:
    def ratio(a: float, b: float) -> str:
        return f" ({a / b:.2f}×)" if base is not None and b else ""

    n = len(r.idle_cpu)
    idle_ms = [v * 1000 for v in r.idle_cpu.values()]
    busy = sum(1 for v in idle_ms if v > 0)
    wakeups = sum(r.idle_switches.values()) / r.idle_s
    by_ms = [v * 1000 for v in r.bystander_cpu.values()]
    by_wake = sum(r.bystander_switches.values()) / r.active_s if r.active_s else 0.0
    b = base or r
    rss_mb, pss_mb = sum(r.rss_kb) / 1024, sum(r.pss_kb) / 1024
    return [
        label,
        f"{n} ({r.start_s:.0f} s to start)",
        f"{sum(idle_ms):.0f} ms total, max {max(idle_ms):.0f} ms; {busy} of {n} used any",
        f"{wakeups:.1f}/s",
        f"{sum(by_ms):.0f} ms, {by_wake:.1f} wake-ups/s",
        f"{statistics.median(r.repaint_ms):.1f} / {p95(r.repaint_ms):.1f} / {max(r.repaint_ms):.0f} ms"
        + ratio(p95(r.repaint_ms), p95(b.repaint_ms)),
        f"{len(r.repaint_ms)} ({r.missed} no repaint)",
        f"{rss_mb:.0f} MB" + ratio(rss_mb, sum(b.rss_kb) / 1024),
        f"{pss_mb:.0f} MB" + ratio(pss_mb, sum(b.pss_kb) / 1024),
        f"{max(r.hwm_kb) / 1024:.0f} MB" + ratio(max(r.hwm_kb), max(b.hwm_kb)),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, help="the city's xinyi.toml (auth.mode = os_user); "
                        "its administrator is linked to this OS account")
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--active", type=int, default=5, help="sessions paging through their list at once")
    parser.add_argument("--keys", type=int, default=40, help="keys each active session presses")
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of the idle measurement")
    parser.add_argument("--batch", type=int, default=5, help="sessions started at once")
    parser.add_argument("--no-bare", action="store_true", help="skip the bare Textual baseline")
    parser.add_argument("--out", help="also write the table to this Markdown file")
    args = parser.parse_args()

    config = Path(args.config).resolve()
    tb.link_city_operator(config)
    apps = [] if args.no_bare else [
        App("bare Textual, 500-row DataTable", [sys.executable, str(HERE.with_name("tui_bench.py")), "--bare"], {},
            "r0000", [], ["PageDown", "Down"])]
    apps.append(App("xinyi, city-level operator (admin)", [str(tb.BIN / "xinyi")], {"XINYI_CONFIG": str(config)},
                    "待办事项",
                    ["F3", "Down"], ["PageDown", "Down"]))
    # One unmeasured start of each: bytecode and the OS file cache warm for both alike.
    for app in apps:
        term = tb.Pty(app.argv, tb.child_env(app.env))
        term.read_until_quiet(app.marker.encode())
        term.quit()
    results = {}
    for app in apps:
        print(f"{app.label}: {args.sessions} sessions …", file=sys.stderr)
        results[app.label] = run(app, args.sessions, args.active, args.batch, args.idle, args.keys)

    base = None if args.no_bare else results[apps[0].label]
    header = ["app", "sessions", f"CPU of idle sessions over {args.idle:.0f} s", "idle wake-ups (all)",
              f"CPU of the idle ones while {args.active} page", "key → repaint: median / p95 / max",
              "keys timed", "RSS, all sessions", "PSS, all sessions", "peak RSS of one"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for app in apps:
        lines.append("| " + " | ".join(row(app.label, results[app.label], None if results[app.label] is base else base))
                     + " |")
    table = "\n".join(lines)
    xinyi = results[apps[-1].label]
    verdict = (f"xinyi: idle CPU {'none' if not any(xinyi.idle_cpu.values()) else 'USED'}; key → repaint p95 "
               f"{p95(xinyi.repaint_ms):.1f} ms (target ≤ {TARGET_P95_MS:.0f} ms: "
               f"{'met' if p95(xinyi.repaint_ms) <= TARGET_P95_MS else 'NOT met'}).")
    note = (f"{dt.datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} CPUs, load average "
            f"{os.getloadavg()[0]:.1f} at the end; {args.sessions} sessions per app in one tmux server (80×24), "
            f"{args.active} of them pressing {args.keys} keys each at once (PageDown, Down in turn) through a "
            f"tmux control client; CPU from /proc/PID/stat (resolution {1000 / TICK:.0f} ms), wake-ups = context "
            f"switches of all threads. Ratios against the bare app.")
    print(table)
    print()
    print(note)
    print(verdict)
    if args.out:
        Path(args.out).write_text(f"{table}\n\n{note}\n{verdict}\n", "utf-8")


if __name__ == "__main__":
    main()
