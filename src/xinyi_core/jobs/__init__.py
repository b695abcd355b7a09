"""Background jobs: submit, watch, retry — on dramatiq, with one record per job.

The terminal UI and the CLI call :func:`submit` and get the job's
:class:`JobRecord` back at once; a worker (Redis) or the in-process worker
threads run it, writing state, progress, outputs and — in Chinese — the error
into that record, which the job panel shows.

Idempotence: a report's key is (report, period, town). While a job with that
key is queued or running, submitting it again returns the same record; a run
after it finished replaces the same files (``xinyi_core.reports``).
"""
from __future__ import annotations

import datetime as dt
import logging
from pathlib import PurePath
from typing import Any

import peewee as pw

from .. import audit, auth, clock
from .. import db as _db
from ..db import database
from ..errors import ConflictError, NotFound, ValidationError, XinyiError
from ..i18n import t
from ..models import Operator, OrgUnit
from ..state import runtime
from .models import ACTIVE_STATES, JOB_STATES, JobRecord, ScheduledRun
from .specs import (ActorSpec, JobContext, ReportContext, ReportSpec, Schedule, current_month, lookup, parse_period,
                    previous_month, registry)

log = logging.getLogger(__name__)


def _broker() -> Any:
    """The broker module, imported on first use: dramatiq and redis cost ~10 MB and
    ~80 ms, which an operator who never runs a job should not pay at start-up."""
    from . import broker

    return broker


__all__ = [
    "ACTIVE_STATES", "ActorSpec", "JOB_STATES", "JobContext", "JobRecord", "ReportContext", "ReportSpec",
    "QueueUnavailable", "Schedule", "ScheduledRun", "current_month", "get", "previous_month", "recent",
    "RESEND_SECONDS", "adopt_orphans", "registry", "resend_lost", "retry", "send_kept", "send_unsent", "submit",
]


def _prepare(operator: Operator | None, name: str, params: dict[str, Any]) -> tuple[dict[str, Any], str | None, str]:
    """Check the request; return normalised params, the idempotence key and the title."""
    spec: ActorSpec | ReportSpec | None = lookup(name)
    if spec is None:
        raise NotFound("jobs.unknown_kind", kind=name)
    town = params.get("town") or None
    if operator is not None:
        auth.require(operator, spec.permission)
        town = town or auth.town_code_of(operator)  # a town operator's job is her town's
    unit = _town_unit(town) if town else None
    if operator is not None and unit is not None and not auth.scope_of(operator).contains_unit(unit):
        auth.deny(operator, spec.permission, key="auth.out_of_scope")
    if town is not None and spec.plugin and spec.plugin not in runtime().plugins.enabled_for(town):
        raise XinyiError("jobs.plugin_disabled", plugin=spec.plugin, town=town)
    params = {**params, "town": town}
    title = t(spec.title)
    if isinstance(spec, ActorSpec) and isinstance(params.get("path"), str):  # 打印：请假单_郭伟志_2026-12-07.docx
        title = t("print.job.title_with_file", title=title, name=PurePath(params["path"]).name)[:200]
    key = None
    if isinstance(spec, ReportSpec):
        if unit is None and not spec.city_wide:
            raise ValidationError("town", "jobs.town_required")
        params["period"] = parse_period(spec.period, params.get("period"), clock.today())
        key = f"{name}|{params['period']}|{town or '*'}"
        title = t("jobs.report_title", title=title, unit=unit.name if unit else runtime().config.city_name,
                  period=params["period"])
    return params, key, title


def _town_unit(code: str) -> OrgUnit:
    unit = OrgUnit.get_or_none((OrgUnit.code == code) & (OrgUnit.kind == "town"))
    if unit is None:
        raise NotFound("org.unknown_code", code=code)
    return unit


def submit(operator: Operator | None, name: str, *, schedule: str | None = None, **params: Any) -> JobRecord:
    """Queue the actor or report ``name`` and return its record at once.

    ``operator`` None means the system (the scheduler). If the same report for
    the same period and town is already queued or running, that job's record
    is returned and nothing new is queued.
    """
    record, created = _record(operator, name, schedule, params)
    if created:
        _send(record)
        return record
    if _revive(record):  # the same job, already asked for: sent now, as it was stuck
        return JobRecord.get_by_id(record.id)
    return record


