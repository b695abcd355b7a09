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
import time
from functools import cache, partial
from pathlib import Path
from typing import Any, Callable, ClassVar, Iterable

from rich.text import Text
from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.driver import Driver
from textual.screen import Screen

from .. import audit, auth
from ..errors import XinyiError
from ..i18n import t
from ..models import Operator
from ..state import runtime
from . import nav

log = logging.getLogger(__name__)
HOME = nav.HOME
LOGIN_MODE = "xinyi.login"  # after 注销: an empty screen with the login screen over it


class XinyiApp(App[None]):
    CSS_PATH = Path(__file__).with_name("xinyi.tcss")
    TITLE = t("tui.title")
    # The same keys on every screen (UX18): F1 help, F2 home, F3–F10 the first screen of business groups
    # 1–8 the operator may open (unbound where she has none: no renumbering between roles).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", t("tui.key.help"), show=False),
        Binding("f2", "home", t("tui.nav.home"), show=False),
        *(Binding(key, f"fkey('{key}')", nav.group_title(group), show=False)
          for key, group in nav.FKEY_GROUPS.items()),
        Binding(nav.DASHBOARD_KEY, f"fkey('{nav.DASHBOARD_KEY}')", t(nav.DASHBOARD), show=False),
        # Esc where a screen has none of its own (or has switched its own off): still one step back.
        Binding("escape", "back", t("tui.key.back"), show=False),
        Binding("ctrl+p", "command_palette", t("tui.key.palette"), show=False, priority=True),
        Binding("ctrl+l", "logout", t("tui.key.logout"), show=False),
        Binding("ctrl+q", "request_quit", t("tui.key.quit"), show=False, priority=True),
        # In a browser the keys typed after a Tab arrive with it; Textual would hand them to the field
        # being left (a key reaches the focused field's queue before Tab, unused there, comes back to
        # the screen). Handled first, Tab moves the focus before the next key is passed on.
        Binding("tab", "browser_focus(1)", show=False, priority=True),
        Binding("shift+tab", "browser_focus(-1)", show=False, priority=True),
    ]

    def __init__(self, operator: Operator | None = None, *, ansi_color: bool | None = None,
                 watch_terminal: bool = False, driver_class: type[Driver] | None = None,
                 browser: bool = False, idle_seconds: float | None = None) -> None:
        super().__init__(driver_class=driver_class, ansi_color=ansi_color)
        self._watch_terminal = watch_terminal
        # A browser tab's session (xinyi serve): always the login screen (a browser carries no OS
        # identity), and logged out after ``idle_seconds`` without a key or click ([serve]).
        self.browser = browser
        self._idle_seconds = idle_seconds
        self._clock: Callable[[], float] = time.monotonic  # the idle watch's clock (a test stands it still)
        self._last_input = self._clock()
        self._leaving = False
        # A 16-colour terminal (or TEXTUAL_COLOR_SYSTEM=standard) gets the ANSI theme: the
        # terminal's own palette instead of true colours squeezed into 16.
        self.sixteen_colours = ansi_color if ansi_color is not None else \
            self.console.color_system in ("standard", "windows")
        self.operator: Operator | None = None
        self.permissions: set[str] = set()
        self.nav: dict[str, nav.NavEntry] = {}
        self.fkeys: dict[str, str] = {}  # "f5" → entry id
        self.plugin_failures: list[str] = []
        self._given = operator
        self._visited: set[str] = set()
        self._origin: dict[str, str] = {}  # entry id → the entry that opened it filtered (Esc returns there)
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
            # SIGHUP ignored), so also watch the terminal itself — by waiting for its hang-up, not
            # by polling: an idle session must use no CPU (issue 21: many sessions on one server).
            threading.Thread(target=self._wait_for_hangup, args=(sys.__stdin__.fileno(),),
                             name="terminal-watch", daemon=True).start()

    def _wait_for_hangup(self, fd: int) -> None:
        """Block until the terminal on ``fd`` hangs up, then leave (in a thread of its own).

        Registered with no events, epoll reports only EPOLLHUP/EPOLLERR — which it always
        reports — so the thread sleeps in the kernel and takes nothing from Textual's reads."""
        import select

        try:
            poller = select.epoll()
            poller.register(fd, 0)
        except (AttributeError, OSError):  # no epoll (not Linux): SIGHUP alone, as for the session leader
            return
        with poller:
            while True:
                try:
                    events = poller.poll()
                except InterruptedError:
                    continue
                except OSError:
                    return
                if any(mask & (select.EPOLLHUP | select.EPOLLERR) for _, mask in events):
                    break
        try:
            self.call_from_thread(self._leave, 128 + signal.SIGHUP)
        except RuntimeError:  # the app has already ended
            pass

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
        if (self._watch_terminal or self.browser) and not hasattr(error, "__rich__"):
            error = _Crashed(error, _crash_log(error, self.operator))
        super()._handle_exception(error)

    def on_mount(self) -> None:
        from ..lifecycle import runtime
        from .screens.login import LoginScreen

        if self.sixteen_colours:
            self.ansi_color = True
            self.theme = "ansi-dark"
        self.run_worker(_adopt_orphan_jobs, thread=True, exit_on_error=False)
        if self.browser:
            if self._idle_seconds is None:
                self._idle_seconds = runtime().config.idle_logout_minutes * 60.0
            self.set_interval(max(0.2, min(30.0, self._idle_seconds / 4)), self._check_idle, name="idle-watch")
        if self._given is not None:
            self.start_session(self._given)
            return
        if runtime().config.auth_mode == "os_user" and not self.browser:
            try:
                self.start_session(auth.trusted_login(os_login_name()))
            except XinyiError as exc:
                # The OS login is the only identity this deployment trusts: no password fallback.
                self.exit(return_code=1, message=Text(str(exc)))
            return
        self.push_screen(LoginScreen(), callback=self.start_session)

    def get_key_display(self, binding: Binding) -> str:
        """Key names as the operator reads them: ``Esc``, ``空格``, ``上页``, ``Ctrl+Q`` (no ``^q``)."""
        return binding.key_display or nav.key_label(binding.key)

    def start_session(self, operator: Operator | None) -> None:
        """Load what the operator may see, then show her first screen (:func:`nav.landing`: 数据看板 for
        the city's business roles, else home)."""
        if operator is None:
            return
        self.operator = operator
        self._last_input = self._clock()  # logging in is her last action, however long it took
        self.permissions = auth.granted(operator.role)
        entries, failures = nav.entries(operator, self.permissions)
        # shown on the home screen, so the operator can report them (not printed before the app starts)
        self.plugin_failures = [t("plugins.failed", name=f.name, error=f.error)
                                for f in runtime().plugins.failures] + failures
        self.nav = {e.id: e for e in entries}
        self.fkeys = {e.key: e.id for e in entries if e.key in nav.FKEY_GROUPS or e.key == nav.DASHBOARD_KEY}
        for entry in entries:
            if entry.factory is not None:
                self.add_mode(entry.id, entry.factory)
        landing = nav.landing(operator, self.nav)
        self._visited = {landing}
        self._origin = {}
        self.switch_mode(landing)
        self.refresh_bindings()

    # ------------------------------------------------------------------ navigation

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "open":
            return self.operator is not None and parameters[0] in self.nav
        if action == "fkey":
            return self.operator is not None and parameters[0] in self.fkeys
        if action == "browser_focus":
            return self.browser
        if action in ("help", "home", "logout"):
            return self.operator is not None
        if action == "back":  # home stays home
            return self.operator is not None and (self.current_mode != HOME or len(self.screen_stack) > 1)
        return True

    def action_open(self, entry_id: str, params: dict[str, Any] | None = None) -> None:
        """Switch to a navigation entry's screen (kept alive between visits).

        Opened with ``params`` (a to-do, 组织架构 → a village's people) from another entry, Esc
        on its screen comes back to that entry; opened plainly (menu, F-key, palette), to home.
        """
        entry = self.nav.get(entry_id)
        if entry is None:
            # Not offered to her (no permission, or her town did not enable the plugin), yet asked for —
            # by a to-do, the palette or a crafted call: refused, and recorded like any refusal.
            if self.operator is not None:
                audit.record(self.operator, "tui.open", object_type="Screen", allowed=False, note=entry_id[:100])
            self.notify(t("tui.nav.missing"), severity="warning")
            return
        if entry.action:  # 注销: an app action, not a screen
            getattr(self, f"action_{entry.action}")()
            return
        self._close_help()
        if params and self.current_mode != entry_id and self.current_mode in self.nav:
            self._origin[entry_id] = self.current_mode
        elif not params:
            self._origin.pop(entry_id, None)
        if self.current_mode != entry_id:
            self._instant = entry_id in self._visited
            self._visited.add(entry_id)
            self.switch_mode(entry_id)
            self._instant = False
        if params:
            self.call_after_refresh(self._apply_params, params)

    def offer_document(self, path: Any, title: str = "") -> None:
        """A document just written for the operator: into her outbox, and offered by its name with
        p 打印 / d 下载 / f PDF over the current screen (``XinyiScreen.offer_document``)."""
        from .. import outbox
        from .screens.document import DocumentDialog

        try:
            outbox.record(self.operator, path)
        except Exception:  # noqa: BLE001 - the document is written: offer it even if her list missed it
            log.exception("could not record %s in the outbox", path)
        self.push_screen(DocumentDialog([path], title))

    def action_browser_focus(self, step: int) -> None:
        self.screen.focus_next() if step > 0 else self.screen.focus_previous()

    def action_fkey(self, key: str) -> None:
        if key in self.fkeys:
            self.action_open(self.fkeys[key])

    def action_home(self) -> None:
        self.action_open(HOME)

    def go_back(self) -> None:
        """Esc on a navigation entry's own screen: back to the entry that opened it filtered, else home."""
        if self.current_mode == HOME or self.current_mode not in self.nav:
            return
        target = self._origin.pop(self.current_mode, HOME)
        self.action_open(target if target in self.nav else HOME)

    def action_back(self) -> None:
        leave = getattr(self.screen, "leave", None)
        if leave is not None:
            leave()
        elif len(self.screen_stack) > 1:
            self.pop_screen()
        else:
            self.go_back()

    def _close_help(self) -> None:
        from .screens.help import HelpScreen

        while isinstance(self.screen, HelpScreen):
            self.pop_screen()

    def action_help(self) -> None:
        """F1: every key of the current screen and the global ones; F1 again (or Esc) closes it."""
        from .screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        self.push_screen(HelpScreen(self.screen))

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

    # ------------------------------------------------------------------ leaving: quit, log out

    def unsaved_input(self) -> bool:
        """Whether a form anywhere in the session (any entry's stack) holds input not saved yet."""
        return any(getattr(screen, "has_unsaved_input", lambda: False)()
                   for stack in self._screen_stacks.values() for screen in stack)

    def _confirm(self, kind: str, then: Callable[[], Any]) -> None:
        """Run ``then`` at once, or — when typed input would be lost — after the operator confirms."""
        from .screens.confirm import ConfirmScreen

        if isinstance(self.screen, ConfirmScreen):
            if self.screen.kind == kind:  # the same key again: that is a yes
                self.screen.dismiss(True)
            return
        if not self.unsaved_input():
            then()
            return
        self.push_screen(ConfirmScreen(t(f"tui.confirm.{kind}_title"), t("tui.confirm.unsaved"), kind=kind, danger=True,
                                       keys=t("tui.confirm.keys_unsaved")),
                         callback=lambda yes: then() if yes else None)

    def action_request_quit(self) -> None:
        """Ctrl+Q: quit; asks 确认退出？ first when a form holds unsaved input."""
        self._confirm("quit", self.exit)

    def notify(self, message: str, *, title: str = "", severity: Any = "information", timeout: float | None = None,
               markup: bool = False) -> None:
        """A notice, always as plain text: catalogue messages name config sections (``[print] printer``)
        and carry people's own words, which Textual's markup would eat or restyle (``markup`` is
        ignored: a screen's ``notify`` passes True by default)."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def action_logout(self) -> None:
        """Ctrl+L 注销/切换用户: back to the login screen (audited), the program stays open."""
        from ..lifecycle import runtime

        if self.operator is None:
            return
        if runtime().config.auth_mode == "os_user" and not self.browser:  # the OS account is the identity
            self.notify(t("tui.logout.os_user"), severity="warning")
            return
        self._confirm("logout", lambda: self.run_worker(self._logout(), exclusive=True, group="logout"))

    # ------------------------------------------------------------------ a browser session left alone

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown, events.Paste)):
            self._last_input = self._clock()
        await super().on_event(event)

    def _check_idle(self) -> None:
        """No key or click for ``idle_seconds``: the operator is logged out (audited); a tab left that
        long on the login screen is ended, freeing its place among ``[serve] max_sessions``."""
        if self._idle_seconds is None or self._clock() - self._last_input < self._idle_seconds:
            return
        self._last_input = self._clock()
        if self.operator is None:
            self.exit()
            return
        minutes = max(1, round(self._idle_seconds / 60))
        self.run_worker(self._logout(idle_minutes=minutes), exclusive=True, group="logout")

    async def _logout(self, idle_minutes: int | None = None) -> None:
        from .screens.login import LoginScreen

        operator = self.operator
        if operator is None:
            return
        if idle_minutes is None:
            audit.record(operator, "auth.logout", operator)
            message = t("tui.logout.done", name=operator.display_name)
        else:
            audit.record(operator, "auth.logout", operator, note=f"idle:{idle_minutes}min")
            message = t("tui.logout.idle", name=operator.display_name, minutes=idle_minutes)
        modes = [entry.id for entry in self.nav.values() if entry.factory is not None]
        self.clear_notifications()  # her notices are hers: the next one to log in does not read them
        self.operator, self.permissions, self.nav, self.fkeys, self._origin = None, set(), {}, {}, {}
        self.plugin_failures = []
        if LOGIN_MODE not in self._modes:
            self.add_mode(LOGIN_MODE, Screen)
        await self.switch_mode(LOGIN_MODE)
        while len(self.screen_stack) > 1:  # anything left over a login screen of an earlier session
            await self.pop_screen()
        for mode in modes:
            await self.remove_mode(mode)
        self.refresh_bindings()
        self.push_screen(LoginScreen(message), callback=self.start_session)

    # ------------------------------------------------------------------ command palette

    def action_command_palette(self) -> None:
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(_palette()(id="--command-palette", placeholder=t("tui.nav.palette_placeholder")))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every screen the operator may open and every action of the current screen — in Chinese only:
        Textual's own commands (Copy selected text, Focus Next …) are not offered."""
        if self.operator is None:
            return
        for entry in self.nav.values():
            yield SystemCommand(entry.title, nav.palette_help(entry), partial(self.action_open, entry.id))
        from .widgets.key_bar import screen_bindings

        seen = set()
        own = [(node, binding, enabled) for node, binding, enabled in screen_bindings(screen)]
        for node, binding, enabled in own + [(self, b, True) for b in self._bindings_for_palette(screen)]:
            action = binding.action
            if not (enabled and _chinese(binding.description)) or action in seen \
                    or action.startswith(("open(", "fkey(")) or action in ("home", "command_palette"):
                continue
            seen.add(action)
            help_key = "tui.nav.global_help" if node is self else "tui.nav.action_help"
            yield SystemCommand(binding.description, t(help_key, key=self.get_key_display(binding)),
                                partial(self.run_action, action, node))

    def _bindings_for_palette(self, screen: Screen) -> list[Binding]:
        """The app's own keys this operator can use now (help, log out, quit)."""
        return [binding for bindings in self._bindings.key_to_bindings.values() for binding in bindings
                if self._check_action_state(binding.action, self) and binding.action != "back"]


