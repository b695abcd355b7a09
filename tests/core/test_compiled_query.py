"""``db.Compiled``: a query's SQL made once, its values given at each run — on SQLite and PostgreSQL.

What would go wrong for an operator: a monthly sheet, a town's roster or a daily check run a second
time in the same worker would list the first run's town, month or people — or, with a list of a
different length, fail — if a value were kept in the SQL made the first time.
"""
from __future__ import annotations

import datetime as dt

import pytest

from xinyi_core import ValidationError, bulk, lifecycle
from xinyi_core.db import Compiled, Ids, Param, Params
from xinyi_core.models import OrgUnit, Person, TownClosure

D = dt.date


def _city() -> tuple[OrgUnit, OrgUnit, list[Person]]:
    a = OrgUnit.create(name="甲镇", code="a", kind="town")
    b = OrgUnit.create(name="乙镇", code="b", kind="town")
    people = [Person.create(name=f"人{n}", sex="F", birth_date=D(1990, 1, n + 1), id_number=f"32038119900101{n:03d}X", phone=f"1380000{n:04d}",
                            town=(a, b)[n % 2], status="active", joined_on=D(2026, 1 + n, 1))
              for n in range(6)]
    return a, b, people


# one query for the whole module, as the code declares them: compiled on its first run, then only run
_IN_TOWN = Compiled(lambda: Person.select().where((Person.town == Param("town")) & (Person.joined_on <= Param("by")))
                    .order_by(Person.id))
_BY_IDS = Compiled(lambda: Person.select(Person.name).where(Person.id.in_(Ids("ids")) | Person.name.in_(Params("names")))
                   .order_by(Person.id))


def _names(query) -> list[str]:
    return [p.name for p in query]


def test_each_run_takes_its_own_values_not_the_first_runs(xinyi: lifecycle.Runtime):
    a, b, people = _city()
    for town in (a, b, a):  # a model for a foreign key: its id, as peewee converts it
        for by in (D(2026, 2, 1), D(2026, 6, 30), D(2025, 1, 1)):
            expected = Person.select().where((Person.town == town) & (Person.joined_on <= by)).order_by(Person.id)
            assert [p.name for p in bulk.objects(_IN_TOWN, town=town, by=by)] == _names(expected)
    assert [p.name for p in bulk.objects(_IN_TOWN, town=b.id, by=D(2026, 12, 31))] == ["人1", "人3", "人5"]
    got = bulk.objects(_IN_TOWN, town=a, by=D(2026, 12, 31))[0]
    assert (got.town_id, got.birth_date, got.joined_on) == (a.id, D(1990, 1, 1), D(2026, 1, 1))  # dates read as dates


def test_lists_of_any_length_and_empty_ones(xinyi: lifecycle.Runtime):
    _, _, people = _city()
    ids = [p.id for p in people]

    def names(**values) -> list[str]:
        return [name for (name,) in _BY_IDS.run(**values).fetchall()]

    assert names(ids=ids[:1], names=["人5"]) == ["人0", "人5"]
    assert names(ids=ids[2:5], names=[]) == ["人2", "人3", "人4"]  # an empty list matches nothing
    assert names(ids=[], names=["人1", "人2", "人9"]) == ["人1", "人2"]
    assert names(ids=[], names=[]) == []
    assert names(ids={str(ids[3]), 10**12}, names=("人0",)) == ["人0", "人3"]  # a set, an id as text, a missing one


def test_only_ids_go_into_the_sql(xinyi: lifecycle.Runtime):
    _city()
    with pytest.raises(ValueError):
        _BY_IDS.run(ids=["1) OR (1=1"], names=[])
    with pytest.raises(ValidationError):
        _BY_IDS.run(ids=[2**63], names=[])  # refused as a bound parameter beyond 64 bits is
    injected = "x') OR ('1'='1"
    assert _BY_IDS.run(ids=[], names=[injected]).fetchall() == []  # a value is a parameter, never SQL


def test_tuples_reads_each_field_as_peewee_does(xinyi: lifecycle.Runtime):
    a, b, _ = _city()
    for town, day in ((a, D(2026, 3, 2)), (b, D(2026, 3, 3)), (a, D(2026, 4, 1))):
        TownClosure.create(town=town, date=day, reason="停电")
    closures = Compiled(lambda: TownClosure.select(TownClosure.town, TownClosure.date)
                        .where(TownClosure.town.in_(Ids("towns")) & TownClosure.date.between(Param("start"), Param("end")))
                        .order_by(TownClosure.date))
    march = dict(start=D(2026, 3, 1), end=D(2026, 3, 31))
    assert list(bulk.tuples(closures, towns=[a.id, b.id], **march)) == [(a.id, D(2026, 3, 2)), (b.id, D(2026, 3, 3))]
    assert list(bulk.tuples(closures, towns=[a.id], start=D(2026, 3, 1), end=D(2026, 12, 31))) == \
        list(TownClosure.select(TownClosure.town, TownClosure.date).where(TownClosure.town == a)
             .order_by(TownClosure.date).tuples())
    assert list(bulk.tuples(closures, towns=[], **march)) == []


def test_tuples_of_a_plain_query_match_peewees_own(xinyi: lifecycle.Runtime):
    _city()
    query = (Person.select(Person.id, Person.town, Person.name, Person.joined_on, Person.departed_on)
             .order_by(Person.id))
    got = list(bulk.tuples(query))
    assert got == list(query.tuples()) and len(got) == 6
    assert isinstance(got[0][3], dt.date) and got[0][4] is None
