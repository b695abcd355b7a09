"""The top line of every screen: where the operator is, and who she is."""
from __future__ import annotations

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


def operator_label(app) -> str:
    op = getattr(app, "operator", None)
    if op is None:
        return t("tui.title") + " "
    return t("tui.bar.operator", name=op.display_name, role=t(f"role.{op.role}"), scope=op.scope.name) + " "
