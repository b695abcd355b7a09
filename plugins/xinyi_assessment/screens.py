"""Screens: annual scoring (ASM-5), the panel's grades with the ranking (ASM-3), the city view.

Every action has a key shown in the footer, only to operators who may take
it; the service refuses and audits anyway. A town has a few dozen
assistants, the city a few dozen towns: the lists query on the UI thread.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static

from xinyi_core import (
    DashboardItem,
    OrgUnit,
    ScreenEntry,
    XinyiError,
    approvals,
    auth,
    clock,
    t,
)
from xinyi_core.tui.screens import FormScreen, PromptScreen, XinyiScreen
from xinyi_core.tui.widgets import Column, FormField, ListSource, RecordList

from . import routine, rules, service
from . import scheme as scheme_mod
from .models import Assessment, ItemDeduction, Veto

SCORING_KEY = "assessment.screen.scoring"
PANEL_KEY = "assessment.screen.panel"
CITY_KEY = "assessment.screen.city"
MONTHLY_KEY = "assessment.screen.monthly"


def tr(key: str, **kw: Any) -> str:
    return t(f"assessment.screen.{key}", **kw)


def entries() -> list[ScreenEntry]:
    return [ScreenEntry("", SCORING_KEY, "assessment.score", ScoringScreen),
            ScreenEntry("", PANEL_KEY, "assessment.grade", PanelScreen),
            ScreenEntry("", CITY_KEY, "assessment.city", CityScreen),
            ScreenEntry("", MONTHLY_KEY, "assessment.monthly", _monthly_screen)]


def _monthly_screen() -> Any:
    from .monthly_screens import MonthlyScreen

    return MonthlyScreen()


def dashboard(op: Any) -> list[DashboardItem]:
    """Registration forms waiting for ``op``'s opinion (ASM-6)."""
    waiting = len(approvals.waiting_for(op, service.REG_KIND)) if auth.can(op, "assessment.view") else 0
    target = SCORING_KEY if auth.can(op, "assessment.score") else CITY_KEY
    return [DashboardItem(tr("dash_waiting"), target, waiting)] if waiting else []


def _town(op: Any) -> OrgUnit | None:
    unit = op.scope
    while unit is not None and unit.kind != "town":
        unit = unit.parent
    return unit


