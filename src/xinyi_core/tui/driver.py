"""Textual's Linux driver, without waking up ten times a second while nobody types.

Textual's input thread waits for a key with ``select(…, 0.1)``: an idle session wakes 10 times
a second, forever — 500 wake-ups a second for 50 operators on one server, each a little CPU
and a CPU kept out of its sleep states (issue 21). The thread below waits without a timeout
until a key arrives, the app stops its input (a self-pipe, written when ``exit_event`` is set),
or the key parser has a timeout due (a lone Esc: the parser decides after a short delay whether
it starts a sequence); it then behaves exactly as Textual's own loop.
"""
from __future__ import annotations

import os
import selectors
import threading
from codecs import getincrementaldecoder
from typing import Any

from textual._loop import loop_last
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

_POLL = 0.1  # Textual's own interval: used if its parser no longer tells when its timeout is due


class _WakingEvent(threading.Event):
    """``exit_event`` that also wakes the input thread's ``select`` when it is set."""

    def __init__(self, wake_fd: int) -> None:
        super().__init__()
        self._wake_fd = wake_fd

    def set(self) -> None:
        super().set()
        try:
            os.write(self._wake_fd, b"x")
        except OSError:  # the pipe is full (a wake-up is pending anyway) or closed
            pass


class QuietLinuxDriver(LinuxDriver):
    """:class:`LinuxDriver` whose input thread sleeps until there is something to do."""

    def __init__(self, app: Any, **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        # One pipe for the driver's life (input stops and starts again around a suspend — a ZMODEM
        # transfer, Ctrl+Z — and ``close()`` is called then too); the process's end closes it.
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self.exit_event = _WakingEvent(self._wake_w)

    def _drain_wake(self) -> None:
        try:
            while os.read(self._wake_r, 512):
                pass
        except (BlockingIOError, OSError):
            pass

    def run_input_thread(self) -> None:
        """Textual's ``run_input_thread``, waiting with no timeout unless the parser has one due."""
        selector = selectors.SelectSelector()
        fileno = self.fileno
        selector.register(fileno, selectors.EVENT_READ)
        selector.register(self._wake_r, selectors.EVENT_READ)
        EVENT_READ = selectors.EVENT_READ

        parser = XTermParser(self._debug)
        feed = parser.feed
        tick = parser.tick
        decode = getincrementaldecoder("utf-8")().decode
        read = os.read

        def timeout() -> float | None:
            due = getattr(parser, "_timeout_time", _POLL)
            if due is None:
                return None  # nothing pending: sleep until a key or the stop
            if due is _POLL:
                return _POLL
            return max(0.0, due - get_time())

        ended = False

        def process_selector_events(selector_events: list[tuple[selectors.SelectorKey, int]],
                                    final: bool = False) -> None:
            nonlocal ended
            keys = [(key, mask) for key, mask in selector_events if key.fd == fileno]
            for last, (_key, mask) in loop_last(keys):
                if mask & EVENT_READ:
                    data = read(fileno, 1024 * 4)
                    if not data:
                        ended = True  # end of input: a hung-up terminal (the app's watch ends the app)
                        break
                    for event in feed(decode(data, final=final and last)):
                        self.process_message(event)
            for event in tick():
                self.process_message(event)

        try:
            # Unlike Textual's loop, end of input ends the thread: a hung-up terminal reads as end of
            # input forever, and spinning on it held up the app's exit (and a CPU) until the 5 s backstop.
            while not self.exit_event.is_set() and not ended:
                process_selector_events(selector.select(timeout()))
            selector.unregister(fileno)
            process_selector_events([], final=True)
        finally:
            selector.close()
            self._drain_wake()  # the next start of input (after Ctrl+Z) waits afresh
            try:
                for _event in feed(""):
                    pass
            except Exception:  # noqa: BLE001 - as Textual: EOF or a parse error at the very end
                pass
