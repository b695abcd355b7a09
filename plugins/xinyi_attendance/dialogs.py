"""The attendance edit screens, one :class:`FormScreen` each: the phone check (ATT-2) and a
correction of a day's times that keeps the original (ATT-2); and the question asked before a
sign-in or sign-out is recorded (:func:`sign_confirm`, the core's yes/no question).

The times are checked live as the operator types (``check=``): the same parsing
saving uses, so the message beside a field is the one saving would give.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable, Mapping

from textual.widget import Widget
from textual.widgets import Static

from xinyi_core import Operator, Person, ValidationError, clock, org, t
from xinyi_core.tui.screens import ConfirmScreen, FormScreen
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

    def _not_keeper(self) -> str:
        """Why a town operator who does not keep her town's attendance gets no form (ATT-2), else ""."""
        town = org.town_of(self.operator)
        if town is None or service.is_keeper(self.operator, town, "attendance.check"):
            return ""
        return t("attendance.check_not_keeper", town=town.name)

    def compose_body(self) -> Iterable[Widget]:
        self._refusal = self._not_keeper()
        if self._refusal:
            self._hint = ""
        yield from super().compose_body()
        if self._refusal:  # the form stays (the base screen expects it) but is neither shown nor usable
            yield Static(self._refusal, classes="hint", id="check-refusal")

    def on_mount(self) -> None:  # before FormScreen's, which focuses the first field (not when disabled)
        if self._refusal:
            form = self.query_one(Form)
            form.display, form.disabled = False, True

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
        form.mark_saved()  # the person and time kept for the next call are not unsaved input

    def apply_params(self, params: dict[str, Any]) -> None:
        if params.get("person_id") and not self._refusal:
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


def sign_confirm(question: str, warnings: list[str]) -> ConfirmScreen:
    """Asked once before a sign-in or sign-out is recorded: who, which, when — and what to know first.

    ``确认为 郭伟志 签退？（12月05日 17:31）``, then each warning on its own line (a rest day, late,
    early …). Enter records it, Esc leaves everything as it was.
    """
    return ConfirmScreen(question, warnings=warnings, kind="attendance.sign")
