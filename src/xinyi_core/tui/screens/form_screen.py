"""A form on a screen of its own, and the one-line prompt built on it.

Every edit screen — the core's and the plugins' — is a :class:`FormScreen`:
list the fields, save through a service; the service's Chinese errors land
beside their fields (or on the form's message line when no field is at fault),
``Ctrl+S`` saves, ``Esc`` cancels. :class:`PromptScreen` asks for one line (an
opinion, a reason, a receiver's name).
"""
from __future__ import annotations

from typing import Any, Callable, ClassVar, Iterable

from textual import on
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static

from ...errors import FormErrors, ValidationError, XinyiError
from ...i18n import t
from ..widgets.form import Form, FormField
from .base import XinyiScreen


def form_failed(form: Form, exc: XinyiError) -> None:
    """Hand a service error back to the form: beside its field, or on the message line."""
    if isinstance(exc, FormErrors):
        form.show_errors(exc.errors)
    elif isinstance(exc, ValidationError) and exc.field in form.fields:
        form.show_errors({exc.field: exc.message})
    else:  # refused, conflict: say so and keep what was typed
        form.show_message(str(exc))


class FormScreen(XinyiScreen):
    """An edit screen that dismisses with what saving returned (``True`` when that is ``None``).

    Two ways to use it: subclass and give :meth:`fields` and :meth:`save`, or
    build it directly — ``FormScreen(title, fields, submit, hint=…, detail=…)``
    — when the fields and the service call are all there is to it.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", t("tui.key.cancel"))]

    def __init__(self, title: str | None = None, fields: list[FormField] | None = None,
                 submit: Callable[[dict[str, Any]], Any] | None = None, *, hint: str = "",
                 detail: str = "") -> None:
        super().__init__()
        self._form_title, self._form_fields, self._submit = title, fields, submit
        self._hint, self._detail = hint, detail

    def screen_title(self) -> str:
        return self._form_title or super().screen_title()

    def fields(self) -> list[FormField]:
        if self._form_fields is None:
            raise NotImplementedError
        return self._form_fields

    def save(self, values: dict[str, Any]) -> Any:
        if self._submit is None:
            raise NotImplementedError
        return self._submit(values)

    def compose_body(self) -> Iterable[Widget]:
        if self._detail:
            yield Static(self._detail, classes="hint", id="form-detail")
        yield Form(self.fields(), id="screen-form")
        if self._hint:
            yield Static(self._hint, classes="hint")

    def on_mount(self) -> None:
        form = self.query_one(Form)
        form.widget(next(iter(form.fields))).focus()

    @on(Form.Submitted)
    def _submitted(self, event: Form.Submitted) -> None:
        event.stop()
        try:
            result = self.save(dict(event.values))
        except XinyiError as exc:
            form_failed(event.form, exc)
            return
        self.dismiss(result if result is not None else True)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PromptScreen(FormScreen):
    """One line to fill. With ``save`` the text is saved through it (errors shown beside the
    field); without, the screen dismisses with the text itself."""

    def __init__(self, title: str, label: str, save: Callable[[str], Any] | None = None, *,
                 required: bool = True, done: str = "") -> None:
        super().__init__(title)
        self._label, self._save_fn, self._required, self._done = label, save, required, done

    def fields(self) -> list[FormField]:
        return [FormField("text", self._label, "", required=self._required)]

    def save(self, values: dict[str, Any]) -> Any:
        text = values["text"]
        if self._save_fn is None:
            return text
        try:
            self._save_fn(text)
        except ValidationError as exc:  # the one field is the one at fault
            raise FormErrors({"text": exc.message}) from exc
        if self._done:
            self.notify(self._done)
        return True
