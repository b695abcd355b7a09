"""来访来电登记 — the visit/call register (WORK-1).

Entry is fast: who came or called, the matter, and how it was handled are
enough; the time defaults to now. A matter not resolved on the spot stays
open until someone closes it with a note; open items count in the town's
monthly check and, once older than ``register_stale_days``, show on the town
clerk's home screen.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import peewee as pw

from xinyi_core import FormErrors, NotFound, ValidationError, database, require_on_duty, t
from xinyi_core import audit, auth, bulk, clock

from ..models import CHANNELS, PARTIES, RegisterItem
from . import own_person, setting


def visible(op: Any, *, state: str | None = None) -> pw.ModelSelect:
    """Register items in ``op``'s scope, newest first."""
    auth.require(op, "worklog.view")
    q = auth.scope_of(op).restrict(RegisterItem.select(), RegisterItem.person)
    if state:
        q = q.where(RegisterItem.state == state)
    return q.order_by(RegisterItem.at.desc(), RegisterItem.id.desc())


def listing(op: Any, *, open_only: bool = False) -> pw.ModelSelect:
    """:func:`visible` as (id, at, channel, party, state, matter) rows for the register screen."""
    return visible(op, state="open" if open_only else None).select(
        RegisterItem.id, RegisterItem.at, RegisterItem.channel, RegisterItem.party, RegisterItem.state,
        RegisterItem.matter)


def _parse_at(value: Any, now: dt.datetime) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value
    text = str(value or "").strip()
    if not text:
        return now
    for fmt in ("%Y-%m-%d %H:%M", "%m-%d %H:%M", "%H:%M"):
        try:
            parsed = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        if fmt == "%H:%M":
            return dt.datetime.combine(now.date(), parsed.time())
        if fmt == "%m-%d %H:%M":
            return parsed.replace(year=now.year)
        return parsed
    return None


