"""The leave plugin's one table: a leave slip (请假审批单, 附件4).

An extension (续假) is a slip of its own whose ``root`` is the leave it
extends, so it has its own dates, days, approval chain and printed slip; the
return (销假) is recorded once, on the root.
"""
from __future__ import annotations

from typing import Any

import peewee as pw

from xinyi_core import BaseModel, Migration, Operator, OrgUnit, Person, create_tables


class LeaveRequest(BaseModel):
    person = pw.ForeignKeyField(Person, backref="leave_requests", on_delete="CASCADE")
    # Where the person worked when applying: the slip and the town's stub archive keep it.
    town = pw.ForeignKeyField(OrgUnit, on_delete="RESTRICT", backref="+")
    village = pw.ForeignKeyField(OrgUnit, on_delete="RESTRICT", backref="+")
    root = pw.ForeignKeyField("self", null=True, backref="extensions", on_delete="CASCADE")
    category = pw.CharField(max_length=12)
    other_kind = pw.CharField(max_length=40, default="")  # what "其他" is
    start_on = pw.DateField(index=True)
    end_on = pw.DateField(index=True)
    days = pw.IntegerField()
    counting = pw.CharField(max_length=10)  # working / calendar, as configured when applied
    reason = pw.TextField(default="")
    phone = pw.CharField(max_length=20, default="")
    applied_on = pw.DateField()
    state = pw.CharField(max_length=10, index=True)  # rules.STATES
    # ATT-3 emergency path: reported orally (by the assistant or a relative), recorded by the town.
    oral = pw.BooleanField(default=False)
    oral_reporter = pw.CharField(max_length=40, default="")
    oral_by_relative = pw.BooleanField(default=False)
    oral_reported_at = pw.DateTimeField(null=True)
    slip_completed_at = pw.DateTimeField(null=True)
    returned_on = pw.DateField(null=True)  # 销假: first day back on post (root only)
    returned_recorded_by = pw.IntegerField(null=True)
    note = pw.TextField(default="")  # why it was closed without a decision (departure)
    created_by = pw.ForeignKeyField(Operator, on_delete="RESTRICT", backref="+")
    created_at = pw.DateTimeField()

    class Meta:
        indexes = ((("person", "start_on"), False),)

    @property
    def family_root(self) -> "LeaveRequest":
        return self.root if self.root_id else self


MODELS = (LeaveRequest,)
def dashboard_index(migrator: Any, db: Any) -> None:
    """Migration 2: the requests by (state, start, category, days), so the dashboard's approved leave days
    by month are summed from the index alone."""
    db.execute_sql("CREATE INDEX IF NOT EXISTS leave_request_state_start "
                   "ON leave_request (state, start_on, category, days)")


MIGRATIONS = [Migration(1, "leave requests", create_tables(LeaveRequest)),
              Migration(2, "approved days by start (the dashboard's leave chart)", dashboard_index)]
