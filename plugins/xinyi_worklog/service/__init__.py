"""Work-log entries: scoped reads, audited writes, drafts, locking and corrections (WORK-2).

An assistant writes her own log: drafts are hers alone; submitted entries are
what the town centre checks. Once the town has recorded its monthly check of a
person's month (see :mod:`.checks`), that month is locked: no new entry, no
edit, no deletion — only a :func:`correct`, which keeps the original values,
the reason, who and when, and is audited.

The plugin's other subjects are modules of this package: the visit/call
register (:mod:`.register`, WORK-1) and the town's monthly and the city's spot
checks (:mod:`.checks`, WORK-2). They build on this module, never the reverse.
"""
from __future__ import annotations

import datetime as dt
import functools
import operator
from typing import Any, Iterable

import peewee as pw

from xinyi_core import FormErrors, NotFound, Person, ValidationError, database, require_on_duty, runtime, t
from xinyi_core import audit, auth, clock

from .. import rules
from ..models import Consultation, Correction, LogEntry, MonthlyCheck

PLUGIN = "worklog"
TEXT_FIELDS = ("task", "progress", "problems", "solutions")
CORRECTABLE = ("category", *TEXT_FIELDS)


def setting(name: str) -> Any:
    return runtime().config.setting(PLUGIN, name)


def duties() -> list[str]:
    """The duty categories of an entry (setting ``duties``; default: the 15 of DUTY)."""
    return list(setting("duties") or rules.DEFAULT_DUTIES)


def own_person(op: Any, action: str = "worklog.write") -> Person:
    """The assistant an operator writes for: only an assistant keeps a log (WORK-2)."""
    auth.require(op, action)
    if op.person_id is None:
        auth.deny(op, action, key="worklog.err.not_assistant")
    return op.person


def is_locked(person_id: int, day: dt.date) -> bool:
    """WORK-2: a month is locked once the town recorded its check of it."""
    return MonthlyCheck.select().where((MonthlyCheck.person == person_id) &
                                       (MonthlyCheck.period == rules.period_of(day))).exists()


# --------------------------------------------------------------------------- reads

def visible(op: Any) -> pw.ModelSelect:
    """Entries ``op`` may read: her own (drafts included) or, for others, submitted ones in scope."""
    auth.require(op, "worklog.view")
    q = auth.scope_of(op).restrict(LogEntry.select(), LogEntry.person)
    if op.person_id is None:
        q = q.where(LogEntry.state == "submitted")
    return q


def get(op: Any, entry_id: int) -> LogEntry:
    entry = LogEntry.get_or_none(LogEntry.id == entry_id)
    if entry is None:
        raise NotFound("worklog.err.no_entry")
    if not visible(op).where(LogEntry.id == entry_id).exists():
        auth.deny(op, "worklog.view", obj=entry, person_id=entry.person_id, key="auth.out_of_scope")
    return entry


def own_entries(op: Any) -> pw.ModelSelect:
    """The operator's own log, newest first: (id, day, category, state, progress) rows for her list."""
    return (visible(op).where(LogEntry.person == op.person_id)
            .select(LogEntry.id, LogEntry.day, LogEntry.category, LogEntry.state, LogEntry.progress)
            .order_by(LogEntry.day.desc(), LogEntry.id.desc()))


def drafts(op: Any) -> int:
    """How many drafts the operator has not yet submitted (her home screen's to-do)."""
    return visible(op).where((LogEntry.person == op.person_id) & (LogEntry.state == "draft")).count()


def last_category(op: Any) -> str | None:
    """The duty of the operator's latest entry: a new entry starts from it (fast entry, WORK-2)."""
    last = visible(op).where(LogEntry.person == op.person_id).order_by(LogEntry.id.desc()).first()
    return last.category if last else None


def locked_periods(op: Any, person_id: int) -> set[str]:
    """The months (``YYYY-MM``) of ``person_id`` the town has checked, so locked (WORK-2)."""
    auth.require(op, "worklog.view")
    if not auth.scope_of(op).person_ids().where(Person.id == person_id).exists():
        return set()
    return {c.period for c in MonthlyCheck.select(MonthlyCheck.period).where(MonthlyCheck.person == person_id)}


