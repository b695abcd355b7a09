"""Password login. Repeated failures lock the account (auth.authenticate counts them)."""
from __future__ import annotations

from typing import ClassVar

from textual.actions import SkipAction
from textual.binding import Binding, BindingType
from textual.app import ComposeResult
from textual.containers import Center, Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from ... import auth
from ...errors import XinyiError
from ...i18n import t
from ...models import Operator
from ..widgets.key_bar import KeyBar


class LoginScreen(Screen[Operator]):
    """Username, password, Enter. Dismisses with the operator on success."""

    FOOTER_GLOBAL: ClassVar[tuple[str, ...]] = ("ctrl+q",)
    # Enter is taken before the key reaches the field (see Form's enter): a password typed right
    # after the user name's Enter goes to the password field, not the user name.
    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "enter", show=False, priority=True)]

    def __init__(self, message: str = "") -> None:
        super().__init__()
        self._message = message

    def compose(self) -> ComposeResult:
        with Center():
            with Vertical(id="login-box"):
                yield Static(t("tui.title"), id="login-title")
                yield Label(t("tui.login.username"))
                yield Input(id="username", compact=True)
                yield Label(t("tui.login.password"))
                yield Input(id="password", password=True, compact=True)
                yield Static(self._message, id="login-message")
                yield Static(t("tui.login.hint"), id="login-hint")
        yield KeyBar()

    def action_enter(self) -> None:
        focused = self.focused
        if focused is not None and focused.id == "username":
            self.set_focus(self.query_one("#password", Input))  # now, not after the queued keys
        elif focused is not None and focused.id == "password":
            focused.call_later(self._login)  # after the password's keys still queued for the field
        else:
            raise SkipAction()

    def _login(self) -> None:
        username = self.query_one("#username", Input).value.strip()
        password_input = self.query_one("#password", Input)
        message = self.query_one("#login-message", Static)
        if not username or not password_input.value:
            message.update(t("tui.login.required"))
            return
        try:
            operator = auth.authenticate(username, password_input.value)
        except XinyiError as exc:
            password_input.value = ""
            message.update(str(exc))
            return
        self.dismiss(operator)
