"""The one form screen every work-log act uses, and writing a log book page from a screen."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, ClassVar, Iterable

from textual import on
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static

from xinyi_core import XinyiError, runtime, t
from xinyi_core.tui.screens import XinyiScreen, form_failed
from xinyi_core.tui.widgets import Form, FormField


YES_NO = [(t("worklog.yes"), "yes"), (t("worklog.no"), "no")]


def export_book(screen: XinyiScreen, person_id: int, period: str) -> None:
    """Write the log book page under the report folder and say where."""
    from . import book  # late: python-docx is not needed until a page is printed

    path = Path(runtime().config.report_dir) / "worklog" / period / f"{person_id}.docx"
    try:
        book.write_book(screen.operator, person_id, period, path)
    except XinyiError as exc:
        screen.report(exc)
        return
    screen.notify(t("worklog.tui.exported", path=str(path)))


class FormScreen(XinyiScreen):
    """One form screen for every work-log act: optional detail text, fields, a service call."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", t("tui.key.cancel"))]

    def __init__(self, title: str, fields: list[FormField], submit: Callable[[dict[str, Any]], Any], *,
                 hint: str = "", detail: str = "") -> None:
        super().__init__()
        self._title, self._fields, self._submit, self._hint, self._detail = title, fields, submit, hint, detail

    def screen_title(self) -> str:
        return self._title

    def compose_body(self) -> Iterable[Widget]:
        if self._detail:
            yield Static(self._detail, classes="hint", id="form-detail")
        yield Form(self._fields, id="worklog-form")
        if self._hint:
            yield Static(self._hint, classes="hint")

    def on_mount(self) -> None:
        self.query_one(Form).widget(self._fields[0].name).focus()

    @on(Form.Submitted)
    def _save(self, event: Form.Submitted) -> None:
        try:
            result = self._submit(event.values)
        except XinyiError as exc:
            form_failed(event.form, exc)
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)
