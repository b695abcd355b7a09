"""A form on a screen of its own, and the one-line prompt built on it.

Every edit screen — the core's and the plugins' — is a :class:`FormScreen`:
list the fields, save through a service; the service's Chinese errors land
beside their fields (or on the form's message line when no field is at fault),
``Ctrl+S`` saves, ``Esc`` cancels (a form opened over another screen; asked first when typed
input would be lost).
``check=`` validates live over all the current values (see
:class:`~xinyi_core.tui.widgets.form.Form`), ``note=`` keeps a line under the
form up to date (a day count); :meth:`FormScreen.saved` says what happens after
a save (dismiss, unless a screen stays open for the next entry).
:class:`PromptScreen` asks for one line (an opinion, a reason, a receiver's name).
"""
from __future__ import annotations

from typing import Any, Callable, ClassVar, Iterable, Mapping

from textual import on
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static

from ...errors import FormErrors, ValidationError
from ...i18n import t
from ..widgets.form import Checker, Form, FormField, Noter, form_failed  # noqa: F401 - screens.form_failed
from .base import XinyiScreen


class FormScreen(XinyiScreen):
    """An edit screen that dismisses with what saving returned (``True`` when that is ``None``).

    Two ways to use it: subclass and give :meth:`fields` and :meth:`save` (and
    :meth:`check` / :meth:`note` for live validation), or build it directly —
    ``FormScreen(title, fields, submit, hint=…, detail=…, check=…, note=…)`` —
    when the fields and the service calls are all there is to it. ``title``,
    ``hint`` and ``detail`` are Chinese text (already translated); ``submit(values)``
    gets ``{field name: value}`` (text stripped, a choice's value, ``""`` when empty).
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", t("tui.key.cancel"))]

    def __init__(self, title: str | None = None, fields: list[FormField] | None = None,
                 submit: Callable[[dict[str, Any]], Any] | None = None, *, hint: str = "",
                 detail: str = "", check: Checker | None = None, note: Noter | None = None) -> None:
        super().__init__()
        self._form_title, self._form_fields, self._submit = title, fields, submit
        self._hint, self._detail = hint, detail
        self._check_fn, self._note_fn = check, note

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

    def check(self, values: dict[str, Any]) -> Mapping[str, str]:
        """Field → Chinese error for the current values (every field's); ``{}`` when all is well."""
        return self._check_fn(values) if self._check_fn is not None else {}

    def note(self, values: dict[str, Any]) -> str:
        """The live line under the form, for values that pass :meth:`check`."""
        return self._note_fn(values) if self._note_fn is not None else ""

    def _has_note(self) -> bool:
        return self._note_fn is not None or type(self).note is not FormScreen.note

    def compose_body(self) -> Iterable[Widget]:
        if self._detail:
            yield Static(self._detail, classes="hint", id="form-detail")
        yield Form(self.fields(), check=self.check, note=self.note if self._has_note() else None, id="screen-form")
        if self._hint:
            yield Static(self._hint, classes="hint")

    def on_mount(self) -> None:
        form = self.query_one(Form)
        form.widget(next(iter(form.fields))).focus()

    def saved(self, result: Any) -> None:
        """After a successful save: the screen dismisses with ``result``.

        A screen that stays open for the next entry (phone checks, one call after
        another) overrides this: it says what was saved and clears the fields.
        """
        self.dismiss(result)

    @on(Form.Submitted)
    def _submitted(self, event: Form.Submitted) -> None:
        event.stop()
        result = self.attempt(self.save, dict(event.values), form=event.form, reload=False)
        if result is not None:
            self.saved(result)

    def check_action(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        if action == "cancel":  # a form opened from the menu is a screen of its own: nothing to go back to
            stack = self.app.screen_stack
            return bool(stack) and stack[0] is not self
        return super().check_action(action, parameters)

    def action_cancel(self) -> None:
        """Esc: close the form — after asking, when it holds typed input that would be lost
        (回车 放弃 · Esc 回去继续填写), as Ctrl+Q and Ctrl+L do."""
        if not self.has_unsaved_input():
            self.dismiss(None)
            return
        from .confirm import ConfirmScreen

        self.app.push_screen(ConfirmScreen(t("tui.confirm.discard_title"), t("tui.confirm.unsaved"), kind="discard",
                                           danger=True, keys=t("tui.confirm.keys_unsaved")),
                             callback=lambda yes: self.dismiss(None) if yes else None)

    def has_unsaved_input(self) -> bool:
        return any(form.dirty for form in self.query(Form))


class PromptScreen(FormScreen):
    """One line to fill. With ``save`` the text is saved through it (errors shown beside the
    field); without, the screen dismisses with the text itself. ``done`` is the notice after
    saving: text, or a function of what ``save`` returned (``approvals.outcome`` of a chain)."""

    def __init__(self, title: str, label: str, save: Callable[[str], Any] | None = None, *,
                 required: bool = True, done: str | Callable[[Any], str] = "") -> None:
        super().__init__(title)
        self._label, self._save_fn, self._required, self._done = label, save, required, done

    def fields(self) -> list[FormField]:
        return [FormField("text", self._label, "", required=self._required)]

    def save(self, values: dict[str, Any]) -> Any:
        text = values["text"]
        if self._save_fn is None:
            return text
        try:
            result = self._save_fn(text)
        except ValidationError as exc:  # the one field is the one at fault
            raise FormErrors({"text": exc.message}) from exc
        message = self._done(result) if callable(self._done) else self._done  # e.g. approvals.outcome
        if message:
            self.notify(message)
        return True
