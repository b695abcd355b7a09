"""The base of every screen: operator bar on top, body, key footer below.

A plugin's screen subclasses :class:`XinyiScreen`, sets ``TITLE_KEY`` and
implements :meth:`compose_body`; ``self.operator`` is the logged-in operator.
Actions that the operator may not take are hidden from the footer through
``PERMISSIONS`` (action name → named permission) — ORG-3's hire and transfer
are simply not offered to a town. An action calls its service through
:meth:`XinyiScreen.attempt`, which turns a refusal into the service's Chinese
message and reloads what the screen shows after a success.

Esc is one step back on every screen (``action_back``): a screen showing a
filter or a search clears it first (override :meth:`XinyiScreen.has_filter` and
:meth:`XinyiScreen.clear_filter`); then a screen pushed on another is closed
(``dismiss(None)``), and a navigation entry's own screen goes back to where the
operator came from — the home screen, or the screen that opened it filtered
(组织架构 → 协理员). The home screen stays home.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterable, TypeVar

from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widget import Widget

from ...errors import XinyiError
from ...i18n import t
from ...models import Operator
from ..widgets.key_bar import KeyBar
from ..widgets.operator_bar import OperatorBar

if TYPE_CHECKING:
    from ..widgets.form import Form

T = TypeVar("T")


class XinyiScreen(Screen):
    TITLE_KEY: ClassVar[str] = "tui.title"
    PERMISSIONS: ClassVar[dict[str, str]] = {}
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", t("tui.key.back"))]
    FOOTER_GLOBAL: ClassVar[tuple[str, ...]] = ()  # app keys this screen's footer shows too ("ctrl+q")

    @property
    def operator(self) -> Operator:
        return self.app.operator  # type: ignore[attr-defined]

    @property
    def active_bindings(self) -> dict[str, Any]:
        """No keys on a screen left behind at Ctrl+L: its key bar still asks while the login screen
        comes up, and a screen's own checks may read the operator, who is gone by then."""
        if getattr(self.app, "operator", None) is None:
            return {}
        return super().active_bindings

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

    # ------------------------------------------------------------------ Esc: one step back

    def has_filter(self) -> bool:
        """Whether a filter or search narrows what the screen shows (Esc clears it before leaving)."""
        return False

    def clear_filter(self) -> None:
        """Show everything again (called by Esc when :meth:`has_filter`)."""

    def escape_label(self) -> str:
        """What Esc does here, for the footer: ``清除筛选`` while a filter shows, else ``返回``."""
        return t("tui.key.clear_filter") if self.has_filter() else t("tui.key.back")

    def action_back(self) -> None:
        if self.has_filter():
            self.clear_filter()
            self.refresh_bindings()  # the footer's Esc now says 返回
            return
        self.leave()

    def leave(self) -> None:
        """Close this screen when it was pushed on another; else back where the operator came from."""
        self.dismiss(None)

    def dismiss(self, result: Any = None) -> AwaitComplete:
        """Close the screen with ``result``; a navigation entry's own screen, which has nothing under it
        to close to (a screen used both ways, like a person's record), goes back instead."""
        stack = self.app.screen_stack
        if stack and stack[0] is self and not self._result_callbacks:
            self.app.go_back()  # type: ignore[attr-defined]
            return AwaitComplete.nothing()
        return super().dismiss(result)

    def has_unsaved_input(self) -> bool:
        """Whether leaving now would lose what the operator typed (Ctrl+Q and Ctrl+L ask first)."""
        return False

    def report(self, exc: Exception) -> None:
        """Show a refused or failed action as a Chinese notification."""
        self.notify(t("tui.refused", message=str(exc)), severity="error")

    def reload(self) -> None:
        """Read again what the screen shows; called by :meth:`attempt` after a success.

        Screens that show records override it; the base screen shows none.
        """

    def offer_document(self, path: Any, title: str = "") -> str:
        """A document this screen just wrote: into the operator's outbox, and offered to her by name
        with ``p 打印`` / ``d 下载`` / ``f PDF`` (:class:`~xinyi_core.tui.screens.document.DocumentDialog`).

        Returns ``""``, so that it can be an :meth:`attempt`'s ``done``:
        ``self.attempt(documents.print_slip, self.operator, leave_id, done=self.offer_document)``.
        """
        self.app.offer_document(path, title)  # type: ignore[attr-defined]
        return ""

    def attempt(self, fn: Callable[..., T], *args: Any, done: str | Callable[[Any], str] = "",
                reload: bool = True, form: "Form | None" = None, **kwargs: Any) -> T | bool | None:
        """Call a service on the operator's behalf and show how it went.

        ``fn(*args, **kwargs)`` is called; a :class:`XinyiError` it raises (refused,
        invalid, conflict) is shown in Chinese — beside its field when ``form`` is
        given (or on the form's message line), otherwise as a notice — and ``None``
        is returned. On success ``done`` (text, or a function of the result giving
        text) is notified, :meth:`reload` runs when ``reload`` is true, and the
        result is returned (``True`` when the service returns nothing).
        """
        try:
            result = fn(*args, **kwargs)
        except XinyiError as exc:
            if form is None:
                self.report(exc)
            else:
                from ..widgets.form import form_failed  # the form's widgets load on first use

                form_failed(form, exc)
            return None
        message = done(result) if callable(done) else done
        if message:
            self.notify(message)
        if reload:
            self.reload()
        return True if result is None else result
