"""The audit trail: every write — and every refused attempt — leaves a row.

Services write with :func:`record` (and :func:`snapshot` for before/after);
both live in :mod:`xinyi_core.trail`, below ``auth``, and are re-exported
here. This module adds the reader, :func:`query`, which checks the viewer's
permission and scope through ``auth``.
"""
from __future__ import annotations

import datetime as dt

import peewee as pw

from . import auth
from .models import AuditLog, Operator, OrgUnit
from .trail import record, record_many, snapshot

__all__ = ["query", "record", "record_many", "snapshot"]


def query(
    *,
    person_id: int | None = None,
    operator: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    action: str | None = None,
    limit: int | None = 200,
    viewer: Operator | None = None,
) -> pw.ModelSelect:
    """Audit rows filtered as ``xinyi audit`` offers, newest first.

    With ``viewer`` (any screen): the rows are scoped like everything else — a
    town head sees rows about her town's people and by her town's operators,
    never another town's before/after snapshots. Without it: the whole trail
    (the ``xinyi audit`` command, run by whoever holds the server).
    """
    q = AuditLog.select().order_by(AuditLog.at.desc(), AuditLog.id.desc())
    if viewer is not None:
        auth.require(viewer, "audit.view")
        scope = auth.scope_of(viewer)
        if scope.level != "city":
            in_scope = Operator.select(Operator.id).where(Operator.scope.in_(scope.units().select(OrgUnit.id)))
            q = q.where(AuditLog.person_id.in_(scope.person_ids()) | AuditLog.operator_id.in_(in_scope))
    if person_id is not None:
        q = q.where(AuditLog.person_id == person_id)
    if operator:
        ids = Operator.select(Operator.id).where(Operator.username == operator)
        q = q.where((AuditLog.operator_id.in_(ids)) | (AuditLog.operator_name == operator))
    if since:
        q = q.where(AuditLog.at >= dt.datetime.combine(since, dt.time.min))
    if until:
        q = q.where(AuditLog.at < dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min))
    if action:
        q = q.where(AuditLog.action.startswith(action))
    return q.limit(limit) if limit else q
