"""Training screens: sessions and attendance taking (TRN-1, TRN-2).

The quota and training-record screens are in :mod:`.record_screens`. Every
screen builds on the core's :class:`Form` and :class:`RecordList`; every check
is the service's, shown beside the field it concerns.
"""
from __future__ import annotations

from typing import Any, ClassVar, Iterable

from textual import on
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static

from xinyi_core import (DashboardItem, OrgUnit, Person, ScreenEntry, XinyiError, auth,
                        clock, t)
from xinyi_core.tui.screens import FormScreen, XinyiScreen
from xinyi_core.tui.widgets import Column, FormField, ListSource, RecordList

from . import quota, rules, service
from .models import Invitation

P = "training"


def tr(key: str, **params: Any) -> str:
    return t(f"{P}.{key}", **params)


# --------------------------------------------------------------------------- sessions

class SessionsScreen(XinyiScreen):
    TITLE_KEY = f"{P}.nav.sessions"
    DEFAULT_CSS = "SessionsScreen #sessions { padding: 0 1; }"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", tr("key.attendance")),
        Binding("a", "add", t("tui.key.add")),
        Binding("i", "invite", tr("key.invite")),
    ]

    def compose_body(self) -> Iterable[Widget]:
        yield RecordList([Column(tr("col.date"), 10), Column(tr("col.kind"), 8), Column(tr("col.organiser"), 10),
                          Column(tr("col.title"), 0), Column(tr("col.progress"), 9)],
                         empty=tr("empty.sessions"), id="sessions")

    def on_mount(self) -> None:
        self.load()
        self.query_one("#sessions").focus()

    def load(self) -> None:
        sessions = list(service.visible_sessions(self.operator).limit(500))
        counts = service.attendance_counts([s.id for s in sessions])
        names = dict(OrgUnit.select(OrgUnit.id, OrgUnit.name).where(OrgUnit.kind != "village").tuples())
        rows = []
        for s in sessions:
            c = counts.get(s.id, {})
            rows.append((s.id, s.start_on.isoformat(), tr(f"kind.{s.kind}"), names.get(s.organiser_id, ""), s.title,
                         f"{sum(n for k, n in c.items() if k)}/{sum(c.values())}"))
        self.query_one("#sessions", RecordList).set_source(ListSource(rows), keep_cursor=True)

    def check_action(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        if action in ("add", "invite"):
            return self.may("training.manage") or self.may("training.prejob")
        return super().check_action(action, parameters)

    def action_open(self) -> None:
        session_id = self.query_one("#sessions", RecordList).current_id
        if session_id is not None:
            self.app.push_screen(AttendanceScreen(session_id), callback=lambda _: self.load())

    @on(RecordList.Selected, "#sessions")
    def _selected(self) -> None:
        self.action_open()

    def action_add(self) -> None:
        self.app.push_screen(SessionFormScreen(), callback=self._changed)

    def action_invite(self) -> None:
        session_id = self.query_one("#sessions", RecordList).current_id
        if session_id is not None:
            self.app.push_screen(InviteScreen(session_id), callback=self._changed)

    def _changed(self, result: Any) -> None:
        if result:
            self.load()


class SessionFormScreen(FormScreen):
    TITLE_KEY = f"{P}.form.session_title"

    def fields(self) -> list[FormField]:
        scope = auth.scope_of(self.operator)
        units = [OrgUnit.get_by_id(scope.unit_id)] if scope.level in ("city", "town") else []
        kinds = [k for k, perm in (("in_service", "training.manage"), ("pre_job", "training.prejob"))
                 if self.may(perm)]
        return [FormField("kind", tr("field.kind"), kinds[0] if kinds else None, [(tr(f"kind.{k}"), k) for k in kinds],
                          required=True),
                FormField("title", tr("field.title"), required=True),
                FormField("organiser", tr("field.organiser"), units[0].id if units else None,
                          [(u.name, u.id) for u in units], required=True),
                FormField("start_on", tr("field.start_on"), clock.today().isoformat(), required=True, kind="date"),
                FormField("end_on", tr("field.end_on"), placeholder=tr("form.same_day"), kind="date"),
                FormField("place", tr("field.place")),
                FormField("pass_mark", tr("field.pass_mark"), placeholder=str(service.setting("pass_mark")))]

    def save(self, values: dict[str, Any]) -> Any:
        session = service.create_session(self.operator, kind=values["kind"], title=values["title"],
                                         organiser=OrgUnit.get_by_id(values["organiser"]),
                                         start_on=values["start_on"], end_on=values["end_on"], place=values["place"],
                                         pass_mark=values["pass_mark"])
        self.notify(tr("form.session_created", title=session.title))
        return session.id


class InviteScreen(FormScreen):
    """Invite everyone concerned in a town or village of the operator's scope."""

    TITLE_KEY = f"{P}.form.invite_title"

    def __init__(self, session_id: int) -> None:
        super().__init__()
        self.session_id = session_id

    def fields(self) -> list[FormField]:
        session = service.get_session(self.operator, self.session_id)
        units = [u for u in auth.scope_of(self.operator).units().order_by(OrgUnit.path) if u.kind != "city"
                 and (session.organiser.kind == "city" or u.path.startswith(session.organiser.path))]
        return [FormField("unit", tr("field.unit"), None, [(u.name, u.id) for u in units], required=True)]

    def compose_body(self) -> Iterable[Widget]:
        yield from super().compose_body()
        session = service.get_session(self.operator, self.session_id)
        yield Static(tr(f"form.invite_hint.{session.kind}", title=session.title), classes="hint")

    def save(self, values: dict[str, Any]) -> Any:
        n = service.invite_unit(self.operator, self.session_id, OrgUnit.get_by_id(values["unit"]))
        self.notify(tr("form.invited", count=n))
        return True


# --------------------------------------------------------------------------- attendance

class AttendanceScreen(XinyiScreen):
    """Attendance taking: one line per invited person; a key per outcome."""

    TITLE_KEY = f"{P}.nav.attendance"
    DEFAULT_CSS = "AttendanceScreen #invitations { padding: 0 1; }"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", t("tui.key.back")),
        Binding("p", "mark('present')", tr("attendance.present")),
        Binding("x", "excuse", tr("attendance.excused")),
        Binding("u", "mark('unexcused')", tr("attendance.unexcused")),
        Binding("s", "score", tr("key.score")),
    ]

    def __init__(self, session_id: int) -> None:
        super().__init__()
        self.session_id = session_id

    def compose_body(self) -> Iterable[Widget]:
        self.session = service.get_session(self.operator, self.session_id)
        yield Static("", id="attendance-head", classes="hint")
        yield RecordList([Column(tr("col.name"), 8), Column(tr("col.village"), 14), Column(tr("col.attendance"), 8),
                          Column(tr("col.detail"), 0)], empty=tr("empty.invitations"), id="invitations")

    def on_mount(self) -> None:
        self.load()
        self.query_one("#invitations").focus()

    def load(self) -> None:
        villages = dict(OrgUnit.select(OrgUnit.id, OrgUnit.name).where(OrgUnit.kind == "village").tuples())
        rows = []
        for inv in service.invitations(self.operator, self.session_id):
            state = tr("attendance.closed") if inv.state == "closed" else tr(f"attendance.{inv.attendance or 'none'}")
            detail = inv.reason or (tr("score", score=f"{inv.score:g}", result=tr("passed" if inv.passed else "failed"))
                                    if inv.score is not None else "")
            rows.append((inv.id, inv.person.name, villages.get(inv.person.village_id, ""), state, detail))
        s = self.session
        self.query_one("#attendance-head", Static).update(tr(
            "head", title=s.title, kind=tr(f"kind.{s.kind}"), start=s.start_on.isoformat(), end=s.end_on.isoformat(),
            count=len(rows), mark=f"{s.pass_mark:g}" if s.pass_mark is not None else "—"))
        self.query_one("#invitations", RecordList).set_source(ListSource(rows), keep_cursor=True)

    def check_action(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        if action in ("score", "mark", "excuse") and not hasattr(self, "session"):
            return False
        if action == "score":
            return self.session.kind == "pre_job" and self.may("training.prejob")
        if action in ("mark", "excuse"):
            return service.manages(self.operator, self.session) and (
                self.may("training.prejob" if self.session.kind == "pre_job" else "training.manage"))
        return super().check_action(action, parameters)

    @property
    def current(self) -> int | None:
        return self.query_one("#invitations", RecordList).current_id

    def action_mark(self, attendance: str) -> None:
        if self.current is None:
            return
        try:
            service.record_attendance(self.operator, self.current, attendance)
        except XinyiError as exc:
            self.report(exc)
            return
        self.load()
        self.query_one("#invitations", RecordList).action_cursor(1)

    def action_excuse(self) -> None:
        if self.current is not None:
            self.app.push_screen(ReasonScreen(self.current), callback=self._changed)

    def action_score(self) -> None:
        if self.current is not None:
            self.app.push_screen(ScoreScreen(self.current), callback=self._changed)

    def _changed(self, result: Any) -> None:
        if result:
            self.load()

    def action_back(self) -> None:
        self.dismiss(True)


class ReasonScreen(FormScreen):
    TITLE_KEY = f"{P}.form.reason_title"

    def __init__(self, invitation_id: int) -> None:
        super().__init__()
        self.invitation_id = invitation_id

    def fields(self) -> list[FormField]:
        return [FormField("reason", tr("field.reason"), required=True)]

    def save(self, values: dict[str, Any]) -> Any:
        return service.record_attendance(self.operator, self.invitation_id, "excused", values["reason"]).id


class ScoreScreen(FormScreen):
    TITLE_KEY = f"{P}.form.score_title"

    def __init__(self, invitation_id: int) -> None:
        super().__init__()
        self.invitation_id = invitation_id

    def fields(self) -> list[FormField]:
        inv = Invitation.get_by_id(self.invitation_id)
        return [FormField("score", tr("field.score"), "" if inv.score is None else f"{inv.score:g}", required=True)]

    def save(self, values: dict[str, Any]) -> Any:
        inv = service.record_score(self.operator, self.invitation_id, values["score"])
        self.notify(tr("score", score=f"{inv.score:g}", result=tr("passed" if inv.passed else "failed")))
        return inv.id


# --------------------------------------------------------------------------- navigation and to-dos

def _quota_screen() -> Any:
    from .record_screens import QuotaScreen

    return QuotaScreen()


def _record_screen() -> Any:
    from .record_screens import RecordScreen

    return RecordScreen()


# F6–F10 and F12 are the other plugins'; F11 is sessions for staff and her own record for an assistant.
ENTRIES = [
    ScreenEntry("f11", f"{P}.nav.sessions", "training.view", SessionsScreen),
    ScreenEntry("f10", f"{P}.nav.quotas", "training.quotas", _quota_screen),
    ScreenEntry("f11", f"{P}.nav.mine", "training.own", _record_screen),
]


def dashboard_items(operator: Any) -> list[DashboardItem]:
    """Sessions waiting for attendance (staff); this quarter's missing articles (the assistant herself)."""
    items = []
    waiting = service.awaiting_attendance(operator)
    if waiting:
        items.append(DashboardItem(tr("todo.attendance"), f"{P}.nav.sessions", waiting))
    if operator.person_id and auth.can(operator, "training.own"):
        today = clock.today()
        quarter = rules.Quarter.of(today)
        row = quota.rows(Person.select().where(Person.id == operator.person_id), quarter)
        if row and row[0].missing:
            due = rules.reminder_offset(today, service.setting("reminder_days")) is not None
            items.append(DashboardItem(tr("todo.articles", quarter=quarter.zh), f"{P}.nav.mine", row[0].missing,
                                       urgent=due))
    return items
