"""The town's monthly check and the city's spot checks (WORK-2).

Monthly check: per assistant and month, the checklist is (1) the town's working
days with no submitted entry — days excused by another plugin's calendar mark
(approved leave, training; setting ``excusing_marks``) and days before joining
or after leaving are not gaps; (2) entries too thin to be useful (progress
shorter than ``thin_min_chars``); (3) visits/calls still open at the month's
end. Recording the check stores these findings with the checker's remarks and
locks the month's entries. The findings of the year's checks are the
assessment fact for 附件1 item 4 (:mod:`xinyi_worklog.facts`).
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Any

import peewee as pw

from xinyi_core import ConflictError, NotFound, Person, ValidationError, database, facts, t
from xinyi_core import alerts, audit, auth, bulk, calendar, clock, people
from xinyi_core import Compiled, Ids, Param

from .. import rules
from ..models import LogEntry, MonthlyCheck, SpotCheck, SpotCheckItem
from . import PLUGIN, register, setting


@dataclass
class Checklist:
    """What the checker sees for one assistant's month (live, or as recorded)."""

    person: Person
    period: str
    working_days: int
    missing: list[dt.date]
    thin: list[int]  # entry ids
    open_items: list[int]  # register item ids
    entries: int
    check: MonthlyCheck | None = None
    excused: list[dt.date] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.missing or self.thin or self.open_items)


def excused_days(person: Person, start: dt.date, end: dt.date) -> set[dt.date]:
    """Days other plugins excuse (approved leave, training …) via ``xinyi_calendar_marks``."""
    return excused_by_person([person], start, end)[person.id]


def excused_by_person(persons: list[Person], start: dt.date, end: dt.date) -> dict[int, set[dt.date]]:
    """:func:`excused_days` for many people: each plugin answers once (the bulk hook), not once a person."""
    kinds = set(setting("excusing_marks"))
    return {pid: {m.date for m in marks if m.excused and m.kind in kinds}
            for pid, marks in facts.calendar_marks(persons, start, end).items()}


def checklist(person: Person, period: str) -> Checklist:
    """The live checklist of ``person``'s month (raises CalendarUnavailable for an uncovered year)."""
    return checklists([person], period)[0]


def checklists(persons: list[Person], period: str) -> list[Checklist]:
    """The live checklists of many people's month, in their order — a few queries for all of them,
    not a few per person (raises CalendarUnavailable for an uncovered year)."""
    first, last = rules.month_bounds(period)
    last = min(last, clock.today())
    if not persons:
        return []
    working = calendar.working_days_by_town(sorted({p.town_id for p in persons if p.town_id}), first, last)
    ids = [p.id for p in persons]
    entries = _submitted(ids, first, last)
    opened: dict[int, list[int]] = {}
    for chunk in bulk.chunks(ids, facts.CHUNK):  # bound the IN list
        opened.update(register.open_at_by_person(chunk, last))
    excused = excused_by_person(persons, first, last)
    min_chars = int(setting("thin_min_chars"))
    out = []
    for person in persons:
        days = working.get(person.town_id, []) if person.town_id else []
        rows = entries.get(person.id, [])
        mine = excused[person.id]
        missing = rules.gap_days(days, {day for _, day, _ in rows}, mine, on_post_from=person.joined_on,
                                 on_post_until=person.departed_on)
        thin = [entry_id for entry_id, _, progress in rows if rules.is_thin(progress, min_chars)]
        out.append(Checklist(person, period, len(days), missing, thin, opened.get(person.id, []), len(rows),
                             excused=sorted(mine & set(days))))
    return out


@dataclass(frozen=True)
class Counts:
    """What the town's monthly-check sheet prints of one assistant's month: the checklist's counts."""

    working_days: int
    missing: int
    thin: int
    open_items: int


def recorded_counts(check: MonthlyCheck) -> Counts:
    """The counts of :func:`recorded`'s checklist (the thin entries as the check counted them)."""
    ev = check.evidence or {}
    return Counts(check.working_days, len(ev.get("missing", [])), check.thin_entries, len(ev.get("open", [])))


MARKS_CHUNK = 500  # people whose calendar marks :func:`live_counts` asks for at a time


