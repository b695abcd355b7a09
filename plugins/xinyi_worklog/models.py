"""The work log's tables (WORK-1, WORK-2).

A log entry belongs to the assistant who wrote it; its town is stored with it
so a search by town stays one indexed column and a later transfer does not move
old entries. Policy consultations are rows of their entry. A change to an
entry of a checked (locked) month is a :class:`Correction`: the old values are
kept there, with the reason, who and when.
"""
from __future__ import annotations

from typing import Any

import peewee as pw

from xinyi_core import BaseModel, JSONField, OrgUnit, Operator, Person

ENTRY_STATES = ("draft", "submitted")
CHANNELS = ("visit", "call")
PARTIES = ("citizen", "employer")
ITEM_STATES = ("open", "closed")  # a register item: open until closed with a note
SPOT_MODES = ("random", "all")
SPOT_RESULTS = ("ok", "problem")


class LogEntry(BaseModel):
    """One entry of 《工作日志》: what was done on a day under one duty (WORK-2)."""

    person = pw.ForeignKeyField(Person, backref="log_entries", on_delete="CASCADE")
    town = pw.ForeignKeyField(OrgUnit, null=True, on_delete="RESTRICT", index=True)
    day = pw.DateField(index=True)
    category = pw.CharField(max_length=40, index=True)
    task = pw.TextField(default="")  # the task assigned by the town centre
    progress = pw.TextField(default="")
    problems = pw.TextField(default="")
    solutions = pw.TextField(default="")  # solutions and suggestions
    state = pw.CharField(max_length=10, default="draft", index=True)
    created_at = pw.DateTimeField()
    updated_at = pw.DateTimeField()

    class Meta:
        indexes = ((("person", "day"), False),)


class Consultation(BaseModel):
    """A policy consultation given, recorded with its entry (item 4 of 附件1)."""

    entry = pw.ForeignKeyField(LogEntry, backref="consultations", on_delete="CASCADE")
    served = pw.CharField(max_length=60)  # the person served
    question = pw.TextField()
    answer = pw.TextField(default="")


class Correction(BaseModel):
    """A recorded change to an entry of a locked month: the original stays in ``before``."""

    entry = pw.ForeignKeyField(LogEntry, backref="corrections", on_delete="CASCADE")
    reason = pw.TextField()
    before = JSONField()
    after = JSONField()
    by = pw.ForeignKeyField(Operator, on_delete="RESTRICT")
    at = pw.DateTimeField()


class RegisterItem(BaseModel):
    """来访来电登记 (WORK-1): a visit or call, open until its matter is closed."""

    person = pw.ForeignKeyField(Person, backref="register_items", on_delete="CASCADE")  # the assistant
    town = pw.ForeignKeyField(OrgUnit, null=True, on_delete="RESTRICT", index=True)
    at = pw.DateTimeField(index=True)
    channel = pw.CharField(max_length=10, default="visit")
    party_kind = pw.CharField(max_length=10, default="citizen")
    party = pw.CharField(max_length=60)  # visitor or caller: a name, or an employer's name
    phone = pw.CharField(max_length=20, default="")
    matter = pw.TextField()
    handling = pw.TextField(default="")
    referred = pw.BooleanField(default=False)  # referred upward
    state = pw.CharField(max_length=10, default="open", index=True)
    closed_at = pw.DateTimeField(null=True)
    closed_by_id = pw.IntegerField(null=True)
    close_note = pw.TextField(default="")


class MonthlyCheck(BaseModel):
    """The town centre's check of one assistant's month (WORK-2); locks that month's entries."""

    person = pw.ForeignKeyField(Person, backref="log_checks", on_delete="CASCADE")
    town = pw.ForeignKeyField(OrgUnit, null=True, on_delete="RESTRICT")
    period = pw.CharField(max_length=7, index=True)  # YYYY-MM
    working_days = pw.IntegerField()
    missing_days = pw.IntegerField()
    thin_entries = pw.IntegerField()
    open_items = pw.IntegerField()
    evidence = JSONField()  # {"missing": [dates], "thin": [entry ids], "open": [item ids]}
    remarks = pw.TextField(default="")
    checked_by = pw.ForeignKeyField(Operator, on_delete="RESTRICT")
    checked_at = pw.DateTimeField()

    class Meta:
        indexes = ((("person", "period"), True),)


class SpotCheck(BaseModel):
    """A city spot check (WORK-2): who was picked, how, with which seed."""

    period = pw.CharField(max_length=7)
    mode = pw.CharField(max_length=10)
    seed = pw.BigIntegerField(null=True)
    size = pw.IntegerField()
    town = pw.ForeignKeyField(OrgUnit, null=True, on_delete="RESTRICT")  # None: the whole city
    made_by = pw.ForeignKeyField(Operator, on_delete="RESTRICT")
    made_at = pw.DateTimeField()


class SpotCheckItem(BaseModel):
    """One picked assistant of a spot check and what the reviewer found."""

    spot = pw.ForeignKeyField(SpotCheck, backref="items", on_delete="CASCADE")
    person = pw.ForeignKeyField(Person, on_delete="CASCADE")
    result = pw.CharField(max_length=10, null=True)  # ok / problem; None until reviewed
    findings = pw.TextField(default="")
    reviewed_by_id = pw.IntegerField(null=True)
    reviewed_at = pw.DateTimeField(null=True)


MODELS = (LogEntry, Consultation, Correction, RegisterItem, MonthlyCheck, SpotCheck, SpotCheckItem)


def open_register_index(migrator: Any, db: Any) -> None:
    """Migration 2: the register by (assistant, state, closing time, time), so the monthly check's
    "still open at the month's end" reads two ranges of the index alone for each assistant — her
    open items, and her items closed after the month — not every item she ever registered."""
    db.execute_sql("CREATE INDEX IF NOT EXISTS register_item_person_state_closed "
                   "ON register_item (person_id, state, closed_at, at)")


def stale_register_index(migrator: Any, db: Any) -> None:
    """Migration 3: the register by (state, time), so a home screen's "open for more than 7 days"
    counts a range of the index — a city-level operator's count of every town, 78,564 items on the
    20,000 city, was 50 ms of her home screen's to-dos, read row by row through the state index."""
    db.execute_sql("CREATE INDEX IF NOT EXISTS register_item_state_at ON register_item (state, at)")
