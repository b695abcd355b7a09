"""The day: who is in, excused or missing (the daily sheet), and the end-of-day run
that marks 旷工 candidates (ATT-5) and raises the off-post alert (ATT-6).

Excusing marks (leave, training) come only through ``xinyi_calendar_marks``
from the plugins the town enabled: with the leave plugin disabled a town simply
has no leave marks, and nothing breaks.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import peewee as pw

from xinyi_core import (CalendarMark, CalendarUnavailable, OffPostAlert, Operator, OrgUnit, Person, database,
                        date_zh, duty_refusals, locked, runtime, t, weekday_zh)
from xinyi_core import alerts, audit, auth, calendar, clock, facts, org

from .. import rules
from ..models import AttendanceDay, PhoneCheck
from . import PLUGIN, day_row, set_absence, setting

LOOKBACK_DAYS = 45  # how far back the ATT-6 run is followed (several times the limit)


def marks_for(person: Person, start: dt.date, end: dt.date, town_code: str | None = None) -> list[CalendarMark]:
    """Every mark the town's enabled plugins give ``person`` from ``start`` to ``end``."""
    code = town_code or (person.town.code if person.town_id else None)
    hook = runtime().plugins.for_town(code).xinyi_calendar_marks
    return [m for result in hook(person=person, start=start, end=end) for m in (result or ()) if m is not None]


def excuses(marks: list[CalendarMark]) -> dict[dt.date, CalendarMark]:
    """The excusing mark per day (the first one a plugin gave)."""
    out: dict[dt.date, CalendarMark] = {}
    for m in marks:
        if m.excused:
            out.setdefault(m.date, m)
    return out


def on_roll(town: OrgUnit, day: dt.date) -> pw.ModelSelect:
    """The assistants on duty in ``town`` on ``day`` (joined by then)."""
    return (Person.select().where((Person.town == town.id) & (Person.status == "on_duty") &
                                  (Person.joined_on.is_null() | (Person.joined_on <= day)))
            .order_by(Person.village, Person.name_initials, Person.id))


# --------------------------------------------------------------------------- the daily sheet

@dataclass(frozen=True)
class SheetRow:
    person_id: int
    name: str
    village: str
    status: str  # in, excused, missing, rest, pending (working day not over, not signed in), unknown
    sign_in: dt.time | None
    sign_out: dt.time | None
    late: bool
    early: bool
    excuse: str  # the mark's label
    failed_checks: int
    absence: str | None
    day_id: int | None

    @property
    def status_text(self) -> str:
        return self.excuse if self.status == "excused" else t(f"attendance.status.{self.status}")


def sheet(op: Operator, town: OrgUnit, day: dt.date) -> list[SheetRow]:
    """The day's sheet of ``town`` as ``op`` may see it: only the people of her scope.

    A town operator asking for another town gets no rows; an assistant, her own.
    """
    return daily_sheet(town, day, people=auth.scope_of(op).people(on_roll(town, day)))


def daily_sheet(town: OrgUnit, day: dt.date, *, people: pw.ModelSelect | None = None) -> list[SheetRow]:
    """Town ``day``: who is in, on leave or training (from marks), missing (ATT-2).

    On a day of a year with no holiday schedule nobody who did not sign in is
    called missing: the calendar cannot say the day is a working day, so the
    status is ``unknown`` and the sheet says the calendar is not entered.
    """
    try:
        working: bool | None = calendar.is_working_day(town, day)
    except CalendarUnavailable:
        working = None
    persons = list((people if people is not None else on_roll(town, day))
                   .select_extend(OrgUnit.name.alias("village_name"))
                   .join(OrgUnit, on=(Person.village == OrgUnit.id)).objects())
    rows = {r.person_id: r for r in AttendanceDay.select().where(
        (AttendanceDay.date == day) & AttendanceDay.person.in_([p.id for p in persons]))}
    unsigned = [p for p in persons if rows.get(p.id) is None or rows[p.id].sign_in is None]
    marks = facts.calendar_marks(unsigned, day, day)  # each plugin once for the sheet (bulk hooks)
    out = []
    for p in persons:
        r = rows.get(p.id)
        excuse = ""
        if r is not None and r.sign_in is not None:
            status = "in"
        else:
            mark = excuses(marks[p.id]).get(day)
            if mark is not None:
                status, excuse = "excused", mark.label
            elif working is None:
                status = "unknown"
            elif not working:
                status = "rest"
            elif r is not None and r.absence:
                status = "missing"
            else:
                status = "missing" if day < clock.today() or _after_hours(town, day) else "pending"
        out.append(SheetRow(p.id, p.name, p.village_name, status,
                            r.sign_in if r else None, r.sign_out if r else None, bool(r and r.late),
                            bool(r and r.early), excuse, r.failed_checks if r else 0,
                            r.absence if r else None, r.id if r else None))
    return out


