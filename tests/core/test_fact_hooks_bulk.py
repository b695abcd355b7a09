"""The bulk fact hooks (issue 21): one grouped query per plugin for a town's people.

1. On the demo city, every built-in plugin's bulk answer is, person by person,
   what its one-person hook answers — calendar marks, month facts and
   assessment facts — and :mod:`xinyi_core.facts` gives each person what the
   loop over the one-person hooks gave.
2. A third-party plugin that implements only the one-person hooks (written
   before the bulk ones) still counts: its marks excuse a day in the work-log
   check and on the routine sheet, its month facts reach the routine sheet and
   its assessment facts (a veto) the annual sheet.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from xinyi_core import (AssessmentFact, CalendarMark, MonthFact, Person, clock, demo, facts, hookimpl, lifecycle,
                        runtime, testing)
from xinyi_core.models import OrgUnit

HOOKS = {  # one-person hook → arguments of a question asked for the demo's past year and last month
    "xinyi_calendar_marks": {"start": dt.date(2026, 1, 1), "end": dt.date(2026, 11, 25)},
    "xinyi_month_facts": {"year": 2026, "month": 10},
    "xinyi_assessment_facts": {"year": 2025},
}


@pytest.fixture(scope="module", params=testing._backends())
def demo_city(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The demo city (every built-in plugin), built once per database for this module's tests."""
    folder = tmp_path_factory.mktemp("demo")
    urls = testing.database_url.__wrapped__(request.param, folder)  # the fixture's generator: schema dropped after
    url = next(urls)
    testing.start(testing.make_config(folder, url))
    try:
        with clock.frozen(dt.date(2026, 11, 26)):
            demo.build(seed=7, assistants=60, villages=16)
    finally:
        lifecycle.shutdown()
    yield folder, url
    next(urls, None)


@pytest.fixture
def demo_runtime(demo_city: tuple[Path, str]):
    folder, url = demo_city
    rt = testing.start(testing.make_config(folder, url))
    try:
        with clock.frozen(dt.date(2026, 11, 26)):
            yield rt
    finally:
        lifecycle.shutdown()


def _towns() -> list[tuple[str, list[Person]]]:
    out = []
    for town in OrgUnit.select().where(OrgUnit.kind == "town").order_by(OrgUnit.id):
        staff = list(Person.select().where(Person.town == town).order_by(Person.id))
        if staff:
            out.append((town.code, staff))
    return out


@pytest.mark.parametrize("hook_name", sorted(HOOKS))
def test_each_plugins_bulk_answer_is_its_one_person_answer_on_the_demo_city(demo_runtime, hook_name):
    args = HOOKS[hook_name]
    seen: dict[str, int] = {}
    for code, staff in _towns():
        hooks = runtime().plugins.for_town(code)
        single = {i.plugin_name: i.function for i in getattr(hooks, hook_name).get_hookimpls()}
        bulk = {i.plugin_name: i.function for i in getattr(hooks, hook_name + "_bulk").get_hookimpls()}
        assert set(bulk) <= set(single)  # the built-in plugins keep both forms
        for plugin, answer_many in bulk.items():
            many = answer_many(people=staff, **args)
            for person in staff:
                one = list(single[plugin](person=person, **args))
                assert list(many.get(person.id, [])) == one, (plugin, person.id)
                seen[plugin] = seen.get(plugin, 0) + len(one)
    # the comparison is about real answers: every plugin with a bulk form said something on the demo city
    expected = {"xinyi_calendar_marks": {"leave", "training"}, "xinyi_month_facts": {"attendance"},
                "xinyi_assessment_facts": {"attendance", "leave", "training", "worklog"}}[hook_name]
    assert expected <= {plugin for plugin, n in seen.items() if n}, seen


@pytest.mark.parametrize("hook_name", sorted(HOOKS))
def test_the_core_gathers_what_the_one_person_hooks_give(demo_runtime, hook_name):
    args = HOOKS[hook_name]
    everyone = [p for _, staff in _towns() for p in staff]
    gathered = facts.gather(hook_name, everyone, **args)
    assert set(gathered) == {p.id for p in everyone}
    for code, staff in _towns():
        caller = getattr(runtime().plugins.for_town(code), hook_name)
        for person in staff:
            assert gathered[person.id] == [item for batch in caller(person=person, **args) for item in batch or ()]
    assert any(gathered.values())


def test_towns_that_enabled_the_same_plugins_are_asked_in_one_call(demo_city):
    """A city-wide question asks each plugin's bulk hook once for all the towns that enabled the same plugins —
    not once per town (two calls, not two per town, for the work-log check of a city) — and a town that left
    a plugin out is asked apart, without it. Every person still gets what her town's one-person hooks give."""
    from xinyi_core.config import TownConfig

    folder, url = demo_city
    testing.start(testing.make_config(folder, url))
    try:
        codes = [code for code, _ in _towns()]
    finally:
        lifecycle.shutdown()
    assert len(codes) >= 3
    odd = codes[-1]
    testing.start(testing.make_config(folder, url, towns={odd: TownConfig(plugins=("-leave",))}))
    calls: dict[str, list[set[str]]] = {}
    impls = runtime().plugins.pm.hook.xinyi_calendar_marks_bulk.get_hookimpls()
    originals = {impl: impl.function for impl in impls}
    try:
        for impl, original in originals.items():
            def counting(*, _original=original, _name=impl.plugin_name, **kwargs):
                calls.setdefault(_name, []).append({p.town.code for p in kwargs["people"]})
                return _original(**kwargs)
            impl.function = counting
        args = HOOKS["xinyi_calendar_marks"]
        everyone = [p for _, staff in _towns() for p in staff]
        with clock.frozen(dt.date(2026, 11, 26)):
            gathered = facts.calendar_marks(everyone, **args)
            assert calls["leave"] == [set(codes) - {odd}]  # one call; the town without leave not in it
            assert sorted(map(sorted, calls["training"])) == sorted([sorted(set(codes) - {odd}), [odd]])
            for code, staff in _towns():
                caller = runtime().plugins.for_town(code).xinyi_calendar_marks
                for person in staff:
                    assert gathered[person.id] == [m for batch in caller(person=person, **args) for m in batch or ()]
            assert any(m.kind == "leave" for pid, marks in gathered.items() for m in marks)
    finally:
        for impl, original in originals.items():
            impl.function = original
        lifecycle.shutdown()


