"""The edit screens of the departure plugin, all on the core's one Form widget.

``ReportScreen`` files a departure (or confirms a proposed one, ATT-6);
``HireScreen`` fills a vacancy (ORG-3: offered to the city only).
Each saves through the service and shows its Chinese errors beside the fields.
"""
from __future__ import annotations

from typing import Any, ClassVar, Iterable

from textual import on
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static

from xinyi_core import FormErrors, Person, XinyiError, auth, people, t
from xinyi_core.tui.screens import XinyiScreen, form_failed
from xinyi_core.tui.widgets import Form, FormField

from . import rules, service, vacancies

REPORT_FIELDS = ("category", "planned_on", "reason", "requests")


class _Cancellable(XinyiScreen):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", t("tui.key.cancel"))]

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReportScreen(_Cancellable):
    """附件5 as a form: a new report by the town centre, or the town head's confirmation of a proposal."""

    def __init__(self, departure_id: int | None = None) -> None:
        super().__init__()
        self.departure_id = departure_id

    def screen_title(self) -> str:
        return t("departure.screen.confirm" if self.departure_id else "departure.screen.report")

    def compose_body(self) -> Iterable[Widget]:
        values: dict[str, Any] = {"category": None, "planned_on": "", "reason": "", "requests": ""}
        fields = []
        if self.departure_id is None:
            on_duty = auth.scope_of(self.operator).people().where(Person.status != "departed").order_by(Person.name_initials)
            fields.append(FormField("person", t("departure.screen.person"), None,
                                    [(f"{p.name}（{p.village.name}）", p.id) for p in on_duty], required=True))
        else:
            dep = service.get(self.operator, self.departure_id)
            values = {"category": dep.category, "planned_on": dep.planned_on.isoformat(), "reason": dep.reason,
                      "requests": dep.requests}
        fields += [
            FormField("category", t("departure.screen.f_category"), values["category"],
                      [(rules.category_label(c), c) for c in rules.CATEGORIES], required=True),
            FormField("planned_on", t("departure.screen.planned"), values["planned_on"], required=True, kind="date"),
            FormField("reason", t("departure.screen.f_reason"), values["reason"]),
            FormField("requests", t("departure.screen.f_requests"), values["requests"]),
        ]
        yield Form(fields, check=lambda v: rules.report_errors(v, partial=True), id="report-form")

    def on_mount(self) -> None:
        form = self.query_one(Form)
        form.widget("person" if self.departure_id is None else "planned_on").focus()

    @on(Form.Submitted)
    def _save(self, event: Form.Submitted) -> None:
        data = {k: event.values[k] for k in REPORT_FIELDS}
        try:
            if self.departure_id is None:
                dep = service.report(self.operator, int(event.values["person"]), data)
                self.notify(t("departure.screen.saved"))
            else:
                dep = service.confirm(self.operator, self.departure_id, data)
                self.notify(t("departure.screen.confirmed"))
        except XinyiError as exc:
            form_failed(event.form, exc)
            return
        self.dismiss(dep.id)


HIRE_FIELDS = ("name", "id_number", "phone", "joined_on")


class HireScreen(_Cancellable):
    """Fill one vacant post (ORG-3: the city's hiring act; the service refuses anyone else)."""

    TITLE_KEY = "departure.screen.hire"

    def __init__(self, post_id: int) -> None:
        super().__init__()
        self.post_id = post_id

    def compose_body(self) -> Iterable[Widget]:
        yield Form([FormField("name", t("person.field.name"), required=True),
                    FormField("id_number", t("person.field.id_number"), required=True),
                    FormField("phone", t("person.field.phone"), required=True),
                    FormField("joined_on", t("person.field.joined_on"), kind="date")],
                   check=_check_person, id="hire-form")
        yield Static(t("departure.screen.hire_hint"), classes="hint")

    def on_mount(self) -> None:
        self.query_one(Form).widget("name").focus()

    @on(Form.Submitted)
    def _save(self, event: Form.Submitted) -> None:
        data = {k: v for k, v in event.values.items() if v not in ("", None)}
        try:
            person = vacancies.fill(self.operator, self.post_id, data)
        except XinyiError as exc:
            form_failed(event.form, exc)
            return
        self.notify(t("departure.screen.hired", name=person.name))
        self.dismiss(person.id)


def _check_person(values: dict[str, Any]) -> dict[str, str]:
    given = {k: v for k, v in values.items() if k in HIRE_FIELDS and (v not in ("", None) or k != "joined_on")}
    try:
        people.clean(given, partial=True)
    except FormErrors as exc:
        return dict(exc.errors)
    return {}
