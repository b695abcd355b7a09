"""Working days per town.

The national schedule (public holidays and make-up working days, 调休) comes
from the ``chinese_calendar`` package for the years it covers and from
``[calendar.years.YYYY]`` in ``xinyi.toml`` for the others (the administrator
enters the State Council notice). A year with neither raises
:class:`CalendarUnavailable` — never a silent guess — and shows up in
:func:`coverage_warnings` at start.

On top of that a town has its own working hours (ATT-1) and extra closures.
"""
from __future__ import annotations

import datetime as dt
import functools
from typing import Iterable, Iterator

import chinese_calendar

from . import audit, auth, bulk, clock
from .db import Compiled, Ids, Param, database
from .errors import CalendarUnavailable, ValidationError
from .i18n import has, t
from .models import OrgUnit, Person, TownClosure, TownHours
from .types import CalendarMark  # noqa: F401 - re-exported: calendar.CalendarMark
from .state import runtime

DAY_KINDS = ("workday", "weekend", "holiday", "makeup", "closure")


def marks_changed(person: Person, start: dt.date, end: dt.date) -> None:
    """Tell the plugins of ``person``'s town that the marks given her from ``start`` to ``end`` changed.

    A plugin calls this, inside the transaction of its change, whenever marks
    it gave before are taken back, shortened or added (leave refused,
    withdrawn, cancelled, ended early by 销假, extended): what other plugins
    stored from the old marks (attendance's excused days) must follow the
    leave's final state, or a refused oral leave stays excused forever (ATT-3).
    """
    if end < start:
        return
    town_code = person.town.code if person.town_id else None
    runtime().plugins.for_town(town_code).xinyi_calendar_marks_changed(person=person, start=start, end=end)


def _config_years():
    return runtime().config.calendar_years


@functools.lru_cache(maxsize=1)
def _package_range() -> tuple[int, int]:
    years = {d.year for d in chinese_calendar.holidays}
    return min(years), max(years)


def covered(year: int) -> bool:
    lo, hi = _package_range()
    return lo <= year <= hi or year in _config_years()


def national_kind(day: dt.date) -> str:
    """``workday``, ``weekend``, ``holiday`` or ``makeup`` by the national schedule."""
    schedule = _config_years().get(day.year)
    if schedule is not None:  # the administrator's entry wins over the package
        if day in schedule.holidays:
            return "holiday"
        if day in schedule.workdays:
            return "makeup"
        return "weekend" if day.weekday() >= 5 else "workday"
    lo, hi = _package_range()
    if not lo <= day.year <= hi:
        raise CalendarUnavailable(day.year)
    if day in chinese_calendar.holidays:
        return "holiday"
    if day in chinese_calendar.workdays:
        return "makeup" if day.weekday() >= 5 else "workday"
    return "weekend" if day.weekday() >= 5 else "workday"


def holiday_name(day: dt.date) -> str | None:
    """The Chinese name of the public holiday on ``day``, if the package knows it."""
    lo, hi = _package_range()
    if not lo <= day.year <= hi:
        return None
    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    if not (on_holiday and name):
        return None
    return t(f"calendar.holiday.{name}") if has(f"calendar.holiday.{name}") else name




def _closures(town_id: int, start: dt.date, end: dt.date) -> set[dt.date]:
    q = TownClosure.select(TownClosure.date).where(
        (TownClosure.town == town_id) & (TownClosure.date.between(start, end)))
    return {row.date for row in q}


def day_kind(town: OrgUnit | int, day: dt.date) -> str:
    """What ``day`` is in ``town``: one of :data:`DAY_KINDS`."""
    town_id = town if isinstance(town, int) else town.id
    if _closures(town_id, day, day):
        return "closure"
    return national_kind(day)


def is_working_day(town: OrgUnit | int, day: dt.date) -> bool:
    return day_kind(town, day) in ("workday", "makeup")


