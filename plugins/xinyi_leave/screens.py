"""Leave screens, keyboard-driven at 80×24: my applications, the town's leave (search by name
or initials, one person's history, the town head's 撤销), the approval queue, and a town's
leave calendar.

Lists are the core's :class:`RecordList` over the service's scoped reads
(:mod:`.service`); the forms they open are in :mod:`.dialogs`.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, Iterable

from textual import on
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Static

from xinyi_core import ValidationError, approvals, clock, org, t, weekday_zh
from xinyi_core.tui.screens import XinyiScreen
from xinyi_core.tui.widgets import Column, ListSource, RecordList, SearchBox

from . import dialogs, rules, service
from .models import LeaveRequest


COLUMNS = [Column(t("leave.tui.col_person"), 8), Column(t("leave.tui.col_category"), 8),
           Column(t("leave.tui.col_dates"), 21), Column(t("leave.tui.col_days"), 4),
           Column(t("leave.tui.col_state"), 0)]


class LeaveRecords(RecordList):
    """The leave list. Enter opens the highlighted leave's slip in full; the footer leaves it out (at
    80 columns the town head's keys need the room) — the detail under the list says it, F1 lists it."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select", t("leave.tui.key_open"), show=False)]


def state_text(leave: LeaveRequest) -> str:
    root = leave.family_root
    if rules.excuses(leave.state, leave.oral) and root.returned_on is not None:
        return t("leave.state.returned")
    return t(f"leave.state.{leave.state}")


def row(leave: LeaveRequest) -> tuple:
    category = t(f"leave.category.{leave.category}") + (t("leave.tui.ext") if leave.root_id else "")
    end = f"{leave.end_on:%m-%d}" if leave.end_on.year == leave.start_on.year else f"{leave.end_on}"
    return (leave.id, leave.person.name, category, f"{leave.start_on}~{end}", leave.days, state_text(leave))


def detail(leave: LeaveRequest) -> str:
    lines = [t("leave.tui.detail", name=leave.person.name, category=t(f"leave.category.{leave.category}"),
               start=leave.start_on, end=leave.end_on, days=leave.days,
               counting=t(f"leave.counting.{leave.counting}"), state=state_text(leave))]
    steps = service.step_lines(leave)
    if steps:
        lines.append(t("leave.tui.steps", steps="  ".join(
            t("leave.tui.step", role=t(f"role.{role}"),
              decision="：" + t(f"leave.state.{s.decision}") if s.decision else "：" + t("leave.tui.step_waiting"))
            for role, s in steps)))
    return "\n".join(lines)


def _day(day: dt.date) -> str:
    return f"{day.isoformat()}（{weekday_zh(day)}）"


def slip_lines(leave: LeaveRequest) -> list[str]:
    """One leave's slip as the screen shows it: what the printed 请假审批单 says, line by line."""
    category = t(f"leave.category.{leave.category}") + (f"（{leave.other_kind}）" if leave.other_kind else "")
    lines = [t("leave.tui.slip_who", name=leave.person.name, place=leave.village.name, applied=leave.applied_on),
             t("leave.tui.slip_what", category=category + (t("leave.slip.extension_suffix") if leave.root_id else ""),
               state=state_text(leave)),
             t("leave.tui.slip_when", start=_day(leave.start_on), end=_day(leave.end_on),
               days=tr_days(leave)),
             t("leave.tui.slip_reason", reason=leave.reason or t("leave.tui.slip_blank")),
             t("leave.tui.slip_phone", phone=leave.phone or t("leave.tui.slip_blank"))]
    if leave.oral:
        lines.append(t("leave.tui.slip_oral", reporter=leave.oral_reporter,
                       relative=t("leave.slip.relative_yes" if leave.oral_by_relative else "leave.slip.relative_no"),
                       completed=t("leave.tui.slip_completed", date=f"{leave.slip_completed_at:%Y-%m-%d}")
                       if leave.slip_completed_at else t("leave.slip.not_completed")))
    root = leave.family_root
    if root.returned_on is not None:
        lines.append(t("leave.tui.slip_returned", date=_day(root.returned_on)))
    steps = service.step_lines(leave)
    lines.append(t("leave.tui.slip_steps") if steps else t("leave.tui.slip_no_steps"))
    for role, step in steps:
        if step.decision:
            lines.append(t("leave.tui.slip_step", role=t(f"role.{role}"), decision=t(f"leave.state.{step.decision}"),
                           opinion=step.opinion or "",
                           name=step.decided_by.display_name if step.decided_by_id else "",
                           date=f"{step.decided_at:%Y-%m-%d}" if step.decided_at else ""))
        else:
            lines.append(t("leave.tui.slip_step_waiting", role=t(f"role.{role}")))
    if leave.note:
        lines.append(leave.note)
    return lines


