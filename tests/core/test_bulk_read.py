"""``xinyi_core.bulk``'s reads give what peewee's own reading gives, on SQLite and PostgreSQL alike.

``bulk.objects`` builds model instances without peewee's per-value work (what a report hands to the
bulk hooks: a town's ``Person`` objects); a report built on it must print what it printed before, so
each object must hold exactly the values, of exactly the types, that ``list(query)`` gives —
dates, time stamps with and without fractions, NULLs, yes/no, numbers, texts, foreign keys.
(``bulk.in_ids``: tests/core/test_bulk_in_ids.py.)
"""
from __future__ import annotations

import datetime as dt

import peewee as pw

from xinyi_core import Person, bulk, db, lifecycle
from xinyi_core.testing import City


class Reading(db.BaseModel):
    text = pw.TextField()
    note = pw.CharField(null=True)
    flag = pw.BooleanField()
    day = pw.DateField(null=True)
    at = pw.DateTimeField(null=True)
    count = pw.IntegerField(null=True)
    ratio = pw.FloatField(null=True)
    person = pw.ForeignKeyField(Person, null=True)

    class Meta:
        table_name = "test_bulk_reading"


def _same(query: pw.ModelSelect) -> list[pw.Model]:
    """``bulk.objects(query)`` after checking it against ``list(query)``, value by value and type by type."""
    expected, got = list(query.clone()), bulk.objects(query.clone())
    assert [type(o) for o in got] == [type(o) for o in expected]
    for mine, theirs in zip(got, expected):
        assert mine.__data__ == theirs.__data__
        assert {k: type(v) for k, v in mine.__data__.items()} == {k: type(v) for k, v in theirs.__data__.items()}
        assert not mine._dirty and not mine.__rel__  # as fresh from the database as peewee's
    return got


def test_objects_hold_what_peewee_reads(city: City):
    db.database.create_tables([Reading])
    someone = city.people["a"][0]
    rows = [
        ("有日期", "备注", True, dt.date(2026, 3, 2), dt.datetime(2026, 3, 2, 17, 5), 3, 0.25, someone.id),
        ("时间带小数", None, False, dt.date(2026, 12, 31), dt.datetime(2026, 12, 31, 23, 59, 59, 123456), -7, 1e-9, None),
        ("全空", None, False, None, None, None, None, None),
        ("整点", "", True, dt.date(2026, 1, 1), dt.datetime(2026, 1, 1), 0, 2.0, someone.id),
    ]
    Reading.insert_many(rows, fields=[Reading.text, Reading.note, Reading.flag, Reading.day, Reading.at,
                                      Reading.count, Reading.ratio, Reading.person]).execute()
    got = _same(Reading.select().order_by(Reading.id))
    assert got[0].day == dt.date(2026, 3, 2) and got[1].at.microsecond == 123456 and got[2].at is None
    assert got[0].flag is True and got[0].person_id == someone.id and got[0].person.name == someone.name
    # some of the fields, filtered through a join, and no row at all
    _same(Reading.select(Reading.id, Reading.day).join(Person).where(Person.town == city.towns[0]).order_by(Reading.id))
    assert bulk.objects(Reading.select().where(Reading.id < 0)) == []
    # people, as a report reads a town's roll
    people = _same(Person.select().where(Person.town == city.towns[0]).order_by(Person.name_initials, Person.id))
    assert people and all(isinstance(p.birth_date, dt.date) for p in people)


def test_objects_leave_other_shapes_to_peewee(xinyi: lifecycle.Runtime):
    """A time stamp in a shape peewee's formats do not read stays as peewee leaves it; a query selecting
    an expression is read by peewee itself."""
    db.database.create_tables([Reading])
    Reading.insert(text="x", flag=True).execute()
    if db.is_sqlite():  # SQLite stores any text: what an old or foreign writer may have left there
        db.database.execute_sql(f"UPDATE {Reading._meta.table_name} SET at = '2026-03-02T17:05:00', day = '2026-3-2'")
    _same(Reading.select())
    mixed = Reading.select(Reading.id, pw.fn.UPPER(Reading.text).alias("loud"))
    assert [r.loud for r in bulk.objects(mixed)] == ["X"]
