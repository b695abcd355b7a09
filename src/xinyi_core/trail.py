"""Writing the audit trail: one row per write, and per refused attempt.

The bottom layer of auditing, below :mod:`xinyi_core.auth` (which records
refusals and logins here). :mod:`xinyi_core.audit` re-exports :func:`record`
and :func:`snapshot` beside its scoped reader, which needs ``auth`` — so
services write ``audit.record``, and only ``auth`` writes through this module.
"""
from __future__ import annotations

import functools
from typing import Any, Iterable

import peewee as pw

from . import clock
from .db import after_transaction
from .i18n import t
from .models import AuditLog, Operator


_via = ""  # the OS account acting for the operator in this process, when it is not hers (root)


def acting_via(account: str) -> None:
    """Every row this process writes from now on also names ``account``: root or the service
    account acting with ``xinyi … --operator`` is on the trail beside the operator it acted as."""
    global _via
    _via = account


def _noted(note: str) -> str:
    return f"{note} {t('audit.via', account=_via)}".strip() if _via else note


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
        note=_noted(note),
    )
    if allowed:
        row.save(force_insert=True)
    else:
        after_transaction(functools.partial(row.save, force_insert=True))
    return row


def record_many(operator: Operator, action: str, object_type: str,
                entries: "Iterable[tuple[int | None, int | None, dict[str, Any] | None, dict[str, Any] | None]]",
                *, batch: int = 500) -> int:
    """Many rows of one action by one operator, as :func:`record` writes each — ``entries`` are
    (object id, person id, before, after) — in multi-row inserts: for bulk writers (the demo city),
    inside the transaction of the change. Returns the number of rows."""
    now, name, note = clock.now(), operator.display_name if operator else t("audit.system"), _noted("")
    rows = [dict(at=now, operator_id=operator.id if operator else None, operator_name=name, action=action,
                 object_type=object_type, object_id=object_id, person_id=person_id, allowed=True, before=before,
                 after=after, note=note) for object_id, person_id, before, after in entries]
    for k in range(0, len(rows), batch):
        AuditLog.insert_many(rows[k:k + batch]).execute()
    return len(rows)
