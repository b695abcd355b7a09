"""The departure report (附件5, ORG-2) and its handover checklist."""
from __future__ import annotations

import peewee as pw

from xinyi_core import BaseModel, JSONField, OrgUnit, Person


class Departure(BaseModel):
    """One departure report: from the town centre, or proposed by the system from ATT-6.

    ``state``: proposed → (declined | pending) → (approved | rejected | withdrawn);
    approved → departed once the planned date has come. The approval itself lives in
    the core's chain (kind ``departure``, subject this record).
    """

    person = pw.ForeignKeyField(Person, backref="departures", on_delete="CASCADE")
    town = pw.ForeignKeyField(OrgUnit, null=True, on_delete="RESTRICT")  # the person's town when reported
    post_id = pw.IntegerField(null=True)  # the post held when reported (it is cleared on departure)
    category = pw.CharField(max_length=12)  # rules.CATEGORIES
    planned_on = pw.DateField(index=True)
    reason = pw.TextField(default="")
    requests = pw.TextField(default="")  # 个人需说明的事项或要求
    state = pw.CharField(max_length=12, index=True)
    source = pw.CharField(max_length=20, default="manual")  # manual / attendance (ATT-6)
    alert_id = pw.IntegerField(null=True)
    proposal = JSONField(null=True)  # the alert's data, kept as evidence
    decline_reason = pw.TextField(default="")
    created_by_id = pw.IntegerField(null=True)  # None: proposed by the system
    created_at = pw.DateTimeField()
    confirmed_by_id = pw.IntegerField(null=True)
    confirmed_at = pw.DateTimeField(null=True)
    decided_at = pw.DateTimeField(null=True)  # when the chain ended
    departed_on = pw.DateField(null=True)
    wages_stopped_on = pw.DateField(null=True)
    insurance_stopped_on = pw.DateField(null=True)
    executed_by_id = pw.IntegerField(null=True)
    executed_at = pw.DateTimeField(null=True)


class HandoverItem(BaseModel):
    """One thing to hand over (documents, materials, office equipment), confirmed by a named person."""

    departure = pw.ForeignKeyField(Departure, backref="handover", on_delete="CASCADE")
    seq = pw.IntegerField()
    label = pw.CharField(max_length=60)
    received_by = pw.CharField(max_length=40, default="")  # the named person who took it over
    confirmed_at = pw.DateTimeField(null=True)
    recorded_by_id = pw.IntegerField(null=True)  # the operator who recorded the confirmation

    class Meta:
        indexes = ((("departure", "seq"), True),)


MODELS = (Departure, HandoverItem)
