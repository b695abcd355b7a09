"""The monthly publication (ASM-2), the deadline tracker and the city's package (ASM-3)."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from xinyi_assessment import service
from xinyi_assessment.service import monthly

from xinyi_core import PermissionDenied, clock, jobs, runtime
from xinyi_core.jobs import JobRecord, registry
from xinyi_core.jobs.scheduler import fire
from xinyi_core.models import Alert
from xinyi_core.testing import wait_for_job

from .conftest import YEAR


def wait_done(job_id: int) -> JobRecord:
    record = wait_for_job(job_id, timeout=15.0)
    assert record.state == "done", record.error
    return record


def test_asm2_the_month_start_publication_runs_twice_and_leaves_one_sheet_per_town(asm):
    p = asm.a[0]
    monthly.review(asm.clerk, p.id, "2025-11", attendance="全勤", work="按时完成入户调查", result="good")
    schedule = registry().schedules["assessment.monthly"]
    assert schedule.cron == "0 2 1 * *"
    when = dt.datetime(2025, 12, 1, 2, 0)
    with clock.frozen(when):
        ids = fire(schedule, when)
        assert fire(schedule, when) == []  # a second scheduler: already claimed
        records = [wait_done(i) for i in ids]
        assert {r.town_code for r in records} == {"a", "b"} and {r.params["period"] for r in records} == {"2025-11"}
        again = wait_done(jobs.submit(asm.clerk, "assessment.monthly", period="2025-11").id)  # by hand, again
    folder = runtime().config.report_dir / "assessment.monthly" / "2025-11"
    assert sorted(x.name for x in folder.iterdir()) == ["乙镇_2025年11月_日常考核公示表.xlsx", "甲镇_2025年11月_日常考核公示表.xlsx"]
    ws = openpyxl.load_workbook(again.outputs[0]).active
    assert ws["A1"].value == "甲镇协理员2025年11月日常考核结果公示"
    assert [c.value for c in ws[3]] == ["序号", "姓名", "村（社区）", "请假/培训天数", "出勤情况", "工作完成情况", "考核结果"]
    body = {r[1]: r for r in ws.iter_rows(min_row=4, max_row=7, values_only=True)}
    assert body[p.name][4:] == ("全勤", "按时完成入户调查", "好")
    assert body[asm.a[1].name][6] == "未审核"


def test_asm2_the_routine_sheet_is_read_for_the_operators_own_town(asm):
    """The routine assessment screen's rows: the clerk's own town's assistants with their results;
    another town's clerk reads hers, the city (which reviews no month) is refused."""
    monthly.review(asm.clerk, asm.a[0].id, "2025-11", attendance="", work="按时完成入户调查", result="good")
    rows = monthly.sheet(asm.clerk, "2025-11")
    assert {r.person_id for r in rows} == {p.id for p in asm.a}
    assert [r.result for r in rows if r.person_id == asm.a[0].id] == ["good"]
    other = monthly.sheet(asm.city.op("town_clerk", "b"), "2025-11")
    assert {r.person_id for r in other} == {p.id for p in asm.b} and not any(r.result for r in other)
    with pytest.raises(PermissionDenied):
        monthly.sheet(asm.city.op("city_office"), "2025-11")


def _alerts(kind: str) -> list[Alert]:
    return list(Alert.select().where((Alert.source == "assessment") & (Alert.kind == kind)))


def test_asm3_reminders_in_january_and_an_overdue_alert_for_the_city_office_after_the_19th(asm):
    for day in ("2025-12-01", "2025-12-15", "2026-01-05", "2026-01-05"):
        with clock.frozen(dt.date.fromisoformat(day)):
            wait_done(jobs.submit(None, "assessment.deadlines", day=day).id)
    assert {a.town.code for a in _alerts("open")} == {"a", "b"}  # from 15 December, not the 1st
    reminders = _alerts("remind")
    assert len(reminders) == 2 and reminders[0].audience == "town_clerk,town_head"  # once per town
    # town a sends its package in time
    service.open_round(asm.clerk, asm.town_a, YEAR)
    ranked, _, _ = service.panel(asm.head, asm.town_a, YEAR)
    service.assign_grades(asm.head, asm.town_a, YEAR, {r.person_id: "pass" for r in ranked})
    service.submit_package(asm.head, asm.town_a, YEAR)
    assert [a.town.code for a in _alerts("remind") if a.state == "open"] == ["b"]
    with clock.frozen(dt.date(2026, 1, 20)):
        wait_done(jobs.submit(None, "assessment.deadlines", day="2026-01-20").id)
    overdue = _alerts("overdue")
    assert [(a.town.code, a.audience) for a in overdue] == [("b", "bureau,city_office")]
    assert overdue[0].message == "乙镇2025年度协理员年度考核材料逾期未报（应于2026年01月20日前报市人社局）"


def test_the_city_gets_the_bureau_package_in_one_step(asm):
    service.open_round(asm.clerk, asm.town_a, YEAR)
    record = wait_done(jobs.submit(asm.city.op("city_office"), "assessment.package", year=YEAR).id)
    names = sorted(p.rsplit("/", 1)[-1] for p in record.outputs)
    forms = ("附件1_年度考核评分表", "附件2_年度考核登记表", "附件3_年度考核汇总表")
    assert names == sorted([f"新沂市_{YEAR}年_全市汇总.xlsx", *(f"{t}_{YEAR}年_{f}.xlsx" for t in ("甲镇", "乙镇")
                                                                  for f in forms)])
    ws = openpyxl.load_workbook(next(p for p in record.outputs if "全市汇总" in p)).active
    assert ws["A1"].value == f"新沂市人社基层平台协理员{YEAR}年度考核情况汇总"
    assert [c.value for c in ws[4]] == ["甲镇", 4, 4, 0, 0, 0, 0, "打分中"]
    assert [c.value for c in ws[5]] == ["乙镇", 4, 0, 0, 0, 0, 0, "未开始"]
    rows = {r["town"].code: r for r in service.progress(YEAR)}
    assert (rows["a"]["on_roll"], rows["a"]["assessed"], rows["a"]["state"]) == (4, 4, "open")
    assert rows["b"]["state"] == "not_started"
