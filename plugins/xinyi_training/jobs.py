"""TRN-3 background work: the daily reminder run, and the schedules — among them the quarter's
shortfall list (a report of :mod:`.documents`)."""
from __future__ import annotations

import datetime as dt
from typing import Any

from xinyi_core import ActorSpec, JobContext, Schedule, alerts, clock, date_zh, t

from . import rules
from .rules import Quarter
from .service import PLUGIN, enabled_town_ids, quota, setting

AUDIENCE = ("assistant", "town_clerk")


def send_reminders(today: dt.date, town_code: str | None = None) -> int:
    """Raise the quota reminder for everyone short, if one is due ``today`` (TRN-3). Returns how many are new.

    Idempotent: an alert per (person, quarter, reminder), so running twice a day,
    or on every day of the window, raises each reminder once. A later reminder
    closes the earlier one it supersedes.
    """
    offsets = sorted(setting("reminder_days"))
    days = rules.reminder_offset(today, offsets)
    if days is None:
        return 0
    quarter = Quarter.of(today)
    left = (quarter.last - today).days
    new = 0
    for row in quota.town_rows(enabled_town_ids(town_code), quarter):
        if not row.missing or row.person.status != "on_duty":
            continue
        p = row.person
        message = t(f"{PLUGIN}.reminder", name=p.name, quarter=quarter.zh, missing=row.missing,
                    days=left, last=date_zh(quarter.last, year=False, pad=True))
        _, created = alerts.raise_alert(
            PLUGIN, "quota_reminder", quota.reminder_key(p.id, quarter, days), message, audience=AUDIENCE,
            rule="TRN-3", person=p, data={"quarter": quarter.code, "days": days, "missing": row.missing})
        new += created
        for earlier in (d for d in offsets if d > days):
            alerts.close_by_key(PLUGIN, quota.reminder_key(p.id, quarter, earlier), note="superseded")
    return new


def remind(job: JobContext, *, town: str | None = None) -> list[str]:
    """The daily actor: today's reminders for one town (or every enabled town)."""
    n = send_reminders(clock.today(), town)
    job.progress(1.0, t(f"{PLUGIN}.job.reminded", count=n), force=True)
    return []


def previous_quarter(fire_time: dt.datetime) -> dict[str, Any]:
    """``{"period": "YYYY-Qn"}`` of the quarter before ``fire_time`` (a quarter-start report)."""
    return {"period": Quarter.of(fire_time.date()).prev().code}


ACTORS = [ActorSpec(f"{PLUGIN}.quota_reminders", remind, f"{PLUGIN}.job.reminders_title", max_retries=2)]
SCHEDULES = [
    # every morning; the run itself decides whether a reminder is due (14 and 3 days before quarter end)
    Schedule(f"{PLUGIN}.quota_reminders.daily", f"{PLUGIN}.quota_reminders", "0 8 * * *", per_town=True),
    # the quarter's shortfall list on the first day of the next quarter, per town and for the city
    Schedule(f"{PLUGIN}.shortfall.quarterly", f"{PLUGIN}.shortfall", "0 6 1 1,4,7,10 *",
             params=previous_quarter, per_town=True),
    Schedule(f"{PLUGIN}.shortfall.quarterly.city", f"{PLUGIN}.shortfall", "10 6 1 1,4,7,10 *",
             params=previous_quarter, per_town=False),
]
