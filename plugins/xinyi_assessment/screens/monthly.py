"""The routine (monthly) assessment screens — ASM-2: the town reviews last month, then publishes it;
ASM-3: the annual assessor and the panel read one assistant's year month by month."""
from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static

from rich.cells import cell_len

from xinyi_core import clock, jobs, t, translator
from xinyi_core.tui.screens import XinyiScreen
from xinyi_core.tui.widgets import Column, ListSource, RecordList

from .. import dialogs, service
from ..service import monthly

tr = translator("assessment.screen")


def col(label: str, width: int = 0) -> Column:
    """A column at least as wide as its heading (in terminal cells: a Chinese character is two), so
    no heading is cut; ``width`` 0 takes the rest of the line."""
    return Column(label, max(width, cell_len(label)) if width else 0)


class ReadOnlyList(RecordList):
    """A list whose rows open nothing: Enter is not offered (the screen's own keys act on the row)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("enter", "select", show=False)]


class MonthlyScreen(XinyiScreen):
    """Last month's assistants on the roll; 1/2/3 record 好/合格/差 with the work done, after the
    month's attendance counts (confirmed as they are, or annotated); p publishes the sheet."""

    TITLE_KEY = "assessment.screen.monthly"
    DEFAULT_CSS = """
    #month-status { height: 1; padding: 0 1; color: $text-muted; }
    #month-list { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "review('good')", t("assessment.monthly.result.good")),
        Binding("2", "review('pass')", t("assessment.monthly.result.pass")),
        Binding("3", "review('poor')", t("assessment.monthly.result.poor")),
        Binding("p", "publish", t("assessment.key.publish")),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.period = monthly.last_period(clock.today())
        self._rows: dict[int, monthly.MonthRow] = {}

    def compose_body(self) -> Iterable[Widget]:
        yield Static("", id="month-status")
        yield ReadOnlyList([col(tr("col_name"), 8), col(t("assessment.monthly.col.marked"), 8),
                            col(t("assessment.monthly.col.result"), 8), col(t("assessment.monthly.col.work"))],
                           empty=tr("empty_month"), id="month-list")

    def on_mount(self) -> None:
        self.query_one("#month-list").focus()
        self.reload()

    def reload(self) -> None:
        rows = monthly.sheet(self.operator, self.period)
        self._rows = {r.person_id: r for r in rows}
        self.query_one("#month-list", RecordList).set_source(ListSource([
            (r.person_id, r.name, tr("days", days=r.marked_days),
             t(f"assessment.monthly.result.{r.result}") if r.result else t("assessment.monthly.unreviewed"), r.work)
            for r in rows]), keep_cursor=True)
        self.query_one("#month-status", Static).update(
            tr("month_status", period=self.period, reviewed=sum(1 for r in rows if r.result), count=len(rows)))

    def action_review(self, result: str) -> None:
        pid = self.query_one("#month-list", RecordList).current_id
        if pid is None:
            return
        self.app.push_screen(dialogs.review_form(self.operator, self._rows[pid], self.period, result),
                             callback=lambda done: self.reload() if done else None)

    def action_publish(self) -> None:
        self.attempt(jobs.submit, self.operator, "assessment.monthly", period=self.period,
                     done=tr("published"), reload=False)


class RoutineScreen(XinyiScreen):
    """One assistant's routine results of the assessed year, month by month (ASM-2 → ASM-3).

    Opened from the annual scoring and the panel's screens: the summary on top,
    then each month's result (or why there is none), 出勤情况 and work done.
    Read only; a month is reviewed on the routine assessment screen.
    """

    TITLE_KEY = "assessment.routine.title"
    DEFAULT_CSS = """
    #routine-summary { height: 2; padding: 0 1; }
    #routine-list { height: 1fr; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", t("tui.key.back"))]

    def __init__(self, assessment_id: int) -> None:
        super().__init__()
        self.assessment_id = assessment_id

    def compose(self) -> Iterable[Widget]:
        # scope checked, a refusal audited
        sheet, self.routine = service.routine_of(self.operator, self.assessment_id, detail=True)
        self.person_name = sheet.person.name
        yield from super().compose()

    def screen_title(self) -> str:
        return t(self.TITLE_KEY, name=self.person_name, year=self.routine.year)

    def compose_body(self) -> Iterable[Widget]:
        yield Static(self.routine.summary(), id="routine-summary")
        yield ReadOnlyList([col(t("assessment.routine.col_month"), 5), col(t("assessment.routine.col_result"), 6),
                            col(t("assessment.monthly.col.attendance"), 30), col(t("assessment.monthly.col.work"))],
                           id="routine-list")

    def on_mount(self) -> None:
        plist = self.query_one("#routine-list", RecordList)
        plist.set_source(ListSource([(m.month, t("assessment.routine.month", month=m.month), m.state, m.attendance,
                                      m.work) for m in self.routine.months]))
        plist.focus()

    def action_back(self) -> None:
        self.dismiss(None)
