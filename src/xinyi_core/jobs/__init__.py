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

from typing import Any

import peewee as pw

from .. import audit, auth, clock
from ..db import database
from ..errors import ConflictError, NotFound, ValidationError, XinyiError
from ..i18n import t
from ..lifecycle import runtime
from ..models import Operator, OrgUnit
from .models import ACTIVE_STATES, JOB_STATES, JobRecord, ScheduledRun
from .specs import (ActorSpec, JobContext, ReportContext, ReportSpec, Schedule, current_month, parse_period,
                    previous_month, registry)

def _broker() -> Any:
    """The broker module, imported on first use: dramatiq and redis cost ~10 MB and
    ~80 ms, which an operator who never runs a job should not pay at start-up."""
    from . import broker

    return broker


__all__ = [
    "ACTIVE_STATES", "ActorSpec", "JOB_STATES", "JobContext", "JobRecord", "ReportContext", "ReportSpec",
    "Schedule", "ScheduledRun", "current_month", "get", "previous_month", "recent", "registry", "retry",
    "submit",
]


def _prepare(operator: Operator | None, name: str, params: dict[str, Any]) -> tuple[dict[str, Any], str | None, str]:
    """Check the request; return normalised params, the idempotence key and the title."""
    reg = registry()
    spec: ActorSpec | ReportSpec | None = reg.reports.get(name) or reg.actors.get(name)
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
    params, key, title = _prepare(operator, name, params)
    fields = dict(kind=name, title=title, params=params, town_code=params.get("town"), active_key=key,
                  requested_by_id=operator.id if operator else None, schedule=schedule, created_at=clock.now(),
                  owner=_broker().local_owner())
    for _ in range(3):  # the active job may finish between our insert and our look-up
        try:
            if operator is None:  # the scheduler: one statement, nothing to audit
                record = JobRecord(id=JobRecord.insert(**fields).execute(), **fields)
            else:
                with database.atomic():
                    record = JobRecord(id=JobRecord.insert(**fields).execute(), **fields)
                    audit.record(operator, "jobs.submit", record, note=title)
            break
        except pw.IntegrityError:
            existing = JobRecord.get_or_none(JobRecord.active_key == key)
            if existing is not None:
                return existing
    else:
        raise ConflictError("jobs.busy")
    _send(record)
    return record


def _send(record: JobRecord) -> None:
    try:
        _broker().send(record.id, record.kind, record.params)
    except Exception as exc:  # the queue is down: say so on the record and to the operator
        (JobRecord.update(state="failed", error=t("jobs.error.queue_down", detail=str(exc)[:200]),
                          active_key=None, finished_at=clock.now())
         .where(JobRecord.id == record.id).execute())
        raise XinyiError("jobs.error.queue_down", detail=str(exc)[:200]) from exc


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
    """One job, if ``operator`` may see it (``None``: the system sees all)."""
    q = JobRecord.select().where(JobRecord.id == job_id)
    if operator is not None:
        q = q.where(_visible(operator))
    record = q.first()
    if record is None:
        raise NotFound("jobs.not_found", id=job_id)
    return record


def retry(operator: Operator | None, job_id: int) -> JobRecord:
    """Run a finished (failed or done) job again, in the same record."""
    record = get(operator, job_id)
    if record.active:
        raise ConflictError("jobs.still_active")
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
