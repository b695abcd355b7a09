"""The leave forms (one screen class for every act): apply, oral report, complete the slip,
extension, return, decision — the core's :class:`Form`, checked field by field with
:func:`service.clean`, so the operator sees beside the field the Chinese message the
service would refuse with.
"""
from __future__ import annotations

from typing import Any, Callable, ClassVar, Iterable

from textual import on
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static

from xinyi_core import FormErrors, Person, XinyiError, auth, clock, t
from xinyi_core.tui.screens import XinyiScreen, form_failed
from xinyi_core.tui.widgets import Form, FormField

from . import rules, service



def person_choices(op: Any) -> list[tuple[str, int]]:
    """People on duty in the operator's scope, to file leave for."""
    q = auth.scope_of(op).people().where(Person.status == "on_duty").order_by(Person.village, Person.name_initials)
    return [(t("leave.tui.person_choice", name=p.name, village=p.village.name if p.village_id else ""), p.id)
            for p in q]


def category_choices() -> list[tuple[str, str]]:
    return [(t(f"leave.category.{c}"), c) for c in rules.CATEGORIES]


class LeaveForm(XinyiScreen):
    """One form screen for every leave act: fields, a service call, errors beside the fields."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", t("tui.key.cancel"))]

    def __init__(self, title: str, fields: list[FormField], submit: Callable[[dict[str, Any]], Any], *,
                 hint: str = "leave.tui.hint_apply", person: Callable[[dict[str, Any]], Person | None] | None = None
                 ) -> None:
        super().__init__()
        self._title, self._fields, self._submit, self._hint, self._person = title, fields, submit, hint, person

    def screen_title(self) -> str:
        return t(self._title)

    def compose_body(self) -> Iterable[Widget]:
        yield Form(self._fields, check=self._check, id="leave-form")
        yield Static(t(self._hint), classes="hint")

    def on_mount(self) -> None:
        self.query_one(Form).widget(self._fields[0].name).focus()

    def _check(self, values: dict[str, Any]) -> dict[str, str]:
        """The service's own validation on the whole form; only the fields asked about are reported."""
        if self._person is None or not self.is_mounted:
            return {}
        merged = {**self.query_one(Form).values(), **values}
        person = self._person(merged)
        if person is None:
            return {}
        try:
            service.clean(person, merged)
        except FormErrors as exc:
            return {k: v for k, v in exc.errors.items() if k in values and merged.get(k) not in ("", None)}
        return {}

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


def date_field(name: str, value: Any = "") -> FormField:
    return FormField(name, t(f"leave.field.{name}"), value, placeholder="2026-01-31", required=True)


def apply_form(op: Any, person: Person | None) -> LeaveForm:
    """Apply (ATT-3); a town or village operator first picks whose leave it is."""
    fields = [] if person else [FormField("person", t("leave.field.person"), None, person_choices(op), required=True)]
    fields += [FormField("category", t("leave.field.category"), "personal", category_choices(), required=True),
               FormField("other_kind", t("leave.field.other_kind")), date_field("start_on"), date_field("end_on"),
               FormField("reason", t("leave.field.reason"), required=True),
               FormField("phone", t("leave.field.phone"), person.phone if person else "", required=True)]

    def whose(values: dict[str, Any]) -> Person | None:
        return person or (Person.get_by_id(values["person"]) if values.get("person") else None)

    return LeaveForm("leave.tui.apply_title", fields, lambda v: service.apply(op, whose(v), v), person=whose)


def oral_form(op: Any) -> LeaveForm:
    """ATT-3 emergency: who reported, when, a relative or not; the leave starts at once."""
    yes_no = [(t("leave.tui.yes"), "1"), (t("leave.tui.no"), "")]
    fields = [FormField("person", t("leave.field.person"), None, person_choices(op), required=True),
              FormField("category", t("leave.field.category"), "sick", category_choices(), required=True),
              FormField("other_kind", t("leave.field.other_kind")),
              date_field("start_on", clock.today().isoformat()), date_field("end_on"),
              FormField("oral_reporter", t("leave.field.oral_reporter"), required=True),
              FormField("oral_by_relative", t("leave.field.oral_by_relative"), "", yes_no)]
    return LeaveForm("leave.tui.oral_title", fields,
                     lambda v: service.report_oral(op, Person.get_by_id(v["person"]), v))
