"""Alerts: facts that need someone's attention until they are dealt with.

Plugins raise them (5 days of 旷工 — ATT-5; more than 7 days off post — ATT-6;
an oral leave report with no slip — ATT-3; a publicity-article shortfall —
TRN-3 …); the home screen lists the open ones for each operator; other plugins
hear about new ones through ``xinyi_alert_raised`` (the departure plugin turns
the ATT-6 alert into a proposed 解除合同 report without importing attendance).
"""
from __future__ import annotations

from typing import Any, Iterable, TypeVar

import peewee as pw

from . import audit, auth, clock
from .db import database
from .errors import PermissionDenied, ValidationError
from .models import Alert, OrgUnit, Operator, Person
from .state import runtime
from .types import AlertPayload

P = TypeVar("P", bound=AlertPayload)


def raise_alert(source: str, kind: str, key: str, message: str, *, audience: Iterable[str],
                rule: str = "", person: Person | None = None, town: OrgUnit | None = None,
                data: dict[str, Any] | AlertPayload | None = None) -> tuple[Alert, bool]:
    """Open an alert once per ``key``; returns ``(alert, created)``.

    ``audience`` are the roles that see it (within their scope: a town head sees
    her town's, the assistant concerned sees her own). Listeners are called only
    when the alert is new. An alert other plugins act on carries its
    :class:`~xinyi_core.types.AlertPayload` as ``data`` (of the type declared for
    ``source`` and ``kind``); it is stored as JSON and read back by :func:`payload_of`.
    """
    roles = ",".join(sorted(set(audience)))
    if not roles:
        raise ValueError("an alert needs an audience")
    if isinstance(data, AlertPayload):
        if (data.SOURCE, data.KIND) != (source, kind):
            raise ValueError(f"{type(data).__name__} is the payload of {data.SOURCE}:{data.KIND}, not {source}:{kind}")
        data = data.to_data()
    town_id = town.id if town is not None else (person.town_id if person is not None else None)
    with database.atomic():  # the listeners' writes (ATT-6 → a departure proposal) commit with the alert
        alert, created = Alert.get_or_create(key=f"{source}:{key}", defaults=dict(
            source=source, kind=kind, rule=rule, message=message, audience=roles, person=person,
            town=town_id, data=data, raised_at=clock.now()))
        if created:
            town_code = alert.town.code if alert.town_id else None
            runtime().plugins.for_town(town_code).xinyi_alert_raised(alert=alert)
    return alert, created


def payload_of(alert: Alert, expected: type[P] | None = None) -> P | AlertPayload | None:
    """The typed payload of ``alert`` (see :class:`~xinyi_core.types.AlertPayload`), or None.

    None when no payload type is declared for the alert's source and kind, or —
    with ``expected`` — when the alert is not of that type: a listener asks
    ``payload_of(alert, OffPostAlert)`` and acts only on an answer.
    """
    cls = AlertPayload.of_kind(alert.source, alert.kind)
    if cls is None or (expected is not None and not issubclass(cls, expected)):
        return None
    return cls.from_data(alert.data)


def visible(op: Operator, *, state: str | None = "open") -> pw.ModelSelect:
    """Alerts addressed to ``op``'s role, within her scope, newest first."""
    q = Alert.select().where(Alert.audience.contains(op.role)).order_by(Alert.raised_at.desc(), Alert.id.desc())
    if state:
        q = q.where(Alert.state == state)
    scope = auth.scope_of(op)
    if scope.level == "city":
        return q
    if scope.level == "self":
        return q.where(Alert.person == op.person_id)
    in_scope_people = scope.person_ids()
    if scope.level == "town":
        return q.where((Alert.town == scope.unit_id) | Alert.person.in_(in_scope_people))
    return q.where(Alert.person.in_(in_scope_people))


def open_for(op: Operator, alert_id: int) -> Alert | None:
    """The alert ``alert_id`` if it is still open and addressed to ``op`` (her role, her scope); else None."""
    return visible(op).where(Alert.id == alert_id).first()


def close(op: Operator, alert_id: int, note: str) -> Alert:
    """Mark an alert dealt with, with a note (audited)."""
    alert = Alert.get_or_none(Alert.id == alert_id)
    if alert is None or not visible(op, state=None).where(Alert.id == alert_id).exists():
        audit.record(op, "alert.close", object_type="Alert", object_id=alert_id, allowed=False)
        raise PermissionDenied("auth.out_of_scope")
    if not note.strip():
        raise ValidationError("note", "validation.required")
    if alert.state == "closed":
        return alert
    alert.state, alert.closed_at, alert.closed_by_id, alert.close_note = "closed", clock.now(), op.id, note.strip()
    alert.save()
    audit.record(op, "alert.close", alert, person_id=alert.person_id, note=note.strip())
    return alert


def close_by_key(source: str, key: str, note: str = "") -> bool:
    """Close an alert from code when its cause is gone (e.g. the slip was completed)."""
    n = (Alert.update(state="closed", closed_at=clock.now(), close_note=note)
         .where((Alert.key == f"{source}:{key}") & (Alert.state == "open")).execute())
    return n > 0
