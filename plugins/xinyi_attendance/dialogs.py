"""The attendance edit screens, one :class:`FormScreen` each: the phone check (ATT-2) and a
correction of a day's times that keeps the original (ATT-2).

The times are checked live as the operator types (``check=``): the same parsing
saving uses, so the message beside a field is the one saving would give.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Mapping

from xinyi_core import Operator, Person, ValidationError, clock, t
from xinyi_core.tui.screens import FormScreen
from xinyi_core.tui.widgets import Form, FormField

from . import service
from .models import AttendanceDay


class CheckScreen(FormScreen):
    """Phone spot check (电话随访, ATT-2): who was called, who answered, at the post or not.

    It stays open after saving, ready for the next call: the person and time are
    kept, who answered and the note are cleared.
    """

    TITLE_KEY = "attendance.screen.check"

    def __init__(self) -> None:
        super().__init__(hint=t("attendance.check_hint"))

    def fields(self) -> list[FormField]:
        people = [(f"{p.name}（{p.village_name}）", p.id) for p in service.people_on_duty(self.operator)]
        return [FormField("person", t("attendance.field.person"), None, people, required=True),
                FormField("called_at", t("attendance.field.called_at"), f"{clock.now():%Y-%m-%d %H:%M}",
                          required=True),
                FormField("answered_by", t("attendance.field.answered_by"), required=True),
                FormField("at_post", t("attendance.field.at_post"), None,
                          [(t("attendance.yes"), "yes"), (t("attendance.no"), "no")], required=True),
                FormField("note", t("attendance.field.note"))]

    def check(self, values: dict[str, Any]) -> Mapping[str, str]:
        return _check_call(values)

    def save(self, values: dict[str, Any]) -> Any:
        return service.record_check(self.operator, int(values["person"]), _parse_dt(values["called_at"]),
                                    values["answered_by"], values["at_post"] == "yes", values["note"])

    def saved(self, result: Any) -> None:
        self.notify(t("attendance.check_saved"))
        form = self.query_one(Form)
        for name in ("answered_by", "note"):
            form.widget(name).value = ""

    def apply_params(self, params: dict[str, Any]) -> None:
        if params.get("person_id"):
            self.query_one(Form).widget("person").value = params["person_id"]


def _parse_dt(text: str) -> dt.datetime:
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")
    except ValueError:
        raise ValidationError("called_at", "attendance.bad_datetime") from None


def _check_call(values: dict[str, Any]) -> dict[str, str]:
    if values.get("called_at"):
        try:
            _parse_dt(values["called_at"])
        except ValidationError as exc:
            return {"called_at": exc.message}
    return {}


def correct_form(op: Operator, person: Person, day: dt.date, row: AttendanceDay | None) -> FormScreen:
    """Correct one day's sign-in/out (ATT-2): the original and the reason are kept.

    Dismisses with the corrected day when saved, None on Esc.
    """
    def hm(value: dt.time | None) -> str:
        return f"{value:%H:%M}" if value else ""

    fields = [FormField("sign_in", t("attendance.col.in"), hm(row and row.sign_in), placeholder="08:30"),
              FormField("sign_out", t("attendance.col.out"), hm(row and row.sign_out), placeholder="17:30"),
              FormField("reason", t("attendance.field.reason"), required=True)]

    def save(values: dict[str, Any]) -> AttendanceDay:
        return service.correct(op, person.id, day, _parse_time("sign_in", values["sign_in"]),
                               _parse_time("sign_out", values["sign_out"]), values["reason"])

    return FormScreen(t("attendance.screen.correct"), fields, save, hint=t("attendance.reason_hint"),
                      detail=t("attendance.correct_title", name=person.name, date=day.isoformat()),
                      check=_check_times)


def _parse_time(field: str, text: str) -> dt.time | None:
    if not text.strip():
        return None
    try:
        return dt.datetime.strptime(text.strip(), "%H:%M").time()
    except ValueError:
        raise ValidationError(field, "attendance.bad_time") from None


def _check_times(values: dict[str, Any]) -> dict[str, str]:
    errors = {}
    for name in ("sign_in", "sign_out"):
        try:
            _parse_time(name, values.get(name) or "")
        except ValidationError as exc:
            errors[name] = exc.message
    return errors
