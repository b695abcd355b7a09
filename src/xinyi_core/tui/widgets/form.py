"""The one form widget every edit screen uses.

One line per field: the Chinese label, a compact input (or a choice list), and
the field's error in Chinese right beside it. A field is checked when the
operator leaves it, and re-checked on every change while it shows an error, so
the message goes away as soon as the value is right. ``Ctrl+S`` checks every
field and, if all pass, posts :class:`Form.Submitted`; the screen saves and
hands any error the service raises back through :meth:`Form.show_errors`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Mapping, Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, Select, Static

from ...i18n import t

Checker = Callable[[dict[str, Any]], Mapping[str, str]]


@dataclass(frozen=True)
class FormField:
    """One field. ``choices`` as ``(label, value)`` pairs makes it a choice list."""

    name: str
    label: str
    value: Any = ""
    choices: Sequence[tuple[str, Any]] | None = None
    placeholder: str = ""
    password: bool = False
    required: bool = False


class Form(VerticalScroll, can_focus=False):
    """Labelled fields with per-field Chinese errors."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+s", "submit", t("tui.key.save"))]

    class Submitted(Message):
        def __init__(self, form: "Form", values: dict[str, Any]) -> None:
            super().__init__()
            self.form, self.values = form, values

    def __init__(self, fields: Sequence[FormField], *, check: Checker | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.fields = {f.name: f for f in fields}
        self._check = check
        self._shown: set[str] = set()

    def compose(self) -> ComposeResult:
        for f in self.fields.values():
            with Horizontal(classes="form-row"):
                yield Label(f.label, classes="form-label")
                if f.choices is not None:
                    yield Select([(str(lbl), val) for lbl, val in f.choices], id=f"f-{f.name}", compact=True,
                                 prompt=t("tui.form.choose"),
                                 value=f.value if f.value not in (None, "") else Select.NULL)
                else:
                    yield Input("" if f.value is None else str(f.value), id=f"f-{f.name}", compact=True,
                                placeholder=f.placeholder, password=f.password)
                yield Static("", id=f"e-{f.name}", classes="form-error")
        yield Static("", id="form-message", classes="form-message")

    # ------------------------------------------------------------------ values

    def widget(self, name: str) -> Input | Select:
        return self.query_one(f"#f-{name}")  # type: ignore[return-value]

    def value(self, name: str) -> Any:
        w = self.widget(name)
        if isinstance(w, Select):
            return "" if w.value is Select.NULL else w.value
        return w.value.strip()

    def values(self) -> dict[str, Any]:
        return {name: self.value(name) for name in self.fields}

    # ------------------------------------------------------------------ errors

    def show_errors(self, errors: Mapping[str, str], message: str = "") -> None:
        """Show ``errors`` beside their fields (clearing the others); others go to the message line."""
        stray = [msg for name, msg in errors.items() if name not in self.fields]
        for name in self.fields:
            self._set_error(name, errors.get(name, ""))
        in_fields = len(errors) - len(stray)
        lines = [message] if message else []
        if in_fields:
            lines.append(t("tui.form.invalid", count=in_fields))
        lines.extend(stray)
        self.show_message("；".join(lines))
        if in_fields:
            first = next(n for n in self.fields if n in errors)
            self.widget(first).focus()

    def show_message(self, text: str) -> None:
        self.query_one("#form-message", Static).update(text)

    def error(self, name: str) -> str:
        return str(self.query_one(f"#e-{name}", Static).render())

    def _set_error(self, name: str, message: str) -> None:
        self.query_one(f"#e-{name}", Static).update(message)
        row = self.widget(name).parent
        if row is not None:
            row.set_class(bool(message), "-invalid")
        (self._shown.add if message else self._shown.discard)(name)

    def _errors_for(self, values: dict[str, Any]) -> dict[str, str]:
        errors = {n: t("tui.form.required") for n, f in self.fields.items()
                  if f.required and values.get(n) in ("", None)}
        if self._check is not None:
            for name, msg in self._check(values).items():
                errors.setdefault(name, msg)
        return errors

    def check_field(self, name: str) -> str:
        """Check one field on its own; show and return its error ('' when fine)."""
        message = self._errors_for({name: self.value(name)}).get(name, "")
        self._set_error(name, message)
        return message

    # ------------------------------------------------------------------ events

    @on(Input.Blurred)
    def _left(self, event: Input.Blurred) -> None:
        if event.input.id and event.input.id.startswith("f-"):
            self.check_field(event.input.id[2:])

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self, event: Input.Changed | Select.Changed) -> None:
        wid = event.control.id or ""
        if wid.startswith("f-") and (wid[2:] in self._shown or isinstance(event, Select.Changed)):
            self.check_field(wid[2:])

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        event.stop()
        self.screen.focus_next()

    def action_submit(self) -> None:
        values = self.values()
        errors = self._errors_for(values)
        if errors:
            self.show_errors(errors)
            return
        self.show_errors({})
        self.post_message(self.Submitted(self, values))
