"""One row per town and working day: who is on duty at the town centre's window."""
from __future__ import annotations

import datetime as dt

import peewee as pw

from xinyi_core import BaseModel, OrgUnit, Person


class DutySlot(BaseModel):
    town = pw.ForeignKeyField(OrgUnit, on_delete="CASCADE")
    date = pw.DateField(index=True)
    person = pw.ForeignKeyField(Person, on_delete="CASCADE")
    published_at = pw.DateTimeField(default=dt.datetime.now)

    class Meta:
        table_name = "duty_roster_slot"
        indexes = ((("town", "date"), True),)  # one assistant on duty per town and day


MODELS = (DutySlot,)
