"""Entries, drafts, the monthly check, locking and corrections — on SQLite and PostgreSQL (WORK-2)."""
from __future__ import annotations

import datetime as dt

import pytest

from xinyi_core import CalendarMark, ConflictError, FormErrors, PermissionDenied, ValidationError, clock, runtime
from xinyi_core.models import AuditLog
from xinyi_worklog import service
from xinyi_worklog.service import checks, register
from xinyi_worklog.models import Correction, LogEntry

from .conftest import MARKS, TODAY, working_days_may

GOOD = "入户走访失业人员三户，登记就业意向并推荐岗位"


def log(op, day: dt.date, progress: str = GOOD, *, submit: bool = True, **extra) -> LogEntry:
    values = {"day": day, "category": "就业失业登记", "task": "失业人员走访", "progress": progress, **extra}
    return service.save(op, values, submit=submit)


def fill_may(op, skip: set[dt.date] = frozenset()) -> None:
    for day in working_days_may():
        if day not in skip:
            log(op, day)


def test_monthly_check_finds_gaps_on_working_days_only(wl):
    """WORK-2: holidays (1–5 May) and weekends are never gaps; the make-up Saturday (9 May) is."""
    me = wl.op("assistant", "a")
    with clock.frozen(TODAY):
        fill_may(me, skip={dt.date(2026, 5, d) for d in (9, 20, 21)})
        log(me, dt.date(2026, 5, 10))  # a Sunday: allowed, changes nothing
        log(me, dt.date(2026, 5, 21), submit=False)  # a draft is not yet in the log
        found = checks.checklist(me.person, "2026-05")
    assert found.working_days == len(working_days_may()) == 19
    assert found.missing == [dt.date(2026, 5, 9), dt.date(2026, 5, 20), dt.date(2026, 5, 21)]
    assert found.thin == [] and found.open_items == []


def test_a_day_on_approved_leave_is_not_a_gap(wl):
    """WORK-2 with ATT-3: an excused mark (leave, training) excuses the day; other marks do not."""
    me = wl.op("assistant", "a")
    MARKS[me.person_id] = [CalendarMark(dt.date(2026, 5, 12), "leave", "事假"),
                           CalendarMark(dt.date(2026, 5, 13), "training", "岗位培训"),
                           CalendarMark(dt.date(2026, 5, 14), "absent", "旷工", excused=False)]
    with clock.frozen(TODAY):
        fill_may(me, skip={dt.date(2026, 5, d) for d in (12, 13, 14)})
        found = checks.checklist(me.person, "2026-05")
    assert found.missing == [dt.date(2026, 5, 14)]
    assert found.excused == [dt.date(2026, 5, 12), dt.date(2026, 5, 13)]


def test_thin_entries_follow_the_configured_rule(wl):
    """Item 4 "记载不详实": progress shorter than ``thin_min_chars`` characters (configurable)."""
    me = wl.op("assistant", "a")
    with clock.frozen(TODAY):
        fill_may(me, skip={dt.date(2026, 5, 6), dt.date(2026, 5, 7)})
        short = log(me, dt.date(2026, 5, 6), "走访两户")
        medium = log(me, dt.date(2026, 5, 7), "走访两户失业人员并登记")
        assert checks.checklist(me.person, "2026-05").thin == [short.id]
        runtime().config.settings["worklog"]["thin_min_chars"] = 20
        assert checks.checklist(me.person, "2026-05").thin == [short.id, medium.id]


