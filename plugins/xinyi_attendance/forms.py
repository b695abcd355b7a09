"""The attendance forms: the phone check (ATT-2), the reason a decision needs (ATT-5),
and a correction of a day's times that keeps the original (ATT-2)."""
from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Iterable

from textual import on
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static

from xinyi_core import OrgUnit, Person, XinyiError, auth, clock, t
from xinyi_core.errors import ValidationError
from xinyi_core.tui.screens import XinyiScreen, form_failed
from xinyi_core.tui.widgets import Form, FormField

from . import service


class CheckScreen(XinyiScreen):
    """Phone spot check (电话随访, ATT-2): who was called, who answered, at the post or not."""

    TITLE_KEY = "attendance.screen.check"

    def compose_body(self) -> Iterable[Widget]:
        village = OrgUnit.alias()
        people = auth.scope_of(self.operator).people(
            Person.select(Person.id, Person.name, village.name.alias("village_name"))
            .join(village, on=(Person.village == village.id)).where(Person.status == "on_duty")
            .order_by(Person.town, Person.village, Person.name_initials))
        choices = [(f"{p.name}（{p.village_name}）", p.id) for p in people.limit(2000).objects()]
        yield Form([FormField("person", t("attendance.field.person"), None, choices, required=True),
                    FormField("called_at", t("attendance.field.called_at"), f"{clock.now():%Y-%m-%d %H:%M}",
                              required=True),
                    FormField("answered_by", t("attendance.field.answered_by"), required=True),
                    FormField("at_post", t("attendance.field.at_post"), None,
                              [(t("attendance.yes"), "yes"), (t("attendance.no"), "no")], required=True),
                    FormField("note", t("attendance.field.note"))], check=_check_call, id="check-form")
        yield Static(t("attendance.check_hint"), classes="hint")

    def apply_params(self, params: dict[str, Any]) -> None:
        if params.get("person_id"):
            self.query_one(Form).widget("person").value = params["person_id"]

    def on_mount(self) -> None:
        self.query_one(Form).widget("person").focus()

    @on(Form.Submitted)
    def _save(self, event: Form.Submitted) -> None:
        v = event.values
        try:
            service.record_check(self.operator, int(v["person"]), _parse_dt(v["called_at"]), v["answered_by"],
                                 v["at_post"] == "yes", v["note"])
        except XinyiError as exc:
            form_failed(event.form, exc)
            return
        self.notify(t("attendance.check_saved"))
        for name in ("answered_by", "note"):
            event.form.widget(name).value = ""


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


class CorrectScreen(XinyiScreen):
    """Correct one day's sign-in/out (ATT-2): the original and the reason are kept; dismisses True when saved."""

    TITLE_KEY = "attendance.screen.correct"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", t("tui.key.cancel"))]

    def __init__(self, person_id: int, day: dt.date, sign_in: dt.time | None, sign_out: dt.time | None) -> None:
        super().__init__()
        self.person_id, self.day = person_id, day
        self._values = {"sign_in": f"{sign_in:%H:%M}" if sign_in else "", "sign_out": f"{sign_out:%H:%M}" if sign_out else ""}

    def compose_body(self) -> Iterable[Widget]:
        yield Static(t("attendance.correct_title", name=Person.get_by_id(self.person_id).name, date=f"{self.day:%Y-%m-%d}"),
                     classes="section-title")
        yield Form([FormField("sign_in", t("attendance.col.in"), self._values["sign_in"], placeholder="08:30"),
                    FormField("sign_out", t("attendance.col.out"), self._values["sign_out"], placeholder="17:30"),
                    FormField("reason", t("attendance.field.reason"), required=True)], check=_check_times,
                   id="correct-form")
        yield Static(t("attendance.reason_hint"), classes="hint")

    def on_mount(self) -> None:
        self.query_one(Form).widget("sign_in").focus()

    @on(Form.Submitted)
    def _save(self, event: Form.Submitted) -> None:
        v = event.values
        try:
            service.correct(self.operator, self.person_id, self.day, _parse_time("sign_in", v["sign_in"]),
                            _parse_time("sign_out", v["sign_out"]), v["reason"])
        except XinyiError as exc:
            form_failed(event.form, exc)
            return
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


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
