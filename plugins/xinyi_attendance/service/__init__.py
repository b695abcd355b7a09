"""Attendance writes — sign-in/out, corrections, phone checks, the clerk's decisions — and the
scoped reads of one person or day the screens show.

Every write is scoped and audited; the day's sheet and the end-of-day run are in
:mod:`.daily`, the month's summaries in :mod:`.summary` (both build on this
module, which never imports them). ATT-2: each town names one attendance
clerk; only she — and the town head, or the city — may record for others,
correct, record phone checks and confirm or clear 旷工 candidates. Only a
person on duty on the day is signed, checked or corrected (TRN-1, ORG-2: the
core's :func:`xinyi_core.require_on_duty`). Attendance is taken as it happens:
a sign-in is today's, never ahead of the clock; an earlier day is changed only
by a correction, with its reason, within the town's correction window.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import peewee as pw

from xinyi_core import (CalendarUnavailable, ConflictError, NotFound, Operator, OrgUnit, Person, ValidationError,
                        database, locked, require_on_duty, runtime, t)
from xinyi_core import alerts, audit, auth, calendar, clock

from .. import rules
from ..models import AttendanceClerk, AttendanceDay, PhoneCheck, SignCorrection

PLUGIN = "attendance"
CITY_ROLES = ("city_office", "bureau", "admin")


def setting(name: str) -> Any:
    return runtime().config.setting(PLUGIN, name)


# --------------------------------------------------------------------------- ATT-2: the clerk

def clerk_of(town: OrgUnit | int) -> Operator | None:
    row = AttendanceClerk.get_or_none(AttendanceClerk.town == (town if isinstance(town, int) else town.id))
    return row.operator if row else None


def name_clerk(op: Operator, town: OrgUnit, clerk: Operator) -> AttendanceClerk:
    """ATT-2: the town centre names its one attendance clerk (replacing any earlier one)."""
    auth.require(op, "attendance.name_clerk", obj=town)
    if not auth.scope_of(op).contains_unit(town):
        auth.deny(op, "attendance.name_clerk", obj=town, key="auth.out_of_scope")
    if clerk.role != "town_clerk" or clerk.scope_id != town.id:
        raise ValidationError("operator", "attendance.clerk_not_town_clerk", town=town.name)
    # The town's one row, locked: two heads naming at once are served in turn (PostgreSQL; SQLite's
    # write transactions are serial), the second replacing the first — never a duplicate-key error.
    query = AttendanceClerk.select().where(AttendanceClerk.town == town.id)
    with database.atomic():
        row = locked(query).first()
        before = {"operator": row.operator_id} if row else None
        if row is None:
            AttendanceClerk.insert(town=town.id, operator=clerk.id, named_by_id=op.id,
                                   named_at=clock.now()).on_conflict_ignore().execute()
            row = locked(query).get()
            if (row.operator_id, row.named_by_id) != (clerk.id, op.id):  # another head's, just before
                before = {"operator": row.operator_id}
        row.operator, row.named_by_id, row.named_at = clerk, op.id, clock.now()
        row.save()
        audit.record(op, "attendance.name_clerk", row, before=before,
                     after={"town": town.code, "operator": clerk.id, "name": clerk.display_name})
    return row


def require_keeper(op: Operator, town: OrgUnit, action: str, person_id: int | None = None) -> None:
    """ATT-2: refuse (and audit) unless ``op`` is the town's named clerk, its head, or the city."""
    auth.require(op, action, person_id=person_id)
    if op.role in CITY_ROLES:
        return
    if not auth.scope_of(op).contains_unit(town):
        auth.deny(op, action, person_id=person_id, key="auth.out_of_scope")
    if op.role == "town_head":
        return
    clerk = AttendanceClerk.get_or_none(AttendanceClerk.town == town.id)
    if clerk is None or clerk.operator_id != op.id:
        auth.deny(op, action, person_id=person_id, key="attendance.not_clerk", town=town.name)