def month(op: Any, person_id: int, period: str, *, submitted_only: bool = False) -> list[LogEntry]:
    """One person's entries of a month, by day (the log book page, the check)."""
    first, last = rules.month_bounds(period)
    q = visible(op).where((LogEntry.person == person_id) & LogEntry.day.between(first, last))
    if submitted_only:
        q = q.where(LogEntry.state == "submitted")
    return list(q.order_by(LogEntry.day, LogEntry.id))


def search(op: Any, text: str = "", *, start: dt.date | None = None, end: dt.date | None = None,
           category: str | None = None, town_id: int | None = None) -> pw.ModelSelect:
    """WORK-2: find entries by text (any field, consultations, the assistant's name), dates, duty, town.

    Scoped in the data layer: a town operator's search never reaches another town.
    """
    q = visible(op).join(Person, on=(LogEntry.person == Person.id)).switch(LogEntry)
    text = text.replace("\x00", "").strip()  # no entry holds U+0000 (writes refuse it)
    if text:
        like = functools.reduce(operator.or_, [getattr(LogEntry, f).contains(text) for f in TEXT_FIELDS])
        asked = Consultation.select(Consultation.entry).where(
            Consultation.served.contains(text) | Consultation.question.contains(text)
            | Consultation.answer.contains(text))
        q = q.where(like | LogEntry.id.in_(asked) | Person.name.contains(text))
    if start:
        q = q.where(LogEntry.day >= start)
    if end:
        q = q.where(LogEntry.day <= end)
    if category:
        q = q.where(LogEntry.category == category)
    if town_id:
        q = q.where(LogEntry.town == town_id)
    return q.order_by(LogEntry.day.desc(), LogEntry.id.desc())


def search_rows(op: Any, text: str = "", **filters: Any) -> pw.ModelSelect:
    """:func:`search` as (id, day, name, category, progress) rows for the search screen."""
    return search(op, text, **filters).select(LogEntry.id, LogEntry.day, Person.name, LogEntry.category,
                                              LogEntry.progress)


# --------------------------------------------------------------------------- writes (the assistant)

def _clean(values: dict[str, Any], *, submitting: bool) -> dict[str, Any]:
    today = clock.today()
    data = {f: str(values.get(f) or "").strip() for f in TEXT_FIELDS}
    data["category"] = values.get("category") or ""
    data["day"] = rules.parse_day(values.get("day"), today)
    errors = rules.entry_errors(data, duties(), today, submitting=submitting)
    if errors:
        raise FormErrors(errors)
    return data


def _consultations(rows: Iterable[dict[str, Any]] | None) -> list[dict[str, str]] | None:
    if rows is None:
        return None
    out = []
    for row in rows:
        row = {k: str(row.get(k) or "").strip() for k in ("served", "question", "answer")}
        if not any(row.values()):
            continue
        if not row["served"]:
            raise ValidationError("served", "worklog.err.served_required")
        if not row["question"]:
            raise ValidationError("question", "worklog.err.question_required")
        out.append(row)
    return out


def _snapshot(entry: LogEntry) -> dict[str, Any]:
    data = audit.snapshot(entry, ("day", "category", *TEXT_FIELDS, "state"))
    data["consultations"] = [{"served": c.served, "question": c.question, "answer": c.answer}
                             for c in entry.consultations.order_by(Consultation.id)]
    return data


def _refuse_locked(op: Any, person_id: int, day: dt.date, entry: LogEntry | None = None) -> None:
    if is_locked(person_id, day):
        audit.record(op, "worklog.entry.save", entry, object_type="LogEntry", person_id=person_id,
                     allowed=False, note="locked")
        raise ValidationError("day", "worklog.err.locked", period=rules.period_of(day))


