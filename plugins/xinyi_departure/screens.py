"""Screens: departures by state (with the chain and the actions on it), handover, vacancies.

Every action has a key shown in the footer, and only to operators who may
take it — and only on a row it applies to (confirming a proposal, the opinion
when it is her turn on the chain, withdrawing her own pending report, the
handover of a report still going on); the service refuses and audits anyway. Every row shown comes from a
service read that takes the operator and keeps to her scope; the reads run on
the UI thread like the core's lists: a town has a few dozen departures at most.
"""
from __future__ import annotations

from typing import Any, ClassVar, Iterable

from textual import on
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static

from xinyi_core import NotFound, Operator, approvals, org, t
from xinyi_core.tui.screens import PromptScreen, XinyiScreen
from xinyi_core.tui.widgets import Column, ListSource, RecordList

from . import LIST_KEY, VACANCIES_KEY, rules, service
from .dialogs import hire_form, report_form
from .service import handover, vacancies

FILTERS = (None, "proposed", "pending", "approved", "departed", "declined", "rejected", "withdrawn")


def _date(d: Any) -> str:
    return d.isoformat() if d else ""


ROW_ACTIONS = frozenset({"confirm", "decline", "decide", "withdraw", "handover", "print"})


class _QuietEnter:
    """Enter on a row with nothing to open does nothing, and the footer offers no ``⏎`` for it."""

    def action_nothing(self) -> None:
        pass


