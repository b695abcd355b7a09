"""The edit screens of the departure plugin, one :class:`FormScreen` each.

:func:`report_form` files a departure on 附件5 (or confirms a proposed one, ATT-6);
:func:`hire_form` fills a vacancy (ORG-3: offered to the city only). Each is
checked live (``check=``) and saves through the service, whose Chinese errors
land beside the fields.
"""
from __future__ import annotations

from typing import Any

from xinyi_core import FormErrors, Operator, people, t
from xinyi_core.tui.screens import FormScreen
from xinyi_core.tui.widgets import Form, FormField

from . import rules, service
from .service import vacancies

REPORT_FIELDS = ("category", "planned_on", "reason", "requests")


class ReportScreen(FormScreen):
    """附件5 as a form; a proposal being confirmed opens on its planned date, the field most often changed."""

    def __init__(self, *args: Any, first: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._first = first

    def on_mount(self) -> None:
        self.query_one(Form).widget(self._first).focus()


def report_form(op: Operator, departure_id: int | None = None) -> FormScreen:
    """A new report by the town centre, or the town head's confirmation of proposal ``departure_id``.

    Dismisses with the departure's id when saved.
    """
    values: dict[str, Any] = {"category": None, "planned_on": "", "reason": "", "requests": ""}
    fields = []
    if departure_id is None:
        fields.append(FormField("person", t("departure.screen.person"), None,
                                [(f"{p.name}（{p.village.name}）", p.id) for p in service.reportable_people(op)],
                                required=True))
    else:
        dep = service.get(op, departure_id)
        values = {"category": dep.category, "planned_on": dep.planned_on.isoformat(), "reason": dep.reason,
                  "requests": dep.requests}
    fields += [
        FormField("category", t("departure.screen.f_category"), values["category"],
                  [(rules.category_label(c), c) for c in rules.CATEGORIES], required=True),
        FormField("planned_on", t("departure.screen.planned"), values["planned_on"], required=True, kind="date"),
        FormField("reason", t("departure.screen.f_reason"), values["reason"]),
        FormField("requests", t("departure.screen.f_requests"), values["requests"]),
    ]

    def save(values: dict[str, Any]) -> int:
        data = {k: values[k] for k in REPORT_FIELDS}
        if departure_id is None:
            dep = service.report(op, int(values["person"]), data)
            screen.notify(t("departure.screen.saved"))
        else:
            dep = service.confirm(op, departure_id, data)
            screen.notify(t("departure.screen.confirmed"))
        return dep.id

    title = t("departure.screen.confirm" if departure_id else "departure.screen.report")
    screen = ReportScreen(title, fields, save, check=lambda v: rules.report_errors(v, partial=True),
                          first="person" if departure_id is None else "planned_on")
    return screen


HIRE_FIELDS = ("name", "id_number", "phone", "joined_on")


def hire_form(op: Operator, post_id: int) -> FormScreen:
    """Fill one vacant post (ORG-3: the city's hiring act; the service refuses anyone else).

    Dismisses with the new assistant's id when saved.
    """
    fields = [FormField("name", t("person.field.name"), required=True),
              FormField("id_number", t("person.field.id_number"), required=True),
              FormField("phone", t("person.field.phone"), required=True),
              FormField("joined_on", t("person.field.joined_on"), kind="date")]

    def save(values: dict[str, Any]) -> int:
        person = vacancies.fill(op, post_id, {k: v for k, v in values.items() if v not in ("", None)})
        screen.notify(t("departure.screen.hired", name=person.name))
        return person.id

    screen = FormScreen(t("departure.screen.hire"), fields, save, hint=t("departure.screen.hire_hint"),
                        check=_check_person)
    return screen


def _check_person(values: dict[str, Any]) -> dict[str, str]:
    given = {k: v for k, v in values.items() if k in HIRE_FIELDS and (v not in ("", None) or k != "joined_on")}
    try:
        people.clean(given, partial=True)
    except FormErrors as exc:
        return dict(exc.errors)
    return {}
