"""Issue 23: the dashboard's series, each against a value computed by hand on the small test city
(towns 甲镇 a and 乙镇 b, four assistants each), as the city and as a town head sees them (her town
and the city average, no other town's name); and the charts added to the xlsx reports, read back."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from xinyi_core import clock, dashboard, org
from xinyi_core.models import Operator

PERIOD = "2026-11"
D = dt.date


def _charts(op: Operator) -> dict[str, object]:
    charts, failures = dashboard.gather(op, PERIOD)
    assert failures == []
    return {c.key: c for c in charts}


def _values(chart) -> dict[str, tuple[float, ...]]:
    return {name: values for name, values in chart.series}


@pytest.fixture
def filled(city):
    """Attendance, leave, articles, grades and one more vacancy, by hand (see each test's sums)."""
    from xinyi_assessment.models import Assessment
    from xinyi_attendance.models import AttendanceDay
    from xinyi_leave.models import LeaveRequest
    from xinyi_training.models import Article

    a, b = city.people["a"], city.people["b"]
    ta, tb = city.towns

    def day(p, on, signed=True, **kw):
        AttendanceDay.create(person=p, town=p.town_id, date=on, sign_in=dt.time(8, 30) if signed else None, **kw)

    # 甲镇 on Mon 2 and Tue 3 November: 8 kept days, 6 signed (one on leave, one 旷工) → 75.0 %
    day(a[0], D(2026, 11, 2)); day(a[1], D(2026, 11, 2))
    day(a[2], D(2026, 11, 2), False, excuse="leave", excuse_label="事假")
    day(a[3], D(2026, 11, 2), False, absence="confirmed")
    for p in a:
        day(p, D(2026, 11, 3))
    day(a[0], D(2026, 11, 7))  # a Saturday: not a working day, not counted
    day(a[0], D(2026, 1, 5), False, absence="confirmed")  # 旷工 in January
    # 乙镇: 3 kept days, 2 signed → 66.7 %; one 旷工 in November
    day(b[0], D(2026, 11, 2)); day(b[1], D(2026, 11, 2))
    day(b[2], D(2026, 11, 3), False, absence="confirmed")

    clerk = city.op("town_clerk", "a")

    def leave(p, category, start, days, state="approved"):
        LeaveRequest.create(person=p, town=p.town_id, village=p.village_id, category=category, start_on=start,
                            end_on=start + dt.timedelta(days=days - 1), days=days, counting="working",
                            applied_on=start, state=state, created_by=clerk, created_at=clock.now())

    leave(a[0], "personal", D(2026, 11, 9), 3)
    leave(a[1], "sick", D(2026, 10, 12), 2)
    leave(a[2], "personal", D(2026, 11, 16), 5, state="rejected")  # not counted
    leave(b[0], "personal", D(2026, 11, 10), 4)

    # the quota is 1 article a quarter: in 甲镇 one of four sent it (25.0 %), in 乙镇 nobody (0.0 %)
    Article.create(person=a[0], title="走进社区", published_on=D(2026, 10, 20), outlet="新沂日报")
    Article.create(person=b[0], title="去年的稿", published_on=D(2026, 9, 30), outlet="新沂日报")  # Q3

    # 2025's grades: 甲镇 1 优秀 3 合格; 乙镇 3 合格 and 1 不合格 (earned, not yet assigned by the panel)
    for p, grade in zip(a, ("excellent", "pass", "pass", "pass")):
        Assessment.create(person=p, town=ta, year=2025, earned=grade, grade=grade, updated_at=clock.now())
    for p, grade in zip(b, ("pass", "pass", "pass", None)):
        Assessment.create(person=p, town=tb, year=2025, earned=grade or "fail", grade=grade, updated_at=clock.now())

    org.add_post(city.villages["b"][1])  # 乙镇 now has two vacant posts, 甲镇 one
    return city


def test_the_city_sees_every_town_by_name(filled):
    charts = _charts(filled.op("city_office"))
    assert list(charts) == ["attendance.rate", "attendance.absent", "leave.days", "training.articles",
                            "assessment.grades", "core.vacancies"]
    rate = charts["attendance.rate"]
    assert rate.kind == "hbar" and rate.labels == ("甲镇", "乙镇")
    assert rate.series == (("出勤率", (75.0, 66.7)),)

    absent = charts["attendance.absent"]
    assert absent.kind == "line" and len(absent.labels) == 12
    assert absent.labels[0] == "2025年12月" and absent.labels[-1] == "2026年11月"
    assert absent.ticks[:2] == ("12", "1")
    assert absent.series == (("全市合计", (0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2)),)

    leave = _values(charts["leave.days"])
    assert charts["leave.days"].kind == "vbar" and set(leave) == {"事假", "病假"}
    assert leave["事假"][-1] == 7 and sum(leave["事假"]) == 7  # 3 + 4, the rejected 5 left out
    assert leave["病假"][-2] == 2 and sum(leave["病假"]) == 2  # October

    assert charts["training.articles"].series == (("完成率", (25.0, 0.0)),)

    grades = charts["assessment.grades"]
    assert grades.kind == "stacked" and grades.cap == 20.0 and "2025" in grades.title
    assert _values(grades) == {"优秀": (25.0, 0.0), "合格": (75.0, 75.0), "基本合格": (0.0, 0.0),
                               "不合格": (0.0, 25.0)}

    assert charts["core.vacancies"].series == (("空岗", (1.0, 2.0)),)


def test_a_town_head_sees_her_town_against_the_city_average_and_no_other_town(filled):
    charts = _charts(filled.op("town_head", "a"))
    rate = charts["attendance.rate"]
    assert rate.labels == ("甲镇", "全市平均")
    assert rate.series == (("出勤率", (75.0, 72.7)),)  # the city's own rate: 8 signed of 11 kept
    assert _values(charts["attendance.absent"]) == {
        "甲镇": (0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), "全市平均": (0, 0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1.0)}
    leave = _values(charts["leave.days"])
    assert sum(leave["事假"]) == 3 and sum(leave["病假"]) == 2  # her town's only
    assert charts["training.articles"].series == (("完成率", (25.0, 12.5)),)  # 1 of the city's 8
    assert _values(charts["assessment.grades"])["优秀"] == (25.0, 12.5)
    assert charts["core.vacancies"].series == (("空岗", (1.0, 1.5)),)
    shown = repr([(c.title, c.labels, c.series, c.note) for c in charts.values()])
    assert "乙镇" not in shown


def test_who_gets_no_charts(filled):
    """The dashboard is the city's and the town heads': a clerk or an assistant gets no chart at all —
    the core's check, once for every plugin, so also none from a plugin whose hook checks nothing."""
    import types

    from xinyi_core import DashboardChart, hookimpl, runtime
    from xinyi_core.plugins import API_VERSION

    module = types.ModuleType("unchecked_chart")
    module.XINYI_API = API_VERSION

    @hookimpl
    def xinyi_dashboard_series(operator, period):  # checks no permission: charts for anyone asking
        labels, series = dashboard.by_town(operator, [("走访", {i: 1 for i, _ in dashboard.towns()})])
        return [DashboardChart("unchecked.visits", "走访次数", "走访", "hbar", labels, series, order=5)]

    module.xinyi_dashboard_series = xinyi_dashboard_series
    plugins = runtime().plugins
    town_filter = plugins._town_filter
    plugins.register(module, "unchecked_chart")
    plugins.set_town_filter(lambda code: set(plugins.info))  # every town has it on
    try:
        for op in (filled.op("town_clerk", "a"), filled.op("assistant", "a")):
            assert dashboard.gather(op, PERIOD) == ([], [])
            assert list(dashboard.sources(op, PERIOD)) == []
        # the same hook does answer those who may see the dashboard
        assert "unchecked.visits" in _charts(filled.op("town_head", "a"))
        assert "unchecked.visits" in _charts(filled.op("city_office"))
    finally:
        plugins.pm.unregister(name="unchecked_chart")
        plugins.info.pop("unchecked_chart", None)
        plugins._town_filter = town_filter
        plugins._town_callers.clear()


def test_periods():
    assert dashboard.months("2026-02", 3) == ["2025-12", "2026-01", "2026-02"]
    assert dashboard.shift("2026-12", 1) == "2027-01"
    assert dashboard.quarter_bounds("2026-11") == (D(2026, 10, 1), D(2026, 12, 31))


# --------------------------------------------------------------------------- the reports' chart sheets

def _chart_title(chart) -> str:
    return "".join(run.t for p in chart.title.tx.rich.p for run in (p.r or []))


def test_attendance_summary_carries_its_charts_on_a_second_sheet(filled, tmp_path: Path):
    from xinyi_attendance import documents
    from xinyi_attendance.service.summary import month_summary

    town = filled.towns[0]
    wb = Workbook()
    documents.add_charts(wb, town.name, 2026, 11, month_summary([town], 2026, 11))
    wb.save(tmp_path / "a.xlsx")
    ws = load_workbook(tmp_path / "a.xlsx")["图表"]
    assert [c.value for c in ws[3]][:4] == ["村（社区）", "出勤率（%）", "请假天数", "旷工天数"]
    rows = {r[0]: r[1:4] for r in ws.iter_rows(min_row=4, max_row=5, values_only=True)}
    # the summary's own figures: of 2 × 21 working days in November, 4 and 2 signed; 1 leave, 1 旷工
    assert rows == {"甲镇1村": (9.5, 0, 0), "甲镇2村": (4.8, 1, 1)}
    rate, days = ws._charts
    assert (rate.tagname, rate.type, rate.grouping) == ("barChart", "bar", "clustered")
    assert _chart_title(rate) == "各村居出勤率（%）"
    assert [s.val.numRef.f for s in rate.series] == ["'图表'!$B$4:$B$5"]
    assert (rate.series[0].cat.numRef or rate.series[0].cat.strRef).f == "'图表'!$A$4:$A$5"
    assert _chart_title(days) == "各村居请假、旷工天数"
    assert [s.val.numRef.f for s in days.series] == ["'图表'!$C$4:$C$5", "'图表'!$D$4:$D$5"]


def test_assessment_cover_sheet_carries_progress_and_grades_charts(filled, tmp_path: Path):
    from xinyi_assessment import documents

    path = documents.write_overview(2025, tmp_path / "overview.xlsx")
    wb = load_workbook(path)
    assert wb.sheetnames == ["全市汇总", "图表"]
    ws = wb["图表"]
    rows = {r[0]: r[1:7] for r in ws.iter_rows(min_row=4, max_row=5, values_only=True)}
    assert rows["甲镇"] == (4, 4, 25.0, 75.0, 0.0, 0.0)
    progress, grades = ws._charts
    assert _chart_title(progress) == "各镇（街道）考核进度（人）"
    assert [s.val.numRef.f for s in progress.series] == ["'图表'!$B$4:$B$5", "'图表'!$C$4:$C$5"]
    assert (grades.type, grades.grouping, grades.overlap) == ("bar", "stacked", 100)
    assert _chart_title(grades) == "各镇（街道）等次分布（%，优秀上限 20%）"
    assert len(grades.series) == 4 and grades.y_axis.scaling.max == 100
