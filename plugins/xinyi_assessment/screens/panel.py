"""The panel's grading screen with the ranking and the 20% cap (ASM-3), and the city view."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from textual import on
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static

from xinyi_core import XinyiError, clock, jobs, org, t, translator
from xinyi_core.tui.screens import XinyiScreen
from xinyi_core.tui.widgets import ListSource, RecordList

from .. import dialogs, rules, service
from .monthly import ReadOnlyList, RoutineScreen, col

tr = translator("assessment.screen")


class PanelScreen(XinyiScreen):
    """Ranking, proposed grades under the cap; the panel changes them and saves all at once.

    Below the ranking, the highlighted assistant's routine results of the year (ASM-3: graded
    「结合日常考核成绩」), m for them month by month — evidence beside the score, not points.
    """

    TITLE_KEY = "assessment.screen.panel"
    DEFAULT_CSS = """
    #panel-status { height: 2; padding: 0 1; color: $text-muted; }
    #panel-list { height: 1fr; }
    #panel-detail { height: 3; padding: 0 1; border-top: solid $panel; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "grade('excellent')", t("assessment.grade.excellent")),
        Binding("2", "grade('pass')", t("assessment.grade.pass")),
        Binding("3", "grade('basic')", t("assessment.grade.basic")),
        Binding("4", "grade('fail')", t("assessment.grade.fail")),
        Binding("ctrl+s", "save", t("tui.key.save")),
        Binding("u", "submit", t("assessment.key.submit")),
        Binding("m", "routine", t("assessment.key.routine")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.year = rules.assessed_year(clock.today())
        self.grades: dict[int, str] = {}
        self.explanations: dict[int, str] = {}
        self.sheets: dict[int, Any] = {}  # person id → her annual sheet

    def compose_body(self) -> Iterable[Widget]:
        yield Static("", id="panel-status")
        yield ReadOnlyList([col(tr("col_rank"), 4), col(tr("col_name"), 8), col(tr("col_total"), 6),
                            col(tr("col_earned"), 8), col(tr("col_grade"))],
                           empty=tr("empty_no_town" if self.town is None else "empty_panel"),
                           id="panel-list")
        yield Static("", id="panel-detail")

    @property
    def town(self) -> Any:
        return org.town_of(self.operator)

    def on_mount(self) -> None:
        self.query_one("#panel-list").focus()
        self.reset()

    def reset(self) -> None:
        """Start from the saved grades, else from the proposal (best ranked 优秀 up to the cap)."""
        if self.town is None:  # no town of her own: the list says so
            self.query_one("#panel-list", RecordList).set_source(ListSource([]))
            return
        ranked, cap, _ = service.panel(self.operator, self.town, self.year)
        saved = {a.person_id: a for a in service.visible(self.operator, self.year, self.town)}
        self.sheets = saved
        proposal = rules.proposed_grades(ranked, cap)
        self.grades = {pid: saved[pid].grade or proposal[pid] for pid in proposal}
        self.explanations = {pid: a.explanation for pid, a in saved.items() if a.explanation}
        self.reload()

    def reload(self) -> None:
        ranked, cap, n = service.panel(self.operator, self.town, self.year)
        rows = [(r.person_id, str(r.rank), r.name, f"{r.score:g}", rules.grade_label(r.earned),
                 rules.grade_label(self.grades.get(r.person_id, r.earned))) for r in ranked]
        plist = self.query_one("#panel-list", RecordList)
        plist.set_source(ListSource(rows), keep_cursor=True)
        self._detail(plist.current_id)
        given = sum(1 for g in self.grades.values() if g == "excellent")
        self.query_one("#panel-status", Static).update(
            tr("panel_status", year=self.year, full_time=n, cap=cap, given=given))

    @on(RecordList.Highlighted, "#panel-list")
    def _highlighted(self, event: RecordList.Highlighted) -> None:
        self._detail(event.record_id)

    def _detail(self, person_id: Any) -> None:
        """The highlighted assistant's routine year in one line (ASM-2 → ASM-3)."""
        sheet = self.sheets.get(person_id)
        self.query_one("#panel-detail", Static).update(
            service.routine_of(self.operator, sheet.id)[1].summary() if sheet else "")

    def action_routine(self) -> None:
        sheet = self.sheets.get(self.query_one("#panel-list", RecordList).current_id)
        if sheet is not None:
            self.app.push_screen(RoutineScreen(sheet.id))

    def action_grade(self, grade: str) -> None:
        pid = self.query_one("#panel-list", RecordList).current_id
        if pid is None:
            return
        if grade == "fail":  # ASM-7: a written explanation
            def keep(text: str) -> None:
                self.explanations[pid] = text
                self.grades[pid] = "fail"

            self.app.push_screen(dialogs.explanation_form(keep), callback=lambda _: self.reload())
            return
        self.grades[pid] = grade
        self.reload()

    def action_save(self) -> None:
        self.attempt(service.assign_grades, self.operator, self.town, self.year, self.grades, self.explanations,
                     done=tr("graded"))

    def action_submit(self) -> None:
        self.attempt(service.submit_package, self.operator, self.town, self.year, done=tr("submitted"), reload=False)


class CityScreen(XinyiScreen):
    """Every town's progress and grade distribution; the bureau's package in one step."""

    TITLE_KEY = "assessment.screen.city"
    DEFAULT_CSS = """
    #city-status { height: auto; max-height: 3; padding: 0 1; color: $text-muted; }
    #city-list { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("p", "package", t("assessment.key.package")),
        Binding("y", "year(-1)", t("assessment.key.prev_year")),
        Binding("n", "year(1)", t("assessment.key.next_year")),
    ]
    PERMISSIONS = {"package": "assessment.city"}

    def __init__(self) -> None:
        super().__init__()
        self.year = rules.assessed_year(clock.today())

    def compose_body(self) -> Iterable[Widget]:
        yield Static("", id="city-status")
        # one plain count per column under a whole heading: 在册 / 参评 / 已评定 / each grade
        yield ReadOnlyList([col(tr("col_town"), 10), col(tr("col_on_roll"), 4), col(tr("col_assessed"), 4),
                            col(tr("col_graded"), 4), *(col(rules.grade_label(g), 4) for g in rules.GRADES),
                            col(tr("col_state"))], empty=tr("empty_city"), id="city-list")

    def on_mount(self) -> None:
        self.query_one("#city-list").focus()
        self.reload()

    def reload(self) -> None:
        rows = [(r["town"].id, r["town"].name, r["on_roll"], r["assessed"], r["graded"],
                 *(r["grades"][g] for g in rules.GRADES), tr(f"state_{r['state']}"))
                for r in service.overview(self.operator, self.year)]
        self.query_one("#city-list", RecordList).set_source(ListSource(rows), keep_cursor=True)
        done = sum(1 for r in rows if r[-1] == tr("state_submitted"))
        status = tr("city_status", year=self.year, done=done, total=len(rows))
        try:  # ASM-5: the scheme's own inconsistencies, for the city that keeps it
            findings = service.scheme_for(None).findings
        except XinyiError as exc:
            findings, status = (), f"{status}\n{exc}"
        if findings:
            status += "\n" + tr("finding", message="；".join(f.short for f in findings))
        self.query_one("#city-status", Static).update(status)

    def action_year(self, delta: int) -> None:
        self.year += delta
        self.reload()

    def action_package(self) -> None:
        self.attempt(jobs.submit, self.operator, "assessment.package", year=self.year,
                     done=tr("package_queued"), reload=False)