def tr_days(leave: LeaveRequest) -> str:
    return t("leave.tui.days_note", days=leave.days, counting=t(f"leave.counting.{leave.counting}"))


class LeaveSlipScreen(XinyiScreen):
    """One leave's slip, opened with Enter from a leave list: read it whole, print it (p), Esc back."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", t("tui.key.back")),
        Binding("p", "print", t("leave.tui.key_print")),
    ]
    PERMISSIONS = {"print": "leave.print"}
    DEFAULT_CSS = "LeaveSlipScreen #leave-slip { padding: 0 1; }"

    def __init__(self, leave: LeaveRequest, where: str) -> None:
        super().__init__()
        self.leave = leave
        self.where = where

    def screen_title(self) -> str:
        return t("leave.tui.slip_title", where=self.where, name=self.leave.person.name)

    def compose_body(self) -> Iterable[Widget]:
        with VerticalScroll():
            yield Static("\n".join(slip_lines(self.leave)), id="leave-slip")

    def action_print(self) -> None:
        from . import documents  # late: the .docx writer is not needed to show the screen

        self.attempt(documents.print_slip, self.operator, self.leave.id, reload=False,
                     done=self.offer_document)

    def action_back(self) -> None:
        self.dismiss(None)


# --------------------------------------------------------------------------- lists

class _LeaveList(XinyiScreen):
    """A list of leave with the highlighted one's detail and chain below."""

    EMPTY: ClassVar[str] = "leave.tui.empty"
    EMPTY_APPLY: ClassVar[str] = "leave.tui.empty_apply"  # when she may file leave here: how to

    def __init__(self) -> None:
        super().__init__()
        self.person_id: int | None = None
        self.text = ""

    def compose_body(self) -> Iterable[Widget]:
        yield Static("", id="leave-title", classes="section-title")
        yield LeaveRecords(COLUMNS, empty=self._empty(), id="leaves")
        yield Static("", id="leave-detail")

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#leaves").focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def leaves(self) -> list[LeaveRequest]:
        return service.search(self.operator, self.text, person_id=self.person_id)

    def _empty(self) -> str:
        """What an empty list says: nothing found (Esc shows all again), or how to file leave — if she may."""
        if self.text or self.person_id:
            return t("leave.tui.empty_found")
        return t(self.EMPTY_APPLY if self.EMPTY_APPLY and self.may("leave.apply") else self.EMPTY)

    def reload(self) -> None:
        self._rows = {lv.id: lv for lv in self.leaves()}
        self.query_one("#leaves", RecordList).empty = self._empty()
        self.query_one("#leaves", RecordList).set_source(ListSource([row(lv) for lv in self._rows.values()]),
                                                         keep_cursor=True)
        person = service.person_for(self.operator, self.person_id) if self.person_id else None
        count = t("leave.tui.count", count=len(self._rows))
        self.query_one("#leave-title", Static).update(
            t("leave.tui.history_title", name=person.name) + "  " + count if person else count)
        self._show(self.query_one("#leaves", RecordList).current_id)

    @property
    def current(self) -> LeaveRequest | None:
        return self._rows.get(self.query_one("#leaves", RecordList).current_id)

    @on(RecordList.Highlighted, "#leaves")
    def _highlighted(self, event: RecordList.Highlighted) -> None:
        self._show(event.record_id)

    def _show(self, leave_id: Any) -> None:
        leave = self._rows.get(leave_id)
        self.query_one("#leave-detail", Static).update(
            detail(leave) + "\n" + t("leave.tui.open_hint") if leave else "")

    @on(RecordList.Selected, "#leaves")
    def _opened(self, event: RecordList.Selected) -> None:
        """Enter: the highlighted leave's slip in full (reason, phone, every opinion), to read or print."""
        leave = self._rows.get(event.record_id)
        if leave is not None:
            self.app.push_screen(LeaveSlipScreen(leave, self.screen_title()), callback=lambda _: self.reload())

    def _after(self, result: Any) -> None:
        if result is not None:
            if isinstance(result, LeaveRequest):
                self.notify(t("leave.tui.saved", name=result.person.name, days=result.days, state=state_text(result),
                              category=t(f"leave.category.{result.category}")))
            self.reload()

    def action_print(self) -> None:
        if self.current is not None:
            from . import documents  # late: the .docx writer is not needed to show the screen

            self.attempt(documents.print_slip, self.operator, self.current.id,
                         done=self.offer_document)


