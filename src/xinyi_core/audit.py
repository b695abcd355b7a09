"""The audit trail: every write — and every refused attempt — leaves a row."""
from __future__ import annotations

import datetime as dt
import functools
from typing import Any, Iterable

import peewee as pw

from . import clock
from .db import after_transaction
from .i18n import t
from .models import AuditLog, Operator, OrgUnit


def snapshot(obj: pw.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """A JSON-able dict of a model's column values (for before/after)."""
    data = obj.__data__
    names = fields if fields is not None else data.keys()
    return {name: data.get(name) for name in names}


def record(
    operator: Operator | None,
    action: str,
    obj: pw.Model | None = None,
    *,
    object_type: str | None = None,
    object_id: int | None = None,
    person_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    allowed: bool = True,
    note: str = "",
) -> AuditLog:
    """Write one audit row. Call it inside the same transaction as the change.

    A refused attempt (``allowed=False``) is the exception: its caller's
    transaction may well roll back with the refusal (a plugin that wraps a
    scoped call in ``database.atomic()`` and lets the ``PermissionDenied``
    escape). Inside a transaction its row is therefore written once the
    outermost transaction has ended, committed or rolled back
    (:func:`xinyi_core.db.after_transaction`) — never lost.
    """
    if obj is not None:
        object_type = object_type or type(obj).__name__
        object_id = object_id if object_id is not None else obj.get_id()
    row = AuditLog(
        at=clock.now(),
        operator_id=operator.id if operator else None,
        operator_name=operator.display_name if operator else t("audit.system"),
        action=action,
        object_type=object_type or "",
        object_id=object_id,
        person_id=person_id,
        allowed=allowed,
        before=before,
        after=after,
        note=note,
    )
    if allowed:
        row.save(force_insert=True)
    else:
        after_transaction(functools.partial(row.save, force_insert=True))
    return row


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
        from . import auth  # late: auth records through this module

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