def _record(operator: Operator | None, name: str, schedule: str | None,
            params: dict[str, Any]) -> tuple[JobRecord, bool]:
    """Write the job's record, not yet sent: (record, True), or (the active job with the same key, False).

    Inside the caller's transaction if there is one (the scheduler's claim of a
    run): the caller sends a new record once that transaction has committed.
    """
    params, key, title = _prepare(operator, name, params)
    fields = dict(kind=name, title=title, params=params, town_code=params.get("town"), active_key=key,
                  requested_by_id=operator.id if operator else None, schedule=schedule, created_at=clock.now(),
                  owner=_broker().local_owner())
    for _ in range(3):  # the active job may finish between our insert and our look-up
        try:
            if operator is None and not database.in_transaction():  # the system: one statement
                return JobRecord(id=_insert(fields), **fields), True
            ours = not database.in_transaction()
            with database.atomic():  # a savepoint within a caller's transaction: a busy key must not abort it
                if ours:
                    _db.relax_commit()  # the record and its audit row: see _insert
                record = JobRecord(id=_insert(fields), **fields)
                if operator is not None:
                    audit.record(operator, "jobs.submit", record, note=title)
            return record, True
        except pw.IntegrityError:
            existing = JobRecord.get_or_none(JobRecord.active_key == key)
            if existing is not None:
                return existing, False
    raise ConflictError("jobs.busy")


# Every job's record is inserted here, so the statement is written once as SQL,
# like the runner's two updates: compiling it with peewee took longer than the
# round trip (benchmarks/jobs_throughput.py). Columns not named take the
# values a new job starts with.
_INSERTED = ("kind", "title", "params", "requested_by_id", "town_code", "active_key", "schedule", "owner",
             "created_at")
_INSERT = (f"INSERT INTO xinyi_job ({', '.join(_INSERTED)}, state, progress, message, outputs, attempts) "
           f"VALUES ({', '.join(['{p}'] * len(_INSERTED))}, 'queued', 0.0, '', '[]', 0)")


def _insert(fields: dict[str, Any]) -> int:
    """Insert a new job's row; its id. Raises ``IntegrityError`` on a duplicate active key.

    On PostgreSQL, outside a caller's transaction, the insert commits without
    waiting for its WAL flush (``SET LOCAL synchronous_commit TO off`` in the
    same implicit transaction): the flush was half the cost of a job. This is the
    durability SQLite gives every xinyi write (WAL, ``synchronous=NORMAL``): a
    killed app or worker loses nothing, only a crash of the database server
    itself can lose the last fraction of a second of new job records — the
    database stays consistent, and the operator asks again (a lost scheduled
    run is fired again on the scheduler's start, ``scheduler.catch_up``). A
    caller's transaction decides its own commit (:func:`xinyi_core.db.relax_commit`).
    The statement is prepared once per connection (:func:`xinyi_core.db.run_prepared`).
    """
    values = [getattr(JobRecord, name).db_value(fields[name]) for name in _INSERTED]
    if _db.is_sqlite():
        return _db.database.execute_sql(_INSERT.format(p="?"), values).lastrowid
    prefix = "" if _db.database.in_transaction() else _db.NO_FLUSH_WAIT
    return _db.run_prepared("xinyi_job_insert", _INSERT + " RETURNING id", values, prefix=prefix).fetchone()[0]


class QueueUnavailable(XinyiError):
    """The queue could not be reached: the job is kept ("unsent") and sent when it is back."""

    key = "jobs.error.queue_down_kept"

    def __init__(self, record: JobRecord) -> None:
        self.record = record
        super().__init__(None, id=record.id, title=record.title)


def _send(record: JobRecord) -> None:
    """Put a queued record's message on the queue; if the queue is unreachable, keep it as unsent."""
    try:
        _broker().send(record.id, record.kind, record.params)
    except Exception as exc:  # Redis is down or hung (bounded by queue.redis_timeout_ms)
        log.warning("queue unreachable, job %s kept unsent: %s", record.id, exc)
        (JobRecord.update(state="unsent", message=t("jobs.msg.unsent"),
                          error=t("jobs.error.queue_down", detail=str(exc)[:200]))
         .where((JobRecord.id == record.id) & (JobRecord.state == "queued")).execute())
        record.state = "unsent"
        raise QueueUnavailable(record) from exc


def adopt_orphans() -> bool:
    """At start-up without Redis: if an ended process on this machine left jobs
    unfinished (the app was closed or killed mid-report), start the queue here,
    which runs them again. True if it did. Cheap when there are none: one query,
    and dramatiq is not even imported."""
    from . import owner

    if runtime().config.redis_url:
        return False  # on Redis another worker gets a dead worker's messages
    owners = (JobRecord.select(JobRecord.owner).distinct()
              .where(JobRecord.state.in_(ACTIVE_STATES) & JobRecord.owner.startswith(owner.host_prefix())
                     & (JobRecord.owner != owner.this_process())))
    if not any(owner.ended(r.owner) for r in owners):
        return False
    _broker().start()
    return True


