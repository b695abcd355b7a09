"""Running one job: the body every dramatiq actor shares, and the middleware
that turns retries and final failures into the job's record.
"""
from __future__ import annotations

import errno
import logging
import re
import socket
import threading
from typing import Any

import dramatiq
from dramatiq.middleware import Middleware, TimeLimitExceeded

from .. import clock, db, reports
from ..errors import XinyiError
from ..i18n import t
from .inflight import DONE, DONE_AT_ONCE, in_flight, mark
from .models import JobRecord
from .specs import JobContext, Registry, registry

REPORT_ACTOR = "xinyi.report"  # every report runs through this one actor
REPORT_QUEUE = "reports"
log = logging.getLogger(__name__)


def execute(job_id: int, kind: str, params: dict[str, Any]) -> None:
    """Run one job and record the result.

    A job costs the worker one write when it is quick: the record goes from
    queued straight to done. One that takes longer than
    :data:`~xinyi_core.jobs.inflight.InFlight.MARK_AFTER` seconds, or reports progress, is marked
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
    done = ((ctx.result or t("jobs.msg.done"))[:200], JobRecord.outputs.db_value([str(p) for p in outputs]),
            JobRecord.finished_at.db_value(clock.now()))
    if in_flight.end(job_id):
        mark(DONE, *done, job_id)
    else:
        mark(DONE_AT_ONCE, *done, JobRecord.started_at.db_value(started), job_id)
    if outputs:
        _to_outbox(job_id, [str(p) for p in outputs])


def _to_outbox(job_id: int, outputs: list[str]) -> None:
    """The files a job made, into the outbox of the operator who asked, when this process is hers
    (the in-process queue of her session); otherwise her session copies them (``outbox.sync``)."""
    try:
        from .. import outbox

        outbox.place_job(job_id, outputs)
    except Exception:  # noqa: BLE001 - the job is done; a copy that failed is made again by her session
        log.warning("could not copy the files of job %s into the outbox", job_id, exc_info=True)


_attempt = threading.local()  # how the failed delivery in this thread started, for JobState


_OS_REASONS = {errno.EACCES: "no_permission", errno.EPERM: "no_permission", errno.ENOSPC: "disk_full",
               errno.EDQUOT: "disk_full", errno.EROFS: "read_only", errno.ENOENT: "missing"}
# an absolute path of two parts or more (/var/lib/xinyi/reports/…), as an exception's text carries it
_PATH = re.compile(r"(?<![\w.])/(?:[^\s/'\"，。；：）)]+/)+[^\s'\"，。；：）)]*")


def error_text(exc: BaseException) -> str:
    """The Chinese explanation an operator sees for a failed attempt — never a server path or the
    server's name (issue 20, item 10): a file error says why in Chinese (permission, disk full …)
    without its file; any other error's text loses its paths and host name. The whole exception
    is in the worker's log for the administrator."""
    if isinstance(exc, XinyiError):
        return str(exc)
    if isinstance(exc, TimeLimitExceeded):
        return t("jobs.error.time_limit")
    if isinstance(exc, OSError) and exc.errno is not None:
        reason = _OS_REASONS.get(exc.errno)
        if reason:
            return t(f"jobs.error.os.{reason}")
        return t("jobs.error.os.other", code=errno.errorcode.get(exc.errno, str(exc.errno)))
    return t("jobs.error.unexpected", error=_scrub(f"{type(exc).__name__}: {exc}")[:500])


def _scrub(text: str) -> str:
    text = _PATH.sub("…", text)
    host = socket.gethostname()
    for name in {host, host.split(".")[0]}:
        if len(name) > 1:
            text = text.replace(name, t("jobs.error.server"))
    return text


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