def live_counts(roll: list[tuple[int, int | None, dt.date | None, dt.date | None]], period: str) -> list[Counts]:
    """The counts of :func:`checklists` for many people's month, in their order; each person is
    ``(id, town id, joined on, departed on)``, not a :class:`Person` read whole. Another plugin's
    calendar mark can only excuse a working day she logged nothing on, so the marks (which take
    whole people) are asked for the people with such a day only — at 5,000 assistants a few hundred
    — and the open items are counted in the database, not listed (raises CalendarUnavailable for an
    uncovered year)."""
    first, last = rules.month_bounds(period)
    last = min(last, clock.today())
    if not roll:
        return []
    working = calendar.working_days_by_town(sorted({town for _, town, _, _ in roll if town}), first, last)
    ids = [pid for pid, _, _, _ in roll]
    min_chars = int(setting("thin_min_chars"))
    logged = _logged(ids, first, last, min_chars)
    opened: dict[int, int] = {}
    for chunk in bulk.chunks(ids, facts.CHUNK):  # bound the IN list
        opened.update(register.open_count_by_person(chunk, last))
    unlogged: dict[int, list[dt.date]] = {}
    nothing: tuple[set[dt.date], int] = (set(), 0)
    for pid, town, joined, departed in roll:
        days = working.get(town, []) if town else []
        gaps = rules.gap_days(days, logged.get(pid, nothing)[0], set(), on_post_from=joined, on_post_until=departed)
        if gaps:
            unlogged[pid] = gaps
    excused: dict[int, set[dt.date]] = {}
    for chunk in bulk.chunks(unlogged, MARKS_CHUNK):
        # the people as bulk.objects makes them: peewee's own reading of each (its values converted one by one)
        # was a third of a small city's check; a few hundred at a time (a whole person is ~2 KB)
        excused.update(excused_by_person(bulk.objects(Person.select().where(bulk.in_ids(Person.id, chunk))),
                                         first, last))
    out = []
    for pid, town, _, _ in roll:
        mine = excused.get(pid)
        gaps = unlogged.get(pid, ())
        out.append(Counts(len(working.get(town, [])) if town else 0,
                          sum(1 for d in gaps if d not in mine) if mine else len(gaps),
                          logged.get(pid, nothing)[1], opened.get(pid, 0)))
    return out


def _logged(ids: list[int], first: dt.date, last: dt.date, min_chars: int) -> dict[int, tuple[set[dt.date], int]]:
    """person id → (the days of her submitted entries from ``first`` to ``last``, how many of them are thin):
    what the sheet counts of :func:`_submitted`, made as the rows are read — not a list of every
    entry first (2,000 of them for a city of 500 a few days into the month)."""
    days: dict[int, set[dt.date]] = {}
    thin: dict[int, int] = {}
    dates: dict[Any, dt.date] = {}  # a day as the driver gives it → the date (a month has ~22)
    for chunk in bulk.chunks(ids, facts.CHUNK):  # bound the IN list
        for pid, day, progress, state in _ENTRIES.run(people=chunk, first=first, last=last):
            if state != "submitted":  # filtered here, not in SQL: see _submitted
                continue
            date = dates.get(day)
            if date is None:
                date = dates[day] = day if type(day) is dt.date else _iso_date(day)
            mine = days.get(pid)
            if mine is None:
                mine = days[pid] = set()
            mine.add(date)
            if rules.is_thin(progress, min_chars):
                thin[pid] = thin.get(pid, 0) + 1
    return {pid: (mine, thin.get(pid, 0)) for pid, mine in days.items()}


