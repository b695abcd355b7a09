"""The demo year of leave is consistent with the rules it illustrates (ATT-3, ATT-4, ATT-6) and with its clock."""
from __future__ import annotations

import datetime as dt
import random

import pytest

from xinyi_core import approvals, clock
from xinyi_core.models import Alert, ApprovalChain, ApprovalStep, AuditLog, Operator
from xinyi_leave import demo, rules, service
from xinyi_leave.models import LeaveRequest

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def test_demo_leave_follows_the_chain_and_never_overlaps(city):
    with clock.frozen(dt.date(2026, 11, 26)):
        demo.build(city.city, random.Random(3))
    leaves = list(LeaveRequest.select().order_by(LeaveRequest.person, LeaveRequest.start_on))
    assert len(leaves) >= 4
    heads = {op.scope_id for op in Operator.select().where(Operator.role == "village_head")}
    for leave in leaves:
        chain = approvals.for_subject("leave", leave.id)
        if leave.state == "oral":
            assert chain is None
            continue
        total = sum(m.days for m in service.family(leave.family_root) if m.id <= leave.id)
        roles = [s.role for s in approvals.steps(chain)]
        assert roles == rules.approval_roles(total, village_opinion=leave.village_id in heads)  # ATT-4
        assert chain.state == leave.state or (leave.state == "pending" and chain.state == "pending")
        if leave.state == "approved" and leave.end_on < dt.date(2026, 11, 1) and not leave.root_id \
                and leave.returned_on is None:  # a demo ATT-6 story: the town has the alert
            assert Alert.select().where((Alert.kind == "overdue_return") & (Alert.person == leave.person_id)).exists()
    active = [lv for lv in leaves if lv.state in rules.ACTIVE_STATES]
    for a, b in zip(active, active[1:]):
        assert a.person_id != b.person_id or not rules.overlaps(a.start_on, a.end_on, b.start_on, b.end_on)


def test_att6_demo_leave_still_to_come_is_approved_or_waiting_never_returned(city):
    """Built on Saturday 5 December: the leave of 10–11 December was shown as 已销假 on the 12th."""
    now = dt.datetime(2026, 12, 5, 10, 0)
    with clock.frozen(now):
        demo.build(city.city, random.Random(53))
    ahead = list(LeaveRequest.select().where(LeaveRequest.start_on > now.date()))
    assert any(lv.start_on >= dt.date(2026, 12, 10) for lv in ahead)  # filed ahead, as ATT-3 asks
    assert [(lv.state in ("approved", "pending"), lv.returned_on) for lv in ahead] == [(True, None)] * len(ahead)
    assert LeaveRequest.select().where(LeaveRequest.returned_on > now.date()).count() == 0
    assert LeaveRequest.select().where(LeaveRequest.applied_on > now.date()).count() == 0
    for model, field in ((LeaveRequest, LeaveRequest.created_at), (ApprovalChain, ApprovalChain.created_at),
                         (ApprovalChain, ApprovalChain.finished_at), (ApprovalStep, ApprovalStep.decided_at),
                         (AuditLog, AuditLog.at), (Alert, Alert.raised_at)):
        assert model.select().where(field > now).count() == 0, field
