"""The one approval chain (ATT-4 leave, ORG-2 departure, ASM-6 forms): order, rejection, withdrawal, hook."""
from __future__ import annotations

import pytest

from xinyi_core import approvals, testing
from xinyi_core.approvals import StepSpec
from xinyi_core.errors import PermissionDenied, ValidationError
from xinyi_core.models import ApprovalChain, AuditLog


@pytest.fixture
def setup(restart, plugin_module):
    finished: list[tuple[int, str]] = []
    recorder = plugin_module("recorder", xinyi_approval_finished=lambda chain: finished.append((chain.id, chain.state)))
    restart(plugin_modules={"recorder": recorder})
    city = testing.build_city()
    return city, finished


def leave_chain(city, kind: str = "leave") -> ApprovalChain:
    """Village head → town head → city office (ATT-4: 3+ days also need the city)."""
    person = city.people["a"][0]
    steps = [StepSpec("village_head", city.villages["a"][0]), StepSpec("town_head", city.towns[0]),
             StepSpec("city_office", city.city)]
    return approvals.start(city.op("assistant", "a"), kind, person, steps, person=person)


def ids(chains) -> list[int]:
    return [c.id for c in chains]


def test_steps_are_decided_strictly_in_order(setup):
    city, finished = setup
    chain = leave_chain(city)
    vhead, thead, office = city.op("village_head", "a"), city.op("town_head", "a"), city.op("city_office")
    assert ids(approvals.waiting_for(vhead)) == [chain.id]
    assert approvals.waiting_for(thead) == [] and approvals.waiting_for(office) == []

    for early in (thead, office):  # later steps cannot jump the queue
        with pytest.raises(PermissionDenied):
            approvals.decide(early, chain, True, "同意")
        assert AuditLog.get((AuditLog.operator_id == early.id) & (AuditLog.action == "approval.decide")).allowed is False

    approvals.decide(vhead, chain, True, "情况属实")
    assert approvals.waiting_for(vhead) == []
    assert ids(approvals.waiting_for(thead)) == [chain.id]
    assert approvals.waiting_for(city.op("town_head", "b")) == []  # right role, wrong town
    with pytest.raises(PermissionDenied):
        approvals.decide(city.op("town_head", "b"), chain, True, "同意")

    approvals.decide(thead, chain, True, "")
    assert finished == []
    chain = approvals.decide(office, chain, True, "同意")
    assert chain.state == "approved" and chain.finished_at is not None
    assert [(s.role, s.decision, s.decided_by_id) for s in approvals.steps(chain)] == [
        ("village_head", "approved", vhead.id), ("town_head", "approved", thead.id),
        ("city_office", "approved", office.id)]
    assert finished == [(chain.id, "approved")]

    with pytest.raises(ValidationError):
        approvals.decide(office, chain, True, "再次同意")
    assert finished == [(chain.id, "approved")]  # exactly once


def test_rejection_needs_an_opinion_and_ends_the_chain(setup):
    city, finished = setup
    chain = leave_chain(city)
    vhead, thead = city.op("village_head", "a"), city.op("town_head", "a")
    approvals.decide(vhead, chain, True, "同意")
    with pytest.raises(ValidationError) as exc:
        approvals.decide(thead, chain, False, "   ")
    assert exc.value.field == "opinion" and "意见" in str(exc.value)
    assert approvals.current_step(ApprovalChain.get_by_id(chain.id)).role == "town_head"

    chain = approvals.decide(thead, chain, False, "正值年底考核，暂不批准")
    assert chain.state == "rejected"
    last = approvals.steps(chain)
    assert (last[1].decision, last[1].opinion, last[2].decision) == ("rejected", "正值年底考核，暂不批准", None)
    assert approvals.waiting_for(city.op("city_office")) == []
    with pytest.raises(ValidationError):
        approvals.decide(city.op("city_office"), chain, True, "同意")
    assert finished == [(chain.id, "rejected")]