def sign_warnings(person: Person, kind: str, at: dt.datetime) -> list[str]:
    """What whoever signs ``person`` in (``kind`` "in") or out ("out") at ``at`` reads before confirming.

    Signing in: a rest day, a public holiday or a day the town closed (the sign-in is kept, nothing is
    late or early then — ATT-1), a day of a year the calendar cannot judge, a sign-in after work
    began (迟到), a leave or training mark on the day. Signing out: before work ends (早退). Never a
    refusal: a sign-in is kept on any day (ATT-2); the warning makes sure it is meant.
    """
    day, stamp = at.date(), at.time().replace(second=0, microsecond=0)
    out: list[str] = []
    try:
        day_kind = calendar.day_kind(person.town_id, day)
    except CalendarUnavailable:
        day_kind = None
        if kind == "in":
            out.append(t("attendance.warn.uncovered", year=day.year))
    if day_kind in ("weekend", "holiday", "closure"):
        if kind == "in":
            name = calendar.holiday_name(day) if day_kind == "holiday" else None
            key = "holiday_named" if name else day_kind
            out.append(t(f"attendance.warn.{key}", weekday=weekday_zh(day), name=name or ""))
    elif day_kind is not None:
        hours = calendar.working_hours(person.town_id, day)
        late, early = rules.lateness(stamp if kind == "in" else None, stamp if kind == "out" else None, hours,
                                     setting("late_grace_minutes"))
        if late:
            out.append(t("attendance.warn.late", start=f"{hours[0]:%H:%M}"))
        if early:
            out.append(t("attendance.warn.early", end=f"{hours[1]:%H:%M}"))
    if kind == "in":
        mark = excuses(marks_for(person, day, day)).get(day)
        if mark is not None:
            out.append(t("attendance.warn.excused", name=person.name, label=mark.label))
    return out


def _after_hours(town: OrgUnit, day: dt.date) -> bool:
    return clock.now() >= dt.datetime.combine(day, calendar.working_hours(town, day)[1])


# --------------------------------------------------------------------------- end of day (ATT-5, ATT-6)

@dataclass
class EndOfDay:
    candidates: int = 0
    excused: int = 0
    off_post: int = 0
    cleared: int = 0  # earlier open candidates excused after the fact


def end_of_day(town: OrgUnit, day: dt.date) -> EndOfDay:
    """Mark the day's 旷工 candidates and raise ATT-6 alerts; safe to run twice.

    A candidate is a working day with no sign-in and no excusing mark
    (:func:`rules.absence_candidates`); the clerk confirms or clears it. Open
    candidates of the weeks before that a mark now excuses — leave completed
    after the return (补办, ATT-3) — are cleared first.
    """
    result = EndOfDay()
    working = calendar.is_working_day(town, day)  # CalendarUnavailable: the job fails with the reason
    people = list(on_roll(town, day))
    signed = {r.person_id for r in AttendanceDay.select(AttendanceDay.person).where(
        (AttendanceDay.date == day) & AttendanceDay.sign_in.is_null(False) &
        AttendanceDay.person.in_([p.id for p in people]))}
    with database.atomic():
        result.cleared = _recheck_open(town, day)
        marks = facts.calendar_marks([p for p in people if p.id not in signed], day, day)  # bulk hooks
        for person in people:
            if person.id in signed:
                continue
            if duty_refusals(person, day):  # TRN-1: not on duty that day (no passed exam), so not absent
                continue
            mark = excuses(marks[person.id]).get(day)
            row = day_row(person, day)
            if mark is not None:
                if working:  # the summary counts excused working days
                    _excuse(row, mark)
                result.excused += 1
                continue  # an excused day breaks any off-post run (ATT-6)
            if rules.absence_candidates([day] if working else [], (), ()) and row.absence is None:
                row.absence = "open"
                row.save()
                result.candidates += 1
            if check_off_post(town, person, day):
                result.off_post += 1
    return result


