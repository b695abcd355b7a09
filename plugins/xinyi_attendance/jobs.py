"""Attendance jobs: the end-of-day run (ATT-5 candidates, ATT-6 alerts) and the schedules of it
and of the monthly summary report (ASM-2, in :mod:`.documents`).

Both are idempotent: the end-of-day run marks a day's candidates once however
often it runs, and the report for a month and town is one file at a fixed path
that a re-run replaces.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from xinyi_core import ActorSpec, JobContext, Schedule, clock, org, previous_month, runtime, t

from .service import PLUGIN


def end_of_day(job: JobContext, *, town: str | None = None, day: str | None = None) -> list[str]:
    """Mark the day's 旷工 candidates and raise ATT-6 alerts, for one town or every enabling town."""
    from .service.daily import end_of_day as run

    when = dt.date.fromisoformat(day) if day else clock.today()
    codes = [town] if town else runtime().plugins.towns_enabling(PLUGIN, org.town_codes())
    for i, code in enumerate(codes):
        result = run(org.by_code(code), when)
        job.progress((i + 1) / len(codes), t("attendance.job.done_town", town=code, candidates=result.candidates,
                                              off_post=result.off_post))
    return []


def today_params(fire_time: dt.datetime) -> dict[str, Any]:
    """The end-of-day run is for the day it fires on."""
    return {"day": fire_time.date().isoformat()}


ACTORS = [ActorSpec("attendance.end_of_day", end_of_day, "attendance.job.end_of_day", time_limit_s=1800)]
SCHEDULES = [
    # after the working day, every day (ATT-6 runs go on through weekends and holidays)
    Schedule("attendance.end_of_day", "attendance.end_of_day", "0 19 * * *", params=today_params, per_town=True),
    # ASM-2: at the start of every month, the previous month's results
    Schedule("attendance.monthly", "attendance.monthly", "0 1 1 * *", params=previous_month, per_town=True),
]
