"""A year of attendance for the demo city: sign-ins with realistic lateness, the leave and
training days other plugins' demos created (read as calendar marks), a few absentees — one who crosses 5 days of 旷工 this year (ATT-5)
and one who has been off post for 8 days (ATT-6).

About 125,000 rows for 500 assistants (5 million for 20,000), made as tuples
from per-town calendars and streamed in chunks inside one transaction
(:mod:`xinyi_core.bulk`), the table's indexes built after the load. Only days the national calendar covers, up to
yesterday (today's end-of-day run has not happened yet).
"""
from __future__ import annotations

import datetime as dt
import random
import bisect
from typing import Any, Iterator

from xinyi_core import Operator, OrgUnit, Person, clock, database, runtime, t
from xinyi_core import alerts, bulk, calendar, facts, org
from xinyi_core.demo import history_start

from .models import AttendanceClerk, AttendanceDay
from .service import PLUGIN

FIELDS = (AttendanceDay.person, AttendanceDay.town, AttendanceDay.date, AttendanceDay.sign_in,
          AttendanceDay.sign_out, AttendanceDay.in_by_id, AttendanceDay.out_by_id, AttendanceDay.late,
          AttendanceDay.early, AttendanceDay.excuse, AttendanceDay.excuse_label, AttendanceDay.absence,
          AttendanceDay.absence_reason, AttendanceDay.absence_by_id, AttendanceDay.absence_at, AttendanceDay.failed_checks)


def _covered_range(today: dt.date) -> tuple[dt.date, dt.date] | None:
    start, end = history_start(today), today - dt.timedelta(days=1)  # a year (less in a province-size city)
    while start <= end and not calendar.covered(start.year):
        start = dt.date(start.year + 1, 1, 1)
    while end >= start and not calendar.covered(end.year):
        end = dt.date(end.year, 1, 1) - dt.timedelta(days=1)
    return (start, end) if start <= end else None


def build(city: OrgUnit, rng: random.Random) -> None:
    """Clerks named per town (ATT-2), then a year of days for every assistant, streamed in chunks."""
    today = clock.today()
    span = _covered_range(today)
    towns = list(org.towns())
    with database.atomic():
        for town in towns:
            clerk = Operator.select().where((Operator.role == "town_clerk") & (Operator.scope == town.id)).first()
            if clerk is not None:
                AttendanceClerk.get_or_create(town=town, defaults={"operator": clerk, "named_at": clock.now()})
        if span is None:
            return
        people = list(Person.select().where(Person.status == "on_duty").order_by(Person.id))
        clerks = {c.town_id: c.operator_id for c in AttendanceClerk.select()}
        working = calendar.working_days_by_town([town.id for town in towns], *span)
        calendars = {town.id: (working[town.id], calendar.working_hours(town, span[1])) for town in towns}
        plan = _special(people, rng)
        marks = _marks(people, span)

        def rows() -> Iterator[tuple]:
            for person in people:
                yield from _year(person, span, calendars[person.town_id], marks.get(person.id, {}),
                                 plan.get(person.id), clerks.get(person.town_id), rng)

        with bulk.big_cache(), bulk.indexes_after(AttendanceDay):
            bulk.insert(AttendanceDay, [f.name for f in FIELDS], rows())
    _alerts(people, plan, span[1])


def _marks(people: list[Person], span: tuple[dt.date, dt.date]) -> dict[int, dict[dt.date, tuple[str, str]]]:
    """Excusing marks from the plugins each town enabled (leave, training): person id → day → (kind, label),
    every plugin answering a town's people at once (``xinyi_core.facts``)."""
    found = facts.calendar_marks(people, *span)
    return {pid: {m.date: (m.kind, m.label) for m in ms if m.excused} for pid, ms in found.items() if ms}


def _special(people: list[Person], rng: random.Random) -> dict[int, str]:
    """Who is an absentee: one crossing 5 days this year, one off post now, a few with a day or two."""
    chosen = rng.sample(people, min(len(people), 12))
    plan = {p.id: "few" for p in chosen[2:]}
    if len(chosen) >= 2:
        plan[chosen[0].id], plan[chosen[1].id] = "five", "off_post"
    return plan


