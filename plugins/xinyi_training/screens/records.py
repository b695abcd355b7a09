"""TRN-3 quotas by town and quarter, and a person's training record (her own, for an assistant)."""
from __future__ import annotations

from typing import Any, ClassVar, Iterable

from textual import on
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static

from xinyi_core import auth, clock, org, t
from xinyi_core.tui.screens import XinyiScreen
from xinyi_core.tui.widgets import Column, ListSource, RecordList

from .. import dialogs, rules
from ..service import quota, record
from .sessions import ReadOnlyList, outcome, score_text, tr


class QuotaScreen(XinyiScreen):
    """Who owes the quarter's articles and who is short, by town and quarter."""

    TITLE_KEY = "training.nav.quotas"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", tr("key.record")),
        Binding("left_square_bracket", "quarter(-1)", tr("key.prev_quarter"), key_display="["),
        Binding("right_square_bracket", "quarter(1)", tr("key.next_quarter"), key_display="]"),
        Binding("t", "town", t("tui.key.town")),
        Binding("o", "short", tr("key.only_short")),
        Binding("a", "article", tr("key.article")),
    ]
    PERMISSIONS = {"article": "training.articles"}
    DEFAULT_CSS = "QuotaScreen #quota { padding: 0 1; }"

    def __init__(self) -> None:
        super().__init__()
        self.quarter = rules.Quarter.of(clock.today())
        self.town_id: int | None = None
        self.only_short = False

    @property
    def several_towns(self) -> bool:
        """A city operator chooses a town (t); a town or village operator sees her own, no choice."""
        return len(self.towns) > 1

    def compose_body(self) -> Iterable[Widget]:
        self.towns = quota.towns(self.operator)
        yield Static("", id="quota-status", classes="hint")
        town = [Column(tr("col.town"), 10)] if self.several_towns else []  # one town: its name is in the status
        yield RecordList([Column(tr("col.name"), 8), *town, Column(tr("col.village"), 0),
                          Column(tr("col.quota"), 4), Column(tr("col.submitted"), 4), Column(tr("col.missing"), 4)],
                         empty=tr("empty.quota"), id="quota")

    def on_mount(self) -> None:
        self.reload()
        self.query_one("#quota").focus()

    def check_action(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        if action == "town":  # never offer a town choice she cannot use
            return self.several_towns
        return super().check_action(action, parameters)

    def scope_name(self, names: dict[int, str]) -> str:
        """What the list covers: the chosen town (or 全部镇（街道）) for the city, else her own town or village."""
        if self.several_towns:
            return names.get(self.town_id, tr("all_towns")) if self.town_id else tr("all_towns")
        return names.get(auth.scope_of(self.operator).unit_id, "")

    def reload(self) -> None:
        rows = quota.view(self.operator, self.quarter, town_id=self.town_id)
        names = org.unit_names()
        short = [r for r in rows if r.missing]
        shown = short if self.only_short else rows
        self.query_one("#quota", RecordList).set_source(ListSource([
            (r.person.id, r.person.name, *([names.get(r.person.town_id, "")] if self.several_towns else []),
             names.get(r.person.village_id, ""), r.quota, r.submitted, r.missing or "") for r in shown]),
            keep_cursor=True)
        self.query_one("#quota-status", Static).update(tr(
            "quota_status", quarter=self.quarter.zh, town=self.scope_name(names),
            owed=len(rows), short=len(short), only=tr("only_short_on") if self.only_short else ""))

    def action_quarter(self, step: int) -> None:
        self.quarter = self.quarter.next() if step > 0 else self.quarter.prev()
        self.reload()

    def action_town(self) -> None:
        if not self.several_towns:
            return
        ids = [None, *(u.id for u in self.towns)]
        self.town_id = ids[(ids.index(self.town_id) + 1) % len(ids)]
        self.reload()

    def action_short(self) -> None:
        self.only_short = not self.only_short
        self.reload()

    def action_open(self) -> None:
        person_id = self.query_one("#quota", RecordList).current_id
        if person_id is not None:
            self.app.push_screen(RecordScreen(person_id, where=self.screen_title()), callback=lambda _: self.reload())

    @on(RecordList.Selected, "#quota")
    def _selected(self) -> None:
        self.action_open()

    def action_article(self) -> None:
        person_id = self.query_one("#quota", RecordList).current_id
        if person_id is not None:
            self.app.push_screen(dialogs.article_form(self.operator, person_id), callback=self._reported)

    def _reported(self, article: Any) -> None:
        if article:
            self.notify(tr("form.article_saved", quarter=rules.Quarter.of(article.published_on).zh))
            self.reload()


class RecordScreen(XinyiScreen):
    """A person's training record: pre-job exam, sessions, this year's articles against the quota."""

    TITLE_KEY = "training.nav.mine"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", t("tui.key.back")),
        Binding("a", "article", tr("key.article")),
    ]
    PERMISSIONS = {"article": "training.articles"}
    DEFAULT_CSS = """
    RecordScreen #record-summary { height: auto; padding: 0 1; }
    RecordScreen #record-sessions { height: 8; padding: 0 1; }
    RecordScreen #record-articles { height: 1fr; padding: 0 1; }
    """

    def __init__(self, person_id: int | None = None, where: str = "") -> None:
        super().__init__()
        self.pushed = person_id is not None
        self.person_id = person_id
        self.where = where  # the screen it was opened from: the title says 宣传信息完成情况 › 姓名 › 培训记录

    def screen_title(self) -> str:
        if not self.pushed:
            return super().screen_title()  # 我的培训记录: her own
        # scope checked (and a refusal audited) before anything is shown; compose_body reuses it
        self.record = record.person_record(self.operator, self.person_id, clock.today().year)
        return tr("record_title", where=self.where, name=self.record.person.name)

    def compose_body(self) -> Iterable[Widget]:
        self.person_id = self.person_id or self.operator.person_id
        if self.person_id is None:  # an account with no assistant of its own (the administrator)
            yield Static(tr("empty.no_person"), id="record-summary")
            return
        if getattr(self, "record", None) is None:  # scope checked (and a refusal audited) before anything is shown
            self.record = record.person_record(self.operator, self.person_id, clock.today().year)
        yield Static("", id="record-summary")
        yield Static(tr("sessions_title"), classes="section-title")
        yield ReadOnlyList([Column(tr("col.date"), 10), Column(tr("col.title"), 0), Column(tr("col.attendance"), 14)],
                         empty=tr("empty.sessions"), id="record-sessions")
        yield Static(tr("articles_title"), classes="section-title")
        yield ReadOnlyList([Column(tr("col.date"), 10), Column(tr("col.title"), 0), Column(tr("col.outlet"), 20)],
                         empty=tr("empty.articles"), id="record-articles")

    def on_mount(self) -> None:
        if self.person_id is None:
            return
        self.show()
        self.query_one("#record-sessions").focus()

    def reload(self) -> None:
        self.record = record.person_record(self.operator, self.person_id, clock.today().year)
        self.show()

    def show(self) -> None:
        r = self.record
        rows = []
        for inv in r.invitations:
            s = inv.session
            rows.append((inv.id, s.start_on.isoformat(), f"{tr('kind.' + s.kind)}·{s.title}",
                         score_text(inv) if inv.score is not None else outcome(inv)))
        self.query_one("#record-sessions", RecordList).set_source(ListSource(rows))
        self.query_one("#record-articles", RecordList).set_source(ListSource(
            [(a.id, a.published_on.isoformat(), a.title, a.outlet) for a in r.articles]))
        passed = r.passed_exam
        exam = tr("exam_passed", date=passed.session.start_on.isoformat(), score=f"{passed.score:g}") \
            if passed else tr("exam_missing")
        quarters = "　".join(tr("quarter_count", quarter=tr(f"quarter.{q.q}"), count=r.per_quarter.get(q, 0))
                            for q in rules.quarters_of(r.year))
        self.query_one("#record-summary", Static).update("\n".join([
            tr("summary_person", name=r.person.name, exam=exam),
            tr("summary_year", year=r.year, unexcused=r.unexcused),
            tr("summary_quota", year=r.year, quota=r.quota, quarters=quarters)]))

    def action_article(self) -> None:
        self.app.push_screen(dialogs.article_form(self.operator, self.person_id), callback=self._reported)

    def _reported(self, article: Any) -> None:
        if article:
            self.notify(tr("form.article_saved", quarter=rules.Quarter.of(article.published_on).zh))
            self.reload()

    def check_action(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        if action == "back":
            return self.pushed
        if action == "article" and self.person_id is None:
            return False
        return super().check_action(action, parameters)

    def action_back(self) -> None:
        self.dismiss(None)