class ScoringScreen(XinyiScreen):
    """The town's annual sheets: pre-filled facts, the assessor's deductions and vetoes."""

    TITLE_KEY = SCORING_KEY
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
        yield RecordList([Column(tr("col_name"), 8), Column(tr("col_total"), 6), Column(tr("col_earned"), 8),
                          Column(tr("col_grade"), 8), Column(tr("col_veto"), 0)], empty=tr("empty"), id="asm-list")
        yield Static("", id="asm-detail")

    def on_mount(self) -> None:
        self.query_one("#asm-list").focus()
        self.load()

    def check_action(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        if action == "opinion":  # the roles on the ASM-6 chain
            return self.operator.role in ("town_head", "city_office", "bureau")
        return super().check_action(action, parameters)

    @property
    def town(self) -> OrgUnit | None:
        return _town(self.operator)

    def load(self) -> None:
        town = self.town
        sheets = list(service.visible(self.operator, self.year, town)) if town else []
        vetoed = {v.assessment_id for v in Veto.select(Veto.assessment).where(
            Veto.assessment.in_([a.id for a in sheets]))}
        rows = [(a.id, a.person.name, f"{a.total:g}", rules.grade_label(a.earned),
                 rules.grade_label(a.grade) if a.grade else "", tr("vetoed") if a.id in vetoed else "")
                for a in sheets]
        plist = self.query_one("#asm-list", RecordList)
        plist.set_source(ListSource(rows), keep_cursor=True)
        status = tr("status", year=self.year, count=len(rows))
        if town is not None:
            try:
                findings = scheme_mod.for_town(town.code).findings
            except XinyiError as exc:
                findings, status = (), str(exc)
            if findings:  # ASM-5: the 28-vs-39 finding is shown, not hidden
                status += "\n" + tr("finding", message="；".join(f.short for f in findings))
        self.query_one("#asm-status", Static).update(status)
        self._detail(plist.current_id)

    @on(RecordList.Highlighted, "#asm-list")
    def _highlighted(self, event: RecordList.Highlighted) -> None:
        self._detail(event.record_id)

    def _detail(self, assessment_id: Any) -> None:
        self.query_one("#asm-detail", Static).update(detail_text(assessment_id) if assessment_id else "")

    @property
    def current(self) -> int | None:
        return self.query_one("#asm-list", RecordList).current_id

    def _done(self, result: Any) -> None:
        if result:
            self.load()

    def action_gather(self) -> None:
        if self.town is None:
            return
        try:
            n = len(service.open_round(self.operator, self.town, self.year))
        except XinyiError as exc:
            self.report(exc)
            return
        self.notify(tr("gathered", count=n))
        self.load()

    def action_deduct(self) -> None:
        if self.current:
            self.app.push_screen(DeductScreen(self.current), callback=self._done)

    def action_veto(self) -> None:
        if self.current:
            self.app.push_screen(VetoScreen(self.current), callback=self._done)

    def action_summary(self) -> None:
        aid = self.current
        if aid:
            self.app.push_screen(PromptScreen(tr("summary"), tr("summary_label"),
                                              lambda text: service.set_summary(self.operator, aid, text)),
                                 callback=self._done)

    def action_register(self) -> None:
        if not self.current:
            return
        try:
            service.start_registration(self.operator, self.current)
        except XinyiError as exc:
            self.report(exc)
            return
        self.notify(tr("registered"))

    def action_routine(self) -> None:
        """ASM-3: the year's routine (monthly) results behind the highlighted sheet, month by month."""
        if self.current:
            from .monthly_screens import RoutineScreen

            self.app.push_screen(RoutineScreen(self.current))

    def action_opinion(self) -> None:
        chain = approvals.for_subject(service.REG_KIND, self.current) if self.current else None
        if chain is None:
            return
        self.app.push_screen(PromptScreen(tr("opinion"), tr("opinion_label"),
                                          lambda text: approvals.decide(self.operator, chain, True, text),
                                          required=False, done=approvals.outcome), callback=self._done)


def detail_text(assessment_id: int) -> str:
    """The year's routine results (ASM-3: scored 「结合日常考核成绩」, evidence that deducts nothing),
    the deductions with their reasons and sources, the vetoes, and item-less facts as evidence."""
    a = Assessment.get_or_none(Assessment.id == assessment_id)
    if a is None:
        return ""
    lines = [tr("detail_deduction", item=d.item, reason=d.reason, points=f"{d.points:g}",
                source=d.source if d.source != "assessor" else tr("by_assessor"))
             for d in ItemDeduction.select().where(ItemDeduction.assessment == a).order_by(ItemDeduction.item)]
    lines += [tr("detail_veto", reason=v.reason) for v in Veto.select().where(Veto.assessment == a)]
    lines += [tr("detail_fact", label=f["label"]) for f in (a.facts or []) if f.get("item") is None]
    return "\n".join([routine.routine_year(a.person, a.year).summary(), *(lines or [tr("no_deductions")])])


class DeductScreen(FormScreen):
    TITLE_KEY = "assessment.screen.deduct"

    def __init__(self, assessment_id: int) -> None:
        super().__init__()
        self.assessment_id = assessment_id

    def fields(self) -> list[FormField]:
        a = Assessment.get_by_id(self.assessment_id)
        sch = scheme_mod.for_town(a.town.code)
        choices = [(f"{i.no} {d.label}（{tr('whole') if d.whole else f'{d.per_unit:g}/{d.unit}'}）", f"{i.no}:{d.key}")
                   for i in sch.items for d in i.deductions]
        return [FormField("rule", tr("f_rule"), choices[0][1], choices=choices, required=True),
                FormField("units", tr("f_units"), "1", required=True),
                FormField("reason", tr("f_reason"), required=True)]

    def save(self, values: dict[str, Any]) -> Any:
        from xinyi_core import ValidationError

        item, key = values["rule"].split(":")
        try:
            units = float(values["units"])
        except ValueError:  # "两次", "" …: not a number at all
            raise ValidationError("units", "assessment.error.bad_units") from None
        return service.deduct(self.operator, self.assessment_id, int(item), key, units, values["reason"])


class VetoScreen(FormScreen):
    TITLE_KEY = "assessment.screen.veto"

    def __init__(self, assessment_id: int) -> None:
        super().__init__()
        self.assessment_id = assessment_id

    def fields(self) -> list[FormField]:
        a = Assessment.get_by_id(self.assessment_id)
        from .forms import veto_title

        codes = service.veto_codes(scheme_mod.for_town(a.town.code))
        return [FormField("code", tr("f_veto"), codes[0], choices=[(veto_title(c), c) for c in codes], required=True),
                FormField("reason", tr("f_reason"), required=True)]

    def save(self, values: dict[str, Any]) -> Any:
        return service.add_veto(self.operator, self.assessment_id, values["code"], values["reason"])


from .panel_screens import CityScreen, PanelScreen
