"""Vacant posts for the city office, and filling one — the city's hiring act (ORG-3).

A town operator is never offered the act; if she tries anyway (another
screen, a script), ``people.hire`` refuses and audits the attempt.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping

from xinyi_core import Operator, Person, Post, ValidationError, auth, clock, org, people

from .. import rules


@dataclass(frozen=True)
class Vacancy:
    post_id: int
    town: str
    village: str
    title: str
    since: dt.date | None
    days: int | None  # calendar days empty
    last_holder: str  # who held it last, if anyone


def listing(op: Operator, today: dt.date | None = None) -> list[Vacancy]:
    """Vacant posts in ``op``'s scope, longest empty first."""
    auth.require(op, "departure.vacancies")
    today = today or clock.today()
    scope = auth.scope_of(op)
    within = None if scope.level == "city" else org.unit(scope.unit_id)
    posts = list(org.vacant_posts(within))
    names = org.unit_names()
    last = org.last_holders([p.id for p in posts])
    out = [Vacancy(p.id, names.get(p.village.parent_id, ""), p.village.name, p.title, p.vacant_since,
                   rules.days_vacant(p.vacant_since, today), last.get(p.id, "")) for p in posts]
    return sorted(out, key=lambda v: (v.days is None, -(v.days or 0), v.post_id))


def fill(op: Operator, post_id: int, data: Mapping[str, Any]) -> Person:
    """Hire a new assistant onto a vacant post. ORG-3: the city only; a town is refused and audited."""
    post = Post.get_or_none(Post.id == post_id)
    auth.require(op, "people.hire", obj=post)  # first: every town attempt is audited, vacant or not
    if post is None or Person.select().where(Person.post == post).exists():
        raise ValidationError("post", "departure.error.not_vacant")
    return people.hire(op, dict(data), post)
