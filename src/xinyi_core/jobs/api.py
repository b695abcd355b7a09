"""What a plugin declares — actors, reports, schedules — and what a running job
or report sees: the job API, exported by :mod:`xinyi_core`.

The registry that collects the declarations of the core and of every plugin
is :mod:`xinyi_core.jobs.specs`, above this module (it needs the core's own
reports, which are written against this API).
"""
from __future__ import annotations

import datetime as dt
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from .. import org
from ..config import FULL_NUMBERS  # noqa: F401 - ReportSpec.full_numbers takes one of these
from ..errors import ValidationError
from ..fmt import mask_id, mask_phone
from ..models import OrgUnit
from .inflight import START_WITH_PROGRESS, in_flight, mark
from .models import JobRecord

PERIOD_KINDS = ("month", "quarter", "year", "none")


@dataclass(frozen=True)
class ActorSpec:
    """A background function. ``fn(job, **params)`` gets a :class:`JobContext`
    and the job's parameters (JSON values; ``town`` is always among them, None
    for the city); it may return output file paths.

    Raising :class:`xinyi_core.XinyiError` gives the operator its Chinese
    message when the job finally fails; any other exception is retried with
    backoff ``max_retries`` times first.
    """

    name: str  # unique, prefixed with the plugin's name: "leave.remind_overdue"
    fn: Callable[..., Any]
    title: str  # catalogue key of the Chinese title
    queue: str = "default"
    max_retries: int | None = None  # None: the queue's default (XINYI_JOB_RETRIES)
    time_limit_s: int = 3600
    permission: str = "reports.run"  # who may submit it by hand
    plugin: str | None = None  # filled in by the registry


@dataclass(frozen=True)
class ReportSpec:
    """A report: ``render(ctx, fmt, path)`` writes one format to ``path``.

    The core hands ``render`` a temporary path beside the final one and,
    once every format is written, renames them all into place together, so a
    report is never seen half-written nor one format without the others.
    Per-town reports write ``<report_dir>/<name>/<period>/<unit>_<period>_<title>.<fmt>``
    (``新安街道_2026年11月_月度考勤汇总.xlsx``); the city-wide variant has the city's name.

    ``full_numbers`` says which files print 身份证号 and 手机号 in full — ``"none"``
    (masked as on every list: ``320381********7581``, ``180****9908``), ``"city"``
    (only the whole city's file) or ``"all"``; ``[privacy] full_numbers`` in
    ``xinyi.toml`` overrides it per report. A renderer prints them through
    :meth:`ReportContext.id_number` and :meth:`ReportContext.phone`.

    ``by_town``: a run for the whole city also writes each town's files (the
    towns that enabled the plugin), each as ``--town`` would, reporting
    progress town by town, then the city's own files (``ctx.town`` None) in
    ``city_formats`` — e.g. every town's monthly attendance sheet and the
    city's summary of the towns in one job.
    """

    name: str  # "core.roster", "attendance.monthly"
    title: str  # catalogue key of the Chinese title
    render: Callable[["ReportContext", str, Path], None]
    formats: tuple[str, ...] = ("xlsx",)
    period: str = "month"  # one of PERIOD_KINDS: how --period is written
    city_wide: bool = True  # may run without a town (the whole city)
    permission: str = "reports.run"
    plugin: str | None = None
    full_numbers: str = "none"  # FULL_NUMBERS: where the form needs the full ID number and phone
    # a city-wide run writes every town's files (as a run for that town would, the job's progress
    # town by town) and then the city's own files in city_formats (None: every format): what a city
    # prints per town — a year of leave stubs — stays one town's size, and a town's file is the same
    # whoever ran the report
    by_town: bool = False
    city_formats: tuple[str, ...] | None = None
    # the formats a city-wide by_town run writes for each town (None: every format) — e.g. the
    # roster: each town's Word table to print, and one complete .xlsx of the city
    town_formats: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Schedule:
    """Run an actor or report on a cron schedule in the city's time zone.

    ``cron`` is a standard five-field crontab (minute hour day month weekday;
    weekday 0 or 7 is Sunday) or six fields with seconds first. ``params``
    turns the fire time into the job's parameters (e.g. :func:`previous_month`).
    With ``per_town`` the run is sent once per town that enabled the owning
    plugin; otherwise once for the city.
    """

    name: str  # unique: "core.roster.monthly"
    target: str  # an ActorSpec or ReportSpec name
    cron: str
    params: Callable[[dt.datetime], dict[str, Any]] | None = None
    per_town: bool = True
    plugin: str | None = None


def previous_month(fire_time: dt.datetime) -> dict[str, Any]:
    """``{"period": "YYYY-MM"}`` of the month before ``fire_time`` (a month-start report)."""
    first = fire_time.date().replace(day=1) - dt.timedelta(days=1)
    return {"period": f"{first:%Y-%m}"}


