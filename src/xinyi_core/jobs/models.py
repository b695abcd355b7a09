"""The job tables: one row per background job, one row per scheduled run.

Kept apart from ``xinyi_core.models`` so that the queue code stays in one
package; the core migration (version 2) creates the tables.
"""
from __future__ import annotations

import peewee as pw

from .. import clock
from ..db import BaseModel, JSONField

# "unsent": recorded while the queue (Redis) was unreachable; sent when it is back.
JOB_STATES = ("unsent", "queued", "running", "retrying", "done", "failed")
ACTIVE_STATES = ("unsent", "queued", "running", "retrying")


class JobRecord(BaseModel):
    """Every background job — report, reminder, import — has exactly one row.

    ``active_key`` makes idempotence a database fact: it holds the job's
    idempotence key (e.g. report + period + town) while the job is queued or
    running and is cleared when it ends, so a unique index lets only one
    active job per key exist however many times it is requested.
    """

    kind = pw.CharField(max_length=80, index=True)  # actor or report name
    title = pw.CharField(max_length=200)  # Chinese, for the job panel
    params = JSONField(default=dict)
    requested_by_id = pw.IntegerField(null=True, index=True)  # None: the scheduler
    town_code = pw.CharField(max_length=40, null=True, index=True)
    state = pw.CharField(max_length=10, default="queued", index=True)
    progress = pw.FloatField(default=0.0)  # 0..1
    message = pw.CharField(max_length=200, default="")  # Chinese: the current step
    outputs = JSONField(default=list)  # file paths
    error = pw.TextField(null=True)  # Chinese, shown to the operator who asked
    attempts = pw.IntegerField(default=0)
    active_key = pw.CharField(max_length=200, null=True, unique=True)
    schedule = pw.CharField(max_length=80, null=True)  # the schedule that fired it, if any
    owner = pw.CharField(max_length=80, default="")  # "host:pid" of the process running it in-process
    created_at = pw.DateTimeField(default=clock.now, index=True)
    started_at = pw.DateTimeField(null=True)
    finished_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "xinyi_job"

    @property
    def active(self) -> bool:
        return self.state in ACTIVE_STATES


class ScheduledRun(BaseModel):
    """One fire of one schedule for one town. The unique index is the run key:
    when two scheduler processes race for the same fire, one insert wins and
    only the winner sends the job."""

    schedule = pw.CharField(max_length=80)
    town_code = pw.CharField(max_length=40, default="")  # "" for a city-level run
    fire_time = pw.DateTimeField()  # local (Asia/Shanghai) wall-clock time, naive
    job_id = pw.IntegerField(null=True)
    claimed_by = pw.CharField(max_length=80, default="")
    created_at = pw.DateTimeField(default=clock.now)

    class Meta:
        table_name = "xinyi_scheduled_run"
        indexes = ((("schedule", "town_code", "fire_time"), True),)


JOB_MODELS = (JobRecord, ScheduledRun)
