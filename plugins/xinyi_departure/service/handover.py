"""The handover checklist (附件5 note 2): documents, materials and office equipment,
each confirmed by the named person who took it over.
"""
from __future__ import annotations

from xinyi_core import NotFound, Operator, ValidationError, audit, auth, clock, database

from ..models import Departure, HandoverItem
from . import get, handover_items

ACTIVE = ("proposed", "pending", "approved", "departed")  # a declined/rejected report hands nothing over


def _editable(op: Operator, departure_id: int) -> Departure:
    dep = get(op, departure_id)
    auth.require(op, "departure.handover", obj=dep, person_id=dep.person_id)
    if dep.state not in ACTIVE:
        raise ValidationError("state", "departure.error.not_active")
    return dep


def add_item(op: Operator, departure_id: int, label: str) -> HandoverItem:
    """Add a line to the checklist (a key, a stamp, a laptop …)."""
    dep = _editable(op, departure_id)
    if not label.strip():
        raise ValidationError("label", "departure.error.label_required")
    with database.atomic():
        last = max((i.seq for i in handover_items(dep)), default=0)
        item = HandoverItem.create(departure=dep, seq=last + 1, label=label.strip()[:60])
        audit.record(op, "departure.handover.add", item, person_id=dep.person_id, after=audit.snapshot(item))
    return item


def confirm_item(op: Operator, item_id: int, received_by: str) -> HandoverItem:
    """Record that ``received_by`` (a named person) took the item over, now."""
    item = HandoverItem.get_or_none(HandoverItem.id == item_id)
    if item is None:
        raise NotFound("departure.error.item_not_found")
    dep = _editable(op, item.departure_id)
    if not received_by.strip():
        raise ValidationError("received_by", "departure.error.receiver_required")
    before = audit.snapshot(item)
    with database.atomic():
        item.received_by, item.confirmed_at, item.recorded_by_id = received_by.strip()[:40], clock.now(), op.id
        item.save()
        audit.record(op, "departure.handover.confirm", item, person_id=dep.person_id, before=before,
                     after=audit.snapshot(item))
    return item


def progress(dep: Departure) -> tuple[int, int]:
    """(confirmed, total) items."""
    items = handover_items(dep)
    return sum(1 for i in items if i.confirmed_at is not None), len(items)
