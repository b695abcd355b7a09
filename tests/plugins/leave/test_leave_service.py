"""Applying, approving, refusing, extending and returning — ATT-3, ATT-4, ATT-6 — on a real database."""
from __future__ import annotations

import datetime as dt

import pytest

from xinyi_core import FormErrors, PermissionDenied, ValidationError, alerts, approvals, people
from xinyi_core.models import Alert, AuditLog
from xinyi_leave import facts, service

from .conftest import approve_all, slip

D = dt.date
# Pure logic over the same queries as the tests that run on both databases: SQLite is enough.
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])


def person_a(city):
    return city.people["a"][0]  # assistant@a, in village a-1 (whose head is village_head@a)


def test_att4_two_day_leave_needs_only_village_and_town_head(city, today):
    leave = service.apply(city.op("assistant", "a"), person_a(city), slip("2026-09-03", "2026-09-04"))
    assert (leave.days, leave.state) == (2, "pending")
    chain = service.chain_of(leave)
    assert [s.role for s in approvals.steps(chain)] == ["village_head", "town_head"]
    service.decide(city.op("village_head", "a"), leave.id, True, "情况属实")
    leave = service.decide(city.op("town_head", "a"), leave.id, True, "同意")
    assert leave.state == "approved"
    steps = approvals.steps(service.chain_of(leave))
    assert [(s.opinion, s.decided_by.id) for s in steps] == [
        ("情况属实", city.op("village_head", "a").id), ("同意", city.op("town_head", "a").id)]
    # village a-2 has no village-head account: its opinion is on paper, the chain starts at the town
    other = service.apply(city.op("town_clerk", "a"), city.people["a"][2], slip("2026-09-03", "2026-09-04"))
    assert [s.role for s in approvals.steps(service.chain_of(other))] == ["town_head"]


def test_att4_three_day_leave_waits_for_the_city_office(city, today):
    leave = service.apply(city.op("town_clerk", "a"), person_a(city), slip("2026-09-07", "2026-09-09"))
    assert leave.days == 3
    service.decide(city.op("village_head", "a"), leave.id, True, "同意")
    leave = service.decide(city.op("town_head", "a"), leave.id, True, "同意")
    assert leave.state == "pending"  # the town head alone is not enough for 3 days
    assert [lv.id for lv, _ in service.waiting(city.op("city_office"))] == [leave.id]
    assert service.waiting(city.op("town_head", "a")) == []
    assert facts.calendar_marks(person_a(city), D(2026, 9, 7), D(2026, 9, 9)) == []  # not excused yet
    leave = service.decide(city.op("city_office"), leave.id, True, "同意")
    assert leave.state == "approved"
    marks = facts.calendar_marks(person_a(city), D(2026, 9, 1), D(2026, 9, 30))
    assert [m.date.day for m in marks] == [7, 8, 9] and all(m.excused and m.label == "事假" for m in marks)


@sqlite_only
def test_att3_personal_leave_over_national_day_counts_only_working_days(city, today):
    leave = service.apply(city.op("assistant", "a"), person_a(city), slip("2026-09-29", "2026-10-09"))
    assert leave.days == 4  # 9-29, 9-30, 10-8, 10-9: the National Day holiday is not leave
    assert [s.role for s in approvals.steps(service.chain_of(leave))][-1] == "city_office"


@sqlite_only
def test_att3_maternity_leave_counts_calendar_days(city, today):
    leave = service.apply(city.op("assistant", "a"), person_a(city), slip("2026-09-29", "2026-10-09", "maternity"))
    assert leave.days == 11


@sqlite_only
def test_counting_is_configurable_per_category(city, today, xinyi):
    xinyi.config.settings["leave"]["count_personal"] = "calendar"
    leave = service.apply(city.op("assistant", "a"), person_a(city), slip("2026-09-29", "2026-10-09"))
    assert (leave.days, leave.counting) == (11, "calendar")


@sqlite_only
def test_rejection_and_withdrawal_end_the_slip(city, today):
    one = service.apply(city.op("assistant", "a"), person_a(city), slip("2026-09-03", "2026-09-03"))
    with pytest.raises(ValidationError) as refused:
        service.decide(city.op("village_head", "a"), one.id, False, "")
    assert "必须填写意见" in str(refused.value)
    one = service.decide(city.op("village_head", "a"), one.id, False, "村里正值社保集中缴费期")
    assert one.state == "rejected" and service.waiting(city.op("town_head", "a")) == []
    two = service.apply(city.op("assistant", "a"), person_a(city), slip("2026-09-03", "2026-09-03"))
    two = service.withdraw(city.op("assistant", "a"), two.id, "不请了")
    assert two.state == "withdrawn" and service.waiting(city.op("village_head", "a")) == []