def _year(person: Person, span: tuple[dt.date, dt.date], cal: tuple[list[dt.date], tuple[dt.time, dt.time]],
          marks: dict[dt.date, tuple[str, str]], plan: str | None, clerk_id: int | None,
          rng: random.Random) -> Iterator[tuple]:
    working, (start, end) = cal
    first = max(span[0], person.joined_on or span[0])
    workdays = working[bisect.bisect_left(working, first):]
    if not workdays:
        return
    r = rng.random
    punctual = r()
    late_p, early_p = 0.01 + 0.08 * (1 - punctual) ** 2, 0.005 + 0.03 * (1 - punctual) ** 3
    absent = _absent_days([d for d in workdays if d not in marks], plan, rng) if plan else set()
    off_since = None
    if plan == "off_post":  # ATT-6: away since the last working day at least 8 calendar days back
        off_since = max((d for d in workdays if d <= span[1] - dt.timedelta(days=7)), default=workdays[0])
    s_min, e_min = start.hour * 60 + start.minute, end.hour * 60 + end.minute
    pid, tid = person.id, person.town_id
    for day in workdays:
        iso = _ISO.get(day) or _ISO.setdefault(day, day.isoformat())
        if off_since is not None and day >= off_since:
            yield _missing(person, day, "open", "", None)
        elif day in absent:
            decided = day < span[1] - dt.timedelta(days=3)
            yield _missing(person, day, "confirmed" if decided else "open", "无故未到岗" if decided else "", clerk_id)
        elif day in marks:
            yield _excused(person, day, *marks[day])
        else:
            late = r() < late_p
            sign_in = s_min + (1 + 39 * r() if late else -25 * r())
            early = r() < early_p
            sign_out = e_min - (5 + 55 * r()) if early else e_min + 35 * r()
            yield (pid, tid, iso, _CLOCK[max(0, min(round(sign_in), 1439))],
                   _CLOCK[max(0, min(round(sign_out), 1439))], None, None, late, early, None, "", None, "", None,
                   None, 0)


_ISO: dict[dt.date, str] = {}
_CLOCK = [f"{m // 60:02d}:{m % 60:02d}:00" for m in range(24 * 60)]  # minute of the day → a stored time


def _excused(person: Person, day: dt.date, kind: str, label: str) -> tuple:
    return (person.id, person.town_id, day, None, None, None, None, False, False, kind, label, None, "", None, None, 0)


def _missing(person: Person, day: dt.date, state: str, reason: str, by: int | None) -> tuple:
    at = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(9, 0)) if by else None
    return (person.id, person.town_id, day, None, None, None, None, False, False, None, "", state, reason, by, at, 0)


def _absent_days(workdays: list[dt.date], plan: str | None, rng: random.Random) -> set[dt.date]:
    this_year = [d for d in workdays if d.year == workdays[-1].year][:-10]
    if plan == "five" and len(this_year) >= 6:
        return set(rng.sample(this_year, 6))
    if plan == "few":
        return set(rng.sample(workdays[:-10] or workdays, min(len(workdays), rng.choice((1, 1, 2, 3)))))
    return set()


def _alerts(people: list[Person], plan: dict[int, str], last: dt.date) -> None:
    """The alerts the nightly runs would have raised: ATT-5 for the 5-day absentee, ATT-6 for the one away."""
    from .service.daily import check_off_post
    from .service import confirmed_days, setting

    by_id = {p.id: p for p in people}
    for person_id, kind in plan.items():
        person = by_id[person_id]
        if kind == "off_post":
            check_off_post(person.town, person, last)
        elif kind == "five":
            days = confirmed_days(person.id, last.year)
            if len(days) >= 5:
                alerts.raise_alert(PLUGIN, "absent_5", f"absent_5:{person.id}:{last.year}",
                                   t("attendance.alert.absent_5", name=person.name, year=last.year, days=len(days),
                                     limit=setting("absent_fail_days")),
                                   audience=("town_head", "city_office"), rule="ATT-5", person=person,
                                   data={"year": last.year, "days": len(days),
                                         "dates": [d.isoformat() for d in days]})
