"""The leave edit screens, one :class:`FormScreen` each: apply, oral report, complete the slip,
extension, return, decision, cancellation.

A slip is checked live by the service's own validation (:func:`service.clean`
through ``check=``), so the operator sees beside the field the Chinese message
saving would refuse with, and the days the leave takes — counted as saving
counts them, on the town calendar — under the form (``note=``).
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

from xinyi_core import Operator, Person, clock, t, translator, validators
from xinyi_core.tui.screens import FormScreen
from xinyi_core.tui.widgets import FormField, form_check

from . import rules, service
from .models import LeaveRequest

label = translator("leave.field")
tr = translator("leave.tui")
Whose = Callable[[dict[str, Any]], Person | None]


def person_choices(op: Operator) -> list[tuple[str, int]]:
    """People on duty in the operator's scope, to file leave for."""
    return [(tr("person_choice", name=p.name, village=p.village.name if p.village_id else ""), p.id)
            for p in service.people_on_duty(op)]


def category_choices() -> list[tuple[str, str]]:
    return [(t(f"leave.category.{c}"), c) for c in rules.CATEGORIES]


def date_field(name: str, value: Any = "") -> FormField:
    return FormField(name, label(name), value, required=True, kind="date")


def hint_apply() -> str:
    """The hint under a slip: its date example this year's, as the date fields show it."""
    return tr("hint_apply", example=validators.date_example())


def _slip_check(whose: Whose, *, slip: bool) -> Callable[[dict[str, Any]], Mapping[str, str]]:
    """ATT-3: the slip as :func:`service.clean` sees it, once the form names whose leave it is."""
    def check(values: dict[str, Any]) -> Mapping[str, str]:
        person = whose(values)
        return {} if person is None else form_check(lambda v: service.clean(person, v, slip=slip))(values)

    return check


def _days_note(whose: Whose, *, slip: bool) -> Callable[[dict[str, Any]], str]:
    """The live day count (ATT-3/ATT-4): what saving would count, as the category counts."""
    def note(values: dict[str, Any]) -> str:
        person = whose(values)
        days = service.days_of(person, values, slip=slip) if person is not None else None
        return "" if days is None else tr("days_note", days=days[0], counting=t(f"leave.counting.{days[1]}"))

    return note


def _chosen(op: Operator, action: str) -> Whose:
    """The person picked in the form's ``person`` choice (within ``op``'s scope), or None before."""
    return lambda values: service.person_for(op, values["person"], action) if values.get("person") else None


def apply_form(op: Operator, person: Person | None) -> FormScreen:
    """Apply (ATT-3); a town or village operator first picks whose leave it is."""
    fields = [] if person else [FormField("person", label("person"), None, person_choices(op), required=True)]
    fields += [FormField("category", label("category"), "personal", category_choices(), required=True),
               FormField("other_kind", label("other_kind")), date_field("start_on"), date_field("end_on"),
               FormField("reason", label("reason"), required=True),
               FormField("phone", label("phone"), person.phone if person else "", required=True)]
    whose: Whose = (lambda _: person) if person else _chosen(op, "leave.apply")
    return FormScreen(tr("apply_title"), fields, lambda v: service.apply(op, whose(v), v), hint=hint_apply(),
                      check=_slip_check(whose, slip=True), note=_days_note(whose, slip=True))


def oral_form(op: Operator) -> FormScreen:
    """ATT-3 emergency: who reported, when, a relative or not; the leave starts at once."""
    yes_no = [(tr("yes"), "1"), (tr("no"), "")]
    fields = [FormField("person", label("person"), None, person_choices(op), required=True),
              FormField("category", label("category"), "sick", category_choices(), required=True),
              FormField("other_kind", label("other_kind")),
              date_field("start_on", clock.today().isoformat()), date_field("end_on"),
              FormField("oral_reporter", label("oral_reporter"), required=True),
              FormField("oral_by_relative", label("oral_by_relative"), "", yes_no)]
    whose = _chosen(op, "leave.oral")
    return FormScreen(tr("oral_title"), fields, lambda v: service.report_oral(op, whose(v), v),
                      hint=hint_apply(), check=_slip_check(whose, slip=False), note=_days_note(whose, slip=False))


def complete_form(op: Operator, leave: LeaveRequest) -> FormScreen:
    """ATT-3 补办: the slip of an oral report, its reason and phone filled in after return."""
    fields = [FormField("reason", label("reason"), leave.reason, required=True),
              FormField("phone", label("phone"), leave.phone or leave.person.phone, required=True)]
    return FormScreen(tr("complete_title"), fields, lambda v: service.complete_slip(op, leave.id, v),
                      hint=hint_apply())


def extend_form(op: Operator, leave: LeaveRequest) -> FormScreen:
    """ATT-3 续假: the new end, why, and where she can be reached."""
    fields = [date_field("end_on"), FormField("reason", label("reason"), required=True),
              FormField("phone", label("phone"), leave.phone, required=True)]
    return FormScreen(tr("extend_title"), fields, lambda v: service.extend(op, leave.id, v), hint=hint_apply())


def return_form(op: Operator, leave: LeaveRequest) -> FormScreen:
    """销假: the day she is back on post (today unless said otherwise)."""
    def save(values: dict[str, Any]) -> LeaveRequest:
        return service.record_return(op, leave.id, validators.date(values["returned_on"], "returned_on"))

    return FormScreen(tr("return_title"), [date_field("returned_on", clock.today().isoformat())], save,
                      hint=hint_apply())


def decide_form(op: Operator, leave: LeaveRequest, approve: bool) -> FormScreen:
    """ATT-4: the current approver's opinion; a refusal needs one."""
    fields = [FormField("opinion", label("opinion"), tr("agree") if approve else "", required=not approve)]
    return FormScreen(tr("decide_title"), fields, lambda v: service.decide(op, leave.id, approve, v["opinion"]),
                      hint=tr("hint_decide"))


def cancel_form(op: Operator, leave: LeaveRequest) -> FormScreen:
    """撤销 (ATT-3/ATT-4): names the person, the dates and the days, and asks for the reason."""
    fields = [FormField("reason", label("cancel_reason"), required=True)]
    return FormScreen(tr("cancel_title"), fields, lambda v: service.cancel(op, leave.id, v["reason"]),
                      hint=tr("hint_cancel"), detail=tr("cancel_detail", days=leave.days, **cancel_names(leave)))


def cancel_names(leave: LeaveRequest) -> dict[str, Any]:
    """Who, from, to and what: said in the cancel form and in the notice after it."""
    return dict(name=leave.person.name, start=leave.start_on, end=leave.end_on,
                category=t(f"leave.category.{leave.category}"))