def test_only_the_creator_withdraws(setup):
    city, finished = setup
    chain = leave_chain(city)
    thead = city.op("town_head", "a")
    with pytest.raises(PermissionDenied):
        approvals.withdraw(thead, chain, "代为撤回")
    with pytest.raises(PermissionDenied):
        approvals.withdraw(city.op("assistant", "b"), chain)
    assert AuditLog.select().where((AuditLog.action == "approval.withdraw") & (AuditLog.allowed == False)).count() == 2  # noqa: E712
    assert finished == []

    chain = approvals.withdraw(city.op("assistant", "a"), chain, "不请假了")
    assert chain.state == "withdrawn"
    assert approvals.waiting_for(city.op("village_head", "a")) == []
    with pytest.raises(ValidationError):
        approvals.decide(city.op("village_head", "a"), chain, True, "同意")
    with pytest.raises(ValidationError):
        approvals.withdraw(city.op("assistant", "a"), chain)
    assert finished == [(chain.id, "withdrawn")]


def test_waiting_for_lists_each_operators_chains(setup):
    city, _ = setup
    leave = leave_chain(city, "leave")
    departure = leave_chain(city, "departure")
    pb = city.people["b"][0]
    other_town = approvals.start(city.op("town_clerk", "b"), "leave", pb,
                                 [StepSpec("town_head", city.towns[1])], person=pb)
    assert ids(approvals.waiting_for(city.op("village_head", "a"))) == [leave.id, departure.id]
    assert ids(approvals.waiting_for(city.op("village_head", "a"), kind="departure")) == [departure.id]
    assert ids(approvals.waiting_for(city.op("town_head", "b"))) == [other_town.id]
    assert approvals.waiting_for(city.op("town_head", "a")) == []
    assert approvals.waiting_for(city.op("assistant", "a")) == []
    assert approvals.waiting_for(city.op("town_clerk", "b")) == []  # not the clerk's step


def test_a_step_nobody_could_decide_is_refused_at_start(setup):
    city, _ = setup
    person = city.people["a"][0]
    for bad in (StepSpec("village_head", city.towns[0]), StepSpec("city_office", city.towns[0]),
                StepSpec("assistant", city.villages["a"][0])):
        with pytest.raises(ValidationError) as exc:
            approvals.start(city.op("town_clerk", "a"), "leave", person, [bad], person=person)
        assert "审批环节设置有误" in str(exc.value)
    assert ApprovalChain.select().count() == 0


def test_org2_the_approver_of_a_chain_is_who_gave_its_final_approval_and_only_once_approved(setup):
    city, _ = setup
    chain = leave_chain(city, "departure")
    vhead, thead, office = city.op("village_head", "a"), city.op("town_head", "a"), city.op("city_office")
    assert approvals.approver_of(chain) is None and approvals.approver_of(None) is None
    approvals.decide(vhead, chain, True, "情况属实")
    approvals.decide(thead, chain, True, "同意")
    assert approvals.approver_of(ApprovalChain.get_by_id(chain.id)) is None  # pending: nobody to act for yet
    approvals.decide(office, chain, True, "同意离职")
    assert approvals.approver_of(ApprovalChain.get_by_id(chain.id)).id == office.id
    refused = leave_chain(city, "departure")
    approvals.decide(vhead, refused, False, "该村暂无人接替")
    assert approvals.approver_of(ApprovalChain.get_by_id(refused.id)) is None  # rejected: nothing to carry out


def test_the_notice_after_a_decision_says_what_happened_and_what_comes_next(setup):
    """Issue 18: after the village head approved, the notice said 已审批：审批中."""
    city, _ = setup
    chain = leave_chain(city)
    vhead, thead, office = city.op("village_head", "a"), city.op("town_head", "a"), city.op("city_office")
    assert approvals.outcome(approvals.decide(vhead, chain, True, "情况属实")) == "已同意，转镇中心负责人审批"
    assert approvals.outcome(approvals.decide(thead, chain, True, "")) == "已同意，转市就业处审批"
    assert approvals.outcome(approvals.decide(office, chain, True, "同意")) == "已同意，审批完成"
    refused = leave_chain(city, kind="leave2")
    assert approvals.outcome(approvals.decide(vhead, refused, False, "不属实")) == "未同意，审批结束"
    withdrawn = approvals.withdraw(city.op("assistant", "a"), leave_chain(city, kind="leave3"))
    assert approvals.outcome(withdrawn) == "已撤回，审批结束"