def test_bad_dates_are_refused_with_a_clear_message(city, today):
    clerk = city.op("town_clerk", "a")
    service.apply(clerk, person_a(city), slip("2026-09-03", "2026-09-04"))
    for start, end, field, text in [
        ("2026-09-10", "2026-09-08", "end_on", "结束日期早于开始日期"),
        ("2026-12-30", "2027-01-05", "end_on", "2027 年的节假日安排尚未录入"),  # the calendar cannot count it
        ("2026-09-04", "2026-09-08", "start_on", "与已有请假（2026-09-03 至 2026-09-04，事假，审批中）时间重叠"),
    ]:
        with pytest.raises(FormErrors) as refused:
            service.apply(clerk, person_a(city), slip(start, end))
        assert text in refused.value.errors[field]


@sqlite_only
def test_other_category_needs_its_kind_and_a_reason(city, today):
    with pytest.raises(FormErrors) as refused:
        service.apply(city.op("assistant", "a"), person_a(city),
                      slip("2026-09-03", "2026-09-03", "other", reason=""))
    assert set(refused.value.errors) == {"other_kind", "reason"}


@sqlite_only
def test_leave_for_a_departed_assistant_is_refused(city, today, depart):
    person = city.people["a"][1]
    depart(city, person)
    with pytest.raises(PermissionDenied) as refused:  # the core's duty check (TRN-1, ORG-2), audited
        service.apply(city.op("town_clerk", "a"), people.get(city.op("town_head", "a"), person.id),
                      slip("2026-09-03", "2026-09-03"))
    assert "已离职" in str(refused.value)


def test_departure_withdraws_pending_leave_with_a_note(city, today, depart):
    person = city.people["a"][1]
    leave = service.apply(city.op("town_clerk", "a"), person, slip("2026-09-14", "2026-09-18"))
    depart(city, person)
    leave = service.LeaveRequest.get_by_id(leave.id)
    assert leave.state == "withdrawn" and "离职" in leave.note
    assert service.chain_of(leave).state == "withdrawn"
    assert service.waiting(city.op("village_head", "a")) == []


def test_a_town_cannot_file_or_see_another_towns_leave(city, today):
    leave = service.apply(city.op("assistant", "a"), person_a(city), slip("2026-09-03", "2026-09-03"))
    with pytest.raises(PermissionDenied):
        service.apply(city.op("town_clerk", "b"), person_a(city), slip("2026-09-10", "2026-09-10"))
    with pytest.raises(PermissionDenied):
        service.get(city.op("town_head", "b"), leave.id)
    assert list(service.visible(city.op("town_clerk", "b"))) == []
    assert [lv.id for lv in service.visible(city.op("town_clerk", "a"))] == [leave.id]
    assert AuditLog.select().where(AuditLog.allowed == False).count() == 2  # noqa: E712


def test_the_screens_reads_stay_in_the_operators_scope(city, today):
    """What the leave screens show — whom leave may be filed for, a person's history, a search by
    name or initials — is read through the operator's scope; asking for another town's assistant is
    refused and audited."""
    a0, a1 = person_a(city), city.people["a"][1]
    for person in (a0, a1):
        service.apply(city.op("town_clerk", "a"), person, slip("2026-09-03", "2026-09-03"))
    assert {p.id for p in service.people_on_duty(city.op("town_clerk", "a"))} == {p.id for p in city.people["a"]}
    assert [p.id for p in service.people_on_duty(city.op("assistant", "a"))] == [a0.id]
    assert [lv.person_id for lv in service.search(city.op("town_clerk", "a"), people.initials(a1.name))] == [a1.id]
    assert [lv.person_id for lv in service.search(city.op("town_clerk", "a"), person_id=a0.id)] == [a0.id]
    assert service.search(city.op("town_clerk", "b"), a1.name) == []
    assert service.person_for(city.op("town_clerk", "a"), a1.id) == a1
    with pytest.raises(PermissionDenied):
        service.person_for(city.op("town_clerk", "b"), a1.id, "leave.apply")
    assert AuditLog.select().where((AuditLog.allowed == False) & (AuditLog.action == "leave.apply")).count() == 1  # noqa: E712