class DeparturesScreen(_QuietEnter, XinyiScreen):
    TITLE_KEY = LIST_KEY
    DEFAULT_CSS = """
    #dep-status { height: 1; padding: 0 1; color: $text-muted; }
    #departures { height: 1fr; }
    #dep-detail { height: 8; padding: 0 1; border-top: solid $panel; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "cycle", t("tui.key.filter")),
        Binding("n", "new", t("departure.key.new")),
        Binding("c", "confirm", t("departure.key.confirm")),
        Binding("x", "decline", t("departure.key.decline")),
        Binding("a", "decide(True)", t("departure.key.approve")),
        Binding("r", "decide(False)", t("departure.key.reject")),
        Binding("w", "withdraw", t("departure.key.withdraw")),
        Binding("h", "handover", t("departure.key.handover")),
        Binding("p", "print", t("departure.key.print")),
        Binding("enter", "nothing", "", show=False, priority=True),  # the detail is already shown below
    ]
    PERMISSIONS = {"new": "departure.report", "confirm": "departure.confirm", "decline": "departure.confirm",
                   "withdraw": "departure.report", "handover": "departure.handover"}

    def __init__(self) -> None:
        super().__init__()
        self.state: str | None = None
        self._allowed: set[str] = set()  # what the highlighted row offers this operator (ROW_ACTIONS)

    def compose_body(self) -> Iterable[Widget]:
        yield Static("", id="dep-status")
        yield RecordList([Column(t("departure.screen.col_name"), 8), Column(t("departure.screen.col_village"), 12),
                          Column(t("departure.screen.col_category"), 8), Column(t("departure.screen.col_planned"), 10),
                          Column(t("departure.screen.col_state"), 12), Column(t("departure.screen.col_source"), 0)],
                         empty=t("departure.screen.empty"), id="departures")
        yield Static("", id="dep-detail")

    def on_mount(self) -> None:
        self.query_one("#departures").focus()
        self.load()

    def check_action(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        if action in ROW_ACTIONS and action not in self._allowed:
            return False
        return super().check_action(action, parameters)

    def _offers(self, departure_id: Any) -> set[str]:
        """The row actions that apply to this departure for this operator (permissions are checked apart)."""
        try:
            dep = service.get(self.operator, departure_id) if departure_id else None
        except NotFound:
            dep = None
        if dep is None:
            return set()
        out = {"print"}
        if dep.state == "proposed":
            out |= {"confirm", "decline"}
        if dep.state in handover.ACTIVE:
            out.add("handover")
        chain = service.chain_of(dep)
        if chain is not None and chain.state == "pending":
            step = approvals.current_step(chain)
            if step is not None and approvals.may_decide(self.operator, step):  # ORG-2: her turn on the chain
                out.add("decide")
            if chain.created_by_id == self.operator.id:  # only who reported it takes it back
                out.add("withdraw")
        return out

    def has_filter(self) -> bool:
        """A state filter narrows the list (Esc shows every state again)."""
        return self.state is not None

    def clear_filter(self) -> None:
        self.state = None
        self.load()

    # ------------------------------------------------------------------ data

    def load(self) -> None:
        names = org.unit_names()
        rows = [(d.id, d.person.name, names.get(d.person.village_id, ""), rules.category_label(d.category),
                 _date(d.planned_on), t(f"departure.state.{d.state}"), t(f"departure.source.{d.source}"))
                for d in service.listing(self.operator, self.state)]
        plist = self.query_one("#departures", RecordList)
        state = t(f"departure.state.{self.state}") if self.state else t("departure.screen.all")
        plist.empty = (t("departure.screen.empty_state", state=state) if self.state
                       else t("departure.screen.empty_report") if self.may("departure.report")
                       else t("departure.screen.empty"))
        plist.set_source(ListSource(rows), keep_cursor=True)
        self.query_one("#dep-status", Static).update(t("departure.screen.filter", state=state, count=len(rows)))
        self._detail(plist.current_id)

    def apply_params(self, params: dict[str, Any]) -> None:
        """A dashboard item opens the list on one state (``proposed``, ``pending``)."""
        if params.get("state") in FILTERS:
            self.state = params["state"]
            self.load()

    @on(RecordList.Highlighted, "#departures")
    def _highlighted(self, event: RecordList.Highlighted) -> None:
        self._detail(event.record_id)

    def _detail(self, departure_id: Any) -> None:
        self.query_one("#dep-detail", Static).update(detail_text(self.operator, departure_id) if departure_id else "")
        self._allowed = self._offers(departure_id)
        self.refresh_bindings()

    @property
    def current(self) -> int | None:
        return self.query_one("#departures", RecordList).current_id

    def _done(self, result: Any) -> None:
        if result:
            self.load()

    # ------------------------------------------------------------------ actions

    def action_cycle(self) -> None:
        self.state = FILTERS[(FILTERS.index(self.state) + 1) % len(FILTERS)]
        self.load()

    def action_new(self) -> None:
        self.app.push_screen(report_form(self.operator), callback=self._done)

    def action_confirm(self) -> None:
        if self.current:
            screen = self.attempt(report_form, self.operator, self.current, reload=False)
            if screen is not None:
                self.app.push_screen(screen, callback=self._done)

    def action_decline(self) -> None:
        dep_id = self.current
        if dep_id:
            self.app.push_screen(PromptScreen(
                t("departure.screen.decline"), t("departure.screen.reason"),
                lambda text: service.decline(self.operator, dep_id, text), done=t("departure.screen.declined")),
                callback=self._done)

    def action_decide(self, approve: bool) -> None:
        dep_id = self.current
        if dep_id:
            self.app.push_screen(PromptScreen(
                t("departure.screen.decide"), t("departure.screen.opinion"),
                lambda text: service.decide(self.operator, dep_id, approve, text), required=not approve,
                done=lambda dep: approvals.outcome(service.chain_of(dep))), callback=self._done)

    def action_withdraw(self) -> None:
        dep_id = self.current
        if dep_id:
            self.app.push_screen(PromptScreen(
                t("departure.key.withdraw"), t("departure.screen.reason"),
                lambda text: service.withdraw(self.operator, dep_id, text), required=False), callback=self._done)

    def action_handover(self) -> None:
        if self.current:
            self.app.push_screen(HandoverScreen(self.current), callback=self._done)

    def action_print(self) -> None:
        if self.current:
            from . import documents  # late: the .docx writer is not needed to show the screen

            self.attempt(documents.print_form, self.operator, self.current, reload=False,
                         done=self.offer_document)


def detail_text(op: Operator, departure_id: int) -> str:
    """Reason, each chain step's opinion, handover progress and the stop of wages."""
    try:
        dep = service.get(op, departure_id)
    except NotFound:
        return ""
    lines = [f"{t('departure.form.reason')}：{dep.reason}"]
    if dep.requests:
        lines.append(f"{t('departure.screen.f_requests')}：{dep.requests}")
    if dep.decline_reason:
        lines.append(f"{t('departure.state.declined')}：{dep.decline_reason}")
    chain = service.chain_of(dep)
    for step in approvals.steps(chain) if chain else ():
        state = t(f"approval.state.{step.decision}") if step.decision else t("departure.screen.chain_waiting")
        lines.append(t("departure.screen.chain_row", role=t(f"role.{step.role}"), unit=step.unit.name,
                       state=state, opinion=step.opinion, who=step.decided_by.display_name if step.decided_by_id else "",
                       at=f"{step.decided_at:%m-%d}" if step.decided_at else "").rstrip())
    done, total = handover.progress(dep)
    stop = (t("departure.screen.stopped", date=_date(dep.wages_stopped_on)) if dep.wages_stopped_on
            else t("departure.screen.stopped_none"))
    lines.append(t("departure.screen.handover_progress", done=done, total=total) + "  " + stop)
    return "\n".join(lines)