class LeaveListScreen(_LeaveList):
    """The town's (or village's, or city's) leave, newest first; ``h`` narrows to one person."""

    TITLE_KEY = "leave.nav.manage"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "apply", t("leave.tui.key_apply")),
        Binding("o", "oral", t("leave.tui.key_oral")),
        Binding("c", "complete", t("leave.tui.key_complete")),
        Binding("x", "extend", t("leave.tui.key_extend")),
        Binding("r", "return", t("leave.tui.key_return")),
        Binding("w", "withdraw", t("leave.tui.key_withdraw")),
        Binding("d", "revoke", t("leave.tui.key_cancel")),
        Binding("p", "print", t("leave.tui.key_print")),
        Binding("h", "history", t("leave.tui.key_history")),
        Binding("slash", "search", t("tui.key.search"), key_display="/"),
    ]
    PERMISSIONS = {"apply": "leave.apply", "oral": "leave.oral", "complete": "leave.apply", "extend": "leave.apply",
                   "return": "leave.return", "withdraw": "leave.apply", "revoke": "leave.cancel",
                   "print": "leave.print"}

    def compose_body(self) -> Iterable[Widget]:
        yield SearchBox(placeholder=t("leave.tui.search"), id="leave-search", compact=True)
        yield from super().compose_body()

    @on(Input.Changed, "#leave-search")
    def _typed(self, event: Input.Changed) -> None:
        self.text = event.value.strip()
        self.reload()

    @on(Input.Submitted, "#leave-search")
    def _searched(self) -> None:
        self.query_one("#leaves").focus()

    def action_search(self) -> None:
        self.query_one("#leave-search").focus()

    def action_apply(self) -> None:
        self.app.push_screen(dialogs.apply_form(self.operator, None), callback=self._after)

    def action_oral(self) -> None:
        self.app.push_screen(dialogs.oral_form(self.operator), callback=self._after)

    def action_complete(self) -> None:
        if self.current is not None:
            self.app.push_screen(dialogs.complete_form(self.operator, self.current), self._after)

    def action_extend(self) -> None:
        if self.current is not None:
            self.app.push_screen(dialogs.extend_form(self.operator, self.current), self._after)

    def action_return(self) -> None:
        if self.current is not None:
            self.app.push_screen(dialogs.return_form(self.operator, self.current), self._after)

    def action_withdraw(self) -> None:
        if self.current is not None:
            self.attempt(service.withdraw, self.operator, self.current.id, done=t("leave.tui.withdrawn"))

    def action_revoke(self) -> None:
        """撤销: asks once, naming the person and the dates, for the reason (ATT-3/ATT-4)."""
        leave = self.current
        if leave is None:
            return
        refusal = service.cancel_refusal(leave)
        if refusal:  # started: the way out is 销假 — said at once, before any form
            self.report(ValidationError("state", refusal, start=leave.start_on))
            return
        names = dialogs.cancel_names(leave)

        def done(result: Any) -> None:
            if result is not None:
                self.notify(t("leave.tui.cancelled", **names))
                self.reload()

        self.app.push_screen(dialogs.cancel_form(self.operator, leave), callback=done)

    def action_history(self) -> None:
        if self.current is not None:
            self.person_id = self.current.person_id
            self.reload()

    def has_filter(self) -> bool:
        """A search or one person's history narrows the list: Esc shows all again, then leaves."""
        return bool(self.text or self.person_id)

    def clear_filter(self) -> None:
        self.action_all()

    def action_all(self) -> None:
        self.person_id = None
        self.query_one("#leave-search", Input).value = ""  # reloads
        self.reload()
        self.query_one("#leaves").focus()