def save(op: Any, values: dict[str, Any], *, entry_id: int | None = None, submit: bool = False,
         consultations: Iterable[dict[str, Any]] | None = None) -> LogEntry:
    """Create or edit one of the assistant's own entries; ``submit`` makes it part of the log.

    The entry's day is one she was on duty (TRN-1, ORG-2), or nothing is written.

    ``consultations`` (person served, question, answer) replace the entry's list when given.
    """
    person = own_person(op)
    entry = None
    if entry_id is not None:
        entry = get(op, entry_id)
        if entry.person_id != person.id:
            auth.deny(op, "worklog.write", obj=entry, person_id=entry.person_id, key="auth.out_of_scope")
        _refuse_locked(op, person.id, entry.day, entry)
    submitting = submit or (entry is not None and entry.state == "submitted")
    data = _clean(values, submitting=submitting)
    talks = _consultations(consultations)
    _refuse_locked(op, person.id, data["day"], entry)
    require_on_duty(op, person, data["day"], "worklog.write")  # TRN-1, ORG-2: only a day she was on duty
    now = clock.now()
    with database.atomic():
        before = _snapshot(entry) if entry else None
        if entry is None:
            entry = LogEntry.create(person=person, town=person.town_id, created_at=now, updated_at=now,
                                    state="submitted" if submit else "draft", **data)
        else:
            for k, v in data.items():
                setattr(entry, k, v)
            entry.state = "submitted" if submitting else entry.state
            entry.updated_at = now
            entry.save()
        if talks is not None:
            Consultation.delete().where(Consultation.entry == entry).execute()
            if talks:
                Consultation.insert_many([{**row, "entry": entry.id} for row in talks]).execute()
        action = "worklog.entry.create" if before is None else "worklog.entry.update"
        audit.record(op, action, entry, person_id=person.id, before=before, after=_snapshot(entry))
    return entry


def submit(op: Any, entry_id: int) -> LogEntry:
    """Turn a draft into a log entry (it then counts in the monthly check)."""
    entry = get(op, entry_id)
    values = {f: getattr(entry, f) for f in ("day", "category", *TEXT_FIELDS)}
    return save(op, values, entry_id=entry_id, submit=True)


def delete_draft(op: Any, entry_id: int) -> None:
    """Drafts may be thrown away; a submitted entry may not (it is part of the log)."""
    person = own_person(op)
    entry = get(op, entry_id)
    if entry.person_id != person.id:
        auth.deny(op, "worklog.write", obj=entry, person_id=entry.person_id, key="auth.out_of_scope")
    if entry.state != "draft":
        raise ValidationError("state", "worklog.err.not_draft")
    with database.atomic():
        audit.record(op, "worklog.entry.delete", entry, person_id=person.id, before=_snapshot(entry))
        entry.delete_instance(recursive=True)


# --------------------------------------------------------------------------- corrections (the town)

def correct(op: Any, entry_id: int, changes: dict[str, Any], reason: str) -> Correction:
    """WORK-2: change an entry after its month was checked — as a recorded correction.

    The entry takes the new values; the :class:`Correction` keeps the original,
    the reason, who and when, and the change is audited.
    """
    auth.require(op, "worklog.correct")
    entry = get(op, entry_id)
    if not reason.strip():
        raise ValidationError("reason", "worklog.err.reason_required")
    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise ValidationError(sorted(unknown)[0], "worklog.err.not_correctable")
    merged = {f: getattr(entry, f) for f in ("day", "category", *TEXT_FIELDS)}
    merged.update(changes)
    data = _clean(merged, submitting=True)
    before = {f: getattr(entry, f) for f in CORRECTABLE}
    after = {f: data[f] for f in CORRECTABLE}
    if before == after:
        raise ValidationError("progress", "worklog.err.no_change")
    with database.atomic():
        row = Correction.create(entry=entry, reason=reason.strip(), before=before, after=after, by=op, at=clock.now())
        LogEntry.update(updated_at=clock.now(), **after).where(LogEntry.id == entry.id).execute()
        audit.record(op, "worklog.entry.correct", entry, person_id=entry.person_id, before=before, after=after,
                     note=reason.strip())
    return row

