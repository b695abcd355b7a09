"""``xinyi_core.bulk`` writes exactly the values it is given, on SQLite and PostgreSQL alike.

On PostgreSQL ``bulk.insert`` streams rows with ``COPY … FROM STDIN`` (text format) and
escapes values itself, so what an operator would see wrong if that slipped: a log entry whose
text lost its line breaks or backslashes, an empty note read back as "nothing" (NULL) or a
missing one as an empty text, a "no" read back as "yes", a date shifted. ``bulk.update`` writes
each row's values where its id is.
"""
from __future__ import annotations

import datetime as dt

import peewee as pw

from xinyi_core import bulk, db, lifecycle


class Sample(db.BaseModel):
    text = pw.TextField()
    note = pw.TextField(null=True)
    flag = pw.BooleanField()
    day = pw.DateField(null=True)
    at = pw.DateTimeField(null=True)
    count = pw.IntegerField(null=True)
    ratio = pw.FloatField(null=True)
    kind = pw.CharField(default="plain")

    class Meta:
        table_name = "test_bulk_sample"


ROWS = [
    ("第一行\n第二行", None, True, "2026-03-02", "2026-03-02 17:05:00", 3, 0.25),
    ("a\tb\\c\r\nd \\N", "", False, None, None, None, None),
    ("\\N", "None", True, "2026-12-31", "2026-12-31 23:59:59", -7, 1e-9),
    ("", "普通说明", False, "2026-01-01", None, 0, 2.0),
    ("None", "\\", True, None, "2026-01-01 00:00:00", 2**31 - 1, -0.5),
]


def test_bulk_insert_and_update_keep_every_value(xinyi: lifecycle.Runtime):
    db.database.create_tables([Sample])
    names = ("text", "note", "flag", "day", "at", "count", "ratio")
    rows = ROWS * 3  # more than one chunk below
    with db.database.atomic():
        assert bulk.insert(Sample, names, rows, chunk=4) == len(rows)
    got = list(Sample.select().order_by(Sample.id))
    assert len(got) == len(rows)
    for sample, row in zip(got, rows):
        text, note, flag, day, at, count, ratio = row
        assert sample.text == text and sample.note == note and sample.flag is flag
        assert sample.day == (dt.date.fromisoformat(day) if day else None)
        assert sample.at == (dt.datetime.fromisoformat(at) if at else None)
        assert sample.count == count and sample.ratio == ratio
        assert sample.kind == "plain"  # a field not named takes its default

    ids = [s.id for s in got]
    with db.database.atomic():
        bulk.update(Sample, ("note", "flag"), [("改\t过\n", i % 2 == 0, i) for i in ids[:7]], chunk=3)
    after = {s.id: s for s in Sample.select()}
    for i in ids[:7]:
        assert after[i].note == "改\t过\n" and after[i].flag is (i % 2 == 0)
    for i, row in zip(ids[7:], rows[7:]):
        assert after[i].note == row[1] and after[i].flag is row[2]
