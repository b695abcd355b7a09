"""Password login. Repeated failures lock the account (auth.authenticate counts them)."""
from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
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
    # Tab and the username's Enter move to the next field at once, before any key typed after them is
    # handled: a key reaches the focused field only after that field's queue, so with Textual's own
    # handling a password typed ahead (a browser or a fast typist sends the keys in one go) lands in
    # the username field. Priority bindings run before the key is passed to the field.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "next_field", show=False, priority=True),
        Binding("enter", "enter", show=False, priority=True),
    ]

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

    def action_next_field(self) -> None:
        username, password = self.query_one("#username", Input), self.query_one("#password", Input)
        self.set_focus(password if self.focused is username else username)

    def action_enter(self) -> None:
        username, password = self.query_one("#username", Input), self.query_one("#password", Input)
        if self.focused is username:
            self.set_focus(password)
        else:  # after the keys the password field still has queued: its own queue, in order
            password.call_later(self._login)

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