LOST_AFTER_S = 600  # a queued job older than this whose message the queue does not hold was never sent


def _waiting() -> pw.Expression:
    """Jobs on Redis waiting for a worker: queued and never started, or waiting for a retry.
    Each has a message on the queue — unless it was lost."""
    return ((((JobRecord.state == "queued") & JobRecord.started_at.is_null()) | (JobRecord.state == "retrying"))
            & (JobRecord.owner == ""))


def resend_lost(limit: int = 200) -> int:
    """On Redis: send again the waiting jobs whose messages the queue does not hold.

    A message is held from its send until its job is acknowledged
    (:func:`broker.held_jobs`), so a waiting job without one was lost: the
    Redis server restarted empty or was flushed — noticed as a server without
    xinyi's marker (:func:`broker.data_since`): every job recorded before that
    is checked at once — or the process that submitted it died between
    committing its record and sending, which is judged after
    :data:`LOST_AFTER_S`. Such a job would otherwise stay 排队中 for ever, and
    asking for it again would return it. A job younger than the send window
    (:func:`broker.send_window_s`) may still be on its way and is left alone.
    Runs with :func:`send_unsent` (``xinyi worker``/``xinyi scheduler``, at
    their start and every :data:`RESEND_SECONDS`).
    """
    if not runtime().config.redis_url:
        return 0  # in-process jobs of an ended process are adopted instead (adopt_orphans)
    queue = _broker()
    now = clock.now()
    on_its_way = now - dt.timedelta(seconds=queue.send_window_s())
    waiting = list(JobRecord.select().where(_waiting() & (JobRecord.created_at < on_its_way))
                   .order_by(JobRecord.id).limit(limit))
    if not waiting:
        return 0  # the common case: Redis is not even asked
    try:
        since = queue.data_since(now) or now
    except Exception as exc:  # noqa: BLE001 - Redis down or hung: the next round asks again
        log.warning("could not ask the queue whether it lost messages: %s", exc)
        return 0
    before = max(now - dt.timedelta(seconds=LOST_AFTER_S), min(since, on_its_way))
    return _resend(_lost([r for r in waiting if r.created_at < before]))


def _lost(records: list[JobRecord]) -> list[JobRecord]:
    """Those of ``records`` whose messages the queue does not hold."""
    if not records:
        return []
    held = _broker().held_jobs({r.kind for r in records}) or set()
    return [r for r in records if r.id not in held]


def _resend(lost: list[JobRecord]) -> int:
    """Send the messages of lost jobs again, each by one process only; how many went."""
    claimed = []
    for record in lost:
        if _broker().claim_resend(record.id):
            log.warning("job %s is waiting but its message is not on the queue: sending it again", record.id)
            claimed.append(record)
    return _send_each(claimed)


def _revive(record: JobRecord) -> bool:
    """An active job asked for again (submitted or retried): True if it was stuck and is sent now.

    Kept while the queue was down ("unsent"): tried again now (still down:
    :class:`QueueUnavailable`). Waiting on Redis with its message lost (the
    server restarted empty): sent again. Otherwise — held in the queue, running,
    or just sent and maybe still on its way — it is left as it is (False).
    """
    if record.state == "unsent":
        if _claim_unsent(record):  # else another sender just took it
            _send(record)
        return True
    if not runtime().config.redis_url:
        return False
    recent_enough = clock.now() - dt.timedelta(seconds=_broker().send_window_s())
    if not JobRecord.select().where((JobRecord.id == record.id) & _waiting()
                                    & (JobRecord.created_at < recent_enough)).exists():
        return False
    try:
        if not _lost([record]) or not _broker().claim_resend(record.id):
            return False
    except Exception as exc:  # noqa: BLE001 - Redis down or hung: whether it is lost cannot be told now
        log.warning("could not ask the queue about job %s: %s", record.id, exc)
        return False
    log.warning("job %s is waiting but its message is not on the queue: sending it again", record.id)
    _send(record)  # down again: QueueUnavailable, the job is kept as for a new one
    return True


def send_unsent(limit: int = 500) -> int:
    """Send the jobs kept while the queue was unreachable, oldest first; how many went.

    Called by ``xinyi worker`` and ``xinyi scheduler`` every half minute, so a
    job an operator asked for during an outage runs when Redis is back without
    anyone asking again. Each record is claimed with a conditional update, so
    several callers never send one job twice. Stops at the first failure (the
    queue is still down).
    """
    unsent = JobRecord.select().where(JobRecord.state == "unsent").order_by(JobRecord.id).limit(limit)
    return _send_each(unsent, claim=True)