def current_month(fire_time: dt.datetime) -> dict[str, Any]:
    return {"period": f"{fire_time:%Y-%m}"}


class JobContext:
    """What a running job sees: its id, and a way to report progress.

    ``job_id`` is None when a report runs outside the queue (``xinyi report``
    without ``--enqueue``): progress then goes nowhere.
    """

    MIN_INTERVAL = 0.2  # seconds between progress writes: a tight loop must not hammer the database

    def __init__(self, job_id: int | None) -> None:
        self.job_id = job_id
        self._last = 0.0
        self.result = ""  # what the job panel says when it is done (Chinese); "" → 已完成

    def finish(self, message: str) -> None:
        """Say what was done, shown once the job has finished (``已发送到打印机“…”``)."""
        self.result = message

    def progress(self, fraction: float, message: str = "", *, force: bool = False) -> None:
        """Record how far the job is (0..1) and the current step (Chinese)."""
        if self.job_id is None:
            return
        now = time.monotonic()
        if not force and now - self._last < self.MIN_INTERVAL and fraction < 1:
            return
        self._last = now
        fraction = max(0.0, min(1.0, float(fraction)))
        started = in_flight.claim(self.job_id)
        if started is not None:  # the first sign of life: the record says "running" from now on
            mark(START_WITH_PROGRESS, JobRecord.started_at.db_value(started), fraction, message[:200],
                  self.job_id)
            return
        (JobRecord.update(progress=fraction, message=message[:200])
         .where(JobRecord.id == self.job_id).execute())


@dataclass
class ReportContext:
    """What a report's renderer sees."""

    spec: ReportSpec
    period: str
    town: OrgUnit | None  # None: the whole city
    job: JobContext
    params: dict[str, Any] = field(default_factory=dict)
    # whether this file prints ID numbers and phones in full (ReportSpec.full_numbers, [privacy])
    full_numbers: bool = False
    # what the renderer of one format made for the next one of the same unit (e.g. the rows both
    # the .xlsx and the .docx print): one file set's, dropped with it
    cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    # what the units of one run share: in a city-wide run of a ``by_town`` report, what each town's
    # files computed that the city's file sums (e.g. each town's totals: not computed twice), dropped
    # when the run ends. Keep it small — it lives through every town of the run — or what the city's
    # file holds anyway (the roster's roll: read once for the towns' files and the city's)
    shared: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def unit_name(self) -> str:
        return self.town.name if self.town is not None else org.city().name

    @property
    def city_run(self) -> bool:
        """Whether this file is written by a run for the whole city: the city's own file or, in a
        ``by_town`` report's city-wide run, one of the towns' files written before it (``ctx.town``
        set, the run's ``town`` parameter not)."""
        return self.params.get("town") is None

    def progress(self, fraction: float, message: str = "") -> None:
        self.job.progress(fraction, message)

    def id_number(self, value: str | None) -> str:
        """An ID number as this file prints it: in full, or ``320381********7581``."""
        return (value or "") if self.full_numbers else mask_id(value)

    def phone(self, value: str | None) -> str:
        """A phone number as this file prints it: in full, or ``180****9908``."""
        return (value or "") if self.full_numbers else mask_phone(value)


def parse_period(kind: str, text: str | None, today: dt.date) -> str:
    """Normalise ``--period``: ``2026-11`` (month), ``2026-Q4`` (quarter), ``2026`` (year)."""
    if kind == "none":
        return "-"
    if not text:
        if kind == "month":
            return f"{today:%Y-%m}"
        if kind == "quarter":
            return f"{today.year}-Q{(today.month - 1) // 3 + 1}"
        return str(today.year)
    text = unicodedata.normalize("NFKC", text).strip().upper()  # ２０２６ typed with a Chinese IME
    try:
        # years as [calendar.years] takes them: "0000-Q1" or "-001-Q1" failed only later, in the job
        if kind == "month":
            month = dt.datetime.strptime(text, "%Y-%m")
            if 1900 <= month.year < 2200:
                return f"{month.year}-{month.month:02d}"
        if kind == "quarter":
            year, q = text.split("-Q")
            if 1 <= int(q) <= 4 and len(year) == 4 and year.isdigit() and 1900 <= int(year) < 2200:
                return f"{int(year)}-Q{int(q)}"
        if kind == "year" and text.isdigit() and len(text) == 4 and 1900 <= int(text) < 2200:
            return str(int(text))  # isdigit() is true for "²" too, which int() refuses
    except ValueError:
        pass
    raise ValidationError("period", f"jobs.period.{kind}", value=text)


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of a ``YYYY-MM`` period."""
    first = dt.date.fromisoformat(period + "-01")
    nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first, nxt - dt.timedelta(days=1)
