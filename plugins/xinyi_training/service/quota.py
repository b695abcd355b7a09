"""TRN-3: publicity articles (宣传信息) against the quota per assistant per quarter.

Who owes a quarter's quota is decided by :func:`rules.owes_quota`; an article
counts toward the quarter of its publication date.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

import peewee as pw

from xinyi_core import FormErrors, NotFound, Operator, OrgUnit, Person, alerts, audit, auth, clock, database, validators
from xinyi_core import ValidationError, require_on_duty

from .. import rules
from ..models import Article
from ..rules import Quarter
from . import PLUGIN, setting


def quota() -> int:
    return int(setting("articles_per_quarter"))


def reminder_key(person_id: int, quarter: Quarter, days: int) -> str:
    return f"{person_id}:{quarter.code}:{days}"


@dataclass(frozen=True)
class QuotaRow:
    person: Person
    submitted: int
    quota: int

    @property
    def missing(self) -> int:
        return rules.shortfall(self.submitted, self.quota)


# --------------------------------------------------------------------------- writes

def submit_article(op: Operator, person_id: int, *, title: str, published_on: Any, outlet: str) -> Article:
    """Report an article for a person (herself, or one in the operator's scope).

    It is credited to the quarter of its publication date, so she must have been
    on duty that day (TRN-1: past the pre-job exam; ORG-2: not yet gone).
    """
    auth.require(op, "training.articles", person_id=person_id)
    person = Person.get_or_none(Person.id == person_id)
    if person is None:
        raise NotFound("person.not_found")
    if not auth.scope_of(op).contains_person(person):
        auth.deny(op, "training.articles", obj=person, person_id=person.id, key="auth.out_of_scope")
    errors: dict[str, str] = {}
    day = None
    try:
        day = validators.date(published_on, "published_on")
        if day > clock.today():
            errors["published_on"] = ValidationError("published_on", f"{PLUGIN}.error.future").message
    except ValidationError as exc:
        errors["published_on"] = exc.message
    for name, value in (("title", title), ("outlet", outlet)):
        if not (value or "").strip():
            errors[name] = ValidationError(name, f"{PLUGIN}.error.required").message
    if errors:
        raise FormErrors(errors)
    require_on_duty(op, person, day, "training.articles")  # TRN-1, ORG-2: credit only for a day on duty
    with database.atomic():
        article = Article.create(person=person, title=title.strip(), published_on=day, outlet=outlet.strip(),
                                 submitted_by_id=op.id, submitted_at=clock.now())
        audit.record(op, "training.article", article, person_id=person.id, after=audit.snapshot(article))
    quarter = Quarter.of(day)
    if counts([person.id], quarter).get(person.id, 0) >= quota():  # the reminders are answered
        close_reminders(person.id, quarter, note="quota_met")
    return article


def close_reminders(person_id: int, quarter: Quarter, *, note: str) -> None:
    for days in setting("reminder_days"):
        alerts.close_by_key(PLUGIN, reminder_key(person_id, quarter, days), note=note)


# --------------------------------------------------------------------------- reads

def counts(person_ids: Iterable[int] | pw.ModelSelect, quarter: Quarter) -> dict[int, int]:
    """Articles per person published within ``quarter``."""
    q = (Article.select(Article.person, pw.fn.COUNT(Article.id))
         .where(Article.person.in_(person_ids) & (Article.published_on.between(quarter.first, quarter.last)))
         .group_by(Article.person))
    return dict(q.tuples())


def rows(people: pw.ModelSelect, quarter: Quarter) -> list[QuotaRow]:
    """The people of ``people`` who owe ``quarter``'s quota, with what they submitted."""
    people = people.where(Person.status != "candidate")
    owing = [p for p in people if rules.owes_quota(p.status, p.joined_on, p.departed_on, quarter)]
    got = counts(people.select(Person.id).order_by(), quarter) if owing else {}  # a subquery, not 20,000 ids
    n = quota()
    return [QuotaRow(p, got.get(p.id, 0), n) for p in owing]


def town_rows(town_ids: Iterable[int] | None, quarter: Quarter) -> list[QuotaRow]:
    """Quota rows of whole towns (``None``: every town), ordered town, village, name — for jobs and reports."""
    q = Person.select().order_by(Person.town, Person.village, Person.name_initials, Person.id)
    if town_ids is not None:
        q = q.where(Person.town.in_(list(town_ids)))
    return rows(q, quarter)


def view(op: Operator, quarter: Quarter, *, town_id: int | None = None, only_short: bool = False) -> list[QuotaRow]:
    """The quota screen: who owes, who is short, within ``op``'s scope."""
    auth.require(op, "training.quotas")
    q = auth.scope_of(op).people().order_by(Person.town, Person.village, Person.name_initials, Person.id)
    if town_id:
        q = q.where(Person.town == town_id)
    out = rows(q, quarter)
    return [r for r in out if r.missing] if only_short else out


def towns(op: Operator) -> list[OrgUnit]:
    """The towns of ``op``'s scope, by place in the org tree: the quota screen's town filter."""
    auth.require(op, "training.quotas")
    return list(auth.scope_of(op).units().where(OrgUnit.kind == "town").order_by(OrgUnit.path))


def own_row(op: Operator, quarter: Quarter) -> QuotaRow | None:
    """The assistant's own row of ``quarter`` (her home screen's to-do); None when she owes none."""
    auth.require(op, "training.own")
    mine = rows(auth.scope_of(op).people().where(Person.id == (op.person_id or -1)), quarter)
    return mine[0] if mine else None


def person_articles(person_id: int, year: int | None = None) -> pw.ModelSelect:
    q = Article.select().where(Article.person == person_id)
    if year is not None:
        q = q.where(Article.published_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    return q.order_by(Article.published_on.desc(), Article.id.desc())


def year_counts(person_id: int, year: int) -> dict[Quarter, int]:
    """Articles per quarter of ``year`` for one person (one query)."""
    got: dict[Quarter, int] = {}
    for (day,) in person_articles(person_id, year).select(Article.published_on).tuples():
        got[Quarter.of(day)] = got.get(Quarter.of(day), 0) + 1
    return got


def quarters_short(person: Person, year: int, today: dt.date) -> list[tuple[Quarter, int, int]]:
    """Quarters of ``year`` already over that the person owed and fell short in: (quarter, submitted, missing)."""
    owed = [q for q in rules.quarters_of(year)
            if q.last < today and rules.owes_quota(person.status, person.joined_on, person.departed_on, q)]
    if not owed:
        return []
    got = year_counts(person.id, year)
    return [(q, got.get(q, 0), missing) for q, missing in rules.quarters_short(got, owed, quota())]


def quarters_short_bulk(people: list[Person], year: int,
                        today: dt.date) -> dict[int, list[tuple[Quarter, int, int]]]:
    """:func:`quarters_short` for many people: one query for everyone's articles of ``year``."""
    owed = {p.id: [q for q in rules.quarters_of(year)
                   if q.last < today and rules.owes_quota(p.status, p.joined_on, p.departed_on, q)] for p in people}
    ids = [pid for pid, quarters in owed.items() if quarters]
    if not ids:
        return {}
    got: dict[int, dict[Quarter, int]] = {pid: {} for pid in ids}
    for pid, day in (Article.select(Article.person, Article.published_on)
                     .where(Article.person.in_(ids)
                            & Article.published_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31))).tuples()):
        mine = got[pid]
        mine[Quarter.of(day)] = mine.get(Quarter.of(day), 0) + 1
    n = quota()
    return {pid: [(q, got[pid].get(q, 0), missing) for q, missing in rules.quarters_short(got[pid], owed[pid], n)]
            for pid in ids}