def clean(values: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """Field → value, or :class:`FormErrors` with every bad field in Chinese."""
    errors: dict[str, str] = {}
    at = _parse_at(values.get("at"), now)
    if at is None:
        errors["at"] = t("worklog.err.time")
    elif at > now + dt.timedelta(minutes=5):
        errors["at"] = t("worklog.err.future")
    channel = values.get("channel") or "visit"
    party_kind = values.get("party_kind") or "citizen"
    if channel not in CHANNELS:
        errors["channel"] = t("worklog.err.choice")
    if party_kind not in PARTIES:
        errors["party_kind"] = t("worklog.err.choice")
    data = {k: str(values.get(k) or "").strip() for k in ("party", "phone", "matter", "handling")}
    for name in ("party", "matter"):
        if not data[name]:
            errors[name] = t("worklog.err.required")
    if errors:
        raise FormErrors(errors)
    referred = values.get("referred")
    referred = referred if isinstance(referred, bool) else str(referred).strip() in ("1", "yes", "是", "True")
    return {"at": at, "channel": channel, "party_kind": party_kind, "referred": referred, **data}


def record(op: Any, values: dict[str, Any], *, resolved: bool = False) -> RegisterItem:
    """Register a visit or call (WORK-1). ``resolved``: handled on the spot, closed at once."""
    person = own_person(op, "worklog.register")
    now = clock.now()
    data = clean(values, now)
    require_on_duty(op, person, data["at"].date(), "worklog.register")  # TRN-1, ORG-2: her own work, on duty
    with database.atomic():
        item = RegisterItem.create(person=person, town=person.town_id, **data,
                                   state="closed" if resolved else "open",
                                   closed_at=now if resolved else None, closed_by_id=op.id if resolved else None)
        audit.record(op, "worklog.register.create", item, person_id=person.id,
                     after=audit.snapshot(item, ("at", "channel", "party_kind", "party", "matter", "state")))
    return item


def get(op: Any, item_id: int) -> RegisterItem:
    """One visit or call, if it lies in ``op``'s scope (else refused, and the refusal audited)."""
    item = RegisterItem.get_or_none(RegisterItem.id == item_id)
    if item is None:
        raise NotFound("worklog.err.no_item")
    if not visible(op).where(RegisterItem.id == item_id).exists():
        auth.deny(op, "worklog.view", obj=item, person_id=item.person_id, key="auth.out_of_scope")
    return item


def close(op: Any, item_id: int, note: str) -> RegisterItem:
    """Close an open matter with a note on how it ended (the assistant or the town centre)."""
    auth.require(op, "worklog.register")
    item = RegisterItem.get_or_none(RegisterItem.id == item_id)
    if item is None:
        raise NotFound("worklog.err.no_item")
    if not visible(op).where(RegisterItem.id == item_id).exists():
        auth.deny(op, "worklog.register", obj=item, person_id=item.person_id, key="auth.out_of_scope")
    if not note.strip():
        raise ValidationError("note", "worklog.err.required")
    if item.state == "closed":
        raise ValidationError("note", "worklog.err.already_closed")
    with database.atomic():
        item.state, item.closed_at, item.closed_by_id, item.close_note = "closed", clock.now(), op.id, note.strip()
        item.save()
        audit.record(op, "worklog.register.close", item, person_id=item.person_id, note=note.strip())
    return item


def open_at(person_id: int, day: dt.date) -> list[int]:
    """Items registered by ``day`` and still open at its end (the monthly check's third line)."""
    return open_at_by_person([person_id], day).get(person_id, [])


def _open_at_end(end: dt.datetime) -> pw.Expression:
    """Registered before ``end`` and not closed by then: open, or closed at or after ``end`` (an item is
    one or the other, :data:`~xinyi_worklog.models.ITEM_STATES`, and only a closed one has a
    ``closed_at``), read from the (person, state, closed_at, at) index alone (migration 2), not every
    item she ever registered. The second term names no state: with ``state = 'closed'`` in it, SQLite
    (no statistics) read it through the (state, at) index of migration 3 — every closed item of the
    city, for each chunk of people: 0.28 s of the 5,000 city's monthly check instead of 0.02."""
    return (RegisterItem.at < end) & ((RegisterItem.state == "open") | (RegisterItem.closed_at >= end))


def open_at_by_person(person_ids: list[int], day: dt.date) -> dict[int, list[int]]:
    """:func:`open_at` for many people in one query: person id → her open items (none: left out)."""
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min)
    out: dict[int, list[int]] = {}
    # two integers a row, as the driver gives them: not through peewee's row conversion
    for pid, item_id in database.execute(RegisterItem.select(RegisterItem.person, RegisterItem.id)
                                         .where(bulk.in_ids(RegisterItem.person, person_ids) & _open_at_end(end))
                                         .order_by(RegisterItem.at, RegisterItem.id)):
        out.setdefault(pid, []).append(item_id)
    return out


def open_count_by_person(person_ids: list[int], day: dt.date) -> dict[int, int]:
    """How many items :func:`open_at_by_person` lists for each person (none: left out), counted in the database."""
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min)
    return dict(database.execute(RegisterItem.select(RegisterItem.person, pw.fn.COUNT(RegisterItem.id))
                                 .where(bulk.in_ids(RegisterItem.person, person_ids) & _open_at_end(end))
                                 .group_by(RegisterItem.person)))


def stale(op: Any) -> pw.ModelSelect:
    """WORK-1: open items older than ``register_stale_days`` within ``op``'s scope — the town
    clerk's to-do (a matter may not be left lying: 不得敷衍了事，不得延误)."""
    cutoff = dt.datetime.combine(clock.today() - dt.timedelta(days=int(setting("register_stale_days"))),
                                 dt.time.min)
    return visible(op, state="open").where(RegisterItem.at < cutoff)


def describe(item: RegisterItem) -> dict[str, str]:
    """Chinese labels of an item's coded fields (lists, the log book page)."""
    return {"channel": t(f"worklog.channel.{item.channel}"), "party_kind": t(f"worklog.party.{item.party_kind}"),
            "referred": t("worklog.yes") if item.referred else t("worklog.no"),
            "state": t(f"worklog.item_state.{item.state}")}