def _submitted(ids: list[int], first: dt.date, last: dt.date) -> dict[int, list[tuple[int, dt.date, str]]]:
    """person id → her submitted entries (id, day, progress) from ``first`` to ``last``, in id order."""
    entries: dict[int, list[tuple[int, dt.date, str]]] = {}
    for chunk in bulk.chunks(ids, facts.CHUNK):  # bound the IN list
        # the state is filtered here, not in SQL: with it there SQLite reads through the state index —
        # every submitted entry of every month, for each chunk — instead of the (person, day) one.
        # The rows as the driver gives them, not through peewee's conversion of each value (half the
        # query's cost at 20,000): the day is a date on PostgreSQL, its ISO text on SQLite.
        for pid, entry_id, day, progress, state in database.execute(
                LogEntry.select(LogEntry.person, LogEntry.id, LogEntry.day, LogEntry.progress, LogEntry.state)
                .where(bulk.in_ids(LogEntry.person, chunk) & LogEntry.day.between(first, last))
                .order_by(LogEntry.id)):
            if state == "submitted":
                entries.setdefault(pid, []).append((entry_id, day if type(day) is dt.date else _iso_date(day),
                                                    progress))
    return entries


_ENTRIES = Compiled(lambda: LogEntry.select(LogEntry.person, LogEntry.day, LogEntry.progress, LogEntry.state)
                    .where(LogEntry.person.in_(Ids("people")) & LogEntry.day.between(Param("first"), Param("last"))))


def _iso_date(text: str) -> dt.date:
    return dt.date.fromisoformat(text[:10])  # a date column read raw from SQLite: its ISO text


def recorded(check: MonthlyCheck, person: Person | None = None) -> Checklist:
    """The checklist as the check recorded it (``person``: hers, when already loaded)."""
    ev = check.evidence or {}
    return Checklist(person or check.person, check.period, check.working_days,
                     [dt.date.fromisoformat(d) for d in ev.get("missing", [])], list(ev.get("thin", [])),
                     list(ev.get("open", [])), int(ev.get("entries", 0)), check)


def town_checklists(op: Any, period: str, town_id: int | None = None) -> list[Checklist]:
    """Every on-post assistant in ``op``'s scope (optionally one town) for the month: recorded or live."""
    auth.require(op, "worklog.check")
    first, last = rules.month_bounds(period)
    q = (auth.scope_of(op).people()
         .where(people.on_roll_during(first, last))
         .order_by(Person.town, Person.village, Person.name_initials))
    if town_id:
        q = q.where(Person.town == town_id)
    done = {c.person_id: c for c in MonthlyCheck.select().where(
        (MonthlyCheck.period == period) & MonthlyCheck.person.in_(q.select(Person.id)))}
    roll = list(q)
    live = iter(checklists([p for p in roll if p.id not in done], period))
    return [recorded(done[p.id], p) if p.id in done else next(live) for p in roll]


def unchecked(op: Any, period: str) -> int:
    """How many assistants on duty in ``op``'s scope still wait for the town's check of ``period``."""
    auth.require(op, "worklog.check")
    on_duty = auth.scope_of(op).people(Person.select(Person.id)).where(Person.status == "on_duty")
    done = MonthlyCheck.select().where((MonthlyCheck.period == period) & MonthlyCheck.person.in_(on_duty))
    return on_duty.count() - done.count()


def record_check(op: Any, person_id: int, period: str, remarks: str = "") -> MonthlyCheck:
    """WORK-2: the town centre records its check of a month; the month's entries are then locked."""
    auth.require(op, "worklog.check", person_id=person_id)
    person = people.get(op, person_id)  # scope checked and audited there
    if not rules.month_is_over(period, clock.today()):
        raise ValidationError("period", "worklog.err.month_not_over", period=period)
    if MonthlyCheck.select().where((MonthlyCheck.person == person.id) & (MonthlyCheck.period == period)).exists():
        raise ConflictError("worklog.err.already_checked", name=person.name, period=period)
    c = checklist(person, period)
    evidence = {"missing": [d.isoformat() for d in c.missing], "thin": c.thin, "open": c.open_items,
                "excused": [d.isoformat() for d in c.excused], "entries": c.entries}
    with database.atomic():
        row = MonthlyCheck.create(person=person, town=person.town_id, period=period, working_days=c.working_days,
                                  missing_days=len(c.missing), thin_entries=len(c.thin), open_items=len(c.open_items),
                                  evidence=evidence, remarks=remarks.strip(), checked_by=op, checked_at=clock.now())
        audit.record(op, "worklog.check", row, person_id=person.id, after={"period": period, **evidence},
                     note=remarks.strip())
    if not c.clean:  # the assistant sees what the check found on her home screen
        alerts.raise_alert(PLUGIN, "check_findings", f"check:{person.id}:{period}",
                           t("worklog.alert.findings", period=period, missing=len(c.missing), thin=len(c.thin),
                             open=len(c.open_items)),
                           audience=("assistant",), rule="WORK-2", person=person,
                           data={"period": period, **evidence})
    return row


