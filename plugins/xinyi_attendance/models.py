"""The attendance tables.

One :class:`AttendanceDay` row per assistant per day holds everything the
monthly summary adds up — sign-in/out and their late/early flags, the excusing
mark seen at the end of the day, the absenteeism candidate and the clerk's
decision — so the summary is one ``GROUP BY`` over one table.
"""
from __future__ import annotations

from typing import Any

import peewee as pw

from xinyi_core import BaseModel, JSONField, Operator, OrgUnit, Person

ABSENCE_STATES = ("open", "confirmed", "cleared")


class AttendanceClerk(BaseModel):
    """ATT-2: the one attendance clerk a town centre names."""

    town = pw.ForeignKeyField(OrgUnit, unique=True, on_delete="CASCADE")
    operator = pw.ForeignKeyField(Operator, on_delete="CASCADE")
    named_by_id = pw.IntegerField(null=True)
    named_at = pw.DateTimeField()


class AttendanceDay(BaseModel):
    """One assistant's day: sign-in/out (ATT-2), excuse, and 旷工 candidate (ATT-5)."""

    person = pw.ForeignKeyField(Person, on_delete="CASCADE")
    town = pw.ForeignKeyField(OrgUnit, on_delete="CASCADE")  # where the day was kept
    date = pw.DateField()
    sign_in = pw.TimeField(null=True)
    sign_out = pw.TimeField(null=True)
    in_by_id = pw.IntegerField(null=True)  # operator who recorded it (the assistant, or the clerk)
    out_by_id = pw.IntegerField(null=True)
    late = pw.BooleanField(default=False)
    early = pw.BooleanField(default=False)
    excuse = pw.CharField(max_length=20, null=True)  # mark kind seen at end of day: leave, training …
    excuse_label = pw.CharField(max_length=60, default="")
    failed_checks = pw.IntegerField(default=0)  # phone checks that did not find her at the post
    absence = pw.CharField(max_length=10, null=True)  # ABSENCE_STATES
    absence_reason = pw.TextField(default="")
    absence_by_id = pw.IntegerField(null=True)
    absence_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "attendance_day"
        # (person, date): one row a day, and every per-person read. (absence, town, date): the queue of
        # open candidates and the year's confirmed days of a town are a few rows among millions.
        indexes = ((("person", "date"), True), (("town", "date"), False), (("absence", "town", "date"), False))


class SignCorrection(BaseModel):
    """A correction of a sign-in/out: the original stays here with the reason (audited)."""

    day = pw.ForeignKeyField(AttendanceDay, backref="corrections", on_delete="CASCADE")
    before = JSONField()
    after = JSONField()
    reason = pw.TextField()
    by_id = pw.IntegerField()
    at = pw.DateTimeField()

    class Meta:
        table_name = "attendance_correction"


class PhoneCheck(BaseModel):
    """A phone spot check (电话随访, ATT-2): who was called, who answered, at the post or not."""

    person = pw.ForeignKeyField(Person, on_delete="CASCADE")
    town = pw.ForeignKeyField(OrgUnit, on_delete="CASCADE")
    village = pw.ForeignKeyField(OrgUnit, on_delete="CASCADE")
    called_at = pw.DateTimeField(index=True)
    answered_by = pw.CharField(max_length=40)
    at_post = pw.BooleanField()
    note = pw.TextField(default="")
    by_id = pw.IntegerField()

    class Meta:
        table_name = "attendance_phone_check"
        indexes = ((("person", "called_at"), False),)


MODELS = (AttendanceClerk, AttendanceDay, SignCorrection, PhoneCheck)


def unsigned_index(migrator: Any, db: Any) -> None:
    """Migration 2: a partial index of the few days with no sign-in (excused, candidates). The month's
    attendance rate of every town on the dashboard is then two index-only counts, not a visit to each
    of the city's ~400,000 days of the month."""
    db.execute_sql("CREATE INDEX IF NOT EXISTS attendance_day_unsigned ON attendance_day (town_id, date) "
                   "WHERE sign_in IS NULL")
