"""One assistant: detail with post history and what each plugin knows; add/edit/transfer forms.

The ID number and phone are shown masked, like everywhere else; an operator holding
``people.view_id`` shows them in full with ``v`` (each time audited, ``people.reveal``).
The edit form does not show them either: a new value replaces the stored one, a blank
field keeps it.

Validation is the core's (``people.clean``), field by field, with the Chinese
message beside the field. Hiring and transfers are offered only to operators
who hold ``people.hire`` / ``people.transfer`` (ORG-3); the services refuse
and audit any attempt anyway.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Iterable

from rich.cells import set_cell_size
from textual import work
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from ... import auth, clock, org, people
from ...db import database
from ...errors import FormErrors
from ...fmt import mask_id, mask_phone
from ...i18n import t
from ...models import Person
from .. import hooks
from ..widgets.form import FormField
from .base import XinyiScreen
from .form_screen import FormScreen

FIELDS = ("name", "id_number", "phone", "political_status", "education", "joined_on")


SECRET = ("id_number", "phone")  # never prefilled: editing keeps them when left blank


def check(values: dict[str, Any], *, editing: bool = False) -> dict[str, str]:
    """The core's validation of the form's values (empty optional ones skipped; when
    editing, a blank ID number or phone keeps the stored one)."""
    required = ("name",) if editing else FIELDS[:3]
    given = {k: v for k, v in values.items() if k in FIELDS and (v not in ("", None) or k in required)}
    try:
        people.clean(given, partial=True)
    except FormErrors as exc:
        return dict(exc.errors)
    return {}


def post_choices(operator: Any) -> list[tuple[str, int]]:
    """Vacant posts within the operator's scope, labelled for a person: (town) village·title and
    since when it is vacant, numbered only where two would read the same — no database ids."""
    scope = auth.scope_of(operator)
    within = None if scope.level == "city" else org.unit(scope.unit_id)
    labels: list[tuple[str, int]] = []
    for p in org.vacant_posts(within):
        place = f"{p.village.parent.name}·{p.village.name}" if scope.level == "city" else p.village.name
        since = t("tui.person.post_since", date=p.vacant_since.isoformat()) if p.vacant_since else ""
        labels.append((t("tui.person.post_label", village=place, title=p.title, since=since), p.id))
    seen: dict[str, int] = {}
    for label, _ in labels:
        seen[label] = seen.get(label, 0) + 1
    numbered: dict[str, int] = {}
    out = []
    for label, post_id in labels:
        if seen[label] > 1:
            numbered[label] = numbered.get(label, 0) + 1
            label = t("tui.person.post_nth", label=label, n=numbered[label])
        out.append((label, post_id))
    return out


class PersonScreen(XinyiScreen):
    TITLE_KEY = "tui.person.detail_title"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", t("tui.key.back")),
        Binding("e", "edit", t("tui.key.edit")),
        Binding("t", "transfer", t("tui.key.transfer")),
        Binding("c", "calendar", t("tui.key.calendar")),
        Binding("v", "reveal", t("tui.key.reveal")),
    ]
    PERMISSIONS = {"edit": "people.edit", "transfer": "people.transfer", "calendar": "calendar.view",
                   "reveal": "people.view_id"}

    def __init__(self, person_id: int) -> None:
        super().__init__()
        self.person_id = person_id
        self._changed = False
        self._revealed: tuple[str, str] | None = None  # (ID number, phone) once shown with v

    def screen_title(self) -> str:
        return t(self.TITLE_KEY, name=self.person.name)

    def compose(self):
        self.person = people.get(self.operator, self.person_id)  # scope checked (and audited) in the core
        yield from super().compose()

    def compose_body(self) -> Iterable[Widget]:
        with VerticalScroll(id="person-body"):
            yield Static(self._facts(), id="person-facts")
            yield Static(t("tui.person.history"), classes="section-title")
            yield Static(self._history(), id="person-history")
            yield Static(t("tui.person.plugins"), classes="section-title")
            yield Static(t("tui.loading"), id="person-plugins")

    def _facts(self) -> str:
        p = self.person
        id_number, phone = self._revealed or (mask_id(p.id_number), mask_phone(p.phone))
        pairs = [("name", p.name), ("sex", t(f"person.sex.{p.sex}")), ("id_number", id_number),
                 ("birth_date", f"{p.birth_date:%Y-%m}"), ("phone", phone),
                 ("political_status", t(f"person.political_status.{p.political_status}")),
                 ("education", t(f"person.education.{p.education}")),
                 ("status", t(f"person.status.{p.status}")),
                 ("town", p.town.name if p.town_id else ""), ("village", p.village.name if p.village_id else ""),
                 ("joined_on", p.joined_on.isoformat() if p.joined_on else "")]
        cells = [f"{t('person.field.' + k)}：{v}" for k, v in pairs]
        return "\n".join("".join(set_cell_size(c, 36) for c in cells[i:i + 2]).rstrip()
                         for i in range(0, len(cells), 2))

    def _history(self) -> str:
        rows = []
        for a in people.history(self.operator, self.person_id):
            reason = t(f"tui.person.reason.{a.reason}") if a.reason in ("hire", "transfer", "departure", "import") \
                else a.reason
            rows.append(t("tui.person.history_row", start=a.start_on.isoformat(),
                          end=a.end_on.isoformat() if a.end_on else t("tui.person.history_now"),
                          village=a.post.village.name, reason=reason))
        return "\n".join(rows) or t("tui.none")

    def on_mount(self) -> None:
        self.load_plugins()

    @work(thread=True, exclusive=True)
    def load_plugins(self) -> None:
        """Assessment facts for this year and calendar marks of the last 30 days, per enabled plugin."""
        try:
            lines = plugin_lines(self.person)
        finally:
            database.close()
        self.app.call_from_thread(self.query_one("#person-plugins", Static).update,
                                  "\n".join(lines) or t("tui.person.plugin_none"))

    def action_back(self) -> None:
        self.dismiss(self._changed)

    def action_edit(self) -> None:
        self.app.push_screen(PersonFormScreen(self.person_id), callback=self._reload)

    def action_transfer(self) -> None:
        self.app.push_screen(TransferScreen(self.person_id), callback=self._reload)

    def action_reveal(self) -> None:
        """The full ID number and phone, for this visit of the page (audited each time)."""
        shown = self.attempt(people.reveal, self.operator, self.person_id, reload=False)
        if shown:
            self._revealed = shown
            self.query_one("#person-facts", Static).update(self._facts())

    def action_calendar(self) -> None:
        from .calendar import CalendarScreen

        self.app.push_screen(CalendarScreen(person_id=self.person_id))

    def _reload(self, changed: Any) -> None:
        if changed:
            self._changed = True
            self._revealed = None
            self.refresh(recompose=True)


def plugin_lines(person: Person) -> list[str]:
    """What each plugin enabled for the person's town says about her (ASM facts, calendar marks), in
    words an operator reads: no rule IDs, no bare numbers."""
    town = person.town.code if person.town_id else None
    today = clock.today()
    facts, failed = hooks.flat(town, "xinyi_assessment_facts", person=person, year=today.year)
    marks, failed_marks = hooks.flat(town, "xinyi_calendar_marks", person=person,
                                     start=today - dt.timedelta(days=30), end=today)
    # A fact's label says what it counts and its count (``AssessmentFact.label``); its rule ID and
    # bare value are for the assessment's code and the city's checks, not for this page.
    lines = [f.label for f in facts]
    if marks:
        lines.append(t("tui.person.marks", marks="、".join(f"{m.date:%m-%d}{m.label}" for m in marks)))
    return lines + failed + failed_marks


class PersonFormScreen(FormScreen):
    """Add (``person_id=None``: a city hire onto a vacant post, ORG-3) or edit an assistant.

    Dismisses ``True`` when saved, ``None`` when cancelled.
    """

    def __init__(self, person_id: int | None) -> None:
        editing = person_id is not None
        super().__init__(hint=t("tui.person.form_hint"), check=lambda values: check(values, editing=editing))
        self.person_id = person_id
        self._version: int | None = None
        self._masked: dict[str, str] = {}

    def screen_title(self) -> str:
        return t("tui.person.edit_title" if self.person_id else "tui.person.add_title")

    def fields(self) -> list[FormField]:
        values: dict[str, Any] = {}
        if self.person_id is not None:
            person = people.get(self.operator, self.person_id)
            self._version = person.version
            values = {f: getattr(person, f) for f in FIELDS if f not in SECRET}
            values["joined_on"] = person.joined_on.isoformat() if person.joined_on else ""
            self._masked = {"id_number": t("tui.person.keep", value=mask_id(person.id_number)),
                            "phone": t("tui.person.keep", value=mask_phone(person.phone))}
        adding = self.person_id is None
        fields = [FormField("name", t("person.field.name"), values.get("name", ""), required=True),
                  FormField("id_number", t("person.field.id_number"), "", required=adding,
                            placeholder=self._masked.get("id_number", "")),
                  FormField("phone", t("person.field.phone"), "", required=adding,
                            placeholder=self._masked.get("phone", "")),
                  FormField("political_status", t("person.field.political_status"),
                            values.get("political_status"), list(_swap(people.labels("political_status")))),
                  FormField("education", t("person.field.education"), values.get("education"),
                            list(_swap(people.labels("education")))),
                  FormField("joined_on", t("person.field.joined_on"), values.get("joined_on", ""), kind="date")]
        if self.person_id is None:
            fields.append(FormField("post", t("tui.person.post"), None, post_choices(self.operator), required=True))
        return fields

    def save(self, values: dict[str, Any]) -> bool:
        data = {k: v for k, v in values.items() if k in FIELDS and v not in ("", None)}
        if self.person_id is None:
            person = people.hire(self.operator, data, org.post(values["post"]))
            self.notify(t("tui.person.created", name=person.name))
        else:
            person = people.update(self.operator, self.person_id, data, expected_version=self._version)
            self.notify(t("tui.person.updated", name=person.name))
        return True


class TransferScreen(FormScreen):
    """Move an assistant to a vacant post (across villages/towns: city only, ORG-3)."""

    TITLE_KEY = "tui.person.transfer_title"

    def __init__(self, person_id: int) -> None:
        super().__init__()
        self.person_id = person_id
        self._choices: list[tuple[str, int]] | None = None

    def fields(self) -> list[FormField]:
        self._choices = post_choices(self.operator)
        return [FormField("post", t("tui.person.new_post"), None, self._choices, required=True)]

    def compose_body(self) -> Iterable[Widget]:
        yield from super().compose_body()
        yield Static("" if self._choices else t("tui.person.no_vacancy"), classes="hint")

    def save(self, values: dict[str, Any]) -> bool:
        person = people.transfer(self.operator, self.person_id, org.post(values["post"]))
        self.notify(t("tui.person.transferred", name=person.name, village=person.village.name))
        return True


def _swap(labels: dict[str, str]) -> Iterable[tuple[str, str]]:
    return ((label, code) for code, label in labels.items())