class MyLeaveScreen(LeaveListScreen):
    """The assistant's own applications (the scope is herself, in the data layer)."""

    TITLE_KEY = "leave.nav.mine"

    def compose_body(self) -> Iterable[Widget]:
        yield from _LeaveList.compose_body(self)  # her own list needs no search

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("history", "all", "oral", "return", "search"):
            return False
        return super().check_action(action, parameters)

    def action_apply(self) -> None:
        person = self.attempt(service.person_for, self.operator, self.operator.person_id, "leave.apply",
                              reload=False)
        if person is not None:
            self.app.push_screen(dialogs.apply_form(self.operator, person), callback=self._after)


class QueueScreen(_LeaveList):
    """Slips waiting for this approver's step, oldest first (ATT-4)."""

    TITLE_KEY = "leave.nav.queue"
    EMPTY = "leave.tui.queue_empty"
    EMPTY_APPLY = ""
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "decide(True)", t("leave.tui.key_approve")),
        Binding("n", "decide(False)", t("leave.tui.key_reject")),
        Binding("p", "print", t("leave.tui.key_print")),
    ]

    def leaves(self) -> list[LeaveRequest]:
        return [lv for lv, _ in service.waiting(self.operator)]

    def action_decide(self, approve: bool) -> None:
        if self.current is not None:
            self.app.push_screen(dialogs.decide_form(self.operator, self.current, approve), self._decided)

    def _decided(self, result: Any) -> None:
        if result is not None:
            self.notify(approvals.outcome(service.chain_of(result)))  # 已同意，转镇中心负责人审批
            self.reload()


class LeaveCalendarScreen(XinyiScreen):
    """Who is on leave each day of a month in a town (PageUp/PageDown: month; t: town)."""

    TITLE_KEY = "leave.nav.calendar"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("pageup", "month(-1)", t("tui.key.prev_month")),
        Binding("pagedown", "month(1)", t("tui.key.next_month")),
        Binding("t", "town", t("tui.key.town")),
    ]

    def compose_body(self) -> Iterable[Widget]:
        yield Static("", id="leave-cal-title", classes="section-title")
        yield Static("", id="leave-cal")

    def on_mount(self) -> None:
        town = org.town_of(self.operator)
        self.towns = [town] if town is not None else list(org.towns())
        self.town_index = 0
        self.month = clock.today().replace(day=1)
        self.draw()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "town":
            return len(getattr(self, "towns", ())) > 1
        return super().check_action(action, parameters)

    def draw(self) -> None:
        town = self.towns[self.town_index]
        days = service.town_month(self.operator, town, self.month.year, self.month.month)
        self.query_one("#leave-cal-title", Static).update(
            t("leave.tui.calendar_title", town=town.name, year=self.month.year, month=self.month.month))
        lines = [t("leave.tui.calendar_row", date=f"{d:%m-%d}", weekday=weekday_zh(d),
                   names="、".join(f"{n}({c})" for n, c in names)) for d, names in sorted(days.items())]
        self.query_one("#leave-cal", Static).update("\n".join(lines) or t("leave.tui.calendar_none"))

    def action_month(self, delta: int) -> None:
        month = self.month.month - 1 + delta
        self.month = dt.date(self.month.year + month // 12, month % 12 + 1, 1)
        self.draw()

    def action_town(self) -> None:
        self.town_index = (self.town_index + 1) % len(self.towns)
        self.draw()


