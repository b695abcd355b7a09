"""TRN-3 quotas by town and quarter, and a person's training record (her own, for an assistant)."""
from __future__ import annotations

from typing import Any, ClassVar, Iterable

from textual import on
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Static

from xinyi_core import OrgUnit, Person, auth, clock, people, t
from xinyi_core.tui.screens import FormScreen, XinyiScreen
from xinyi_core.tui.widgets import Column, FormField, ListSource, RecordList

from . import quota, rules
from .models import Invitation, TrainingSession
from .screens import tr


class ArticleFormScreen(FormScreen):
    """Report a publicity article (TRN-3) for a person."""

    TITLE_KEY = "training.form.article_title"

    def __init__(self, person_id: int) -> None:
        super().__init__()
        self.person_id = person_id

    def fields(self) -> list[FormField]:
        return [FormField("title", tr("field.article"), required=True),
                FormField("published_on", tr("field.published_on"), clock.today().isoformat(), required=True,
                          kind="date"),
                FormField("outlet", tr("field.outlet"), placeholder=tr("form.outlet_hint"), required=True)]

    def save(self, values: dict[str, Any]) -> Any:
        article = quota.submit_article(self.operator, self.person_id, title=values["title"],
                                       published_on=values["published_on"], outlet=values["outlet"])
        self.notify(tr("form.article_saved", quarter=rules.Quarter.of(article.published_on).zh))
        return article.id


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

    def compose_body(self) -> Iterable[Widget]:
        yield Static("", id="quota-status", classes="hint")
        yield RecordList([Column(tr("col.name"), 8), Column(tr("col.town"), 10), Column(tr("col.village"), 0),
                          Column(tr("col.quota"), 4), Column(tr("col.submitted"), 4), Column(tr("col.missing"), 4)],
                         empty=tr("empty.quota"), id="quota")

    def on_mount(self) -> None:
        scope = auth.scope_of(self.operator)
        self.towns = [u for u in scope.units().where(OrgUnit.kind == "town").order_by(OrgUnit.path)]
        self.load()
        self.query_one("#quota").focus()

    def load(self) -> None:
        rows = quota.view(self.operator, self.quarter, town_id=self.town_id)
        names = dict(OrgUnit.select(OrgUnit.id, OrgUnit.name).where(OrgUnit.kind != "city").tuples())
        short = [r for r in rows if r.missing]
        shown = short if self.only_short else rows
        self.query_one("#quota", RecordList).set_source(ListSource([
            (r.person.id, r.person.name, names.get(r.person.town_id, ""), names.get(r.person.village_id, ""),
             r.quota, r.submitted, r.missing or "") for r in shown]), keep_cursor=True)
        self.query_one("#quota-status", Static).update(tr(
            "quota_status", quarter=self.quarter.zh, town=names.get(self.town_id, tr("all_towns")),
            owed=len(rows), short=len(short), only=tr("only_short_on") if self.only_short else ""))

    def action_quarter(self, step: int) -> None:
        self.quarter = self.quarter.next() if step > 0 else self.quarter.prev()
        self.load()

    def action_town(self) -> None:
        ids = [None, *(u.id for u in self.towns)] if len(self.towns) > 1 else [self.town_id]
        self.town_id = ids[(ids.index(self.town_id) + 1) % len(ids)]
        self.load()

    def action_short(self) -> None:
        self.only_short = not self.only_short
        self.load()

    def action_open(self) -> None:
        person_id = self.query_one("#quota", RecordList).current_id
        if person_id is not None:
            self.app.push_screen(RecordScreen(person_id), callback=lambda _: self.load())

    @on(RecordList.Selected, "#quota")
    def _selected(self) -> None:
        self.action_open()

    def action_article(self) -> None:
        person_id = self.query_one("#quota", RecordList).current_id
        if person_id is not None:
            self.app.push_screen(ArticleFormScreen(person_id), callback=lambda r: r and self.load())


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

    def __init__(self, person_id: int | None = None) -> None:
        super().__init__()
        self.pushed = person_id is not None
        self.person_id = person_id

    def compose_body(self) -> Iterable[Widget]:
        self.person_id = self.person_id or self.operator.person_id
        if self.person_id is None:  # an account with no assistant of its own (the administrator)
            yield Static(tr("empty.no_person"), id="record-summary")
            return
        self.person: Person = people.get(self.operator, self.person_id)  # scope checked (and audited) by the core
        yield Static("", id="record-summary")
        yield Static(tr("sessions_title"), classes="section-title")
        yield RecordList([Column(tr("col.date"), 10), Column(tr("col.title"), 0), Column(tr("col.attendance"), 14)],
                         empty=tr("empty.sessions"), id="record-sessions")
        yield Static(tr("articles_title"), classes="section-title")
        yield RecordList([Column(tr("col.date"), 10), Column(tr("col.title"), 0), Column(tr("col.outlet"), 20)],
                         empty=tr("empty.articles"), id="record-articles")

    def on_mount(self) -> None:
        if self.person_id is None:
            return
        self.load()
        self.query_one("#record-sessions").focus()

    def load(self) -> None:
        p, today = self.person, clock.today()
        invs = list(Invitation.select(Invitation, TrainingSession).join(TrainingSession)
                    .where(Invitation.person == p.id).order_by(TrainingSession.start_on.desc()).limit(200))
        rows = []
        for inv in invs:
            s = inv.session
            outcome = tr("attendance.closed") if inv.state == "closed" else tr(f"attendance.{inv.attendance or 'none'}")
            if inv.score is not None:
                outcome = tr("score", score=f"{inv.score:g}", result=tr("passed" if inv.passed else "failed"))
            rows.append((inv.id, s.start_on.isoformat(), f"{tr('kind.' + s.kind)}·{s.title}", outcome))
        self.query_one("#record-sessions", RecordList).set_source(ListSource(rows))
        articles = quota.person_articles(p.id, today.year)
        self.query_one("#record-articles", RecordList).set_source(ListSource(
            [(a.id, a.published_on.isoformat(), a.title, a.outlet) for a in articles]))
        passed = [i for i in invs if i.session.kind == "pre_job" and i.passed]
        exam = tr("exam_passed", date=passed[-1].session.start_on.isoformat(), score=f"{passed[-1].score:g}") \
            if passed else tr("exam_missing")
        unexcused = sum(1 for i in invs if i.attendance == "unexcused" and i.session.start_on.year == today.year)
        got = quota.year_counts(p.id, today.year)
        quarters = "  ".join(f"Q{q.q} {got.get(q, 0)}/{quota.quota()}" for q in rules.quarters_of(today.year))
        self.query_one("#record-summary", Static).update("\n".join([
            tr("summary_person", name=p.name, exam=exam),
            tr("summary_year", year=today.year, unexcused=unexcused),
            tr("summary_quota", year=today.year, quarters=quarters)]))

    def action_article(self) -> None:
        self.app.push_screen(ArticleFormScreen(self.person_id), callback=lambda r: r and self.load())

    def check_action(self, action: str, parameters: tuple[Any, ...]) -> bool | None:
        if action == "back":
            return self.pushed
        if action == "article" and self.person_id is None:
            return False
        return super().check_action(action, parameters)

    def action_back(self) -> None:
        self.dismiss(None)
