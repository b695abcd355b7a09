"""A yes/no question over the current screen: 确认退出？ when typed input would be lost."""
from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ...i18n import t


class ConfirmScreen(ModalScreen[bool]):
    """Enter (or y) confirms, Esc (or n) goes back to where the operator was; dismisses True/False."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > #confirm-box { width: 52; height: auto; border: round $error; padding: 0 2;
                                   background: $surface; }
    ConfirmScreen #confirm-title { text-style: bold; margin-bottom: 1; }
    ConfirmScreen #confirm-keys { color: $text-muted; margin-top: 1; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "answer(True)", t("tui.confirm.yes")), Binding("y", "answer(True)", show=False),
        Binding("escape", "answer(False)", t("tui.key.cancel")), Binding("n", "answer(False)", show=False),
    ]

    def __init__(self, kind: str, title: str, text: str) -> None:
        super().__init__()
        self.kind, self._title, self._text = kind, title, text

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(self._title, id="confirm-title")
            yield Static(self._text, id="confirm-text")
            yield Static(t("tui.confirm.keys"), id="confirm-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
