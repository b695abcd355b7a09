"""The one form widget every edit screen uses.

One line per field: the Chinese label, a compact input (or a choice list), and
the field's error in Chinese right beside it. A field is checked when the
operator leaves it (or picks a choice), and the form re-checked on every change
while an error shows, so the message goes away as soon as the value is right.
``Ctrl+S`` checks every field and, if all pass, posts :class:`Form.Submitted`;
the screen saves and hands any error the service raises back through
:meth:`Form.show_errors`.

Live validation: ``check(values)`` sees every field's current value (rules that
join fields — category 其他 needs a reason — work while typing) and returns
field → Chinese error; only fields the operator has already visited show theirs
before saving. ``note(values)`` is a line under the form kept up to date with
the values (a leave's day count), shown while they pass the check.

Date fields (``kind="date"``) take every way of writing a date the core's one
parser knows (``2026-01-05``, ``2026-1-5``, ``20260105``, ``1-5`` for this year),
show the weekday right after the value (``2026-01-05（周一）``), give the service
the date as ``2026-01-05`` and, for what is no date, an error whose example is
the field's hint — this year's ``2026-01-31`` unless the screen gives another.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Mapping, Sequence

from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Input, Label, Select, Static

from ... import validators
from ...errors import FormErrors, ValidationError, XinyiError
from ...fmt import weekday_zh
from ...i18n import t

Checker = Callable[[dict[str, Any]], Mapping[str, str]]
Noter = Callable[[dict[str, Any]], str]


class Choice(Select):
    """A form's choice list whose Enter takes effect before the next key is handed on.

    Textual's ``Select`` chooses through messages handled after the keys already queued: Enter on
    an option then Tab at once (one read from a slow link, or a loaded server) moved on before the
    choice was made, and the choice was lost. The form's Enter calls :meth:`choose_highlighted`.

    Opening had the same race: ``Select`` focuses its open list through a callback queued after the
    keys already read, so Down Down Enter typed with the Enter that opened it went to the closed
    field (where Down only opens it again) and that Enter chose the blank prompt. The form takes
    Enter, ↓ and ↑ on a list at once too, and :meth:`action_show_overlay` hands focus to the open
    list at once.
    """

    def __init__(self, options: Sequence[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(options, **kwargs)
        self._values = [Select.NULL, *(value for _, value in options)]  # as the open list shows them

    def on_mount(self) -> None:
        self.query_one("SelectOverlay").can_focus = False  # closed: see watch_expanded

    def watch_expanded(self, expanded: bool) -> None:
        """Only the open list can take focus: ``Select`` gives it focus through a callback queued when it
        opens, which, after keys typed ahead had chosen and closed it, focused the hidden list — the
        next Tab then only left it, and the keys after that went nowhere."""
        self.query_one("SelectOverlay").can_focus = expanded

    def action_show_overlay(self) -> None:
        super().action_show_overlay()
        self.screen.set_focus(self.query_one("SelectOverlay"), scroll_visible=False)

    def choose_highlighted(self) -> None:
        """Take the option highlighted in the open list, close it and stay on this field, now."""
        index = self.query_one("SelectOverlay").highlighted  # the open list, by its type name
        if index is not None and 0 <= index < len(self._values):
            self.value = self._values[index]
        self.expanded = False
        self.screen.set_focus(self, scroll_visible=False)


def form_check(clean: Callable[[dict[str, Any]], Any]) -> Checker:
    """A checker from a service's own validation: ``clean(values)`` raising :class:`FormErrors`
    or :class:`ValidationError` (e.g. ``form_check(lambda v: leave.clean(person, v))``), so the
    form shows beside each field exactly what saving would refuse."""

    def check(values: dict[str, Any]) -> Mapping[str, str]:
        try:
            clean(values)
        except FormErrors as exc:
            return exc.errors
        except ValidationError as exc:
            return {exc.field: exc.message}
        return {}

    return check


@dataclass(frozen=True)
class FormField:
    """One field. ``choices`` as ``(label, value)`` pairs makes it a choice list; ``kind="date"`` a date
    (the hint defaults to this year's example, ``2026-01-31``); ``kind="day"`` a date that may also be
    written as a day of this month alone (``7``: a work-log day)."""

    name: str
    label: str
    value: Any = ""
    choices: Sequence[tuple[str, Any]] | None = None
    placeholder: str = ""
    password: bool = False
    required: bool = False
    kind: str = ""  # "date", "day"

    @property
    def is_date(self) -> bool:
        return self.kind in ("date", "day")

    def parse(self, text: Any) -> Any:
        """The date a date field's text means (None when it is none)."""
        return validators.parse_date(text, bare_day=self.kind == "day")

    def hint(self) -> str:
        """The placeholder shown in the empty field."""
        return self.placeholder or (validators.date_example() if self.is_date else "")


class Form(VerticalScroll, can_focus=False):
    """Labelled fields with per-field Chinese errors.

    Field widgets have the ids ``f-<name>``, their errors ``e-<name>``; the
    form's message line is ``#form-message`` and the live note ``#form-note``.
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("ctrl+s", "submit", t("tui.key.save")),
                                              # taken before the key reaches a field: see action_enter_next
                                              Binding("enter", "enter_next", show=False, priority=True),
                                              Binding("tab", "move(1)", show=False, priority=True),
                                              Binding("shift+tab", "move(-1)", show=False, priority=True),
                                              Binding("down", "list_cursor(1)", show=False, priority=True),
                                              Binding("up", "list_cursor(-1)", show=False, priority=True)]

    class Submitted(Message):
        def __init__(self, form: "Form", values: dict[str, Any]) -> None:
            super().__init__()
            self.form, self.values = form, values

    def __init__(self, fields: Sequence[FormField], *, check: Checker | None = None, note: Noter | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.fields = {f.name: f for f in fields}
        self._check, self._note = check, note
        self._shown: set[str] = set()
        self._visited: set[str] = set()
        self._kept: dict[str, tuple[Any, str]] = {}  # the service's errors: field → (value then, message)
        self._ready = False

    def compose(self) -> ComposeResult:
        for f in self.fields.values():
            with Horizontal(classes="form-row"):
                yield Label(f.label, classes="form-label")
                if f.choices is not None:
                    yield Choice([(str(lbl), val) for lbl, val in f.choices], id=f"f-{f.name}", compact=True,
                                 prompt=t("tui.form.choose"),
                                 value=f.value if f.value not in (None, "") else Select.NULL)
                elif f.is_date:
                    day = f.parse(f.value)
                    yield Input(day.isoformat() if day else str(f.value or ""), id=f"f-{f.name}", compact=True,
                                placeholder=f.hint(), classes="-date")
                    yield Static(self._weekday(day), id=f"d-{f.name}", classes="form-weekday")
                else:
                    yield Input("" if f.value is None else str(f.value), id=f"f-{f.name}", compact=True,
                                placeholder=f.hint(), password=f.password)
                yield Static("", id=f"e-{f.name}", classes="form-error")
        yield Static("", id="form-message", classes="form-message")
        if self._note is not None:
            yield Static("", id="form-note", classes="form-note")

    def on_mount(self) -> None:
        self._ready = True  # fields post Changed while they mount: nothing to check before this
        self._initial = self.values()
        if self._note is not None:
            self._refresh_note(None)

    # ------------------------------------------------------------------ values

    def widget(self, name: str) -> Input | Select:
        return self.query_one(f"#f-{name}")  # type: ignore[return-value]

    def value(self, name: str) -> Any:
        """The field's value: a choice's value, the text stripped, a date field's date as ``2026-01-05``
        (what was typed, when it is no date)."""
        w = self.widget(name)
        if isinstance(w, Select):
            return "" if w.value is Select.NULL else w.value
        text = w.value.strip()
        if self.fields[name].is_date:
            day = self.fields[name].parse(text)
            return day.isoformat() if day else text
        return text

    def values(self) -> dict[str, Any]:
        return {name: self.value(name) for name in self.fields}

    @property
    def dirty(self) -> bool:
        """Whether any field holds something other than what the form opened with (or last saved)."""
        initial = getattr(self, "_initial", None)
        return initial is not None and self.values() != initial

    def mark_saved(self) -> None:
        """What the fields hold now is nothing to lose: a form that stays open after saving, with
        values kept for the next entry, is not "unsaved input" when she quits."""
        self._initial = self.values()

    # ------------------------------------------------------------------ errors

    def show_errors(self, errors: Mapping[str, str], message: str = "") -> None:
        """Show ``errors`` beside their fields (clearing the others); others go to the message line.

        These are the service's errors (saving refused): each stays beside its field
        until that field's value changes, whatever the live check says meanwhile.
        """
        self._show(errors, message)
        self._kept = {name: (self.value(name), msg) for name, msg in errors.items() if name in self.fields}

    def _show(self, errors: Mapping[str, str], message: str = "") -> None:
        self._kept = {}
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

    def note(self) -> str:
        """The live note as shown ('' when there is none)."""
        return str(self.query_one("#form-note", Static).render()) if self._note is not None else ""

    def _set_error(self, name: str, message: str) -> None:
        self.query_one(f"#e-{name}", Static).update(message)
        row = self.widget(name).parent
        if row is not None:
            row.set_class(bool(message), "-invalid")
        (self._shown.add if message else self._shown.discard)(name)

    def _errors_for(self, values: dict[str, Any]) -> dict[str, str]:
        errors = {n: t("tui.form.required") for n, f in self.fields.items()
                  if f.required and values.get(n) in ("", None)}
        for n, f in self.fields.items():
            if f.is_date and n not in errors and values.get(n) and f.parse(values[n]) is None:
                errors[n] = self._date_error(f)
        if self._check is not None:
            for name, msg in self._check(values).items():
                errors.setdefault(name, msg)
        return errors

    def check_field(self, name: str, *, visit: bool = True) -> str:
        """Re-check the form (marking ``name`` visited); show and return ``name``'s error ('' when fine).

        Every visited field's error is brought up to date, so fixing one field clears
        the error another showed because of it (a reason no longer needed).
        """
        if visit:
            self._visited.add(name)
        values = self.values()
        errors = self._errors_for(values)
        self._kept = {n: kept for n, kept in self._kept.items() if kept[0] == values[n]}
        for field in self._visited | self._shown:
            self._set_error(field, errors.get(field) or self._kept.get(field, ("", ""))[1])
        self._refresh_note(errors)
        return errors.get(name, "")

    def _refresh_note(self, errors: Mapping[str, str] | None) -> None:
        if self._note is None:
            return
        values = self.values()
        if errors is None:
            errors = self._errors_for(values)
        self.query_one("#form-note", Static).update("" if errors else self._note(values))

    @staticmethod
    def _date_error(f: FormField) -> str:
        """The bad-date message, its example the field's own hint (a hint that is no date: this year's)."""
        example = f.hint() if validators.parse_date(f.hint()) else validators.date_example()
        return t("validation.date", example=example)

    @staticmethod
    def _weekday(day: Any) -> str:
        return t("tui.form.weekday", weekday=weekday_zh(day)) if day else ""

    def weekday(self, name: str) -> str:
        """The weekday shown after a date field (``（周一）``; '' while it holds no date)."""
        return str(self.query_one(f"#d-{name}", Static).render())

    def _show_weekday(self, name: str) -> None:
        self.query_one(f"#d-{name}", Static).update(self._weekday(self.fields[name].parse(self.value(name))))

    # ------------------------------------------------------------------ events

    @on(Input.Blurred)
    def _left(self, event: Input.Blurred) -> None:
        if event.input.id and event.input.id.startswith("f-"):
            name = event.input.id[2:]
            if self.fields[name].is_date and self.value(name) != event.input.value:
                event.input.value = self.value(name)  # 1-5 becomes 2026-01-05: she sees the year it took
            self.check_field(name)

    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self, event: Input.Changed | Select.Changed) -> None:
        """A choice counts as visiting its field; typing re-checks (without nagging about the half-typed
        value) only while an error shows or a note follows the values."""
        wid = event.control.id or ""
        if not (self._ready and wid.startswith("f-")):
            return
        name = wid[2:]
        if self.fields[name].is_date:
            self._show_weekday(name)
        if isinstance(event, Select.Changed):
            self.check_field(name)
        elif self._shown or self._note is not None:
            self.check_field(name, visit=name in self._shown)

    def action_move(self, step: int) -> None:
        """Tab / Shift+Tab between fields, at once (see :meth:`action_enter_next`)."""
        focused = self.screen.focused
        if focused is None or self not in focused.ancestors:
            raise SkipAction()
        self.screen.focus_next() if step > 0 else self.screen.focus_previous()

    def action_list_cursor(self, step: int) -> None:
        """↓/↑ on a choice list, at once, like Enter (see :meth:`action_enter_next`): a closed list opens,
        an open one moves its highlight — so Enter typed right after them chooses what they reached."""
        focused = self.screen.focused
        if focused is None or self not in focused.ancestors:
            raise SkipAction()
        if isinstance(focused, Choice) and not focused.expanded:
            focused.action_show_overlay()
        elif isinstance(focused.parent, Choice) and focused.parent.expanded:
            focused.action_cursor_down() if step > 0 else focused.action_cursor_up()
        else:
            raise SkipAction()

    def action_enter_next(self) -> None:
        """Enter in a text field goes to the next field, and Enter in an open choice list chooses, at
        once — before the keys typed after it are handed to a widget (Textual routes each key to the
        field focused when it is read, so the next field's text would otherwise land in this one on
        a slow link or a loaded server)."""
        focused = self.screen.focused
        if focused is None or self not in focused.ancestors:
            raise SkipAction()
        if isinstance(focused, Input):
            self.screen.focus_next()
        elif isinstance(focused.parent, Choice) and focused.parent.expanded:
            focused.parent.choose_highlighted()
        elif isinstance(focused, Choice) and not focused.expanded:
            focused.action_show_overlay()  # the list takes the keys typed after this Enter
        else:
            raise SkipAction()

    def action_submit(self) -> None:
        values = self.values()
        errors = self._errors_for(values)
        if errors:
            self._visited.update(self.fields)
            self._show(errors)
            return
        self._show({})
        self.post_message(self.Submitted(self, values))


def form_failed(form: Form, exc: XinyiError) -> None:
    """Hand a service error back to the form: beside its field, or on the message line."""
    if isinstance(exc, FormErrors):
        form.show_errors(exc.errors)
    elif isinstance(exc, ValidationError) and exc.field in form.fields:
        form.show_errors({exc.field: exc.message})
    else:  # refused, conflict: say so and keep what was typed
        form.show_message(str(exc))
