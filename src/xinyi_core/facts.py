"""The facts plugins publish about people, for many people at once.

Three hooks answer for one person: ``xinyi_calendar_marks``,
``xinyi_month_facts`` and ``xinyi_assessment_facts``. A report or a round
that asks them person by person pays a plugin's query once per person —
peewee compiling the same aggregate thousands of times. Each has a bulk form
(``xinyi_calendar_marks_bulk``, ``xinyi_month_facts_bulk``,
``xinyi_assessment_facts_bulk``) that takes a list of people and answers
``{person_id: [...]}`` with one grouped query per plugin.

The functions here are what the core and the plugins call instead of a loop
over the one-person hooks. Each person is answered by every plugin her town
enabled: once for all the towns that enabled the same plugins, with the bulk
hook, when it implements it (a city of a hundred towns that all run the same
plugins is one call per plugin, not a hundred); person by person, with the
one-person hook, when it does not (a third-party plugin written before the bulk
hooks still counts). The answers come in the order the one-person hook would
have given them (pluggy's call order), then any plugin that implements only the
bulk hook.

A person's answer is what the one-person hooks would have given her: the
tests compare both on the demo city.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .models import OrgUnit, Person
    from .types import AssessmentFact, CalendarMark, MonthFact

CHUNK = 2000  # people per bulk call: keeps a plugin's ``IN (…)`` list within every database's limit


def calendar_marks(people: Iterable[Person], start: dt.date, end: dt.date, *,
                   town: OrgUnit | None = None) -> dict[int, list[CalendarMark]]:
    """person id → the marks her town's plugins give her from ``start`` to ``end`` (``xinyi_calendar_marks``)."""
    return gather("xinyi_calendar_marks", people, town=town, start=start, end=end)


def month_facts(people: Iterable[Person], year: int, month: int, *,
                town: OrgUnit | None = None) -> dict[int, list[MonthFact]]:
    """person id → what her town's plugins counted in her month (``xinyi_month_facts``)."""
    return gather("xinyi_month_facts", people, town=town, year=year, month=month)


def assessment_facts(people: Iterable[Person], year: int, *,
                     town: OrgUnit | None = None) -> dict[int, list[AssessmentFact]]:
    """person id → the facts her town's plugins know for her assessment of ``year`` (``xinyi_assessment_facts``)."""
    return gather("xinyi_assessment_facts", people, town=town, year=year)


def gather(hook_name: str, people: Iterable[Person], *, town: OrgUnit | None = None,
           **kwargs: Any) -> dict[int, list[Any]]:
    """person id → the items of ``hook_name`` for her, from the plugins her town enabled.

    ``hook_name`` is the one-person hook (argument ``person``); its bulk form is
    ``hook_name + "_bulk"`` (argument ``people``, answering a dict by person
    id). Every person asked about has an entry, empty when nobody answered.
    ``town``: the town all of ``people`` belong to, when the caller knows it (a
    town's sheet) — their towns are then not looked up.
    """
    from .lifecycle import runtime  # late: the runtime imports the plugin machinery

    people = list(people)
    out: dict[int, list[Any]] = {p.id: [] for p in people}
    plugins = runtime().plugins
    groups = {town.code: people} if town is not None else _by_plugins(_by_town(people), plugins.enabled_for)
    for code, group in groups.items():
        hooks = plugins.for_town(code)
        single = {impl.plugin_name: impl for impl in getattr(hooks, hook_name).get_hookimpls()}
        bulk = {impl.plugin_name: impl for impl in getattr(hooks, hook_name + "_bulk").get_hookimpls()}
        order = [name for name in reversed(list(single))]  # pluggy calls the last registered first
        order += [name for name in reversed(list(bulk)) if name not in single]
        group_ids = [p.id for p in group]
        for name in order:
            impl = bulk.get(name)
            if impl is not None:
                for k in range(0, len(group), CHUNK):
                    answer = impl.function(**_args(impl, people=group[k:k + CHUNK], **kwargs)) or {}
                    for pid in group_ids[k:k + CHUNK]:
                        items = answer.get(pid)
                        if items:  # most people have nothing from most plugins
                            out[pid] += [item for item in items if item is not None]
                continue
            impl = single[name]
            for p in group:
                out[p.id].extend(item for item in impl.function(**_args(impl, person=p, **kwargs)) or ()
                                 if item is not None)
    return out


def for_person(hook_name: str, person: Person, **kwargs: Any) -> list[Any]:
    """The items of ``hook_name`` for one person, bulk-only plugins included."""
    return gather(hook_name, [person], **kwargs)[person.id]


def _args(impl: Any, **given: Any) -> dict[str, Any]:
    """The arguments ``impl`` declares (an implementation may leave some out, as pluggy allows)."""
    return {name: given[name] for name in impl.argnames}


def _by_plugins(by_town: dict[str | None, list[Person]],
                enabled_for: Callable[[str | None], set[str]]) -> dict[str | None, list[Person]]:
    """The towns' groups merged where the towns enabled the same plugins, each under the code of its first
    town: every plugin asked answers all of them in one call, and each person still hears only her town's."""
    merged: dict[frozenset[str], tuple[str | None, list[Person]]] = {}
    for code, group in by_town.items():
        key = frozenset(enabled_for(code))
        if key in merged:
            merged[key][1].extend(group)
        else:
            merged[key] = (code, list(group))
    return dict(merged.values())


def _by_town(people: list[Person]) -> dict[str | None, list[Person]]:
    """The people grouped by the code of their town (``None``: no town, every plugin answers)."""
    from .models import OrgUnit

    town_ids = {p.town_id for p in people if p.town_id}
    codes = dict(OrgUnit.select(OrgUnit.id, OrgUnit.code).where(OrgUnit.id.in_(list(town_ids))).tuples()) \
        if town_ids else {}
    groups: dict[str | None, list[Person]] = {}
    for p in people:
        groups.setdefault(codes.get(p.town_id) if p.town_id else None, []).append(p)
    return groups
