"""Open alerts addressed to the operator (ATT-5, ATT-6, ATT-3, TRN-3 …), and closing them with a note.

The 类别 column says what an alert is about in words: the raising plugin's
``<source>.alert.kind.<kind>`` message (``擅自离岗``), else the plugin's title
(``请假``). The rule an alert cites stays in ``Alert.rule`` for the city's and the
administrator's checks; an operator's screen never shows it.

A lock-out alert (an account locked after many wrong passwords) offers ``u`` to lift the lock
to those who may (``operators.unlock``: the town head, the admin); audited by ``auth.unlock``.
"""
from __future__ import annotations

from typing import Any, ClassVar, Iterable

from textual import on
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static

from ... import alerts, auth
from ...errors import XinyiError
from ...i18n import has, t
from ..widgets import Column, ListSource, RecordList
from .base import XinyiScreen
from .form_screen import PromptScreen


def kind_text(alert: Any) -> str:
    """What the alert is about, in words: its kind as the plugin names it, else the plugin's title."""
    for key in (f"{alert.source}.alert.kind.{alert.kind}", f"{alert.source}.title"):
        if has(key):
            return t(key)
    return ""


class AlertsScreen(XinyiScreen):
    TITLE_KEY = "tui.nav.alerts"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "close_alert", t("tui.alerts.key_close")),
        Binding("h", "toggle_closed", t("tui.alerts.key_history")),
        Binding("u", "unlock", t("tui.alerts.key_unlock")),
    ]

    def compose_body(self) -> Iterable[Widget]:
        yield Static("", id="alerts-state", classes="section-title")
        # the alert's rule ID is for the code and the city's checks; its kind in words says what it is about
        yield RecordList([Column(t("tui.alerts.col_at"), 11), Column(t("tui.alerts.col_kind"), 8),
                          Column(t("tui.alerts.col_person"), 8), Column(t("tui.alerts.col_message"), 0)],
                         empty=t("tui.alerts.empty"), id="alerts")
        yield Static("", id="alert-detail")

    def on_mount(self) -> None:
        self._closed = False
        self.load()
        self.query_one("#alerts").focus()

    def on_screen_resume(self) -> None:
        self.load()

    def load(self) -> None:
        rows = alerts.visible(self.operator, state="closed" if self._closed else "open").limit(500)
        self._alerts: dict[Any, Any] = {a.id: a for a in rows}
        self.query_one("#alerts-state", Static).update(
            t("tui.alerts.showing_closed" if self._closed else "tui.alerts.showing_open", count=len(self._alerts)))
        self.query_one("#alerts", RecordList).set_source(ListSource(
            [(a.id, f"{a.raised_at:%m-%d %H:%M}", kind_text(a), a.person.name if a.person_id else "", a.message)
             for a in self._alerts.values()]), keep_cursor=True)
        self._detail(self.query_one("#alerts", RecordList).current_id)

    @on(RecordList.Highlighted, "#alerts")
    def _highlighted(self, event: RecordList.Highlighted) -> None:
        self._detail(event.record_id)
        self.refresh_bindings()

    def _current(self) -> Any:
        return self._alerts.get(self.query_one("#alerts", RecordList).current_id) if self.is_mounted else None

    def _detail(self, alert_id: Any) -> None:
        alert = self._alerts.get(alert_id)
        text = ""
        if alert is not None:
            text = alert.message
            if alert.state == "closed":
                text += "\n" + t("tui.alerts.closed_note", note=alert.close_note)
        self.query_one("#alert-detail", Static).update(text)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "close_alert":
            return not getattr(self, "_closed", False)
        if action == "unlock":
            alert = self._current() if hasattr(self, "_alerts") else None
            return self.may("operators.unlock") and alert is not None and auth.locked_operator(alert) is not None
        return super().check_action(action, parameters)

    def action_unlock(self) -> None:
        alert = self._current()
        target = auth.locked_operator(alert) if alert is not None else None
        if target is None:
            return
        self.attempt(auth.unlock, self.operator, target, reload=False,
                     done=lambda op: t("auth.unlocked", name=op.display_name, username=op.username))
        self.load()
        self.refresh_bindings()

    def action_toggle_closed(self) -> None:
        self._closed = not self._closed
        self.load()
        self.refresh_bindings()

    def action_close_alert(self) -> None:
        alert = self._alerts.get(self.query_one("#alerts", RecordList).current_id)
        if alert is None:
            return

        def close(note: str) -> None:
            alerts.close(self.operator, alert.id, note)

        def done(result: Any) -> None:
            if result:
                self.load()

        try:
            self.app.push_screen(PromptScreen(t("tui.alerts.close_title"), t("tui.alerts.close_note_label"), close,
                                              done=t("tui.alerts.closed")), callback=done)
        except XinyiError as exc:
            self.report(exc)