def test_month_by_month_the_bulk_marks_are_the_one_person_marks(demo_runtime):
    """Each month's question too (the routine sheet's): training finds the month's few sessions first,
    then their invitations — the same marks, in the same order, as person by person."""
    seen: dict[str, int] = {}
    for month in range(1, 12):
        start = dt.date(2026, month, 1)
        end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        for code, staff in _towns():
            hooks = runtime().plugins.for_town(code)
            single = {i.plugin_name: i.function for i in hooks.xinyi_calendar_marks.get_hookimpls()}
            for impl in hooks.xinyi_calendar_marks_bulk.get_hookimpls():
                many = impl.function(people=staff, start=start, end=end)
                for person in staff:
                    assert many.get(person.id, []) == list(single[impl.plugin_name](person=person, start=start,
                                                                                    end=end)), (month, person.id)
                    seen[impl.plugin_name] = seen.get(impl.plugin_name, 0) + len(many.get(person.id, []))
    assert seen.get("training") and seen.get("leave"), seen


def test_the_routine_sheet_says_each_rows_attendance_as_the_row_does(demo_runtime):
    """The sheet formats each distinct fact once for all its rows: every row still reads as its own."""
    from xinyi_assessment.service import monthly

    said = 0
    for town in OrgUnit.select().where(OrgUnit.kind == "town"):
        rows = monthly.month_rows(town, "2026-10")
        assert monthly.attendance_texts(rows) == [r.attendance for r in rows]
        said += sum(1 for r in rows if r.counted)
    assert said  # the attendance plugin counted something in October


# --------------------------------------------------------------------------- a plugin with only the old hooks

class Legacy:
    """A third-party plugin written before the bulk hooks: one-person answers only, for the first assistant."""

    XINYI_API = "1"

    def __init__(self, day: dt.date) -> None:
        self.person_id, self.day, self.asked = 0, day, 0  # the person is chosen once the city exists

    @hookimpl
    def xinyi_calendar_marks(self, person, start, end):
        self.asked += 1
        if person.id == self.person_id and start <= self.day <= end:
            return [CalendarMark(self.day, "training", "市里的外出学习", True)]
        return []

    @hookimpl
    def xinyi_month_facts(self, person, year, month):
        return [MonthFact("X-1", "legacy.visits", "走访", 3, "次")] if person.id == self.person_id else []

    @hookimpl
    def xinyi_assessment_facts(self, person, year):
        if person.id != self.person_id:
            return []
        return [AssessmentFact("ATT-5", "外部系统记录的旷工", 6.0, item=None, veto=True, evidence=("外部",))]


def test_a_plugin_with_only_the_one_person_hooks_still_counts(tmp_path, database_url):
    import xinyi_assessment
    import xinyi_worklog
    from xinyi_assessment import service as assessment
    from xinyi_assessment.models import Veto
    from xinyi_assessment.service import monthly
    from xinyi_worklog.service import checks

    day = dt.date(2026, 5, 12)  # a Tuesday: a working day with no log entry for anyone
    legacy = Legacy(day)
    testing.start(testing.make_config(tmp_path, database_url), entry_points=False,
                  plugin_modules={"worklog": xinyi_worklog, "assessment": xinyi_assessment, "legacy": legacy})
    try:
        city = testing.build_city()
        first = city.people["a"][0]
        legacy.person_id = first.id
        with clock.frozen(dt.date(2026, 6, 3)):
            found = {c.person.id: c for c in checks.town_checklists(city.op("town_clerk", "a"), "2026-05")}
            # the legacy mark excuses her day, and only hers: the others still miss it
            assert day not in found[first.id].missing and day in found[first.id].excused
            assert all(day in c.missing for pid, c in found.items() if pid != first.id)
            assert legacy.asked == len(found)  # asked person by person (it has no bulk form)

            rows = {r.person_id: r for r in monthly.month_rows(city.towns[0], "2026-05")}
            assert rows[first.id].marked_days == 1 and "走访3次" in rows[first.id].counted
            assert all(r.marked_days == 0 and not r.counted for pid, r in rows.items() if pid != first.id)

            sheets = {a.person_id: a for a in assessment.open_round(city.op("town_clerk", "a"), city.towns[0], 2026)}
            assert sheets[first.id].failed and Veto.select().where(Veto.assessment == sheets[first.id]).exists()
            assert not any(a.failed for pid, a in sheets.items() if pid != first.id)
    finally:
        lifecycle.shutdown()