# --------------------------------------------------------------------------- the city's spot check

def start_spot_check(op: Any, period: str, *, size: int | None, seed: int | None = None,
                     town_id: int | None = None) -> SpotCheck:
    """WORK-2: the city picks assistants at random (``size``) or all (``size=None``) for a month.

    The seed is recorded: the same seed over the same assistants picks the same people.
    """
    auth.require(op, "worklog.spot")
    if size is not None and size < 1:
        raise ValidationError("size", "worklog.err.size")
    first, last = rules.month_bounds(period)
    q = auth.scope_of(op).people(Person.select(Person.id)).where(people.on_roll_during(first, last))
    if town_id:
        q = q.where(Person.town == town_id)
    seed = seed if seed is not None else secrets.randbelow(10**9)
    picked = rules.pick_for_spot_check([p.id for p in q], size, seed)
    if not picked:
        raise ValidationError("town", "worklog.err.nobody")
    with database.atomic():
        spot = SpotCheck.create(period=period, mode="all" if size is None else "random", seed=seed, size=len(picked),
                                town=town_id, made_by=op, made_at=clock.now())
        SpotCheckItem.insert_many([{"spot": spot.id, "person": pid} for pid in picked]).execute()
        audit.record(op, "worklog.spot.start", spot, after={"period": period, "seed": seed, "people": picked})
    return spot


def spot_checks(op: Any) -> list[SpotCheck]:
    auth.require(op, "worklog.spot")
    return list(SpotCheck.select().order_by(SpotCheck.made_at.desc(), SpotCheck.id.desc()))


def reviewed(op: Any) -> dict[int, int]:
    """Spot check id → how many of its people the city has reviewed so far."""
    auth.require(op, "worklog.spot")
    q = (SpotCheckItem.select(SpotCheckItem.spot, pw.fn.COUNT(SpotCheckItem.id))
         .where(SpotCheckItem.result.is_null(False)).group_by(SpotCheckItem.spot))
    return dict(q.tuples())


def unreviewed(op: Any) -> int:
    """People picked by a spot check and not yet reviewed (the city's home-screen to-do)."""
    auth.require(op, "worklog.spot")
    return SpotCheckItem.select().where(SpotCheckItem.result.is_null()).count()


def spot_check(op: Any, spot_id: int) -> SpotCheck:
    """One spot check, for a reviewer of the city."""
    auth.require(op, "worklog.spot")
    spot = SpotCheck.get_or_none(SpotCheck.id == spot_id)
    if spot is None:
        raise NotFound("worklog.err.no_spot")
    return spot


def spot_items(op: Any, spot_id: int) -> list[SpotCheckItem]:
    auth.require(op, "worklog.spot")
    return list(SpotCheckItem.select().where(SpotCheckItem.spot == spot_id).order_by(SpotCheckItem.id))


def record_finding(op: Any, item_id: int, result: str, findings: str) -> SpotCheckItem:
    """What the city's reviewer found in one picked assistant's log."""
    auth.require(op, "worklog.spot")
    item = SpotCheckItem.get_or_none(SpotCheckItem.id == item_id)
    if item is None:
        raise NotFound("worklog.err.no_item")
    if result not in ("ok", "problem"):
        raise ValidationError("result", "worklog.err.choice")
    if result == "problem" and not findings.strip():
        raise ValidationError("findings", "worklog.err.findings_required")
    before = audit.snapshot(item, ("result", "findings"))
    with database.atomic():
        item.result, item.findings = result, findings.strip()
        item.reviewed_by_id, item.reviewed_at = op.id, clock.now()
        item.save()
        audit.record(op, "worklog.spot.finding", item, person_id=item.person_id, before=before,
                     after=audit.snapshot(item, ("result", "findings")))
    return item
