"""A real terminal for the journeys: the installed ``xinyi`` in tmux at 80×24, driven by keys.

``Terminal`` starts one tmux server of its own (its own socket, no user config) running a
command, types keys into it as a person would (special keys by their tmux names, text as
typed characters), reads the screen back (``capture-pane``) and waits — with a timeout —
until something appears. A wait that times out raises an ``AssertionError`` that says what
was awaited and shows the whole screen, so a failing journey reads like a bug report.

No pytest here: ``benchmarks/journeys.py`` drives the same terminal.
"""
from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

# tmux key names a journey may press; anything else in a step's keys is typed as text.
KEY_NAMES = frozenset({
    "Enter", "Tab", "BTab", "Escape", "Space", "BSpace", "Up", "Down", "Left", "Right",
    "Home", "End", "PageUp", "PageDown", "DC", "IC", *(f"F{n}" for n in range(1, 13)),
    *(f"C-{c}" for c in "abcdefghijklmnopqrstuvwxyz"),
})
ENDED = "[xinyi 已结束]"  # printed after the app when it ends, so a crash stays readable


def available() -> bool:
    return shutil.which("tmux") is not None


def is_key(item: str) -> bool:
    return item in KEY_NAMES


class Terminal:
    """One 80×24 tmux window running ``command`` (with ``env`` set for it only)."""

    KEY_GAP = 0.06  # s between two keys: a typist's pace; text and Enter in one read could lose the Enter
    ESC_GAP = 0.2  # s after Esc: the app takes Esc and a key within ESCDELAY (0.1 s) for Alt+key

    def __init__(self, command: str, *, env: Mapping[str, str] | None = None,
                 size: tuple[int, int] = (80, 24), name: str = "journey") -> None:
        """``env``: the whole environment of the terminal (the tmux server's), else this process's."""
        self.socket = f"xinyi-{name}-{uuid.uuid4().hex[:8]}"
        # After the app: say it ended (and how), then keep the pane open so its last screen can be read.
        script = f"{command}; echo; echo '{ENDED}' $?; sleep 600"
        subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", "new-session", "-d", "-s", "t",
                        "-x", str(size[0]), "-y", str(size[1]), script],
                       env=None if env is None else dict(env), check=True, timeout=10)
        self._tmux("set-option", "-s", "escape-time", "0")  # tmux would join Esc and the next key into Alt+key
        self.keystrokes = 0

    # ------------------------------------------------------------------ tmux
    def _tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], check=True, capture_output=True, text=True,
                              timeout=10).stdout

    def close(self) -> None:
        """End the app and the tmux server, and remove the server's socket file."""
        path = subprocess.run(["tmux", "-L", self.socket, "display-message", "-p", "#{socket_path}"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=10)
        if path:
            Path(path).unlink(missing_ok=True)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ reading
    def screen(self) -> str:
        """The 24 lines the window shows now, trailing blanks removed."""
        return "\n".join(line.rstrip() for line in self._tmux("capture-pane", "-p", "-t", "t").split("\n")[:-1])

    def line(self, n: int) -> str:
        return self.screen().split("\n")[n]

    def wait(self, check: Callable[[str], bool], what: str, timeout: float = 15.0, *, context: str = "") -> str:
        """Poll the screen until ``check(screen)``; else fail naming ``what`` and showing the screen."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if check(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{context}{what} not on the screen after {timeout:g} s. The screen:\n"
                                     f"{'─' * 80}\n{screen}\n{'─' * 80}")
            time.sleep(0.05)

    def wait_for(self, text: str, timeout: float = 15.0, *, context: str = "") -> str:
        return self.wait(lambda s: text in s, repr(text), timeout, context=context)

    # ------------------------------------------------------------------ typing
    def press(self, *items: str) -> None:
        """Press keys: tmux key names (``Enter``, ``F3``, ``C-s``) as keys, anything else typed as text."""
        for item in items:
            if is_key(item):
                self._tmux("send-keys", "-t", "t", item)
                self.keystrokes += 1
            else:
                self._tmux("send-keys", "-t", "t", "-l", item)
                self.keystrokes += len(item)  # a Chinese character is one keystroke (the input method's choice)
            time.sleep(self.ESC_GAP if item == "Escape" else self.KEY_GAP)
