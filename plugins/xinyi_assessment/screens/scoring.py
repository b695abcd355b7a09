"""The annual scoring screen (ASM-5): the town's sheets with their facts, the assessor's deductions
and vetoes, the routine year beside each sheet (ASM-3) and the registration form's chain (ASM-6).

Every action has a key shown in the footer, only to operators who may take
it; the service refuses and audits anyway. A town has a few dozen
assistants: the list is read on the UI thread, through the scoped service.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static

from xinyi_core import ApprovalChain, Operator, OrgUnit, XinyiError, clock, org, t, translator
from xinyi_core.tui.screens import XinyiScreen
from xinyi_core.tui.widgets import Column, ListSource, RecordList

from .. import dialogs, rules, service
from .monthly import ReadOnlyList, RoutineScreen

tr = translator("assessment.screen")


class ScoringScreen(XinyiScreen):
    """The town's annual sheets: pre-filled facts, the assessor's deductions and vetoes."""

    TITLE_KEY = "assessment.screen.scoring"
    DEFAULT_CSS = """
    #asm-status { height: 2; padding: 0 1; color: $text-muted; }
    #asm-list { height: 1fr; }
    #asm-detail { height: 8; padding: 0 1; border-top: solid $panel; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("o", "gather", t("assessment.key.gather")),
        Binding("d", "deduct", t("assessment.key.deduct")),
        Binding("v", "veto", t("assessment.key.veto")),
        Binding("s", "summary", t("assessment.key.summary")),
        Binding("c", "register", t("assessment.key.register")),
        Binding("a", "opinion", t("assessment.key.opinion")),
        Binding("m", "routine", t("assessment.key.routine")),
    ]
    PERMISSIONS = {"gather": "assessment.score", "deduct": "assessment.score", "veto": "assessment.score",
                   "summary": "assessment.score", "register": "assessment.score"}

    def __init__(self) -> None:
        super().__init__()
        self.year = rules.assessed_year(clock.today())

    def compose_body(self) -> Iterable[Widget]:
        yield Static("", id="asm-status")
        yield ReadOnlyList([Column(tr("col_name"), 8), Column(tr("col_total"), 6), Column(tr("col_earned"), 8),
                            Column(tr("col_grade"), 8), Column(tr("col_veto"), 0)],
                           empty=tr("empty_no_town" if self.town is None else "empty"), id="asm-list")
        yield Static("", id="asm-detail")

    def on_mount(self) -> None:
        self.query_one("#asm-list").focus()
        self.reload()

    def check_action(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        if action == "opinion":  # the roles on the ASM-6 chain
            return self.operator.role in ("town_head", "city_office", "bureau")
        return super().check_action(action, parameters)

    @property
    def town(self) -> OrgUnit | None:
        return org.town_of(self.operator)

    def reload(self) -> None:
        town = self.town
        sheets = list(service.visible(self.operator, self.year, town)) if town else []
        vetoed = service.vetoed(self.operator, self.year, town) if town else set()
        rows = [(a.id, a.person.name, f"{a.total:g}", rules.grade_label(a.earned),
                 rules.grade_label(a.grade) if a.grade else "", tr("vetoed") if a.id in vetoed else "")
                for a in sheets]
        plist = self.query_one("#asm-list", RecordList)
        plist.set_source(ListSource(rows), keep_cursor=True)
        status = tr("status", year=self.year, count=len(rows))
        if town is not None:
            try:
                findings = service.scheme_for(town.code).findings
            except XinyiError as exc:  # the file's own fault: its details for those who keep it
                findings, status = (), str(exc) if self.may("assessment.city") else tr("scheme_broken")
            if findings and self.may("assessment.city"):
                # ASM-5: the 28-vs-39 finding is shown to those who keep the scheme (the city, the
                # administrator) — never to a town's clerk or head, who can do nothing about it
                status += "\n" + tr("finding", message="；".join(f.short for f in findings))
        self.query_one("#asm-status", Static).update(status)
        self._detail(plist.current_id)

    @on(RecordList.Highlighted, "#asm-list")
    def _highlighted(self, event: RecordList.Highlighted) -> None:
        self._detail(event.record_id)

    def _detail(self, assessment_id: Any) -> None:
        self.query_one("#asm-detail", Static).update(
            detail_text(self.operator, assessment_id) if assessment_id else "")

    @property
    def current(self) -> int | None:
        return self.query_one("#asm-list", RecordList).current_id

    def _done(self, result: Any) -> None:
        if result:
            self.reload()

    def action_gather(self) -> None:
        if self.town is not None:
            self.attempt(service.open_round, self.operator, self.town, self.year,
                         done=lambda sheets: tr("gathered", count=len(sheets)))

    def action_deduct(self) -> None:
        if self.current:
            self.app.push_screen(dialogs.deduct_form(self.operator, self.current), callback=self._done)

    def action_veto(self) -> None:
        if self.current:
            self.app.push_screen(dialogs.veto_form(self.operator, self.current), callback=self._done)

    def action_summary(self) -> None:
        if self.current:
            self.app.push_screen(dialogs.summary_form(self.operator, self.current), callback=self._done)

    def action_register(self) -> None:
        if self.current:
            self.attempt(service.start_registration, self.operator, self.current, done=tr("registered"),
                         reload=False)

    def action_routine(self) -> None:
        """ASM-3: the year's routine (monthly) results behind the highlighted sheet, month by month."""
        if self.current:
            self.app.push_screen(RoutineScreen(self.current))

    def action_opinion(self) -> None:
        if not self.current:
            return
        chain = self.attempt(service.registration, self.operator, self.current, reload=False)
        if isinstance(chain, ApprovalChain):  # None: no registration form started for this sheet
            self.app.push_screen(dialogs.opinion_form(self.operator, chain), callback=self._done)


def detail_text(op: Operator, assessment_id: int) -> str:
    """The year's routine results (ASM-3: scored 「结合日常考核成绩」, evidence that deducts nothing),
    the deductions with their reasons and sources, the vetoes, and item-less facts as evidence."""
    d = service.sheet_detail(op, assessment_id)
    lines = [tr("detail_deduction", item=x.item, reason=x.reason, points=f"{x.points:g}",
                source=tr("by_assessor" if x.source == "assessor" else "by_records")) for x in d.deductions]
    lines += [tr("detail_veto", reason=v.reason) for v in d.vetoes]
    lines += [tr("detail_fact", label=f["label"]) for f in (d.sheet.facts or []) if f.get("item") is None]
    return "\n".join([d.routine.summary(), *(lines or [tr("no_deductions")])])
