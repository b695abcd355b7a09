"""The demo city written in bulk (issue 21) is one consistent city, on SQLite and PostgreSQL.

``xinyi demo`` writes villages, posts, people, a year of work logs and attendance days, and
leave as tuples with ids it gives itself (``xinyi_core.bulk``). What an operator would see
wrong if that went astray: a day kept on a holiday, an attendance day that says 请假 with no
leave behind it, a log entry from before she was hired, a new village or leave that cannot be
saved after the demo because the id sequence was left behind (PostgreSQL), or a different
city from the same seed.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from xinyi_core import calendar, clock, demo, lifecycle, org, testing
from xinyi_core.models import OrgUnit, Person, Post, PostAssignment

from xinyi_attendance.models import AttendanceDay
from xinyi_leave.models import LeaveRequest
from xinyi_worklog.models import Consultation, LogEntry

NOW = dt.datetime(2026, 11, 26, 10, 0)


def test_bulk_demo_city_is_consistent(tmp_path: Path, database_url: str):
    testing.start(testing.make_config(tmp_path, database_url))
    try:
        with clock.frozen(NOW):
            summary = demo.build(assistants=90, villages=40)
            assert summary.warnings == []  # every plugin's demo was written (none rolled back)
            people = {p.id: p for p in Person.select()}
            assert len(people) == summary.assistants == 90
            towns = {u.id: u for u in OrgUnit.select().where(OrgUnit.kind == "town")}
            for village in OrgUnit.select().where(OrgUnit.kind == "village"):
                assert village.path == f"{towns[village.parent_id].path}{village.id}/"  # the subtree prefix
            held = {p.post_id for p in people.values() if p.post_id}  # a departed one (the departure demo) has none
            for post in Post.select():
                assert (post.vacant_since is None) == (post.id in held)
            assert {a.person_id for a in PostAssignment.select()} == set(people)
            for p in people.values():
                if p.status == "departed":
                    continue
                assert p.post.village_id == p.village_id and p.village.parent_id == p.town_id

            start, end = NOW.date() - dt.timedelta(days=365), NOW.date() - dt.timedelta(days=1)
            working = {t: set(days) for t, days in calendar.working_days_by_town(list(towns), start, end).items()}
            # attendance: working days of her town only, from the day she joined to yesterday
            kept: dict[int, dict[dt.date, AttendanceDay]] = {}
            for day in AttendanceDay.select():
                p = people[day.person_id]
                assert day.town_id == p.town_id and day.date in working[p.town_id]
                assert p.joined_on <= day.date <= end
                kept.setdefault(p.id, {})[day.date] = day
            # every excused day is a mark a plugin gives her (approved leave, training), and back
            hooks = lifecycle.runtime().plugins
            for p in people.values():
                marks = {m.date: m for ms in hooks.for_town(towns[p.town_id].code).xinyi_calendar_marks(
                    person=p, start=max(start, p.joined_on), end=end) for m in ms if m.excused}
                days = kept.get(p.id, {})
                excused = {d for d, row in days.items() if row.excuse}
                assert excused <= set(marks)
                assert {d for d in marks if d in working[p.town_id] and days.get(d) and not days[d].absence} \
                    <= excused
                for d in excused:
                    assert days[d].excuse == marks[d].kind
            assert AttendanceDay.select().where(AttendanceDay.excuse == "leave").exists()
            # work log: by people on post, on their town's working days since they joined
            for entry in LogEntry.select():
                p = people[entry.person_id]
                assert entry.town_id == p.town_id and entry.day in working[p.town_id] and p.joined_on <= entry.day
            consulted = Consultation.select(Consultation.entry).distinct().count()
            assert 0 < consulted < LogEntry.select().count()
            # assessment: one sheet per assistant and year, each scored as a change one at a time scores it
            from xinyi_assessment import service as assessment
            from xinyi_assessment.models import Assessment

            sheets = list(Assessment.select())
            assert sheets and len({(a.person_id, a.year) for a in sheets}) == len(sheets)
            for a in sheets:
                shown = (a.total, a.failed, a.earned, a.facts)
                assessment.recompute(a, assessment.scheme_for(towns[a.town_id].code))
                assert (a.total, a.failed, a.earned, a.facts) == shown and isinstance(a.facts, list)
            # ids given in bulk: the next record of each kind is saved after them
            village = org.add_unit("village", "new-village", "新建村", next(iter(towns.values())))
            assert village.id > max(OrgUnit.select(OrgUnit.id).where(OrgUnit.id != village.id).tuples())[0]
            assert Post.create(village=village).id > max(held)
            someone = next(iter(people.values()))
            entry = LogEntry.create(person=someone, town=someone.town_id, day=end, category="x",
                                    created_at=NOW, updated_at=NOW)
            assert entry.id > LogEntry.select().where(LogEntry.id != entry.id).count()
            leave = LeaveRequest.select().order_by(LeaveRequest.id.desc()).first()
            copy = {k: v for k, v in leave.__data__.items() if k != "id"}
            assert LeaveRequest.create(**copy).id == leave.id + 1
    finally:
        lifecycle.shutdown()


def _digest() -> str:
    h = hashlib.sha256()
    for model, order in ((Person, Person.id), (LogEntry, LogEntry.id), (AttendanceDay, AttendanceDay.id),
                         (LeaveRequest, LeaveRequest.id)):
        for row in model.select().order_by(order).tuples():
            h.update(repr(row).encode())
    return h.hexdigest()


def test_same_seed_same_city(tmp_path: Path):
    digests = []
    for n in (1, 2):
        (tmp_path / str(n)).mkdir()
        testing.start(testing.make_config(tmp_path / str(n), f"sqlite:///{tmp_path / f'{n}.db'}"))
        try:
            with clock.frozen(NOW):
                demo.build(seed=11, assistants=40, villages=20)
            digests.append(_digest())
        finally:
            lifecycle.shutdown()
    assert digests[0] == digests[1]