def is_keeper(op: Operator, town: OrgUnit | int, action: str) -> bool:
    """Whether ``op`` may take ``action`` for others in ``town`` (ATT-2): :func:`require_keeper` as a
    question, neither refused nor audited — a screen offers a key only to the operator it would serve."""
    if not auth.can(op, action):
        return False
    if op.role in CITY_ROLES:
        return True
    if isinstance(town, int):
        town = OrgUnit.get_by_id(town)
    if not auth.scope_of(op).contains_unit(town):
        return False
    if op.role == "town_head":
        return True
    clerk = AttendanceClerk.get_or_none(AttendanceClerk.town == town.id)
    return clerk is not None and clerk.operator_id == op.id


def _person(op: Operator, person_id: int, action: str) -> Person:
    person = Person.get_or_none(Person.id == person_id)
    if person is None:
        raise NotFound("person.not_found")
    if not auth.scope_of(op).contains_person(person):
        auth.deny(op, action, obj=person, person_id=person.id, key="auth.out_of_scope")
    return person


# --------------------------------------------------------------------------- scoped reads for the screens

def day_of(op: Operator, person_id: int, day: dt.date) -> AttendanceDay | None:
    """One person's stored day (None before anything was recorded), within ``op``'s scope."""
    q = AttendanceDay.select().where((AttendanceDay.person == person_id) & (AttendanceDay.date == day))
    return auth.scope_of(op).restrict(q, AttendanceDay.person).first()


def person_of(op: Operator, person_id: int) -> Person | None:
    """One person as a screen shows her: in ``op``'s scope, else None (nothing shown, nothing audited)."""
    return auth.scope_of(op).people().where(Person.id == person_id).first()


def people_on_duty(op: Operator) -> list[Person]:
    """The assistants on duty in ``op``'s scope, by town, village and name, each with ``village_name``."""
    village = OrgUnit.alias()
    q = (Person.select(Person.id, Person.name, village.name.alias("village_name"))
         .join(village, on=(Person.village == village.id)).where(Person.status == "on_duty")
         .order_by(Person.town, Person.village, Person.name_initials))
    return list(auth.scope_of(op).people(q).limit(2000).objects())


def open_candidates(op: Operator) -> pw.ModelSelect:
    """ATT-5: the 旷工 candidates waiting for a decision in ``op``'s scope, oldest first (with the person)."""
    q = (AttendanceDay.select(AttendanceDay, Person).join(Person).where(AttendanceDay.absence == "open")
         .order_by(AttendanceDay.date, Person.name_initials))
    return auth.scope_of(op).restrict(q, AttendanceDay.person)


# --------------------------------------------------------------------------- ATT-1/2: sign-in and sign-out

def _flags(town_id: int, day: dt.date, sign_in: dt.time | None, sign_out: dt.time | None) -> tuple[bool, bool]:
    """Late/early against the town's hours in force that day (ATT-1); never on a rest day.

    In a year with no holiday schedule the calendar cannot say whether the day is a
    working day, so nothing is judged (never late on what may be a holiday); the sign-in
    itself is kept, and the uncovered year stays in the warnings the city sees.
    """
    try:
        working = calendar.is_working_day(town_id, day)
    except CalendarUnavailable:
        working = False
    if not working:
        return False, False
    return rules.lateness(sign_in, sign_out, calendar.working_hours(town_id, day), setting("late_grace_minutes"))


def day_row(person: Person, day: dt.date) -> AttendanceDay:
    row = AttendanceDay.get_or_none((AttendanceDay.person == person.id) & (AttendanceDay.date == day))
    return row or AttendanceDay(person=person, town=person.town_id, date=day)


def _locked_day_row(person: Person, day: dt.date) -> AttendanceDay:
    """The day's row, created if missing and locked until the transaction ends.

    Two keepers signing the same person's day at once are then served one after the
    other: the second sees the first's time (a conflict), not a duplicate-key error or
    a silent overwrite (PostgreSQL; SQLite's write transactions are serial anyway).
    """
    AttendanceDay.insert(person=person.id, town=person.town_id, date=day).on_conflict_ignore().execute()
    return locked(AttendanceDay.select().where(
        (AttendanceDay.person == person.id) & (AttendanceDay.date == day))).get()


