"""Every Friday at 16:00 each town gets next week's rotation."""
from __future__ import annotations

from typing import Any

from xinyi_core import ActorSpec, JobContext, Schedule, clock, org, runtime, t

from . import rules, service

PLUGIN = "duty_roster"


def publish_next_week(job: JobContext, *, town: str | None = None) -> list[str]:
    """Publish next week's rotation for ``town``, or for every town that enabled the plugin."""
    codes = [town] if town else runtime().plugins.towns_enabling(PLUGIN, org.town_codes())
    monday = rules.week_after(clock.today())
    days = sum(service.publish_week(None, org.by_code(code), monday) for code in codes)
    job.progress(1.0, t(f"{PLUGIN}.job.done", days=days), force=True)
    return []


ACTORS: list[Any] = [ActorSpec(f"{PLUGIN}.publish", publish_next_week, f"{PLUGIN}.job.title",
                               permission=f"{PLUGIN}.publish")]
SCHEDULES: list[Any] = [Schedule(f"{PLUGIN}.weekly", f"{PLUGIN}.publish", "0 16 * * 5")]  # Fridays 16:00
