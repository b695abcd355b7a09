"""Background work: the daily overdue-return check (ATT-6) and the schedule of the year-end stub
archive (附件4), whose report is in :mod:`.documents`."""
from __future__ import annotations

import datetime as dt
from typing import Any

from xinyi_core import ActorSpec, JobContext, Schedule, t

from . import service


def check_overdue(job: JobContext, town: str | None = None, **_: Any) -> list[str]:
    """ATT-6: raise ``overdue_return`` for leave that ended without 销假 or 续假 (safe to run twice)."""
    count = service.raise_overdue(town_code=town)
    job.progress(1.0, t("leave.report.overdue_done", count=count), force=True)
    return []


def previous_year(fire_time: dt.datetime) -> dict[str, Any]:
    return {"period": str(fire_time.year - 1)}


ACTORS = [ActorSpec("leave.check_overdue", check_overdue, "leave.report.overdue_job")]
SCHEDULES = [
    # 07:30 every day: a leave that ended yesterday is overdue from the first working day after it (ATT-6).
    Schedule("leave.check_overdue.daily", "leave.check_overdue", "30 7 * * *"),
    # 2 January: last year's stubs, per town, for the employment office.
    Schedule("leave.stubs.yearly", "leave.stubs", "0 6 2 1 *", params=previous_year),
]
