"""Tables of the assessment plugin: the annual score sheets, their deductions and vetoes,
the town's package, and the routine (monthly) results — ASM-2 .. ASM-7."""
from __future__ import annotations

from typing import Any

import peewee as pw

from xinyi_core import BaseModel, JSONField, OrgUnit, Person


class Assessment(BaseModel):
    """One assistant's annual assessment (附件1 + 附件2).

    ``total`` and ``earned`` are recomputed from the deductions and vetoes on every
    change; ``grade`` is what the town's panel assigned (ASM-3), None until then.
    """

    person = pw.ForeignKeyField(Person, backref="assessments", on_delete="CASCADE")
    town = pw.ForeignKeyField(OrgUnit, on_delete="RESTRICT")
    year = pw.IntegerField(index=True)
    scheme_version = pw.CharField(max_length=40, default="")
    total = pw.FloatField(default=100.0)
    failed = pw.BooleanField(default=False)  # a veto (ASM-4) or ATT-5
    earned = pw.CharField(max_length=10, default="excellent")  # the grade the score earns
    grade = pw.CharField(max_length=10, null=True)  # assigned by the panel
    explanation = pw.TextField(default="")  # required for 不合格 (ASM-7)
    summary = pw.TextField(default="")  # personal summary 德、能、勤、绩、廉 (ASM-6)
    facts = JSONField(null=True)  # every fact gathered, as evidence for the assessor
    updated_at = pw.DateTimeField()

    class Meta:
        indexes = ((("person", "year"), True),)


class ItemDeduction(BaseModel):
    """One deduction on one item: from a fact (pre-filled) or entered by the assessor with a reason."""

    assessment = pw.ForeignKeyField(Assessment, backref="deductions", on_delete="CASCADE")
    item = pw.IntegerField()
    rule = pw.CharField(max_length=40)  # the scheme's deduction key
    units = pw.FloatField()
    points = pw.FloatField()
    reason = pw.TextField()
    source = pw.CharField(max_length=40, default="assessor")  # "assessor" or the fact's rule ID
    evidence = JSONField(null=True)
    entered_by_id = pw.IntegerField(null=True)


class Veto(BaseModel):
    """A reason the year fails whatever the score: a veto item (ASM-4) or ATT-5."""

    assessment = pw.ForeignKeyField(Assessment, backref="vetoes", on_delete="CASCADE")
    code = pw.CharField(max_length=20)  # "veto-1" … or the fact's rule ID ("ATT-5")
    reason = pw.TextField()
    source = pw.CharField(max_length=40, default="assessor")
    evidence = JSONField(null=True)

    class Meta:
        indexes = ((("assessment", "code"), True),)


class TownPackage(BaseModel):
    """A town's annual package (附件1–3) and where it stands against the 20 January deadline."""

    town = pw.ForeignKeyField(OrgUnit, on_delete="CASCADE")
    year = pw.IntegerField()
    state = pw.CharField(max_length=12, default="open")  # open → graded → submitted
    graded_at = pw.DateTimeField(null=True)
    submitted_at = pw.DateTimeField(null=True)
    submitted_by_id = pw.IntegerField(null=True)

    class Meta:
        indexes = ((("town", "year"), True),)


class MonthlyResult(BaseModel):
    """The routine assessment of one assistant for one month (ASM-2), reviewed by the town."""

    person = pw.ForeignKeyField(Person, backref="monthly_results", on_delete="CASCADE")
    town = pw.ForeignKeyField(OrgUnit, on_delete="RESTRICT")
    period = pw.CharField(max_length=7, index=True)  # YYYY-MM
    attendance = pw.TextField(default="")
    work = pw.TextField(default="")
    result = pw.CharField(max_length=10, default="good")  # good / pass / poor
    reviewed_by_id = pw.IntegerField(null=True)
    reviewed_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = ((("person", "period"), True),)


def dashboard_index(migrator: Any, db: Any) -> None:
    """Migration 2: the sheets by (year, town, grade, earned), so the dashboard's grades are counted from
    the index alone (12 → 5 ms for the 20,000 sheets of a year)."""
    db.execute_sql("CREATE INDEX IF NOT EXISTS assessment_year_town_grade "
                   "ON assessment (year, town_id, grade, earned)")


MODELS = (Assessment, ItemDeduction, Veto, TownPackage, MonthlyResult)