RESEND_SECONDS = 30.0  # how often ``xinyi worker`` and ``xinyi scheduler`` call send_kept


def send_kept() -> None:
    """Send the jobs kept while the queue was unreachable, and those lost on the way
    (:func:`send_unsent`, :func:`resend_lost`); a database that is briefly unreachable
    too is logged and tried again next time."""
    try:
        sent = send_unsent() + resend_lost()
    except Exception:  # noqa: BLE001 - the database may be briefly unreachable too; try again later
        log.exception("could not send the unsent jobs")
        return
    if sent:
        log.info("sent %d job(s) kept while the queue was unreachable or lost on the way", sent)


def _claim_unsent(record: JobRecord) -> bool:
    """Take an unsent record back to queued, unless another sender already did."""
    claimed = (JobRecord.update(state="queued", message="", error=None)
               .where((JobRecord.id == record.id) & (JobRecord.state == "unsent")).execute())
    if claimed:
        record.state = "queued"
    return bool(claimed)


def _send_each(records: Any, *, claim: bool = False) -> int:
    """Send ``records`` in order until the queue refuses one; how many went. With ``claim``,
    each unsent record is first taken back to queued by a conditional update, so that
    several senders never send one job twice."""
    sent = 0
    for record in records:
        if claim and not _claim_unsent(record):
            continue
        try:
            _send(record)
        except QueueUnavailable:
            break
        sent += 1
    return sent


def _visible(operator: Operator) -> pw.Expression:
    """Her own jobs; with ``jobs.view`` also those of her town, or all at city level."""
    cond = JobRecord.requested_by_id == operator.id
    if auth.can(operator, "jobs.view"):
        scope = auth.scope_of(operator)
        if scope.level == "city":
            return JobRecord.id.is_null(False)
        own = auth.town_code_of(operator)
        if own is not None:
            cond |= JobRecord.town_code == own
    return cond


def recent(operator: Operator, limit: int = 50) -> list[JobRecord]:
    """Jobs ``operator`` may see, newest first."""
    q = (JobRecord.select().where(_visible(operator))
         .order_by(JobRecord.created_at.desc(), JobRecord.id.desc()).limit(limit))
    return list(q)


def get(operator: Operator | None, job_id: int) -> JobRecord:
    """One job, if ``operator`` may see it (``None``: the system sees all).

    Another's job she may not see is refused like a missing one — the answer does
    not say it exists — and the refusal is audited, whichever path asked:
    ``jobs.view`` (``xinyi jobs show``), ``jobs.retry`` (the job panel's ``r``,
    ``xinyi jobs retry``).
    """
    return _get(operator, job_id, "jobs.view")


def _get(operator: Operator | None, job_id: int, action: str) -> JobRecord:
    q = JobRecord.select().where(JobRecord.id == job_id)
    if operator is not None:
        q = q.where(_visible(operator))
    record = q.first()
    if record is None:
        if operator is not None:
            hidden = JobRecord.get_or_none(JobRecord.id == job_id)
            if hidden is not None:
                audit.record(operator, action, hidden, allowed=False, note="auth.out_of_scope")
        raise NotFound("jobs.not_found", id=job_id)
    return record


def retry(operator: Operator | None, job_id: int) -> JobRecord:
    """Run a finished (failed or done) job again, in the same record; send a stuck one now (kept
    while the queue was down, or its message lost with a Redis restarted empty). Another active
    job is refused: it is on its way."""
    record = _get(operator, job_id, "jobs.retry")
    if record.active:
        # unsent: she tries the queue again now rather than wait (still down: QueueUnavailable tells
        # her so, the job stays kept); waiting with its message lost (Redis restarted empty): sent again
        if not _revive(record):
            raise ConflictError("jobs.still_active")
        if operator is not None:
            audit.record(operator, "jobs.retry", record, note=record.title)
        return JobRecord.get_by_id(record.id)
    params, key, _ = _prepare(operator, record.kind, dict(record.params))
    try:
        with database.atomic():
            n = (JobRecord.update(state="queued", progress=0.0, message="", error=None, outputs=[],
                                  started_at=None, finished_at=None, active_key=key, params=params,
                                  owner=_broker().local_owner())
                 .where((JobRecord.id == record.id) & JobRecord.state.not_in(ACTIVE_STATES)).execute())
            if n != 1:
                raise ConflictError("jobs.still_active")
            if operator is not None:
                audit.record(operator, "jobs.retry", record, note=record.title)
    except pw.IntegrityError:
        existing = JobRecord.get_or_none(JobRecord.active_key == key)
        if existing is not None:
            return existing
        raise ConflictError("jobs.busy") from None
    record = JobRecord.get_by_id(record.id)
    _send(record)
    return record
