"""A yes/no question over the current screen.

The core asks 确认退出？ when typed input would be lost; a plugin asks before a step that cannot
be taken back (确认为 郭伟志 签退？ with its warnings). One dialog, so every question in the app
looks and answers the same way::

    self.app.push_screen(ConfirmScreen(t("my.confirm", name=person.name), warnings=warnings),
                         callback=lambda yes: yes and self.attempt(service.do, ...))
"""
from __future__ import annotations

from typing import ClassVar, Iterable

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ...i18n import t


class ConfirmScreen(ModalScreen[bool]):
    """Enter (or y) confirms, Esc (or n) goes back to where the operator was; dismisses True/False.

    ``title`` is the question, in bold; ``text`` explains it; each of ``warnings`` stands on its own
    line in the warning colour (a rest day, late …); ``keys`` replaces the key line. ``kind`` names the
    question for the app (pressing Ctrl+Q on 确认退出？ is a yes); ``danger`` draws the frame in the
    error colour, for a question whose yes loses something.
    """

    CSS = "ConfirmScreen { background: $background 60%; }"  # the screen asked about stays visible behind
    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > #confirm-box { width: 64; max-width: 100%; height: auto; border: round $accent;
                                   padding: 0 2; background: $surface; }
    ConfirmScreen.-danger > #confirm-box { border: round $error; }
    ConfirmScreen #confirm-title { text-style: bold; }
    ConfirmScreen #confirm-text { margin-top: 1; }
    ConfirmScreen .confirm-warning { color: $warning; }
    ConfirmScreen #confirm-keys { color: $text-muted; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "answer(True)", t("tui.confirm.yes"), priority=True),
        Binding("y", "answer(True)", show=False),
        Binding("escape", "answer(False)", t("tui.key.cancel")), Binding("n", "answer(False)", show=False),
    ]

    def __init__(self, title: str, text: str = "", *, warnings: Iterable[str] = (), keys: str = "", kind: str = "",
                 danger: bool = False) -> None:
        super().__init__(classes="-danger" if danger else "")
        self.kind, self._title, self._text = kind, title, text
        self.warnings, self._keys = list(warnings), keys or t("tui.confirm.keys")

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(self._title, id="confirm-title", markup=False)
            if self._text:
                yield Static(self._text, id="confirm-text", markup=False)
            for warning in self.warnings:
                yield Static(warning, classes="confirm-warning", markup=False)
            yield Static(self._keys, id="confirm-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