def _chinese(text: str) -> bool:
    """Whether ``text`` is one of ours (Chinese), not one of Textual's English descriptions."""
    return any("\u4e00" <= ch <= "\u9fff" for ch in text or "")


@cache
def _palette() -> type:
    """Textual's command palette, saying "no match" in Chinese."""
    from rich.align import Align
    from textual.command import CommandList, CommandPalette
    from textual.widgets.option_list import Option

    class XinyiPalette(CommandPalette):
        def _start_no_matches_countdown(self, search_value: str) -> None:
            self._stop_no_matches_countdown()

            def show() -> None:
                if search_value:
                    self.query_one(CommandList).add_option(
                        Option(Align.center(Text(t("tui.nav.palette_none"), style="not bold")), disabled=True,
                               id=self._NO_MATCHES))
                    self._list_visible = True
                else:
                    self._list_visible = False

            self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show)

    return XinyiPalette


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
    """The Linux driver drawing on stdout instead of stderr."""
    from .driver import QuietLinuxDriver

    class StdoutDriver(QuietLinuxDriver):
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
    if not _on_terminal(sys.__stderr__):
        driver: type[Driver] | None = _stdout_driver()
    elif sys.platform != "win32":
        from .driver import QuietLinuxDriver  # an idle session does not wake every 0.1 s (issue 21)

        driver = QuietLinuxDriver
    else:
        driver = None
    app = XinyiApp(watch_terminal=True, driver_class=driver)
    app.run()
    if app.return_code:
        raise SystemExit(app.return_code)


def run_in_browser() -> None:
    """Entry point of ``xinyi web-session``: one browser tab's app under ``xinyi serve`` (Textual's web
    driver, named by textual-serve in ``TEXTUAL_DRIVER``, talks to the server on stdin/stdout).
    Closing the tab makes the server ask the app to quit; the database connection goes with the process."""
    from ..lifecycle import shutdown

    app = XinyiApp(browser=True)
    try:
        app.run()
    finally:
        shutdown()
    if app.return_code:
        raise SystemExit(app.return_code)