def _check_sign_time(at: dt.datetime) -> None:
    """ATT-2 truthfully: a sign-in the clerk records is today's and already happened.

    A time ahead of the clock (a later hour, a future day) is refused; an earlier
    day is not signed at all but corrected (:func:`correct`: a reason, the
    original kept, audited).
    """
    now = clock.now()
    if at > now:
        raise ValidationError("at", "attendance.future_sign", at=f"{at:%Y-%m-%d %H:%M}")
    if at.date() < now.date():
        raise ValidationError("at", "attendance.past_sign", date=at.date().isoformat())


def correction_window(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The days a correction may touch: the last ``correction_window_days`` up to today (ATT-2)."""
    today = today or clock.today()
    return today - dt.timedelta(days=int(setting("correction_window_days"))), today


def sign(op: Operator, person_id: int, kind: str, at: dt.datetime | None = None) -> AttendanceDay:
    """ATT-2: sign in (``kind`` "in") or out ("out").

    An assistant signs herself at the village terminal, always at the current
    time; the town's attendance clerk may record it for her with a time of
    today, not ahead of the clock. Only for a person on duty that day (TRN-1).
    """
    if kind not in ("in", "out"):
        raise ValueError(kind)
    action = "attendance.sign"
    person = _person(op, person_id, action)
    if op.role == "assistant":
        auth.require(op, action, person_id=person.id)
        at = clock.now()
    else:
        require_keeper(op, person.town, action, person.id)
        at = at or clock.now()
        _check_sign_time(at)
    require_on_duty(op, person, at.date(), action)
    with database.atomic():
        row = _locked_day_row(person, at.date())
        stamp = at.time().replace(second=0, microsecond=0)
        if kind == "in":
            if row.sign_in is not None:
                raise ConflictError("attendance.already_in", time=f"{row.sign_in:%H:%M}")
            row.sign_in, row.in_by_id = stamp, op.id
        else:
            if row.sign_in is None:
                raise ConflictError("attendance.not_in")
            if row.sign_out is not None:
                raise ConflictError("attendance.already_out", time=f"{row.sign_out:%H:%M}")
            row.sign_out, row.out_by_id = stamp, op.id
        row.late, row.early = _flags(row.town_id, row.date, row.sign_in, row.sign_out)
        row.save()
        audit.record(op, f"attendance.sign_{kind}", row, person_id=person.id,
                     after={"date": row.date.isoformat(), kind: f"{stamp:%H:%M}", "late": row.late,
                            "early": row.early})
    return row


def correct(op: Operator, person_id: int, day: dt.date, sign_in: dt.time | None, sign_out: dt.time | None,
            reason: str) -> AttendanceDay:
    """ATT-2: correct a day's times; the original is kept with the reason, and audited.

    A correction that gives the day a sign-in clears an open 旷工 candidate. The
    day is today or one of the town's correction window before it (a future day
    has nothing to correct), and one the person was on duty (TRN-1).
    """
    person = _person(op, person_id, "attendance.correct")
    require_keeper(op, person.town, "attendance.correct", person.id)
    if not reason.strip():
        raise ValidationError("reason", "attendance.reason_required")
    if sign_in and sign_out and sign_out <= sign_in:
        raise ValidationError("sign_out", "attendance.out_before_in")
    earliest, today = correction_window()
    if day > today:
        raise ValidationError("day", "attendance.future_correction", date=day.isoformat())
    if day < earliest:
        raise ValidationError("day", "attendance.outside_window", date=day.isoformat(), earliest=earliest.isoformat(),
                              days=setting("correction_window_days"))
    require_on_duty(op, person, day, "attendance.correct")
    with database.atomic():
        row = _locked_day_row(person, day)  # a concurrent sign-in or check waits, then sees the correction
        before = {"sign_in": _hm(row.sign_in), "sign_out": _hm(row.sign_out), "absence": row.absence}
        row.sign_in, row.sign_out = sign_in, sign_out
        row.late, row.early = _flags(row.town_id, day, sign_in, sign_out)
        if sign_in is not None and row.absence == "open":
            set_absence(row, op, "cleared", reason.strip())
        row.save()
        after = {"sign_in": _hm(sign_in), "sign_out": _hm(sign_out), "absence": row.absence}
        SignCorrection.create(day=row, before=before, after=after, reason=reason.strip(), by_id=op.id, at=clock.now())
        audit.record(op, "attendance.correct", row, person_id=person.id, before=before, after=after,
                     note=reason.strip())
    return row


def _hm(value: dt.time | None) -> str | None:
    return f"{value:%H:%M}" if value else None


# --------------------------------------------------------------------------- ATT-2: phone spot checks

def record_check(op: Operator, person_id: int, called_at: dt.datetime, answered_by: str, at_post: bool,
                 note: str = "") -> PhoneCheck:
    """ATT-2: a phone spot check to the village; a failed one is evidence in the day's record."""
    person = _person(op, person_id, "attendance.check")
    require_keeper(op, person.town, "attendance.check", person.id)
    if not answered_by.strip():
        raise ValidationError("answered_by", "attendance.answered_by_required")
    if called_at > clock.now():
        raise ValidationError("called_at", "attendance.future_call")
    require_on_duty(op, person, called_at.date(), "attendance.check")
    with database.atomic():
        check = PhoneCheck.create(person=person, town=person.town_id, village=person.village_id, called_at=called_at,
                                  answered_by=answered_by.strip(), at_post=at_post, note=note.strip(), by_id=op.id)
        if not at_post:
            row = _locked_day_row(person, called_at.date())  # two failed checks at once count two
            row.failed_checks += 1
            row.save()
        audit.record(op, "attendance.check", check, person_id=person.id,
                     after={"called_at": called_at.isoformat(sep=" "), "answered_by": answered_by.strip(),
                            "at_post": at_post})
    return check


