"""The terminal app operators live in: login, then one mode per navigation entry.

Start-up stays lean: only Textual and the core are imported here; screens are
imported on their first visit, and heavy libraries (pypinyin for initials)
only when something needs them.
"""
from __future__ import annotations

import getpass
from functools import partial
from pathlib import Path
from typing import Any, ClassVar, Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from .. import auth
from ..errors import XinyiError
from ..i18n import t
from ..models import Operator
from . import nav

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

    def __init__(self, operator: Operator | None = None, *, ansi_color: bool | None = None) -> None:
        super().__init__(ansi_color=ansi_color)
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

    def on_mount(self) -> None:
        from ..lifecycle import runtime
        from .screens.login import LoginScreen

        if self.sixteen_colours:
            self.ansi_color = True
            self.theme = "ansi-dark"
        if self._given is not None:
            self.start_session(self._given)
            return
        message = ""
        if runtime().config.auth_mode == "os_user":
            try:
                self.start_session(auth.trusted_login(getpass.getuser()))
                return
            except XinyiError as exc:
                message = str(exc)
        self.push_screen(LoginScreen(message), callback=self.start_session)

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
            yield SystemCommand(entry.title, t("tui.nav.palette_help", title=entry.title, key=nav.key_label(entry.key)),
                                partial(self.action_open, entry.id))
        seen = set()
        for node, binding, enabled, _tip in screen.active_bindings.values():
            if not (enabled and binding.description) or binding.action in seen or binding.action.startswith("open("):
                continue
            seen.add(binding.action)
            yield SystemCommand(binding.description, t("tui.nav.action_help", key=self.get_key_display(binding)),
                                partial(self.run_action, binding.action, node))


def run() -> None:
    """Entry point used by ``xinyi`` with no subcommand (after bootstrap)."""
    XinyiApp().run()
