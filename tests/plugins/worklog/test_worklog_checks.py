"""The city's spot check, the assessment fact for item 4 and the printed log book (WORK-2, ASM-5)."""
from __future__ import annotations

import datetime as dt

import docx
import pytest

from xinyi_core import PermissionDenied, ValidationError, clock, runtime
from xinyi_worklog import documents, service
from xinyi_worklog.service import checks, register
from xinyi_worklog.models import SpotCheckItem

from .conftest import TODAY, working_days_may

GOOD = "入户走访失业人员三户，登记就业意向并推荐岗位"


def log(op, day: dt.date, progress: str = GOOD, **kw):
    return service.save(op, {"day": day, "category": "就业失业登记", "task": "失业人员走访", "progress": progress},
                        submit=True, **kw)


def item4_fact(person):
    facts = [f for fs in runtime().plugins.for_town(person.town.code).xinyi_assessment_facts(person=person, year=2026)
             for f in fs if f.item == 4]
    assert len(facts) == 1
    return facts[0]


def test_spot_check_picks_reproducibly_and_records_findings(wl):
    """WORK-2: the city picks at random with a recorded seed (same seed, same people) or takes all."""
    city = wl.op("city_office")
    with clock.frozen(TODAY):
        one = checks.start_spot_check(city, "2026-05", size=3, seed=42)
        two = checks.start_spot_check(city, "2026-05", size=3, seed=42)
        everyone = checks.start_spot_check(city, "2026-05", size=None)
        town_b = checks.start_spot_check(city, "2026-05", size=None, town_id=wl.towns[1].id)
        with pytest.raises(PermissionDenied):
            checks.start_spot_check(wl.op("town_clerk", "a"), "2026-05", size=2)
    picked = [i.person_id for i in checks.spot_items(city, one.id)]
    assert picked == [i.person_id for i in checks.spot_items(city, two.id)] and len(picked) == 3
    assert (one.seed, one.mode, everyone.mode, everyone.size) == (42, "random", "all", 8)
    assert {i.person_id for i in checks.spot_items(city, town_b.id)} == {p.id for p in wl.people["b"]}
    item = checks.spot_items(city, one.id)[0]
    with pytest.raises(ValidationError):
        checks.record_finding(city, item.id, "problem", "")  # a problem needs its description
    checks.record_finding(city, item.id, "problem", "5月多日记载过于简单")
    assert SpotCheckItem.get_by_id(item.id).findings == "5月多日记载过于简单"


def test_the_spot_check_screens_read_what_the_city_reviewed(wl):
    """WORK-2: the spot-check list counts the people reviewed, the city's to-do those still waiting;
    a town operator reads neither."""
    city, clerk = wl.op("city_office"), wl.op("town_clerk", "a")
    with clock.frozen(TODAY):
        spot = checks.start_spot_check(city, "2026-05", size=3, seed=7)
        everyone = checks.start_spot_check(city, "2026-05", size=None)
        checks.record_finding(city, checks.spot_items(city, spot.id)[0].id, "ok", "")
    assert checks.reviewed(city) == {spot.id: 1}
    assert checks.unreviewed(city) == 3 + 8 - 1
    assert checks.spot_check(city, everyone.id).size == 8
    for read in (checks.reviewed, checks.unreviewed):
        with pytest.raises(PermissionDenied):
            read(clerk)
    with pytest.raises(PermissionDenied):
        checks.spot_check(clerk, spot.id)


def test_a_persons_locked_months_are_read_within_scope(wl):
    """WORK-2: the months the town checked show as locked in her list; another town reads nothing."""
    me, clerk = wl.op("assistant", "a"), wl.op("town_clerk", "a")
    with clock.frozen(TODAY):
        log(me, working_days_may()[0])
        checks.record_check(clerk, me.person_id, "2026-05")
    assert service.locked_periods(me, me.person_id) == {"2026-05"}
    assert service.locked_periods(clerk, me.person_id) == {"2026-05"}
    assert service.locked_periods(wl.op("town_clerk", "b"), me.person_id) == set()


def test_assessment_fact_for_item4_from_the_recorded_checks(wl):
    """附件1 item 4: a clean year keeps 2 points; thin entries −0.5 each; a missing day zeroes it.

    With ``missing_rule = "per_record"`` a missing day costs 0.5 like a thin entry (floor 0).
    """
    me, clerk = wl.op("assistant", "a"), wl.op("town_clerk", "a")
    person = me.person
    fact = item4_fact(person)
    assert (fact.rule, fact.value) == ("WORK-2", 0) and "尚无镇（街道）月度检查记录" in fact.label
    with clock.frozen(TODAY):
        for day in working_days_may():
            if day != dt.date(2026, 5, 20):
                log(me, day, "走访" if day.day in (6, 7) else GOOD)
        checks.record_check(clerk, me.person_id, "2026-05")
    fact = item4_fact(person)
    assert fact.value == 2.0  # missing one day: 未记载或记载不全不得分
    assert "缺记1天、记载不详实2条，扣2分（满分2分，得0分）" in fact.label
    assert any("05-20" in line for line in fact.evidence)
    runtime().config.settings["worklog"]["missing_rule"] = "per_record"
    assert item4_fact(person).value == 1.5  # (1 missing + 2 thin) × 0.5
    with clock.frozen(TODAY):
        spot = checks.start_spot_check(wl.op("city_office"), "2026-05", size=None)
        item = next(i for i in checks.spot_items(wl.op("city_office"), spot.id) if i.person_id == person.id)
        checks.record_finding(wl.op("city_office"), item.id, "problem", "记载不详实")
    assert any("市局抽查发现问题：记载不详实" in line for line in item4_fact(person).evidence)


