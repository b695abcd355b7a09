"""Assessment jobs: the annual deadline tracker and the city's package for the bureau (ASM-3),
and the schedules, among them the monthly publication (ASM-2, a report of :mod:`.documents`).

All idempotent: the publication for a month and town is one file at a fixed
path that a re-run replaces; alerts are keyed so a daily run raises each once.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from xinyi_core import (ActorSpec, JobContext, OrgUnit, Schedule, alerts, clock, date_zh, export, org,
                        previous_month, runtime, t)

from . import documents, rules
from .models import TownPackage
from .service import PLUGIN, setting


def deadlines(job: JobContext, *, town: str | None = None, day: str | None = None) -> list[str]:
    """ASM-3: open-round notices from mid-December, reminders in January, overdue alerts after the 19th."""
    today = dt.date.fromisoformat(day) if day else clock.today()
    year = rules.assessed_year(today)
    open_day, due_day = int(setting("opens_on_day") or 15), int(setting("due_day") or 20)
    phase = rules.round_phase(year, today, open_day=open_day, due_day=due_day)
    if phase == "not_open":
        return []
    codes = [town] if town else runtime().plugins.towns_enabling(PLUGIN, org.town_codes())
    before = rules.package_due(year, due_day) + dt.timedelta(days=1)  # "before 20 January"
    for code in codes:
        unit = org.by_code(code)
        pkg = TownPackage.get_or_none((TownPackage.town == unit) & (TownPackage.year == year))
        if pkg is not None and pkg.state == "submitted":
            continue
        if phase == "overdue":
            alerts.raise_alert(PLUGIN, "overdue", f"overdue:{year}:{code}",
                               t("assessment.alert.overdue", town=unit.name, year=year,
                                 before=date_zh(before, pad=True)),
                               audience=("city_office", "bureau"), rule="ASM-3", town=unit, data={"year": year})
        elif today.month == 1:
            alerts.raise_alert(PLUGIN, "remind", f"remind:{year}:{code}",
                               t("assessment.alert.remind", year=year, before=date_zh(before, pad=True)),
                               audience=("town_head", "town_clerk"), rule="ASM-3", town=unit, data={"year": year})
        else:
            alerts.raise_alert(PLUGIN, "open", f"open:{year}:{code}",
                               t("assessment.alert.open", year=year, before=date_zh(before, pad=True)),
                               audience=("town_head", "town_clerk"), rule="ASM-3", town=unit, data={"year": year})
    return []


def bureau_package(job: JobContext, *, town: str | None = None, year: int | str | None = None) -> list[str]:
    """The city's package for the bureau in one step: every town's 附件1–3 in one folder."""
    year = int(year) if year else rules.assessed_year(clock.today())
    folder = Path(runtime().config.report_dir) / "assessment.package" / str(year)
    towns = [org.by_code(town)] if town else list(org.towns().order_by(OrgUnit.code))
    out: list[str] = []
    for i, unit in enumerate(towns):
        out += [str(p) for p in documents.write_package(unit, year, folder)]
        job.progress((i + 1) / max(1, len(towns)), unit.name)
    if not town:
        out.append(str(documents.write_overview(year, folder / export.file_name(
            org.city().name, t("fmt.year", year=year), t("assessment.overview.file"), suffix="xlsx"))))
    return out


def day_params(fire_time: dt.datetime) -> dict[str, Any]:
    return {"day": fire_time.date().isoformat()}


ACTORS = [ActorSpec("assessment.deadlines", deadlines, "assessment.job.deadlines", permission="assessment.run"),
          ActorSpec("assessment.package", bureau_package, "assessment.job.package", permission="assessment.city")]
SCHEDULES = [
    # ASM-2: on the 1st of every month, the previous month's publication sheet per town
    Schedule("assessment.monthly", "assessment.monthly", "0 2 1 * *", params=previous_month, per_town=True),
    # ASM-3: every morning, once for the city (it checks every town)
    Schedule("assessment.deadlines", "assessment.deadlines", "30 7 * * *", params=day_params, per_town=False),
]
