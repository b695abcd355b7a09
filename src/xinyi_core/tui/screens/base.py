"""The base of every screen: operator bar on top, body, key footer below.

A plugin's screen subclasses :class:`XinyiScreen`, sets ``TITLE_KEY`` and
implements :meth:`compose_body`; ``self.operator`` is the logged-in operator.
Actions that the operator may not take are hidden from the footer through
``PERMISSIONS`` (action name → named permission) — ORG-3's hire and transfer
are simply not offered to a town.
"""
from __future__ import annotations

from typing import Any, ClassVar, Iterable

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widget import Widget

from ...i18n import t
from ...models import Operator
from ..widgets.key_bar import KeyBar
from ..widgets.operator_bar import OperatorBar


class XinyiScreen(Screen):
    TITLE_KEY: ClassVar[str] = "tui.title"
    PERMISSIONS: ClassVar[dict[str, str]] = {}

    @property
    def operator(self) -> Operator:
        return self.app.operator  # type: ignore[attr-defined]

    def screen_title(self) -> str:
        return t(self.TITLE_KEY)

    def compose(self) -> ComposeResult:
        yield OperatorBar(self.screen_title())
        yield from self.compose_body()
        yield KeyBar()

    def compose_body(self) -> Iterable[Widget]:
        return ()

    def may(self, permission: str) -> bool:
        return permission in self.app.permissions  # type: ignore[attr-defined]

    def check_action(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        permission = self.PERMISSIONS.get(action)
        return True if permission is None else self.may(permission)

    def report(self, exc: Exception) -> None:
        """Show a refused or failed action as a Chinese notification."""
        self.notify(t("tui.refused", message=str(exc)), severity="error")
