"""A real browser on ``xinyi serve``: headless Chromium (Debian's) driven by Playwright.

``Serve`` starts ``xinyi serve`` on a free loopback port. ``Tab`` is one browser tab on it, used as
a person does: it types keys and text (Chinese through the browser's input method: a composition,
then the committed text, as a pinyin IME sends it), and reads the screen back. The screen is read
from what the server sent the tab — the same bytes xterm.js draws — through a terminal emulator
(pyte) of the tab's size, so a wait can say what it was waiting for and show the whole screen.

Playwright launches the Chromium at ``XINYI_TEST_CHROMIUM`` (else ``chromium`` on the PATH) through
``executable_path``: no browser of its own is downloaded. ``scripts/test.sh`` installs Debian's
``chromium`` when it is missing and then sets ``XINYI_TEST_REQUIRE_BROWSER=1``: from there on a
browser test that cannot run fails instead of skipping.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

XINYI = Path(sys.executable).parent / "xinyi"
REQUIRED = os.environ.get("XINYI_TEST_REQUIRE_BROWSER") == "1"


def chromium() -> str | None:
    return os.environ.get("XINYI_TEST_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


def missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if chromium() is None:
        return "chromium is not installed (scripts/test.sh installs Debian's chromium)"
    try:
        import playwright.sync_api  # noqa: F401
        import pyte  # noqa: F401
    except ImportError as exc:
        return f"{exc.name} is not installed (pip install -e '.[test]')"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serve:
    """``xinyi serve`` on a loopback port, with ``env`` (the city's config, the clock)."""

    def __init__(self, env: Mapping[str, str], *, timeout: float = 20.0) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.process = subprocess.Popen([str(XINYI), "serve", "--port", str(self.port)], env=dict(env),
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"xinyi serve ended: {''.join(self.output)}")
            try:
                with urllib.request.urlopen(self.url, timeout=2):
                    return
            except OSError:
                time.sleep(0.1)
        self.close()
        raise AssertionError(f"xinyi serve did not answer within {timeout} s: {''.join(self.output)}")

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)

    def sessions(self) -> list[int]:
        """The pids of the app processes this server runs now (its children and theirs)."""
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
        found, todo = [], list(children.get(self.process.pid, []))
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(children.get(pid, []))
        return found

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Tab:
    """One browser tab on ``xinyi serve``: keys in, the screen read back as text."""

    KEY_GAP = 0.02  # s between keys (the app takes keys typed ahead: see XinyiApp browser_focus)
    ESC_GAP = 0.25  # s after Esc: the app takes Esc and a key within ESCDELAY (0.1 s) for Alt+key

    def __init__(self, browser: Any, url: str, *, viewport: tuple[int, int] = (800, 480),
                 context: Any = None) -> None:
        """A tab in ``context``, else in a browser profile of its own (cookies, downloads), as
        another person's PC would be."""
        import pyte

        self._own = context is None
        self.context = context or browser.new_context(accept_downloads=True,
                                                      viewport={"width": viewport[0], "height": viewport[1]})
        # A delivered file opens in a new tab (window.open) that downloads it and closes at once:
        # listen on every tab of this profile from its first moment.
        self.downloads: list[Any] = []
        self.context.on("page", lambda page: page.on("download", lambda d: self.downloads.append(d)))
        self.page = self.context.new_page()
        self.screen = pyte.Screen(80, 24)
        self.stream = pyte.ByteStream(self.screen)
        self._lock = threading.Lock()
        self.size: tuple[int, int] | None = None
        self.closed = False
        self.page.on("websocket", self._on_websocket)
        self.page.goto(url, wait_until="commit")  # the rest comes meanwhile: tabs open at once
        self._clicked = False

    def _click(self) -> None:
        """Put the keyboard in the terminal before the first key, as a person's click into the page
        does — without the click itself, which the app would take for a click on a field."""
        if not self._clicked:
            self.page.focus(".xterm-helper-textarea")
            self._clicked = True

    # ------------------------------------------------------------------ what the server sends
    def _on_websocket(self, ws: Any) -> None:
        from urllib.parse import parse_qs, urlparse

        query = parse_qs(urlparse(ws.url).query)
        self._resize(int(query.get("width", ["80"])[0]), int(query.get("height", ["24"])[0]))
        ws.on("framereceived", self._received)
        ws.on("framesent", self._sent)
        ws.on("close", lambda *_: setattr(self, "closed", True))

    def _resize(self, width: int, height: int) -> None:
        with self._lock:
            self.size = (width, height)
            self.screen.resize(height, width)

    def _received(self, payload: Any) -> None:
        if isinstance(payload, bytes):
            with self._lock:
                self.stream.feed(payload)

    def _sent(self, payload: Any) -> None:
        if isinstance(payload, str) and payload.startswith('["resize"'):
            size = json.loads(payload)[1]
            self._resize(size["width"], size["height"])

    # ------------------------------------------------------------------ reading
    def text(self) -> str:
        with self._lock:
            return "\n".join(line.rstrip() for line in self.screen.display)

    def wait(self, check: Callable[[str], bool], what: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while True:
            screen = self.text()
            if check(screen):
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {timeout} s for {what}; the browser's screen "
                                     f"({self.size}):\n{screen}")
            self.page.wait_for_timeout(50)  # lets Playwright deliver the frames meanwhile

    def wait_title(self, title: str, *texts: str, timeout: float = 20.0) -> str:
        """Wait for the screen titled ``title`` (its first line) showing ``texts``."""
        return self.wait(lambda s: s.split("\n", 1)[0].strip().startswith(title) and all(t in s for t in texts),
                         f"the screen {title!r}" + "".join(f" and {t!r}" for t in texts), timeout)

    def wait_for(self, *texts: str, timeout: float = 20.0) -> str:
        return self.wait(lambda s: all(t in s for t in texts), " and ".join(map(repr, texts)), timeout)

    # ------------------------------------------------------------------ typing
    def press(self, *keys: str) -> None:
        """Keys by Playwright's names (``Enter``, ``Tab``, ``Escape``, ``F5``, ``Control+s``) or
        single characters."""
        self._click()
        for key in keys:
            self.page.keyboard.press(key)
            time.sleep(self.ESC_GAP if key == "Escape" else self.KEY_GAP)

    def type(self, text: str) -> None:
        """ASCII as typed keys; anything else through the input method: composing (the pinyin shown
        under the cursor), then the chosen characters committed — as a Chinese IME does."""
        self._click()
        if text.isascii():
            self.page.keyboard.type(text)
            return
        cdp = self.page.context.new_cdp_session(self.page)
        try:
            for word in text.split(" "):
                if not word.isascii():
                    cdp.send("Input.imeSetComposition", {"text": "pinyin", "selectionStart": 6, "selectionEnd": 6})
                    cdp.send("Input.insertText", {"text": word})
                else:
                    self.page.keyboard.type(word)
                time.sleep(self.KEY_GAP)
        finally:
            cdp.detach()

    def fit(self, cols: int, rows: int) -> tuple[int, int]:
        """Make the window as big as a ``cols`` × ``rows`` terminal in this browser's font."""
        for _ in range(6):
            if self.size == (cols, rows):
                break
            box = self.page.evaluate("(() => { const r = document.querySelector('.xterm-screen')"
                                     ".getBoundingClientRect(); return [r.width, r.height]; })()")
            have_cols, have_rows = self.size or (80, 24)
            cell_w, cell_h = box[0] / have_cols, box[1] / have_rows
            view = self.page.viewport_size
            self.page.set_viewport_size({"width": int(view["width"] + cell_w * (cols - have_cols + 0.3)),
                                         "height": int(view["height"] + cell_h * (rows - have_rows + 0.3))})
            before, deadline = self.size, time.monotonic() + 3
            while self.size == before and time.monotonic() < deadline:
                self.page.wait_for_timeout(50)
        return self.size or (0, 0)

    def download(self, after: int, timeout: float = 20.0) -> Any:
        """The file the browser was handed after the first ``after`` ones (a Playwright ``Download``)."""
        deadline = time.monotonic() + timeout
        while len(self.downloads) <= after:
            if time.monotonic() > deadline:
                raise AssertionError(f"no download within {timeout} s; the screen:\n{self.text()}")
            self.page.wait_for_timeout(50)
        return self.downloads[after]

    def close(self) -> None:
        if self._own:
            self.context.close()
        else:
            self.page.close()


def type_login(tab: Tab, username: str, password: str = "xinyi123") -> None:
    """Username, Enter, password, Enter — typed straight through, without waiting for the screen."""
    tab.type(username)
    tab.press("Enter")
    tab.type(password)
    tab.press("Enter")


def login(tab: Tab, username: str, password: str = "xinyi123", *, then: str = "待办事项") -> str:
    """Sign in and wait for ``then`` on her first screen: home's to-dos, or for the city office and the
    bureau, who start on 数据看板, what it shows."""
    tab.wait_for("用户名", "密码")
    type_login(tab, username, password)
    return tab.wait_for(then)
