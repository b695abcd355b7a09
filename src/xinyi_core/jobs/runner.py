"""Running one job: the body every dramatiq actor shares, and the middleware
that turns retries and final failures into the job's record.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import Any

import dramatiq
from dramatiq.middleware import Middleware, TimeLimitExceeded

from .. import clock, db
from ..errors import XinyiError
from ..i18n import t
from .models import JobRecord
from .specs import JobContext, Registry, registry

REPORT_ACTOR = "xinyi.report"  # every report runs through this one actor
REPORT_QUEUE = "reports"
log = logging.getLogger(__name__)


def execute(job_id: int, kind: str, params: dict[str, Any]) -> None:
    """Run one job and record the result.

    A job costs the worker one write when it is quick: the record goes from
    queued straight to done. One that takes longer than
    :data:`InFlight.MARK_AFTER` seconds, or reports progress, is marked
    running first (by :data:`in_flight`), so the job panel shows it working.
    The message carries kind and parameters (copied from the record at
    submit), so nothing is read. Delivery is at least once, as with any
    dramatiq actor: a message delivered again after its job finished (the
    worker died between finishing and acknowledging) runs the body again but
    finds no active record to finish, so the record ends "done" once.
    """
    started = clock.now()
    in_flight.begin(job_id, started)
    try:
        reg = registry()
        ctx = JobContext(job_id)
        if kind in reg.reports:
            from .. import reports

            outputs = reports.run(reg.reports[kind], params, ctx)
        else:
            spec = reg.actors.get(kind)
            if spec is None:
                raise XinyiError("jobs.unknown_kind", kind=kind)
            outputs = spec.fn(ctx, **params) or []
    except BaseException:
        _attempt.marked = in_flight.end(job_id)  # for JobState, in this thread
        _attempt.started = started
        raise
    done = (t("jobs.msg.done"), JobRecord.outputs.db_value([str(p) for p in outputs]),
            JobRecord.finished_at.db_value(clock.now()))
    if in_flight.end(job_id):
        _mark(_DONE, *done, job_id)
    else:
        _mark(_DONE_AT_ONCE, *done, JobRecord.started_at.db_value(started), job_id)


# Every job passes through these statements, so they are written once as SQL:
# building them with peewee costs more than running them (see
# benchmarks/jobs_throughput.py). {p} is the driver's parameter mark. Each
# delivery counts one attempt, in whichever write comes first: the "running"
# mark, or the final done/retrying/failed write of a delivery never marked.
_ACTIVE = "state IN ('queued', 'running', 'retrying')"
_START = ("UPDATE xinyi_job SET state = 'running', started_at = {p}, attempts = attempts + 1, message = {p} "
          f"WHERE id = {{p}} AND {_ACTIVE}")
_START_WITH_PROGRESS = ("UPDATE xinyi_job SET state = 'running', started_at = {p}, attempts = attempts + 1, "
                        f"progress = {{p}}, message = {{p}} WHERE id = {{p}} AND {_ACTIVE}")
_DONE = ("UPDATE xinyi_job SET state = 'done', progress = 1.0, error = NULL, active_key = NULL, message = {p}, "
         f"outputs = {{p}}, finished_at = {{p}} WHERE id = {{p}} AND {_ACTIVE}")
_DONE_AT_ONCE = ("UPDATE xinyi_job SET state = 'done', progress = 1.0, error = NULL, active_key = NULL, "
                 "message = {p}, outputs = {p}, finished_at = {p}, started_at = {p}, attempts = attempts + 1 "
                 f"WHERE id = {{p}} AND {_ACTIVE}")


def _mark(sql: str, *params: Any) -> bool:
    database = db.database.obj
    cursor = database.execute_sql(sql.format(p=database.param), params)
    return cursor.rowcount == 1


class _Entry:
    __slots__ = ("started", "due", "state", "settled")

    def __init__(self, started: dt.datetime, due: float) -> None:
        self.started = started
        self.due = due
        self.state = "pending"  # pending → marking → marked
        self.settled: threading.Event | None = None  # set when a "marking" write has finished


class InFlight:
    """The jobs running in this process's worker threads, and whether their
    records say "running" yet.

    Most jobs end within a fraction of a second; writing "running" for them
    only to overwrite it with "done" a moment later cost a third of the
    queue's throughput on PostgreSQL. So a job is marked running when it
    reports progress, or by one watcher thread once it has run
    :attr:`MARK_AFTER` seconds; the final write of a job never marked counts
    the attempt and sets ``started_at`` itself. The watcher sleeps while
    nothing runs.
    """

    MARK_AFTER = 0.3  # seconds: below what an operator watching the job panel can notice

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._jobs: dict[int, _Entry] = {}
        self._watcher: threading.Thread | None = None
        self._idle = False

    def begin(self, job_id: int, started: dt.datetime) -> None:
        with self._cond:
            self._jobs[job_id] = _Entry(started, time.monotonic() + self.MARK_AFTER)
            if self._watcher is None or not self._watcher.is_alive():
                self._watcher = threading.Thread(target=self._watch, name="xinyi-job-marker", daemon=True)
                self._watcher.start()
            elif self._idle:
                self._cond.notify()

    def end(self, job_id: int) -> bool:
        """Forget the job; True if its record was marked running (waits for a mark being written)."""
        with self._cond:
            entry = self._jobs.pop(job_id, None)
        if entry is None or entry.state == "pending":
            return False
        if entry.settled is not None:
            entry.settled.wait()
        return True

    def claim(self, job_id: int) -> dt.datetime | None:
        """For the job's first progress report: its start time if the caller must mark it running."""
        with self._cond:
            entry = self._jobs.get(job_id)
            if entry is None or entry.state != "pending":
                return None
            entry.state = "marked"  # written by the caller, in this thread, before the job can end
            return entry.started

    def _watch(self) -> None:
        while True:
            with self._cond:
                now = time.monotonic()
                due = [(job_id, e) for job_id, e in self._jobs.items() if e.state == "pending" and e.due <= now]
                for _, entry in due:
                    entry.state = "marking"
                    entry.settled = threading.Event()
                if not due:
                    self._idle = not self._jobs
                    self._cond.wait(None if self._idle else self.MARK_AFTER / 2)
                    self._idle = False
                    continue
            try:
                with db.database.connection_context():
                    for job_id, entry in due:
                        _mark(_START, JobRecord.started_at.db_value(entry.started), t("jobs.msg.started"),
                              job_id)
            except Exception:  # noqa: BLE001 - the job itself still records its end
                log.exception("could not mark jobs running")
            finally:
                for _, entry in due:
                    entry.state = "marked"
                    entry.settled.set()


