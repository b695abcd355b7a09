"""The terminal app operators live in: login, then one mode per navigation entry.

Start-up stays lean: only Textual and the core are imported here; screens are
imported on their first visit, and heavy libraries (pypinyin for initials)
only when something needs them.
"""
from __future__ import annotations

import asyncio
import logging
import os
import pwd
import signal
import sys
import threading
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, Iterable

from rich.text import Text
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.driver import Driver
from textual.screen import Screen

from .. import audit, auth
from ..errors import XinyiError
from ..i18n import t
from ..models import Operator
from . import nav

log = logging.getLogger(__name__)
NAV_GROUP = Binding.Group(t("tui.key.nav"), compact=True)
HOME = "tui.nav.home"


class XinyiApp(App[None]):
    CSS_PATH = Path(__file__).with_name("xinyi.tcss")
    TITLE = t("tui.title")
    BINDINGS: ClassVar[list[BindingType]] = [
        *(Binding(f"f{i}", f"open('{title}')", t(title), group=NAV_GROUP, key_display=f"F{i}")
          for i, title in enumerate(nav.CORE_TITLES, start=1)),
        Binding("ctrl+p", "command_palette", t("tui.key.palette"), show=False, priority=True),
        Binding("ctrl+q", "quit", t("tui.key.quit"), priority=True),
    ]

    def __init__(self, operator: Operator | None = None, *, ansi_color: bool | None = None,
                 watch_terminal: bool = False, driver_class: type[Driver] | None = None) -> None:
        super().__init__(driver_class=driver_class, ansi_color=ansi_color)
        self._watch_terminal = watch_terminal
        self._leaving = False
        # A 16-colour terminal (or TEXTUAL_COLOR_SYSTEM=standard) gets the ANSI theme: the
        # terminal's own palette instead of true colours squeezed into 16.
        self.sixteen_colours = ansi_color if ansi_color is not None else \
            self.console.color_system in ("standard", "windows")
        self.operator: Operator | None = None
        self.permissions: set[str] = set()
        self.nav: dict[str, nav.NavEntry] = {}
        self.plugin_failures: list[str] = []
        self._given = operator
        self._visited: set[str] = set()
        self._instant = False

    # ------------------------------------------------------------------ session

    def on_load(self) -> None:
        # Textual restores the tty (modes, alternate screen, cursor) only when the app leaves through
        # its loop; SIGTERM (a shutdown, an admin's kill) and SIGHUP (a dropped SSH link, where the pty
        # is gone) would kill the process on the spot. Route both through exit() instead.
        if self._watch_terminal:
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGTERM, signal.SIGHUP):
                loop.add_signal_handler(signum, self._leave, 128 + signum)
            # A hung-up tty reads as end-of-input, and Textual's input thread then spins. Only the
            # session leader gets SIGHUP (not the app under a wrapper script, nor one that inherited
            # SIGHUP ignored), so also look at the terminal itself.
            self.set_interval(1.0, self._check_terminal, name="terminal-watch")

    def _check_terminal(self) -> None:
        if not os.isatty(sys.__stdin__.fileno()):
            self._leave(128 + signal.SIGHUP)

    def _leave(self, code: int) -> None:
        """Exit through Textual, which restores the terminal; should that not finish (output to a
        dead terminal can block it), the process ends anyway: no session outlives its link."""
        if self._leaving:
            return
        self._leaving = True
        self.exit(None, code)
        backstop = threading.Timer(5.0, os._exit, (code,))
        backstop.daemon = True
        backstop.start()

    def _handle_exception(self, error: Exception) -> None:
        # Textual prints the traceback with every frame's locals on the operator's screen: hundreds
        # of lines, seconds to render on a small machine, and whatever the frames held (a password
        # being checked, records). In a real session it goes to a log file for the administrator and
        # the operator gets one Chinese line; the app still exits and restores the terminal.
        if self._watch_terminal and not hasattr(error, "__rich__"):
            error = _Crashed(error, _crash_log(error, self.operator))
        super()._handle_exception(error)

    def on_mount(self) -> None:
        from ..lifecycle import runtime
        from .screens.login import LoginScreen

        if self.sixteen_colours:
            self.ansi_color = True
            self.theme = "ansi-dark"
        self.run_worker(_adopt_orphan_jobs, thread=True, exit_on_error=False)
        if self._given is not None:
            self.start_session(self._given)
            return
        if runtime().config.auth_mode == "os_user":
            try:
                self.start_session(auth.trusted_login(os_login_name()))
            except XinyiError as exc:
                # The OS login is the only identity this deployment trusts: no password fallback.
                self.exit(return_code=1, message=Text(str(exc)))
            return
        self.push_screen(LoginScreen(), callback=self.start_session)

    def start_session(self, operator: Operator | None) -> None:
        """Load what the operator may see, then show the home screen."""
        if operator is None:
            return
        self.operator = operator
        self.permissions = auth.granted(operator.role)
        entries, self.plugin_failures = nav.entries(operator, self.permissions)  # shown on the home screen
        self.nav = {e.id: e for e in entries}
        for entry in self.nav.values():
            self.add_mode(entry.id, entry.factory)
            if entry.group != "core" and entry.key:
                self.bind(entry.key, f"open('{entry.id}')", description=entry.title, show=False)
        self._visited.add(HOME)
        self.switch_mode(HOME)

    # ------------------------------------------------------------------ navigation

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open":
            return self.operator is not None and parameters[0] in self.nav
        return True

    def action_open(self, entry_id: str, params: dict[str, Any] | None = None) -> None:
        """Switch to a navigation entry's screen (kept alive between visits)."""
        if entry_id not in self.nav:
            # Not offered to her (no permission, or her town did not enable the plugin), yet asked for —
            # by a to-do, the palette or a crafted call: refused, and recorded like any refusal.
            if self.operator is not None:
                audit.record(self.operator, "tui.open", object_type="Screen", allowed=False, note=entry_id[:100])
            self.notify(t("tui.nav.missing"), severity="warning")
            return
        if self.current_mode != entry_id:
            self._instant = entry_id in self._visited
            self._visited.add(entry_id)
            self.switch_mode(entry_id)
            self._instant = False
        if params:
            self.call_after_refresh(self._apply_params, params)

    def _apply_params(self, params: dict[str, Any]) -> None:
        apply = getattr(self.screen, "apply_params", None)
        if apply is not None:
            apply(params)

    def delay_update(self, delay: float = 0.05) -> None:
        """``switch_mode`` holds all output for 50 ms to hide a half-built screen.

        A screen visited before is alive and laid out: there is nothing to hide,
        and 50 ms on every F-key is felt. Only a first visit keeps the mask.
        """
        if not self._instant:
            super().delay_update(delay)

    def action_help_quit(self) -> None:
        self.notify(t("tui.key.quit") + "：Ctrl+Q")

    # ------------------------------------------------------------------ command palette

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(CommandPalette(id="--command-palette", placeholder=t("tui.nav.palette_placeholder")))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every screen the operator may open and every action of the current screen."""
        for entry in self.nav.values():
            yield SystemCommand(entry.title, nav.palette_help(entry), partial(self.action_open, entry.id))
        seen = set()
        for node, binding, enabled, _tip in screen.active_bindings.values():
            if not (enabled and binding.description) or binding.action in seen or binding.action.startswith("open("):
                continue
            seen.add(binding.action)
            yield SystemCommand(binding.description, t("tui.nav.action_help", key=self.get_key_display(binding)),
                                partial(self.run_action, binding.action, node))


class _Crashed(Exception):
    def __init__(self, error: Exception, log: Path | None) -> None:
        from ..lifecycle import explain

        explained = explain(error)  # a missing table: which plugin, and what to do
        if explained is not None:
            super().__init__(t("tui.crashed_explained", message=str(explained), log=log or t("tui.none")))
            return
        super().__init__(t("tui.crashed", error=type(error).__name__, log=log or t("tui.none")))

    def __rich__(self) -> Text:
        return Text(str(self))  # plain text: a path with [brackets] is not markup


def _crash_log(error: Exception, operator: Operator | None) -> Path | None:
    """Write ``error``'s traceback (no locals) to ``<data_dir>/logs``; the file's path, or None."""
    import time
    import traceback

    from ..lifecycle import runtime

    try:
        from .. import files

        folder = files.make_dir(runtime().config.data_dir / "logs")
        path = folder / f"tui-crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
        who = operator.username if operator is not None else "-"
        path.write_text(f"operator: {who}\n" + "".join(traceback.format_exception(error)), "utf-8")
        files.secure(path)
        return path
    except Exception:  # noqa: BLE001 - a failed log must not hide the crash itself
        return None


def _adopt_orphan_jobs() -> None:
    """Jobs a closed or killed app left unfinished run again in this one (no Redis)."""
    try:
        from .. import jobs

        jobs.adopt_orphans()
    except Exception:  # noqa: BLE001 - the operator's screen comes first; the job panel still shows them
        log.exception("could not adopt the jobs of an ended process")


def os_login_name() -> str:
    """The OS account this process runs as, from its real uid.

    Never ``$USER``/``$LOGNAME`` (``getpass.getuser``): an environment variable can be set by whoever
    starts the process — an SSH client through ``AcceptEnv``, a wrapper — to another operator's name.
    """
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:  # a uid with no passwd entry maps to no operator
        return str(os.getuid())


def _on_terminal(stream: Any) -> bool:
    return bool(stream) and stream.isatty()


def _stdout_driver() -> type[Driver]:
    """Textual's Linux driver drawing on stdout instead of stderr."""
    from textual.drivers.linux_driver import LinuxDriver

    class StdoutDriver(LinuxDriver):
        """For ``xinyi 2>log``: stderr is a file, stdout still the terminal. Warnings and a crash's
        last line still go to stderr (the log); the screen is drawn on the terminal."""

        def __init__(self, app: App, **kwargs: Any) -> None:
            super().__init__(app, **kwargs)
            self._file = sys.__stdout__

    return StdoutDriver


def run() -> None:
    """Entry point used by ``xinyi`` with no subcommand (after bootstrap)."""
    if not (_on_terminal(sys.__stdin__) and (_on_terminal(sys.__stderr__) or _on_terminal(sys.__stdout__))):
        # Textual reads stdin and draws on stderr (or stdout). Without a terminal (``ssh host cmd``, a
        # pipe) it would draw into a pipe and spin on end-of-input long after the client has gone.
        print(t("tui.no_terminal"), file=sys.stderr)
        raise SystemExit(2)
    app = XinyiApp(watch_terminal=True, driver_class=None if _on_terminal(sys.__stderr__) else _stdout_driver())
    app.run()
    if app.return_code:
        raise SystemExit(app.return_code)