def test_att3_oral_report_raises_an_alert_until_the_slip_is_completed(city, today):
    clerk = city.op("town_clerk", "a")
    leave = service.report_oral(clerk, person_a(city), {
        "category": "sick", "start_on": "2026-09-01", "end_on": "2026-09-02",
        "oral_reporter": "张某（丈夫）", "oral_by_relative": True})
    assert leave.state == "oral"
    # the leave starts at once: its days are excused while the slip is missing
    assert [m.date.day for m in facts.calendar_marks(person_a(city), D(2026, 9, 1), D(2026, 9, 30))] == [1, 2]
    open_ = list(alerts.visible(city.op("town_head", "a")))
    assert [(a.kind, a.rule) for a in open_] == [("slip_missing", "ATT-3")] and "张某" in open_[0].message
    assert list(alerts.visible(city.op("town_head", "b"))) == []
    leave = service.complete_slip(city.op("assistant", "a"), leave.id, {"reason": "急性肠胃炎住院",
                                                                         "phone": "13900001111"})
    assert leave.state == "pending" and leave.slip_completed_at is not None
    assert list(alerts.visible(city.op("town_head", "a"))) == []
    assert approve_all(city, leave.id).state == "approved"


def test_att3_extension_continues_the_leave_and_counts_toward_att4(city, today):
    leave = approve_all(city, service.apply(city.op("assistant", "a"), person_a(city),
                                            slip("2026-09-03", "2026-09-04")).id)
    with pytest.raises(FormErrors) as refused:
        service.extend(city.op("assistant", "a"), leave.id, {"end_on": "2026-09-04", "reason": "病情未愈"})
    assert "晚于" in refused.value.errors["end_on"]
    ext = service.extend(city.op("assistant", "a"), leave.id, {"end_on": "2026-09-07", "reason": "病情未愈"})
    assert (ext.start_on, ext.days, ext.root_id) == (D(2026, 9, 5), 1, leave.id)  # 5th-6th weekend
    # 2 + 1 = 3 days in all: the extension goes to the city (ATT-4)
    assert [s.role for s in approvals.steps(service.chain_of(ext))][-1] == "city_office"
    approve_all(city, ext.id)
    marks = facts.calendar_marks(person_a(city), D(2026, 9, 1), D(2026, 9, 30))
    assert [m.date.day for m in marks] == [3, 4, 5, 6, 7]
    service.record_return(city.op("town_clerk", "a"), leave.id, D(2026, 9, 7))
    assert [m.date.day for m in facts.calendar_marks(person_a(city), D(2026, 9, 1), D(2026, 9, 30))] == [3, 4, 5, 6]


def test_att6_overdue_return_raises_an_alert_on_the_first_working_day(city, today):
    from xinyi_core import clock

    leave = approve_all(city, service.apply(city.op("assistant", "a"), person_a(city),
                                            slip("2026-09-03", "2026-09-04")).id)  # Thu–Fri
    assert service.raise_overdue(D(2026, 9, 5)) == 0  # Saturday
    assert service.raise_overdue(D(2026, 9, 7)) == 1  # Monday: not back, no extension
    assert service.raise_overdue(D(2026, 9, 8)) == 0  # once
    alert = Alert.get(Alert.kind == "overdue_return")
    assert (alert.rule, alert.state, alert.person_id) == ("ATT-6", "open", person_a(city).id)
    assert facts.calendar_marks(person_a(city), D(2026, 9, 5), D(2026, 9, 30)) == []  # excused days stop at the end
    with clock.frozen(D(2026, 9, 8)):
        service.record_return(city.op("town_clerk", "a"), leave.id)
    assert Alert.get_by_id(alert.id).state == "closed"


@sqlite_only
def test_leave_totals_are_assessment_facts(city, today):
    approve_all(city, service.apply(city.op("assistant", "a"), person_a(city), slip("2026-09-29", "2026-10-09")).id)
    approve_all(city, service.apply(city.op("assistant", "a"), person_a(city),
                                    slip("2026-10-12", "2026-10-14", "sick")).id)
    found = {f.label: f.value for f in facts.assessment_facts(person_a(city), 2026)}
    assert found == {"全年事假 4 天": 4.0, "全年病假 3 天": 3.0}  # the label says the count