# --------------------------------------------------------------------------- ATT-5: the clerk's decision

def set_absence(row: AttendanceDay, op: Operator | None, state: str, reason: str) -> None:
    """Record a decision on a candidate (the caller saves and audits)."""
    row.absence, row.absence_reason = state, reason
    row.absence_by_id, row.absence_at = (op.id if op else None), clock.now()


def confirmed_days(person_id: int, year: int) -> list[dt.date]:
    """ATT-5: the year's confirmed 旷工 days."""
    q = (AttendanceDay.select(AttendanceDay.date)
         .where((AttendanceDay.person == person_id) & (AttendanceDay.absence == "confirmed") &
                AttendanceDay.date.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
         .order_by(AttendanceDay.date))
    return [r.date for r in q]


def decide(op: Operator, day_id: int, confirm: bool, reason: str) -> AttendanceDay:
    """Confirm a candidate as 旷工 or clear it, with a reason (ATT-5; audited).

    The confirmation that brings the year to 5 days raises the ATT-5 alert
    that day (the year is 不合格).
    """
    row = AttendanceDay.get_or_none(AttendanceDay.id == day_id)
    if row is None or row.absence is None:
        raise NotFound("attendance.no_candidate")
    person = _person(op, row.person_id, "attendance.decide")
    require_keeper(op, row.town, "attendance.decide", person.id)
    if not reason.strip():
        raise ValidationError("reason", "attendance.reason_required")
    if row.absence != "open":
        raise ConflictError("attendance.already_decided")
    state = "confirmed" if confirm else "cleared"
    with database.atomic():
        set_absence(row, op, state, reason.strip())
        row.save()
        audit.record(op, f"attendance.{'confirm' if confirm else 'clear'}", row, person_id=person.id,
                     before={"absence": "open"}, after={"absence": state, "date": row.date.isoformat()},
                     note=reason.strip())
        if confirm:
            days = confirmed_days(person.id, row.date.year)
            limit = setting("absent_fail_days")
            if rules.crosses_att5(len(days), limit):  # ATT-5: raised once per person and year (by key)
                alerts.raise_alert(
                    PLUGIN, "absent_5", f"absent_5:{person.id}:{row.date.year}",
                    t("attendance.alert.absent_5", name=person.name, year=row.date.year, days=len(days),
                      limit=limit),
                    audience=("town_head", "city_office"), rule="ATT-5", person=person,
                    data={"year": row.date.year, "days": len(days), "dates": [d.isoformat() for d in days]})
    return row