def test_open_register_items_count_until_closed(wl):
    """WORK-1: an unresolved visit stays open — and on the check — until someone closes it."""
    me, clerk = wl.op("assistant", "a"), wl.op("town_clerk", "a")
    with clock.frozen(dt.datetime(2026, 5, 20, 10, 0)):
        item = register.record(me, {"party": "王大爷", "matter": "咨询养老保险补缴"})  # fast: two fields
        register.record(me, {"party": "某某公司", "party_kind": "employer", "channel": "call",
                             "matter": "招工备案", "handling": "当场办理"}, resolved=True)
    assert item.at == dt.datetime(2026, 5, 20, 10, 0) and item.state == "open"
    with clock.frozen(TODAY):
        assert checks.checklist(me.person, "2026-05").open_items == [item.id]
        assert register.stale(clerk).count() == 1  # older than 7 days: on the clerk's home screen
        register.close(clerk, item.id, "已协助办理补缴")
        # closed in June: it was still open at the end of May
        assert checks.checklist(me.person, "2026-05").open_items == [item.id]
        assert checks.checklist(me.person, "2026-06").open_items == []
        with pytest.raises(PermissionDenied):
            register.close(wl.op("town_clerk", "b"), item.id, "x")


def test_the_open_items_are_read_through_the_register_index(wl):
    """Migration 2 (issue 21): the register is indexed by (assistant, state, closing time, time) on both
    databases, so the city's monthly-check sheet reads each assistant's open items from the index
    alone rather than every visit she ever registered."""
    from xinyi_core import database, db

    schema = None if db.is_sqlite() else database.execute_sql("SELECT current_schema()").fetchone()[0]
    indexes = {i.name: i.columns for i in database.get_indexes("register_item", schema)}
    assert indexes["register_item_person_state_closed"] == ["person_id", "state", "closed_at", "at"]
    # migration 3: the home screen's count of visits open for more than 7 days, a range of its own
    assert indexes["register_item_state_at"] == ["state", "at"]


def test_recorded_check_locks_the_month(wl):
    """WORK-2: after the town's check, the month's entries cannot be added, edited or deleted."""
    me, clerk = wl.op("assistant", "a"), wl.op("town_clerk", "a")
    with clock.frozen(TODAY):
        fill_may(me, skip={dt.date(2026, 5, 20)})
        entry = LogEntry.get(LogEntry.day == dt.date(2026, 5, 6))
        draft = log(me, dt.date(2026, 5, 22), submit=False)
        check = checks.record_check(clerk, me.person_id, "2026-05", "缺记一天，请注意")
        assert (check.missing_days, check.thin_entries) == (1, 0)
        with pytest.raises(ValidationError) as refused:
            log(me, dt.date(2026, 5, 20))  # filling the gap afterwards is refused
        assert "已锁定" in str(refused.value)
        with pytest.raises(ValidationError):
            service.save(me, {"day": entry.day, "category": entry.category, "progress": "改写"}, entry_id=entry.id)
        with pytest.raises(ValidationError):
            service.submit(me, draft.id)
        log(me, dt.date(2026, 6, 1))  # the next month is open
        with pytest.raises(ConflictError):
            checks.record_check(clerk, me.person_id, "2026-05")
        with pytest.raises(ValidationError):
            checks.record_check(clerk, me.person_id, "2026-06")  # not over yet
        with pytest.raises(PermissionDenied):
            checks.record_check(wl.op("town_clerk", "b"), me.person_id, "2026-05")
    assert AuditLog.select().where((AuditLog.action == "worklog.entry.save") & ~AuditLog.allowed).count() == 3
    assert "缺记 1 天" in wl.op("assistant", "a").person.alerts.get().message


