"""Cancelling (撤销) approved leave: the town head, before the leave starts, with a reason (ATT-3/ATT-4).

The chain records it, the slip (附件4) shows 已撤销, attendance no longer
excuses the days; once the leave has started the way out is 销假.
"""
from __future__ import annotations

import datetime as dt

import docx
import pytest

from xinyi_core import PermissionDenied, ValidationError, approvals, clock, t
from xinyi_core.models import AuditLog
from xinyi_leave import documents, service

from .conftest import approve_all, slip as slip_data
from .test_leave_attendance import attendance_sheet, run_actor

REASON = "镇里集中办理社保年审，协理员须在岗"


def audit_rows(action: str) -> list[AuditLog]:
    return list(AuditLog.select().where(AuditLog.action == action).order_by(AuditLog.id))


@pytest.mark.parametrize("backend", ["sqlite"])
def test_att4_town_head_cancels_before_the_start_and_attendance_sees_no_leave(city, today, tmp_path):
    person, head = city.people["a"][0], city.op("town_head", "a")
    leave = approve_all(city, service.apply(city.op("assistant", "a"), person,
                                            slip_data("2026-09-07", "2026-09-08")).id)  # Mon–Tue, next week
    leave = service.cancel(head, leave.id, f"  {REASON} ")
    assert (leave.state, leave.note) == ("cancelled", REASON)
    chain = service.chain_of(leave)
    last = approvals.steps(chain)[-1]
    assert chain.state == "cancelled"
    assert (last.role, last.decision, last.opinion, last.decided_by_id) == ("town_head", "cancelled", REASON, head.id)
    [record] = audit_rows("leave.cancel")
    assert (record.operator_id, record.person_id, record.note) == (head.id, person.id, REASON)
    assert record.before["state"] == "approved" and record.after["state"] == "cancelled"
    assert len(audit_rows("approval.cancel")) == 1
    # the dates are free again: another slip for them is accepted
    service.apply(city.op("assistant", "a"), person, slip_data("2026-09-08", "2026-09-08"))

    doc = docx.Document(str(documents.print_slip(city.op("town_clerk", "a"), leave.id, tmp_path)))
    paras = [p.text for p in doc.paragraphs if p.text.strip()]
    assert "新沂市人社基层平台协理员请假审批单（已撤销）" in paras
    assert paras[0] == "《新沂市人社基层平台协理员请假审批单》存根（已撤销）"
    note = f"已撤销：{REASON}（{head.display_name}，2026 年 9 月 1 日）"
    assert paras.count(note) == 2  # under the stub and under the slip
    town_box = [c.text for c in doc.tables[1].rows[5].cells][-1]
    assert f"姓名：{head.display_name}" in town_box and "同意" in town_box  # the approval stays as signed

    with clock.frozen(dt.datetime(2026, 9, 7, 19, 0)):  # nobody signs in on Monday the 7th
        run_actor("attendance.end_of_day", town="a", day="2026-09-07")
    with clock.frozen(dt.date(2026, 9, 8)):
        mine = attendance_sheet(tmp_path, "2026-09")[person.name]
    assert mine[t("attendance.report.col.leave")] == 0  # not leave …
    assert mine[t("attendance.report.col.open")] == 1  # … but a 旷工 candidate


@pytest.mark.parametrize("backend", ["sqlite"])
def test_att3_after_the_start_cancelling_is_refused_pointing_to_the_return(city, today):
    leave = approve_all(city, service.apply(city.op("assistant", "a"), city.people["a"][0],
                                            slip_data("2026-09-01", "2026-09-03")).id)  # started today
    with pytest.raises(ValidationError) as refused:
        service.cancel(city.op("town_head", "a"), leave.id, REASON)
    assert str(refused.value) == "该请假已于 2026-09-01 开始，不能撤销；提前返岗请办理销假"
    assert service.LeaveRequest.get_by_id(leave.id).state == "approved"
    assert service.chain_of(leave).state == "approved" and audit_rows("approval.cancel") == []
    returned = service.record_return(city.op("town_head", "a"), leave.id, dt.date(2026, 9, 2))  # the way out
    assert returned.returned_on == dt.date(2026, 9, 2)


def test_att4_cancelling_is_the_town_heads_only_and_only_for_approved_leave(city, today):
    person = city.people["a"][0]
    pending = service.apply(city.op("assistant", "a"), person, slip_data("2026-09-07", "2026-09-07"))
    with pytest.raises(ValidationError) as refused:
        service.cancel(city.op("town_head", "a"), pending.id, REASON)
    assert "申请人可以撤回" in str(refused.value)  # still under approval: withdraw or refuse it
    approved = approve_all(city, pending.id)
    for op in (city.op("town_clerk", "a"), city.op("town_head", "b")):  # no permission / another town
        with pytest.raises(PermissionDenied):
            service.cancel(op, approved.id, REASON)
    denied = list(AuditLog.select().where((AuditLog.action == "leave.cancel") & (AuditLog.allowed == False)))  # noqa: E712
    assert {a.operator_id for a in denied} == {city.op("town_clerk", "a").id, city.op("town_head", "b").id}
    with pytest.raises(ValidationError) as refused:
        service.cancel(city.op("town_head", "a"), approved.id, "  ")
    assert refused.value.field == "reason"
    assert service.LeaveRequest.get_by_id(approved.id).state == "approved"
