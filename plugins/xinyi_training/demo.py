"""Demo records: pre-job exams, in-service sessions with attendance, publicity articles.

The demo city's assistants are already on duty (hired before the system), so
each join-year cohort gets the pre-job session it sat before starting (TRN-1),
with a few failed first attempts passed at a resit — the data stays consistent
with the on-duty gate. Rows are bulk-inserted: the whole demo must stay fast.
Nothing is dated after the moment the demo is built: a session still to come
is announced and invited, its attendance not yet recorded.
"""
from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from typing import Any, Iterable

from xinyi_core import OrgUnit, Person, bulk, clock, database
from xinyi_core.calendar import national_kind

from .models import Article, Invitation, TrainingSession
from .rules import Quarter

IN_SERVICE = ("就业创业政策业务培训", "城乡居民养老保险经办培训", "社会保障卡业务培训", "劳动力资源信息采集培训",
              "窗口服务规范培训", "全民参保登记业务培训", "就业困难人员帮扶业务培训")
EXCUSES = ("病假（已批准）", "事假（已批准）", "参加镇里其他工作任务", "产假")
TOPICS = ("就业创业政策进村入户宣传", "城乡居民养老保险集中参保", "社保卡不出镇申领服务", "春风行动招聘会",
          "就业困难人员帮扶走访", "离校未就业高校毕业生服务", "全民参保登记入户核查", "创业担保贷款政策宣讲")
OUTLETS = ("新沂人社微信公众号", "新沂日报", "新沂市人民政府网站", "徐州人社网", "镇（街道）微信公众号")


def _by_now(at: dt.datetime) -> dt.datetime:
    """``at``, or now if that is still to come: a record is never dated in the future."""
    return min(at, clock.now())


def _working_day(day: dt.date, step: int = 1) -> dt.date:
    while national_kind(day) not in ("workday", "makeup"):
        day += dt.timedelta(days=step)
    return day


def _bulk(model: type, rows: list[dict[str, Any]]) -> None:
    """Rows of the same keys, as tuples through :mod:`xinyi_core.bulk`."""
    if rows:
        names = tuple(rows[0])
        bulk.insert(model, names, (tuple(row[n] for n in names) for row in rows))


def _session(city_or_town: OrgUnit, kind: str, title: str, start: dt.date, days: int = 1,
             pass_mark: float | None = None) -> TrainingSession:
    return TrainingSession.create(kind=kind, title=title, organiser=city_or_town, start_on=start,
                                  end_on=start + dt.timedelta(days=days - 1), pass_mark=pass_mark,
                                  place="市人社局培训室" if city_or_town.kind == "city" else "镇社会事业服务中心",
                                  created_at=_by_now(dt.datetime.combine(start - dt.timedelta(days=14), dt.time(9))))


def pre_job(city: OrgUnit, rng: random.Random, people: list[Person]) -> None:
    """One pre-job session per join-year cohort, before its first joiner; failed first tries pass a resit."""
    cohorts: dict[int, list[Person]] = defaultdict(list)
    earliest = min((p.joined_on for p in people if p.joined_on), default=clock.today() - dt.timedelta(days=365))
    for p in people:  # no join date: on duty before the system, with the earliest cohort
        cohorts[(p.joined_on or earliest).year].append(p)
    rows = []
    for year, group in sorted(cohorts.items()):
        first = min(p.joined_on or earliest for p in group)
        start = _working_day(first - dt.timedelta(days=28))
        main = _session(city, "pre_job", f"{year}年协理员岗前培训及考核", start, 2, 60)
        resit = _session(city, "pre_job", f"{year}年协理员岗前考核补考", _working_day(start + dt.timedelta(days=9)),
                         1, 60)
        at = _by_now(dt.datetime.combine(main.end_on, dt.time(17)))
        for p in group:
            failed = rng.random() < 0.05
            score = rng.randint(80, 118) / 2 if failed else rng.randint(124, 196) / 2
            rows.append(dict(session=main.id, person=p.id, attendance="present", score=score, passed=not failed,
                             invited_at=at, recorded_at=at))
            if failed:
                rows.append(dict(session=resit.id, person=p.id, attendance="present",
                                 score=rng.randint(122, 170) / 2, passed=True, invited_at=at, recorded_at=at))
    _bulk(Invitation, rows)


