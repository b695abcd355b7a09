"""Which jobs run in this process, and the writes on every job's path.

Shared by the runner (a job's start and end) and :class:`JobContext` (a job's
progress), which both mark a job running the first time it shows a sign of
life; kept below both so neither has to import the other.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import Any

from .. import db
from ..i18n import t
from .models import JobRecord

log = logging.getLogger(__name__)

# Every job passes through these statements, so they are written once as SQL:
# building them with peewee costs more than running them (see
# benchmarks/jobs_throughput.py). {p} is the driver's parameter mark. Each
# delivery counts one attempt, in whichever write comes first: the "running"
# mark, or the final done/retrying/failed write of a delivery never marked.
_ACTIVE = "state IN ('queued', 'running', 'retrying')"
START = ("UPDATE xinyi_job SET state = 'running', started_at = {p}, attempts = attempts + 1, message = {p} "
         f"WHERE id = {{p}} AND {_ACTIVE}")
START_WITH_PROGRESS = ("UPDATE xinyi_job SET state = 'running', started_at = {p}, attempts = attempts + 1, "
                       f"progress = {{p}}, message = {{p}} WHERE id = {{p}} AND {_ACTIVE}")
DONE = ("UPDATE xinyi_job SET state = 'done', progress = 1.0, error = NULL, active_key = NULL, message = {p}, "
        f"outputs = {{p}}, finished_at = {{p}} WHERE id = {{p}} AND {_ACTIVE}")
DONE_AT_ONCE = ("UPDATE xinyi_job SET state = 'done', progress = 1.0, error = NULL, active_key = NULL, "
                "message = {p}, outputs = {p}, finished_at = {p}, started_at = {p}, attempts = attempts + 1 "
                f"WHERE id = {{p}} AND {_ACTIVE}")

# prepared once per connection on PostgreSQL (db.run_prepared)
_NAMES = {START: "xinyi_job_start", START_WITH_PROGRESS: "xinyi_job_start_progress", DONE: "xinyi_job_done",
          DONE_AT_ONCE: "xinyi_job_done_at_once"}


def mark(sql: str, *params: Any) -> bool:
    """Run one of the statements above; True if it changed the job's row (the job was still active).

    On PostgreSQL the "done" of a quick job (never marked running, :data:`DONE_AT_ONCE`) commits
    without waiting for its WAL flush, like the record's insert (``jobs._insert``): under I/O load
    the flush took ~6 ms, longer than the job, in every worker thread. If only a crash of the
    database server loses it, the record is back to queued and never started, which is what
    ``jobs.resend_lost`` looks for: its message was acknowledged, so the job is sent and run again —
    delivery was at least once already, and a report's run replaces its files. (In-process, without
    Redis, the next start of the app adopts it, ``jobs.adopt_orphans``.) A job marked running keeps
    a full commit of its "done" (:data:`DONE`): nothing would find a "running" record whose end was
    lost, and a plugin's own writes are never relaxed."""
    prefix = ""
    if sql is DONE_AT_ONCE and not db.is_sqlite() and not db.database.in_transaction():
        prefix = db.NO_FLUSH_WAIT  # see below
    cursor = db.run_prepared(_NAMES[sql], sql, params, prefix=prefix)
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
                        mark(START, JobRecord.started_at.db_value(entry.started), t("jobs.msg.started"),
                              job_id)
            except Exception:  # noqa: BLE001 - the job itself still records its end
                log.exception("could not mark jobs running")
            finally:
                for _, entry in due:
                    entry.state = "marked"
                    entry.settled.set()


in_flight = InFlight()  # the one per process