def _excuse(row: AttendanceDay, mark: CalendarMark) -> bool:
    """Record the excusing mark on the day; clear its open candidate (audited). True if one was cleared."""
    if row.excuse is not None:
        return False
    row.excuse, row.excuse_label = mark.kind, mark.label
    cleared = row.absence == "open"
    if cleared:
        set_absence(row, None, "cleared", t("attendance.cleared_by_mark", label=mark.label))
    row.save()
    if cleared:
        audit.record(None, "attendance.clear", row, person_id=row.person_id, before={"absence": "open"},
                     after={"absence": "cleared"}, note=row.absence_reason)
    return cleared


def _recheck_open(town: OrgUnit, day: dt.date) -> int:
    """ATT-3: open candidates of earlier days that a mark excuses now (补办) are cleared."""
    since = day - dt.timedelta(days=LOOKBACK_DAYS)
    rows = list(AttendanceDay.select(AttendanceDay, Person).join(Person).where(
        (AttendanceDay.absence == "open") & (AttendanceDay.town == town.id) &
        AttendanceDay.date.between(since, day - dt.timedelta(days=1))))
    by_person: dict[int, list[AttendanceDay]] = {}
    for row in rows:
        by_person.setdefault(row.person_id, []).append(row)
    cleared = 0
    for person_rows in by_person.values():
        person = person_rows[0].person
        marks = excuses(marks_for(person, min(r.date for r in person_rows), max(r.date for r in person_rows),
                                  town.code))
        cleared += sum(_excuse(r, marks[r.date]) for r in person_rows if r.date in marks)
    return cleared


# --------------------------------------------------------------------------- marks changed after the fact (ATT-3)

def follow_marks(person: Person, start: dt.date, end: dt.date) -> int:
    """ATT-3: the stored days ``start``..``end`` follow the marks as they are now; returns rows changed.

    The end-of-day run wrote each day's excusing mark into its row; when the
    mark's source changes its mind (an oral leave refused or withdrawn, leave
    cancelled, 销假, an extension approved) the plugin says so through
    ``xinyi_calendar_marks_changed`` and this brings the rows in line:

    - an excuse whose mark is gone is dropped; on a working day the day becomes
      a 旷工 candidate again (ATT-5) — also when the machine had cleared it by
      that mark — and the off-post run is recounted now (ATT-6);
    - a mark newly present excuses the day and clears its open candidate;
    - a candidate a person confirmed or cleared stays as she decided.

    Only days the end-of-day run has judged (a stored row, today included once
    it ran) are touched: a day it never judged is not held against anyone.
    """
    today = clock.today()
    end = min(end, today)
    if end < start:
        return 0
    changed = dropped = 0
    with database.atomic():  # the caller's transaction: the rows change with the leave, or neither does
        rows = list(locked(AttendanceDay.select().where(
            (AttendanceDay.person == person.id) & AttendanceDay.date.between(start, end) &
            AttendanceDay.sign_in.is_null()).order_by(AttendanceDay.date)))
        marks = excuses(marks_for(person, start, end)) if rows else {}
        for row in rows:
            if row.absence in ("confirmed", "cleared") and row.absence_by_id is not None:
                continue  # a person's decision: kept whatever the marks say now
            try:
                working = calendar.is_working_day(row.town_id, row.date)
            except CalendarUnavailable:
                continue  # an uncovered year: nothing is judged there
            mark = marks.get(row.date)
            if mark is not None:
                if working and (row.excuse, row.excuse_label) != (mark.kind, mark.label):
                    if row.excuse is None:
                        _excuse(row, mark)
                    else:  # another mark now (a different leave on the day): the summary counts its kind
                        row.excuse, row.excuse_label = mark.kind, mark.label
                        row.save()
                    changed += 1
            elif row.excuse is not None:
                _unexcuse(row, working)
                changed += 1
                dropped += 1
        if dropped and person.status == "on_duty" and person.town_id:
            town = org.town_of(person)
            # Today is judged only once the end-of-day run made it a candidate; before that, the run
            # is followed up to yesterday. Either answer raises the same alert (keyed by its start).
            check_off_post(town, person, today) or check_off_post(town, person, today - dt.timedelta(days=1))
    return changed