def passed_before_joining(people: list[Person]) -> None:
    """A passed pre-job exam for assistants placed on duty directly (the test city, TRN-1).

    One city session a month before the earliest of them joined, shared by every
    call for the same day (the test city seeds town by town); everyone scored 80.
    """
    if not people:
        return
    city = OrgUnit.get(OrgUnit.kind == "city")
    first = min(p.joined_on or clock.today() for p in people)
    start = first - dt.timedelta(days=31)
    with database.atomic():
        same_day = (TrainingSession.select()
                    .where((TrainingSession.kind == "pre_job") & (TrainingSession.organiser == city.id))
                    .where(TrainingSession.start_on == start))
        session = same_day.first() or _session(city, "pre_job", f"{start.year}年协理员岗前培训及考核", start, 1, 60)
        at = dt.datetime.combine(session.end_on, dt.time(17))
        _bulk(Invitation, [dict(session=session.id, person=p.id, attendance="present", score=80, passed=True,
                                invited_at=at, recorded_at=at) for p in people])


def _attendance(rng: random.Random) -> tuple[str, str]:
    roll = rng.random()
    if roll < 0.04:
        return "unexcused", ""
    if roll < 0.12:
        return "excused", rng.choice(EXCUSES)
    return "present", ""


def in_service(city: OrgUnit, towns: list[OrgUnit], rng: random.Random, people: list[Person],
               today: dt.date) -> None:
    """Two city sessions a year for everyone, one or two per town for its own people; attendance where past."""
    by_town: dict[int, list[Person]] = defaultdict(list)
    for p in people:
        by_town[p.town_id].append(p)
    plans: list[tuple[OrgUnit, list[Person], dt.date, int]] = []
    for year in (today.year - 1, today.year):
        for month in (3, 9):
            plans.append((city, people, dt.date(year, month, rng.randint(5, 20)), 2))
        for town in towns:
            for month in rng.sample((4, 6, 10, 12), rng.choice((1, 2))):
                plans.append((town, by_town.get(town.id, []), dt.date(year, month, rng.randint(3, 24)), 1))
    rows = []
    for organiser, invited, day, days in plans:
        start = _working_day(day)
        session = _session(organiser, "in_service", rng.choice(IN_SERVICE), start, days)
        at = _by_now(dt.datetime.combine(start - dt.timedelta(days=7), dt.time(10)))
        recorded = dt.datetime.combine(session.end_on, dt.time(17))  # attendance is taken when it ends
        for p in invited:
            if p.joined_on and p.joined_on > start:
                continue
            row = dict(session=session.id, person=p.id, invited_at=at, attendance=None, reason="", recorded_at=None)
            if recorded <= clock.now():
                row["attendance"], row["reason"] = _attendance(rng)
                row["recorded_at"] = recorded
            rows.append(row)
    _bulk(Invitation, rows)


def articles(rng: random.Random, people: Iterable[Person], villages: dict[int, str], today: dt.date) -> None:
    """Articles from the start of last year to today: most assistants meet the quota, some fall short."""
    rows = []
    quarter, now = Quarter(today.year - 1, 1), Quarter.of(today)
    while quarter <= now:
        last = min(quarter.last, today)
        span = (last - quarter.first).days
        chance = 0.85 if quarter < now else 0.55  # the current quarter is not over yet
        for p in people:
            if p.joined_on and p.joined_on > quarter.first:
                continue
            n = 0 if rng.random() > chance else rng.choice((1, 1, 1, 2))
            for _ in range(n):
                day = quarter.first + dt.timedelta(days=rng.randint(0, span))
                rows.append(dict(person=p.id, title=f"{villages.get(p.village_id, '')}{rng.choice(TOPICS)}",
                                 published_on=day, outlet=rng.choice(OUTLETS),
                                 submitted_at=_by_now(dt.datetime.combine(
                                     min(day + dt.timedelta(days=rng.randint(0, 5)), today), dt.time(16)))))
        quarter = quarter.next()
    _bulk(Article, rows)


def build(city: OrgUnit, rng: random.Random) -> None:
    today = clock.today()
    on_duty = list(Person.select().where(Person.status == "on_duty").order_by(Person.id))
    towns = list(OrgUnit.select().where(OrgUnit.kind == "town").order_by(OrgUnit.id))
    villages = dict(OrgUnit.select(OrgUnit.id, OrgUnit.name).where(OrgUnit.kind == "village").tuples())
    with database.atomic():
        pre_job(city, rng, on_duty)
        in_service(city, towns, rng, on_duty, today)
        articles(rng, on_duty, villages, today)
