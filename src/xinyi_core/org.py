"""The org tree: city › town/street centre › village/community, and the posts in villages."""
from __future__ import annotations

from typing import Iterable

import peewee as pw

from . import bulk
from .db import Compiled, Param
from .errors import NotFound, ValidationError
from .models import Operator, OrgUnit, Person, Post, PostAssignment

PARENT_KIND = {"city": None, "town": "city", "village": "town"}


def add_unit(kind: str, code: str, name: str, parent: OrgUnit | None = None) -> OrgUnit:
    """Create a node; its materialised path is derived from the parent's."""
    expected = PARENT_KIND.get(kind, "?")
    if (parent.kind if parent else None) != expected:
        raise ValidationError("parent", "org.bad_parent", kind=kind)
    if not name.strip():
        raise ValidationError("name", "validation.required")
    unit = OrgUnit.create(kind=kind, code=code, name=name.strip(), parent=parent)
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    unit.save(only=[OrgUnit.path])
    return unit


def city() -> OrgUnit:
    unit = OrgUnit.get_or_none(OrgUnit.kind == "city")
    if unit is None:
        raise NotFound("org.no_city")
    return unit


def towns() -> pw.ModelSelect:
    return OrgUnit.select().where(OrgUnit.kind == "town").order_by(OrgUnit.id)


def town_codes() -> list[str]:
    return [u.code for u in towns()]


def villages(town: OrgUnit | None = None) -> pw.ModelSelect:
    q = OrgUnit.select().where(OrgUnit.kind == "village")
    if town is not None:
        q = q.where(OrgUnit.parent == town)
    return q.order_by(OrgUnit.id)


def town_of(who: OrgUnit | Person | Operator | None) -> OrgUnit | None:
    """The town (镇/街道) of an org node, of a person, or of an operator's scope.

    ``None`` above the towns (the city, a city-level operator) and for ``None``:
    the one answer to "which town is this about", for scoping town-level rows
    and for choosing the town's plugins.
    """
    if isinstance(who, Person):
        return who.town
    unit = who.scope if isinstance(who, Operator) else who
    while unit is not None and unit.kind != "town":
        unit = unit.parent
    return unit


def town_code_of(who: OrgUnit | Person | Operator | None) -> str | None:
    """The code of :func:`town_of` (``None`` at city level): the key of per-town plugins and jobs."""
    town = town_of(who)
    return town.code if town is not None else None


_BY_CODE = Compiled(lambda: OrgUnit.select().where(OrgUnit.code == Param("code")).limit(1))


def by_code(code: str) -> OrgUnit:
    """The unit of ``code`` (every report and job of a town starts here: its SQL made once)."""
    found = bulk.objects(_BY_CODE, code=code)
    if not found:
        raise NotFound("org.unknown_code", code=code)
    return found[0]


def add_post(village: OrgUnit, title: str = "协理员", vacant_since=None) -> Post:
    if village.kind != "village":
        raise ValidationError("village", "org.post_needs_village")
    return Post.create(village=village, title=title, vacant_since=vacant_since)


def vacant_posts(within: OrgUnit | None = None) -> pw.ModelSelect:
    """Posts nobody holds, oldest vacancy first."""
    q = (Post.select(Post, OrgUnit).join(OrgUnit)
         .where(Post.id.not_in(Person.select(Person.post).where(Person.post.is_null(False))))
         .order_by(Post.vacant_since, Post.id))
    if within is not None:
        q = q.where(OrgUnit.path.startswith(within.path))
    return q


def last_holders(post_ids: list[int]) -> dict[int, str]:
    """Post id → the name of the last person who held it (posts never held are left out).

    For the vacancy list (ORG-3): who was there before the post fell empty.
    """
    if not post_ids:
        return {}
    q = (PostAssignment.select(PostAssignment.post, Person.name).join(Person)
         .where(PostAssignment.post.in_(post_ids)).order_by(PostAssignment.start_on, PostAssignment.id))
    return {post_id: name for post_id, name in q.tuples()}  # later assignments overwrite earlier ones


def vacancy_counts() -> dict[int, int]:
    """Vacant posts per village id and per town id (for the org tree view).

    One grouped query: a city with thousands of vacancies builds no Post objects.
    """
    held = Person.select(Person.post).where(Person.post.is_null(False))
    q = (Post.select(Post.village, OrgUnit.parent, pw.fn.COUNT(Post.id)).join(OrgUnit)
         .where(Post.id.not_in(held)).group_by(Post.village, OrgUnit.parent).tuples())
    counts: dict[int, int] = {}
    for village_id, town_id, n in q:
        counts[village_id] = counts.get(village_id, 0) + n
        counts[town_id] = counts.get(town_id, 0) + n
    return counts


def unit(unit_id: int) -> OrgUnit:
    """One org node by id (the org tree is not personal data: names and codes only)."""
    found = OrgUnit.get_or_none(OrgUnit.id == unit_id)
    if found is None:
        raise NotFound("org.unit_not_found")
    return found


def unit_names(ids: Iterable[int] | None = None) -> dict[int, str]:
    """Org unit id → name, of every unit or of ``ids``: read once instead of joining twice per page.
    (A big city has 12,000 villages: a list of people asks for the units of the page it shows.)"""
    query = OrgUnit.select(OrgUnit.id, OrgUnit.name)
    if ids is not None:
        query = query.where(OrgUnit.id.in_(sorted(set(ids))))
    return dict(query.tuples())


def post(post_id: int) -> Post:
    """One post by id; whether an operator may fill it is the hiring service's check (ORG-3)."""
    found = Post.get_or_none(Post.id == post_id)
    if found is None:
        raise NotFound("org.post_not_found")
    return found
