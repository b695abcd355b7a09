"""``xinyi scheduler``: fire schedules on time, exactly once per run.

APScheduler 3 keeps the clock (a :class:`CronTrigger` per schedule, in the
city's time zone). When a schedule is due, :func:`fire` claims the run key
(schedule, town, fire time) by inserting a :class:`ScheduledRun` row; the
table's unique index lets exactly one claimant win, so any number of
scheduler processes — a spare on a second machine — send each run once.
Missed runs (the scheduler was down, or killed) are coalesced into one run
if a scheduler is back within ``MISFIRE_GRACE_S`` (:func:`catch_up`).
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from typing import Any

import peewee as pw
from apscheduler.executors.base import BaseExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from .. import org
from ..db import database
from ..errors import XinyiError
from ..state import runtime
from . import _record, _send
from .models import ScheduledRun
from .specs import Schedule, registry

MISFIRE_GRACE_S = 6 * 3600
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
log = logging.getLogger(__name__)


def trigger(cron: str, timezone: str) -> CronTrigger:
    """A trigger for a crontab line (5 fields, or 6 with seconds first).

    Weekday numbers follow crontab (0 and 7 are Sunday); APScheduler 3 counts
    from Monday, so numbers are translated to names first.
    """
    fields = cron.split()
    if len(fields) not in (5, 6):
        raise XinyiError("jobs.bad_cron", cron=cron)
    second = fields.pop(0) if len(fields) == 6 else "0"
    minute, hour, day, month, weekday = fields
    weekday = ",".join(_weekday(part) for part in weekday.split(","))
    try:
        return CronTrigger(second=second, minute=minute, hour=hour, day=day, month=month,
                           day_of_week=weekday, timezone=timezone)
    except ValueError:
        raise XinyiError("jobs.bad_cron", cron=cron) from None


def _weekday(part: str) -> str:
    def name(token: str) -> str:
        return _WEEKDAYS[int(token)] if token.isdigit() and int(token) <= 7 else token

    if "-" in part and "/" not in part:
        lo, hi = part.split("-", 1)
        return f"{name(lo)}-{name(hi)}"
    return name(part)


def targets(schedule: Schedule) -> list[str | None]:
    """The towns a run goes to: those that enabled the owning plugin (None: the city)."""
    if not schedule.per_town:
        return [None]
    codes = org.town_codes()
    if schedule.plugin is None:
        return list(codes)
    return runtime().plugins.towns_enabling(schedule.plugin, codes)


def fire(schedule: Schedule, fire_time: dt.datetime, *, claimant: str = "") -> list[int]:
    """Send one run of ``schedule`` for each of its towns, unless another scheduler already did.

    ``fire_time`` is the scheduled (not actual) time, so every scheduler
    computes the same key. Returns the ids of the jobs this call sent.

    The claim and the job's record are written in one transaction: a
    scheduler killed in between leaves neither, and the run is fired again
    when a scheduler starts (:func:`catch_up`), instead of a claim without a
    job blocking the run for ever. The job is sent once both are committed.
    """
    local = fire_time.astimezone(_tz()).replace(tzinfo=None) if fire_time.tzinfo else fire_time
    params = schedule.params(local) if schedule.params else {}
    sent = []
    for town in targets(schedule):
        try:
            with database.atomic():
                run = ScheduledRun.create(schedule=schedule.name, town_code=town or "", fire_time=local,
                                          claimed_by=claimant[:80])
                job, new = _record(None, schedule.target, schedule.name, {**params, "town": town})
                ScheduledRun.update(job_id=job.id).where(ScheduledRun.id == run.id).execute()
        except pw.IntegrityError:
            continue  # another scheduler claimed this run
        except XinyiError as exc:
            log.error("schedule %s for %s: %s", schedule.name, town or "city", exc)
            continue
        try:
            if new:  # else the same report is already queued or running: that job is this run
                _send(job)
        except XinyiError as exc:  # the queue is down: the job is kept unsent, and goes when it is back
            log.error("schedule %s for %s: %s", schedule.name, town or "city", exc)
            continue
        sent.append(job.id)
    return sent


def catch_up(schedule: Schedule, cron: CronTrigger, now: dt.datetime, *, claimant: str = "") -> list[int]:
    """Fire the last run of ``schedule`` that fell due while no scheduler was running.

    APScheduler keeps its next fire times in memory, so a scheduler that was
    killed (or stopped) forgets the runs due while it was down. On start, the
    latest fire time since the schedule's last claimed run — not older than
    ``MISFIRE_GRACE_S``, the missed runs coalesced into one — is fired; the
    run key makes this a no-op if it was sent, and completes the towns a
    killed scheduler had not reached yet. A schedule that never ran is not
    caught up: nothing says a scheduler was meant to run it.
    """
    tz = _tz()
    last = (ScheduledRun.select(pw.fn.MAX(ScheduledRun.fire_time))
            .where(ScheduledRun.schedule == schedule.name).scalar())
    if last is None:
        return []
    last = last.replace(tzinfo=tz)
    due = None
    when = cron.get_next_fire_time(None, max(last, now - dt.timedelta(seconds=MISFIRE_GRACE_S)))
    while when is not None and when <= now:
        due = when
        when = cron.get_next_fire_time(when, when + dt.timedelta(microseconds=1))
    return fire(schedule, due, claimant=claimant) if due is not None else []


def _tz() -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(runtime().config.timezone)


class _RunKeyExecutor(BaseExecutor):
    """Runs a due schedule in the scheduler's thread, passing the *scheduled*
    fire times (APScheduler's job functions do not receive them)."""

    def __init__(self, on_fire: Any) -> None:
        super().__init__()
        self._on_fire = on_fire

    def _do_submit_job(self, job: Any, run_times: list[dt.datetime]) -> None:
        try:
            for run_time in run_times:
                self._on_fire(job.id, run_time)
        except Exception as exc:  # keep the scheduler alive; the log says what broke
            self._run_job_error(job.id, exc, exc.__traceback__)
        else:
            self._run_job_success(job.id, [])


class Scheduler:
    """One scheduler: APScheduler with a trigger per schedule."""

    def __init__(self, *, only: list[str] | None = None) -> None:
        cfg = runtime().config
        self.schedules = {name: s for name, s in registry().schedules.items() if only is None or name in only}
        self.claimant = f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
        self._aps = BackgroundScheduler(timezone=cfg.timezone,
                                        executors={"default": _RunKeyExecutor(self._fire)},
                                        job_defaults={"coalesce": True, "misfire_grace_time": MISFIRE_GRACE_S,
                                                      "max_instances": 1})
        self._triggers = {name: trigger(schedule.cron, cfg.timezone) for name, schedule in self.schedules.items()}
        for name, cron in self._triggers.items():
            self._aps.add_job(_never_called, cron, id=name, name=name)

    def _fire(self, name: str, run_time: dt.datetime) -> None:
        fire(self.schedules[name], run_time, claimant=self.claimant)

    def next_runs(self) -> list[tuple[str, dt.datetime | None]]:
        return [(job.id, job.next_run_time) for job in self._aps.get_jobs()]

    def start(self) -> None:
        self._aps.start()  # first: it takes the fire times from now on, catch_up those up to now
        now = dt.datetime.now(_tz())
        for name, schedule in self.schedules.items():
            try:
                catch_up(schedule, self._triggers[name], now, claimant=self.claimant)
            except Exception:  # noqa: BLE001 - one broken schedule must not keep the others from running
                log.exception("catching up schedule %s", name)

    def stop(self) -> None:
        self._aps.shutdown(wait=True)


def _never_called() -> None:  # pragma: no cover - _RunKeyExecutor calls fire() instead
    raise AssertionError("scheduled jobs run through _RunKeyExecutor")