def _unexcuse(row: AttendanceDay, working: bool) -> None:
    """The day's mark is gone: drop the excuse; a working day is a candidate again (audited)."""
    before = {"excuse": row.excuse, "absence": row.absence}
    label = row.excuse_label
    row.excuse, row.excuse_label = None, ""
    if working and row.absence in (None, "cleared"):  # only the machine's: a person's decision was kept above
        row.absence, row.absence_reason, row.absence_by_id, row.absence_at = "open", "", None, None
    row.save()
    audit.record(None, "attendance.unexcuse", row, person_id=row.person_id, before=before,
                 after={"excuse": None, "absence": row.absence, "date": row.date.isoformat()},
                 note=t("attendance.unexcused", label=label))


def check_off_post(town: OrgUnit, person: Person, day: dt.date) -> bool:
    """ATT-6: follow this person's days back from ``day`` and raise the alert past the limit."""
    start = day - dt.timedelta(days=LOOKBACK_DAYS)
    if person.joined_on and person.joined_on > start:
        start = person.joined_on
    try:
        working = set(calendar.working_days(town, start, day))
    except CalendarUnavailable:  # part of the window in an uncovered year: judge only what is known
        working = set(calendar.working_days(town, dt.date(day.year, 1, 1), day))
        start = max(start, dt.date(day.year, 1, 1))
    present, missed = set(), set()
    excused = set(excuses(marks_for(person, start, day, town.code)))
    for r in AttendanceDay.select().where((AttendanceDay.person == person.id) &
                                          AttendanceDay.date.between(start, day)):
        if r.sign_in is not None:
            present.add(r.date)
        elif r.excuse or r.absence == "cleared":
            excused.add(r.date)
        elif r.absence in ("open", "confirmed"):
            missed.add(r.date)
    checks = PhoneCheck.select(PhoneCheck.called_at).where(
        (PhoneCheck.person == person.id) & (PhoneCheck.at_post == True) &  # noqa: E712
        PhoneCheck.called_at.between(dt.datetime.combine(start, dt.time.min), dt.datetime.combine(day, dt.time.max)))
    present |= {c.called_at.date() for c in checks}
    # A working day counts as missed only once the end-of-day run made it a candidate: days before
    # attendance was kept here (or a night the job did not run) are not held against her.
    states = {d: rules.day_state(d in working, d in present, d in excused) for d in calendar.days(start, day)
              if d in present or d in excused or d in missed or d not in working}
    run = rules.consecutive_off_post(states, day, mode=setting("off_post_count"))
    if not rules.crosses_att6(run, setting("off_post_days")):
        return False
    payload = OffPostAlert(days=run.days, start=run.start, end=run.end, missed_working_days=run.missed,
                           count=setting("off_post_count"), proposes="rescinded")  # 解除合同, as a code
    alerts.raise_alert(
        PLUGIN, OffPostAlert.KIND, f"off_post:{person.id}:{run.start.isoformat()}",
        t("attendance.alert.off_post", name=person.name, days=run.days, start=date_zh(run.start, year=False, pad=True),
          end=date_zh(run.end, year=False, pad=True)),
        audience=("town_head", "city_office"), rule=OffPostAlert.RULE, person=person, town=town, data=payload)
    return True
