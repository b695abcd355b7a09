"""The daily run that makes approved departures take effect once their date has come (ORG-2)."""
from __future__ import annotations

from typing import Any

from xinyi_core import ActorSpec, JobContext, Schedule

from . import service


def apply_due(job: JobContext, **_params: Any) -> list[str]:
    """Every approved departure whose planned date has come; safe to run twice (idempotent)."""
    service.apply_due()
    return []


ACTORS = [ActorSpec("departure.apply_due", apply_due, "departure.job.apply_due", permission="departure.run")]
# 00:20 every day, once for the whole city (an approval on the day itself takes effect at once).
SCHEDULES = [Schedule("departure.apply_due.daily", "departure.apply_due", "20 0 * * *", per_town=False)]