def test_log_book_page_is_written_and_reads_back(wl, tmp_path):
    """The printed 《新沂市人社基层平台协理员工作日志》 page of one assistant's month (.docx, A4)."""
    me, clerk = wl.op("assistant", "a"), wl.op("town_clerk", "a")
    with clock.frozen(dt.datetime(2026, 5, 7, 10, 30)):
        log(me, dt.date(2026, 5, 6), consultations=[{"served": "王某", "question": "失业登记需要什么材料",
                                                       "answer": "身份证和解除劳动合同证明"}])
        register.record(me, {"party": "李大姐", "matter": "询问灵活就业社保补贴"})
    with clock.frozen(TODAY):
        log(me, dt.date(2026, 5, 7), "参加镇里组织的业务培训并做笔记")
        checks.record_check(clerk, me.person_id, "2026-05", "记载较详实")
        path = documents.write_book(clerk, me.person_id, "2026-05", tmp_path / "book.docx")
        with pytest.raises(PermissionDenied):
            documents.write_book(wl.op("town_clerk", "b"), me.person_id, "2026-05", tmp_path / "x.docx")
    doc = docx.Document(str(path))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "新沂市人社基层平台协理员工作日志" in text
    assert f"协理员：{me.person.name}" in text and "2026年5月" in text
    assert "缺记" in text and "记载较详实" in text and clerk.display_name in text
    entries, talks, visits = doc.tables[:3]
    assert [c.text for c in entries.rows[0].cells][:4] == ["日期", "工作类别", "镇（街道）分配的工作任务", "工作进展情况"]
    assert [c.text for c in entries.rows[1].cells][:2] == ["5月6日", "就业失业登记"]
    assert entries.rows[2].cells[3].text == "参加镇里组织的业务培训并做笔记"
    assert [c.text for c in talks.rows[1].cells] == ["5月6日", "王某", "失业登记需要什么材料", "身份证和解除劳动合同证明"]
    assert "李大姐" in visits.rows[1].cells[2].text and visits.rows[1].cells[6].text == "未办结"
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (297, 210)  # A4 landscape


def test_monthly_check_sheet_report_reads_back(wl, tmp_path):
    """WORK-2: the town's sheet lists every assistant: the recorded check, or what a check finds now."""
    import openpyxl

    from xinyi_core import reports
    from xinyi_core.jobs import JobContext
    from xinyi_core.jobs.specs import registry

    me, clerk = wl.op("assistant", "a"), wl.op("town_clerk", "a")
    with clock.frozen(TODAY):
        for day in working_days_may()[1:]:
            log(me, day)
        checks.record_check(clerk, me.person_id, "2026-05", "缺记一天")
        spec = registry().reports["worklog.check"]
        [path] = reports.run(spec, {"period": "2026-05", "town": "a"}, JobContext(None), out_dir=tmp_path)
    ws = openpyxl.load_workbook(path).active
    assert ws["A1"].value == "甲镇协理员工作日志月度检查汇总表" and "2026年5月" in ws["A2"].value
    assert [c.value for c in ws[3]][:5] == ["序号", "村（社区）", "姓名", "应记天数", "缺记天数"]
    rows = {r[2]: r for r in ws.iter_rows(min_row=4, max_row=7, values_only=True)}
    assert rows[me.person.name][3:] == (19, 1, 0, 0, "已检查", "缺记一天")
    others = [r for name, r in rows.items() if name != me.person.name]
    assert len(others) == 3 and all(r[4] == 19 and r[7] == "未检查" for r in others)
    assert ws.page_setup.paperSize == 9


def test_the_sheet_counts_an_unchecked_month_as_the_check_would_find_it(wl, tmp_path):
    """WORK-2: an unchecked row of the town's sheet shows what the check screen finds — a day on leave
    is not a gap, a thin entry and a visit still open at the month's end count — for every assistant."""
    import openpyxl

    from xinyi_core import CalendarMark, reports
    from xinyi_core.jobs import JobContext
    from xinyi_core.jobs.specs import registry

    from .conftest import MARKS

    me = wl.op("assistant", "a")
    MARKS[me.person_id] = [CalendarMark(dt.date(2026, 5, 12), "leave", "事假"),
                           CalendarMark(dt.date(2026, 5, 14), "absent", "旷工", excused=False)]
    with clock.frozen(dt.datetime(2026, 5, 20, 10, 0)):
        register.record(me, {"party": "王大爷", "matter": "咨询养老保险补缴"})
    with clock.frozen(TODAY):
        for day in working_days_may():
            if day not in (dt.date(2026, 5, 12), dt.date(2026, 5, 14)):
                log(me, day, "走访两户" if day == dt.date(2026, 5, 15) else GOOD)
        [path] = reports.run(registry().reports["worklog.check"], {"period": "2026-05", "town": "a"},
                             JobContext(None), out_dir=tmp_path)
        found = {c.person.name: c for c in checks.checklists(wl.people["a"], "2026-05")}
    rows = {r[2]: r for r in openpyxl.load_workbook(path).active.iter_rows(min_row=4, max_row=7, values_only=True)}
    assert rows[me.person.name][3:8] == (19, 1, 1, 1, "未检查")
    assert [r[3:8] for name, r in rows.items() if name != me.person.name] == [(19, 19, 0, 0, "未检查")] * 3
    assert {name: r[3:7] for name, r in rows.items()} == {
        name: (c.working_days, len(c.missing), len(c.thin), len(c.open_items)) for name, c in found.items()}
