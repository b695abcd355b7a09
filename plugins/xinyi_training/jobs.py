"""TRN-3 background work: the daily reminder run and the quarter's shortfall list."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from xinyi_core import ActorSpec, JobContext, OrgUnit, ReportContext, ReportSpec, Schedule, runtime, t
from xinyi_core import alerts, clock, export, org

from . import quota, rules
from .rules import Quarter
from .service import PLUGIN, setting

AUDIENCE = ("assistant", "town_clerk")


def enabled_town_ids(town_code: str | None) -> list[int]:
    """The town given, or every town that enabled this plugin (a city-wide run)."""
    if town_code:
        return [org.by_code(town_code).id]
    codes = runtime().plugins.towns_enabling(PLUGIN, org.town_codes())
    return [u.id for u in OrgUnit.select(OrgUnit.id).where((OrgUnit.kind == "town") & OrgUnit.code.in_(codes))]


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
                    days=left, last=f"{quarter.last:%m月%d日}")
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


# --------------------------------------------------------------------------- the shortfall list

def shortfall_rows(ctx: ReportContext) -> list[list[Any]]:
    quarter = Quarter.parse(ctx.period)
    towns = [ctx.town.id] if ctx.town is not None else enabled_town_ids(None)
    names = dict(OrgUnit.select(OrgUnit.id, OrgUnit.name).tuples())
    out = []
    for row in quota.town_rows(towns, quarter):
        if not row.missing:
            continue
        p = row.person
        line = [len(out) + 1, p.name]
        if ctx.town is None:
            line.append(names.get(p.town_id, ""))
        line += [names.get(p.village_id, ""), ctx.phone(p.phone), row.quota, row.submitted, row.missing]
        out.append(line)
    return out


def render_shortfall(ctx: ReportContext, fmt: str, path: Path) -> None:
    """《宣传信息缺报名单》: one row per assistant short in the quarter (TRN-3)."""
    quarter = Quarter.parse(ctx.period)
    rows = shortfall_rows(ctx)
    cols = [export.Column(t(f"{PLUGIN}.report.col.no"), 6), export.Column(t(f"{PLUGIN}.report.col.name"), 10)]
    if ctx.town is None:
        cols.append(export.Column(t(f"{PLUGIN}.report.col.town"), None, left=True))
    cols += [export.Column(t(f"{PLUGIN}.report.col.village"), None, left=True),
             export.Column(t(f"{PLUGIN}.report.col.phone"), 14), export.Column(t(f"{PLUGIN}.report.col.quota"), 8),
             export.Column(t(f"{PLUGIN}.report.col.submitted"), 8), export.Column(t(f"{PLUGIN}.report.col.missing"), 8)]
    wb, ws = export.workbook()
    ws.title = t(f"{PLUGIN}.report.sheet")
    export.table_sheet(ws, title=t(f"{PLUGIN}.report.heading", unit=ctx.unit_name, quarter=quarter.zh),
                       note=t(f"{PLUGIN}.report.note", first=quarter.first.isoformat(), last=quarter.last.isoformat(),
                              count=len(rows)),
                       columns=cols, rows=rows, landscape=False,
                       footer_note=t(f"{PLUGIN}.report.made", date=f"{clock.today():%Y年%m月%d日}"))
    wb.save(path)


def previous_quarter(fire_time: dt.datetime) -> dict[str, Any]:
    """``{"period": "YYYY-Qn"}`` of the quarter before ``fire_time`` (a quarter-start report)."""
    return {"period": Quarter.of(fire_time.date()).prev().code}


ACTORS = [ActorSpec(f"{PLUGIN}.quota_reminders", remind, f"{PLUGIN}.job.reminders_title", max_retries=2)]
REPORTS = [ReportSpec(f"{PLUGIN}.shortfall", f"{PLUGIN}.report.title", render_shortfall, period="quarter")]
SCHEDULES = [
    # every morning; the run itself decides whether a reminder is due (14 and 3 days before quarter end)
    Schedule(f"{PLUGIN}.quota_reminders.daily", f"{PLUGIN}.quota_reminders", "0 8 * * *", per_town=True),
    # the quarter's shortfall list on the first day of the next quarter, per town and for the city
    Schedule(f"{PLUGIN}.shortfall.quarterly", f"{PLUGIN}.shortfall", "0 6 1 1,4,7,10 *",
             params=previous_quarter, per_town=True),
    Schedule(f"{PLUGIN}.shortfall.quarterly.city", f"{PLUGIN}.shortfall", "10 6 1 1,4,7,10 *",
             params=previous_quarter, per_town=False),
]