in_flight = InFlight()
_attempt = threading.local()  # how the failed delivery in this thread started, for JobState


def error_text(exc: BaseException) -> str:
    """The Chinese explanation an operator sees for a failed attempt."""
    if isinstance(exc, XinyiError):
        return str(exc)
    if isinstance(exc, TimeLimitExceeded):
        return t("jobs.error.time_limit")
    return t("jobs.error.unexpected", error=f"{type(exc).__name__}: {exc}"[:500])


class JobState(Middleware):
    """Writes ``retrying``/``failed`` into the record after each failed attempt.

    Added *before* :class:`dramatiq.middleware.Retries`: ``after_*`` hooks run
    in reverse order, so this one sees the message after Retries has decided
    whether it gives up (``message.failed``).
    """

    def after_process_message(self, broker: dramatiq.Broker, message: Any, *, result: Any = None,
                              exception: BaseException | None = None) -> None:
        if exception is None or not message.args:
            return
        text = error_text(exception)
        job_id = message.args[0]  # execute(job_id, kind, params)
        counted: dict[str, Any] = {}
        if not getattr(_attempt, "marked", True):  # this delivery's attempt is counted here
            counted = {"attempts": JobRecord.attempts + 1, "started_at": _attempt.started}
        _attempt.marked = True
        if message.failed:
            (JobRecord.update(state="failed", error=text, message=t("jobs.msg.failed"), active_key=None,
                              finished_at=clock.now(), **counted)
             .where(JobRecord.id == job_id).execute())
        else:
            attempt = message.options.get("retries", 1)
            (JobRecord.update(state="retrying", error=text, message=t("jobs.msg.retrying", attempt=attempt),
                              **counted)
             .where(JobRecord.id == job_id).execute())

    def before_worker_thread_shutdown(self, broker: dramatiq.Broker, thread: Any) -> None:
        # Each worker thread has its own connection (peewee keeps them per thread).
        if db.database.obj is not None and not db.database.is_closed():
            db.database.close()


def declare(broker: dramatiq.Broker, reg: Registry, *, max_retries: int, min_backoff: int,
            max_backoff: int) -> None:
    """Declare the report actor and every plugin actor on ``broker``."""
    common = {"min_backoff": min_backoff, "max_backoff": max_backoff}
    dramatiq.Actor(execute, broker=broker, actor_name=REPORT_ACTOR, queue_name=REPORT_QUEUE, priority=0,
                   options={**common, "max_retries": max_retries, "time_limit": 3600_000})
    for spec in reg.actors.values():
        retries = max_retries if spec.max_retries is None else spec.max_retries
        dramatiq.Actor(execute, broker=broker, actor_name=spec.name, queue_name=spec.queue, priority=0,
                       options={**common, "max_retries": retries, "time_limit": spec.time_limit_s * 1000})


def actor_name(kind: str, reg: Registry) -> str:
    return REPORT_ACTOR if kind in reg.reports else kind