def days(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    for i in range((end - start).days + 1):
        yield start + dt.timedelta(days=i)


def working_days(town: OrgUnit | int, start: dt.date, end: dt.date) -> list[dt.date]:
    """The working days in ``town`` from ``start`` to ``end`` inclusive."""
    if end < start:
        return []
    town_id = town if isinstance(town, int) else town.id
    closed = _closures(town_id, start, end)
    return [d for d in days(start, end) if d not in closed and national_kind(d) in ("workday", "makeup")]


# every monthly sheet and check asks it: its SQL made once
_CLOSURES = Compiled(lambda: TownClosure.select(TownClosure.town, TownClosure.date).where(
    TownClosure.town.in_(Ids("towns")) & TownClosure.date.between(Param("start"), Param("end"))))


def working_days_by_town(towns: Iterable[OrgUnit | int], start: dt.date,
                         end: dt.date) -> dict[int, list[dt.date]]:
    """Each town's working days from ``start`` to ``end``, by town id: :func:`working_days` for many towns.

    The national schedule is read once and every town's closures in one query
    (a province has hundreds of towns). Raises :class:`CalendarUnavailable` for
    an uncovered year, as :func:`working_days` does.
    """
    ids = [town if isinstance(town, int) else town.id for town in towns]
    if end < start:
        return {i: [] for i in ids}
    national = [d for d in days(start, end) if national_kind(d) in ("workday", "makeup")]
    closed: dict[int, set[dt.date]] = {}
    for town_id, day in bulk.tuples(_CLOSURES, towns=ids, start=start, end=end):
        closed.setdefault(town_id, set()).add(day)
    return {i: [d for d in national if d not in closed[i]] if i in closed else national for i in ids}


def count_working_days(town: OrgUnit | int, start: dt.date, end: dt.date) -> int:
    """How many working days from ``start`` to ``end`` inclusive (raises for an uncovered year)."""
    return len(working_days(town, start, end))


def working_hours(town: OrgUnit | int, on: dt.date | None = None) -> tuple[dt.time, dt.time]:
    """The town's hours in force on ``on`` (ATT-1), else the town's or city's configured default."""
    town_id = town if isinstance(town, int) else town.id
    on = on or clock.today()
    row = (TownHours.select().where((TownHours.town == town_id) & (TownHours.effective_from <= on))
           .order_by(TownHours.effective_from.desc()).first())
    if row is not None:
        return row.start, row.end
    cfg = runtime().config
    unit = town if isinstance(town, OrgUnit) else OrgUnit.get_by_id(town_id)
    tc = cfg.towns.get(unit.code)
    return (tc.work_start if tc and tc.work_start else cfg.work_start,
            tc.work_end if tc and tc.work_end else cfg.work_end)


def uncovered_years(today: dt.date | None = None) -> list[int]:
    """This year and next, where the national schedule is unknown."""
    today = today or clock.today()
    return [y for y in (today.year, today.year + 1) if not covered(y)]


def coverage_warnings(today: dt.date | None = None) -> list[str]:
    """Warnings for this year and next if the national schedule is unknown for them."""
    return [t("calendar.year_unavailable", year=y) for y in uncovered_years(today)]


def _may_edit(op, town: OrgUnit) -> None:
    """ATT-1 edits: ``calendar.edit``, a town node, inside the operator's scope (refusals audited)."""
    auth.require(op, "calendar.edit", obj=town)
    if not auth.scope_of(op).contains_unit(town):
        auth.deny(op, "calendar.edit", obj=town, key="auth.out_of_scope")
    if town.kind != "town":
        raise ValidationError("town", "calendar.not_a_town")


def set_hours(op, town: OrgUnit, start: dt.time, end: dt.time, effective_from: dt.date) -> TownHours:
    """ATT-1: the town centre changes its working hours from a date on (audited)."""
    _may_edit(op, town)
    if end <= start:
        raise ValidationError("end", "calendar.bad_hours")
    with database.atomic():
        row, created = TownHours.get_or_create(town=town, effective_from=effective_from,
                                               defaults={"start": start, "end": end})
        before = None if created else {"start": str(row.start), "end": str(row.end)}
        row.start, row.end = start, end
        row.save()
        audit.record(op, "calendar.hours", row, before=before,
                     after={"town": town.code, "from": effective_from.isoformat(), "start": str(start),
                            "end": str(end)})
    return row


def add_closure(op, town: OrgUnit, day: dt.date, reason: str) -> TownClosure:
    """A town-specific non-working day (audited)."""
    _may_edit(op, town)
    with database.atomic():
        row, _ = TownClosure.get_or_create(town=town, date=day, defaults={"reason": reason})
        audit.record(op, "calendar.closure", row, after={"town": town.code, "date": day.isoformat(), "reason": reason})
    return row
