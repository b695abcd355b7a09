"""The top line of every screen: where the operator is, and who she is."""
from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from ...i18n import t


class OperatorBar(Horizontal):
    """System title › screen title on the left; name, role and scope on the right."""

    DEFAULT_CSS = """
    OperatorBar { height: 1; dock: top; background: $primary; color: $text; }
    OperatorBar > #bar-title { width: 1fr; text-style: bold; }
    OperatorBar > #bar-operator { width: auto; }
    """

    def __init__(self, title: str) -> None:
        super().__init__()
        self._title = title

    def compose(self) -> ComposeResult:
        yield Static(f" {self._title}", id="bar-title")
        yield Static(operator_label(self.app), id="bar-operator")

    def note(self, text: str, *, urgent: bool = False) -> None:
        """A few words after the screen's title — the data dashboard's 待办 4 项，其中急 2 项 · F2 首页查看
        — in bold when something is urgent; ``""`` takes them away."""
        title = Text(f" {self._title}")
        if text:
            title.append("  ")
            title.append(text, style="bold" if urgent else "")
        self.query_one("#bar-title", Static).update(title)


def operator_label(app) -> str:
    op = getattr(app, "operator", None)
    if op is None:
        return t("tui.title") + " "
    return t("tui.bar.operator", name=op.display_name, role=t(f"role.{op.role}"), scope=op.scope.name) + " "