class HandoverScreen(XinyiScreen):
    """The checklist of one departure: confirm each item with the receiver's name, or add one.

    Both are offered while the report is going on or done (not once declined, rejected or
    withdrawn); ``c`` only on an item not yet handed over.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", t("tui.key.back")),
        Binding("c", "confirm", t("departure.key.confirm_item")),
        Binding("a", "add", t("departure.key.add_item")),
    ]
    PERMISSIONS = {"confirm": "departure.handover", "add": "departure.handover"}

    def __init__(self, departure_id: int) -> None:
        super().__init__()
        self.departure_id = departure_id
        self._changed = False

    def screen_title(self) -> str:
        return t("departure.screen.handover", name=service.get(self.operator, self.departure_id).person.name)

    def compose_body(self) -> Iterable[Widget]:
        yield RecordList([Column(t("departure.screen.col_item"), 0), Column(t("departure.screen.col_receiver"), 12),
                          Column(t("departure.screen.col_time"), 12)], id="handover")

    def check_action(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        if action in ("confirm", "add") and not getattr(self, "_active", False):
            return False
        if action == "confirm":
            row = self.query_one("#handover", RecordList).current
            if row is None or row[3]:  # nothing highlighted, or already handed over
                return False
        return super().check_action(action, parameters)

    @on(RecordList.Highlighted, "#handover")
    def _highlighted(self, event: RecordList.Highlighted) -> None:
        self.refresh_bindings()

    def on_mount(self) -> None:
        self.query_one("#handover").focus()
        self.load()

    def load(self) -> None:
        dep = service.get(self.operator, self.departure_id)
        rows = [(i.id, i.label, i.received_by, f"{i.confirmed_at:%m-%d %H:%M}" if i.confirmed_at else "")
                for i in service.handover_items(dep)]
        self._active = dep.state in handover.ACTIVE
        plist = self.query_one("#handover", RecordList)
        plist.empty = t("departure.screen.no_items_add" if self._active and self.may("departure.handover")
                        else "departure.screen.no_items")
        plist.set_source(ListSource(rows), keep_cursor=True)
        self.refresh_bindings()

    def _done(self, result: Any) -> None:
        if result:
            self._changed = True
            self.load()

    def action_confirm(self) -> None:
        item_id = self.query_one("#handover", RecordList).current_id
        if item_id:
            self.app.push_screen(PromptScreen(
                t("departure.key.confirm_item"), t("departure.screen.receiver"),
                lambda text: handover.confirm_item(self.operator, item_id, text),
                done=t("departure.screen.item_confirmed")), callback=self._done)

    def action_add(self) -> None:
        self.app.push_screen(PromptScreen(
            t("departure.key.add_item"), t("departure.screen.item"),
            lambda text: handover.add_item(self.operator, self.departure_id, text),
            done=t("departure.screen.item_added")), callback=self._done)

    def action_back(self) -> None:
        self.dismiss(self._changed)


class VacanciesScreen(_QuietEnter, XinyiScreen):
    """Vacant posts for the city office, longest empty first; ``h`` (or Enter) hires (ORG-3)."""

    TITLE_KEY = VACANCIES_KEY
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("h", "hire", t("departure.key.hire")),
        Binding("enter", "hire", t("departure.key.hire"), show=False, priority=True),
        Binding("enter", "nothing", "", show=False, priority=True),
    ]
    PERMISSIONS = {"hire": "people.hire"}  # ORG-3: the city's act only

    def check_action(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        if action == "hire":  # a post to fill must be highlighted
            lists = self.query("#vacancies")
            if not lists or lists.first(RecordList).current_id is None:
                return False
        return super().check_action(action, parameters)

    def compose_body(self) -> Iterable[Widget]:
        yield RecordList([Column(t("departure.screen.col_town"), 10), Column(t("departure.screen.col_village"), 12),
                          Column(t("departure.screen.col_since"), 10), Column(t("departure.screen.col_days"), 8),
                          Column(t("departure.screen.col_last"), 0)],
                         empty=t("departure.screen.no_vacancy"), id="vacancies")

    def on_mount(self) -> None:
        self.query_one("#vacancies").focus()
        self.load()

    def load(self) -> None:
        rows = [(v.post_id, v.town, v.village, _date(v.since),
                 t("departure.screen.days", days=v.days) if v.days is not None else "", v.last_holder)
                for v in vacancies.listing(self.operator)]
        self.query_one("#vacancies", RecordList).set_source(ListSource(rows), keep_cursor=True)
        self.refresh_bindings()

    def action_hire(self) -> None:
        post_id = self.query_one("#vacancies", RecordList).current_id
        if post_id:
            self.app.push_screen(hire_form(self.operator, post_id), callback=lambda r: r and self.load())
