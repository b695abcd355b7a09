"""Training screens: sessions and attendance taking (TRN-1, TRN-2).

Lists are the core's :class:`RecordList` over the service's scoped reads; the
forms they open are in :mod:`xinyi_training.dialogs`, every check the
service's, shown beside the field it concerns.
"""
from __future__ import annotations

from typing import Any, ClassVar, Iterable

from textual import on
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static

from xinyi_core import org, t, translator
from xinyi_core.tui.screens import XinyiScreen
from xinyi_core.tui.widgets import Column, ListSource, RecordList

from .. import dialogs, service

P = "training"
tr = translator(P)


def outcome(inv: Any) -> str:
    """An invitation's state in a list: closed, the attendance recorded (or not yet)."""
    return tr("attendance.closed") if inv.state == "closed" else tr(f"attendance.{inv.attendance or 'none'}")


def score_text(inv: Any) -> str:
    return tr("score", score=f"{inv.score:g}", result=tr("passed" if inv.passed else "failed"))


class ReadOnlyList(RecordList):
    """A list whose rows open nothing: Enter is not offered (the screen's own keys act on the row)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select", show=False)]


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
                          Column(tr("col.title"), 0), Column(tr("col.progress"), 17)],
                         empty=tr("empty.sessions_add" if self.may_add else "empty.sessions"), id="sessions")

    @property
    def may_add(self) -> bool:
        return self.may("training.manage") or self.may("training.prejob")

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#sessions").focus()

    def reload(self) -> None:
        sessions = list(service.visible_sessions(self.operator).limit(500))
        counts = service.attendance_counts(self.operator, [s.id for s in sessions])
        rows = []
        for s in sessions:
            c = counts.get(s.id, {})
            rows.append((s.id, s.start_on.isoformat(), tr(f"kind.{s.kind}"), s.organiser.name, s.title,
                         tr("progress", done=sum(n for k, n in c.items() if k), invited=sum(c.values()))))
        self.query_one("#sessions", RecordList).set_source(ListSource(rows), keep_cursor=True)

    def check_action(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        if action in ("add", "invite"):
            return self.may_add
        return super().check_action(action, parameters)

    def action_open(self) -> None:
        session_id = self.query_one("#sessions", RecordList).current_id
        if session_id is not None:
            self.app.push_screen(AttendanceScreen(session_id), callback=lambda _: self.reload())

    @on(RecordList.Selected, "#sessions")
    def _selected(self) -> None:
        self.action_open()

    def action_add(self) -> None:
        def added(session: Any) -> None:
            if session:
                self.notify(tr("form.session_created", title=session.title))
                self.reload()

        self.app.push_screen(dialogs.session_form(self.operator), callback=added)

    def action_invite(self) -> None:
        session_id = self.query_one("#sessions", RecordList).current_id
        if session_id is None:
            return
        form = self.attempt(dialogs.invite_form, self.operator, session_id, reload=False)
        if form:
            self.app.push_screen(form, callback=self._invited)

    def _invited(self, count: Any) -> None:
        if count is not None:
            self.notify(tr("form.invited", count=count))
            self.reload()


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
        invites = service.manages(self.operator, self.session) and self.may(
            "training.prejob" if self.session.kind == "pre_job" else "training.manage")
        yield ReadOnlyList([Column(tr("col.name"), 8), Column(tr("col.village"), 14), Column(tr("col.attendance"), 8),
                          Column(tr("col.detail"), 0)],
                         empty=tr("empty.invitations_how" if invites else "empty.invitations"), id="invitations")

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#invitations").focus()

    def reload(self) -> None:
        names = org.unit_names()
        rows = []
        for inv in service.invitations(self.operator, self.session_id):
            detail = inv.reason or (score_text(inv) if inv.score is not None else "")
            rows.append((inv.id, inv.person.name, names.get(inv.person.village_id, ""), outcome(inv), detail))
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
        if self.current is not None and self.attempt(service.record_attendance, self.operator, self.current,
                                                     attendance):
            self.query_one("#invitations", RecordList).action_cursor(1)

    def action_excuse(self) -> None:
        if self.current is not None:
            self.app.push_screen(dialogs.reason_form(self.operator, self.current), callback=self._changed)

    def action_score(self) -> None:
        if self.current is None:
            return
        form = self.attempt(dialogs.score_form, self.operator, self.current, reload=False)
        if form:
            self.app.push_screen(form, callback=self._scored)

    def _scored(self, inv: Any) -> None:
        if inv:
            self.notify(score_text(inv))
            self.reload()

    def _changed(self, result: Any) -> None:
        if result:
            self.reload()

    def action_back(self) -> None:
        self.dismiss(True)