def test_correction_keeps_the_original_reason_who_and_when(wl):
    """WORK-2: a locked entry changes only through a recorded, audited correction by the town."""
    me, clerk = wl.op("assistant", "a"), wl.op("town_clerk", "a")
    with clock.frozen(TODAY):
        entry = log(me, dt.date(2026, 5, 6), "原始记录：走访三户失业人员")
        checks.record_check(clerk, me.person_id, "2026-05")
        with pytest.raises(PermissionDenied):
            service.correct(me, entry.id, {"progress": "改"}, "想改")  # not the assistant's act
        with pytest.raises(ValidationError):
            service.correct(clerk, entry.id, {"progress": "更正后：走访四户失业人员"}, " ")
        with pytest.raises(PermissionDenied):
            service.correct(wl.op("town_clerk", "b"), entry.id, {"progress": "更正后：走访四户"}, "核实")
        fix = service.correct(clerk, entry.id, {"progress": "更正后：走访四户失业人员"}, "核对走访台账后更正户数")
    assert fix.before["progress"] == "原始记录：走访三户失业人员"
    assert fix.after["progress"] == "更正后：走访四户失业人员"
    assert (fix.by.id, fix.at) == (clerk.id, dt.datetime.combine(TODAY, dt.time(9)))
    assert LogEntry.get_by_id(entry.id).progress == "更正后：走访四户失业人员"
    row = AuditLog.get(AuditLog.action == "worklog.entry.correct")
    assert row.before["progress"].startswith("原始") and row.note == "核对走访台账后更正户数"
    assert Correction.select().count() == 1


def test_drafts_are_the_assistants_own(wl):
    """A draft is kept for its author and hidden from the town until submitted; duties come from
    the ``duties`` setting."""
    me, clerk = wl.op("assistant", "a"), wl.op("town_clerk", "a")
    with clock.frozen(TODAY):
        with pytest.raises(FormErrors) as bad:
            service.save(me, {"day": "2026-06-11", "category": "不存在"})
        assert set(bad.value.errors) == {"day", "category"}
        draft = service.save(me, {"day": "6-9", "category": "社会保障卡"})  # a draft needs no progress
        assert draft.state == "draft" and draft.day == dt.date(2026, 6, 9)
        with pytest.raises(FormErrors):
            service.submit(me, draft.id)  # but a submitted entry does
        assert service.visible(clerk).count() == 0
        service.save(me, {"day": "6-9", "category": "社会保障卡", "progress": GOOD}, entry_id=draft.id, submit=True,
                     consultations=[{"served": "李某", "question": "社保卡挂失怎么办", "answer": "可到村服务点办理"}])
        assert [e.id for e in service.visible(clerk)] == [draft.id]
        assert service.visible(wl.op("town_clerk", "b")).count() == 0
        with pytest.raises(PermissionDenied):
            service.save(clerk, {"day": "6-9", "category": "社会保障卡"})  # only an assistant keeps a log
        runtime().config.settings["worklog"]["duties"] = ["政策宣传", "其他工作"]  # DUTY: configurable
        with pytest.raises(FormErrors):
            service.save(me, {"day": "6-9", "category": "社会保障卡"})
        assert service.save(me, {"day": "6-9", "category": "其他工作"}).category == "其他工作"


def test_search_by_text_date_category_and_town_within_scope(wl):
    a, b = wl.op("assistant", "a"), wl.op("assistant", "b")
    with clock.frozen(TODAY):
        log(a, dt.date(2026, 5, 6), "为甲镇企业办理招工备案登记", category="企业用工调查")
        log(a, dt.date(2026, 6, 1), GOOD,
            consultations=None)
        service.save(a, {"day": dt.date(2026, 6, 2), "category": "政策宣传咨询", "progress": GOOD}, submit=True,
                     consultations=[{"served": "张某", "question": "灵活就业养老保险", "answer": "按年缴费"}])
        log(b, dt.date(2026, 5, 6), "为乙镇企业办理招工备案登记", category="企业用工调查")
    city, clerk_a = wl.op("city_office"), wl.op("town_clerk", "a")
    assert service.search(city, "招工备案").count() == 2
    assert service.search(clerk_a, "招工备案").count() == 1  # scope: the other town is invisible
    assert service.search(city, "灵活就业").count() == 1  # consultations are searched too
    assert service.search(city, category="企业用工调查", town_id=wl.towns[1].id).get().person_id == b.person_id
    assert service.search(city, start=dt.date(2026, 6, 1), end=dt.date(2026, 6, 30)).count() == 2
    assert service.search(city, a.person.name).count() == 3
