"""ORG-2: the departure report, its chain (village → town centre → city office) and its effect."""
from __future__ import annotations

import datetime as dt

import pytest
from .conftest import BOTH_BACKENDS, TODAY

from xinyi_core import ConflictError, FormErrors, PermissionDenied, ValidationError, approvals, clock
from xinyi_core.models import AuditLog, Person, Post, PostAssignment
from xinyi_departure import service
from xinyi_departure.models import Departure

PLANNED = TODAY + dt.timedelta(days=10)


def report(city, person=None, **data):
    person = person or city.people["a"][0]
    values = {"category": "resigned", "planned_on": PLANNED.isoformat(), "reason": "家庭原因",
              "requests": "请出具离职证明", **data}
    return service.report(city.op("town_clerk", "a"), person.id, values)


def approve_all(city, dep, town="a"):
    for op in (city.op("village_head", town), city.op("town_head", town), city.op("city_office")):
        dep = service.decide(op, dep.id, True, "同意")
    return dep


@BOTH_BACKENDS
def test_org2_chain_is_village_then_town_head_then_city_office(world):
    with clock.frozen(TODAY):
        dep = report(world)
        vhead, thead, office = (world.op("village_head", "a"), world.op("town_head", "a"),
                                world.op("city_office"))
        assert dep.state == "pending"
        assert [c.subject_id for c in approvals.waiting_for(vhead, "departure")] == [dep.id]
        with pytest.raises(PermissionDenied):  # the city cannot decide before the village and town
            service.decide(office, dep.id, True, "同意")
        with pytest.raises(PermissionDenied):  # another town's head is not on this chain
            service.decide(world.op("town_head", "b"), dep.id, True, "同意")
        service.decide(vhead, dep.id, True, "情况属实")
        assert [c.subject_id for c in approvals.waiting_for(thead, "departure")] == [dep.id]
        service.decide(thead, dep.id, True, "同意上报")
        dep = service.decide(office, dep.id, True, "同意离职")
    chain = service.chain_of(dep)
    assert [(s.role, s.unit_id, s.opinion, s.decided_by_id) for s in approvals.steps(chain)] == [
        ("village_head", world.villages["a"][0].id, "情况属实", vhead.id),
        ("town_head", world.towns[0].id, "同意上报", thead.id),
        ("city_office", world.city.id, "同意离职", office.id)]
    assert dep.state == "approved"  # the planned date has not come yet
    assert Person.get_by_id(dep.person_id).status == "on_duty"


def test_rejection_ends_the_report_and_the_assistant_stays(world, heard):
    with clock.frozen(TODAY):
        dep = report(world, planned_on=TODAY.isoformat())
        service.decide(world.op("village_head", "a"), dep.id, True, "同意")
        with pytest.raises(ValidationError):  # a refusal needs an opinion
            service.decide(world.op("town_head", "a"), dep.id, False, "")
        dep = service.decide(world.op("town_head", "a"), dep.id, False, "岗位暂无人接替，请缓办")
        assert dep.state == "rejected"
        assert service.apply_due() == []
    assert Person.get_by_id(dep.person_id).status == "on_duty"
    assert not [h for h in heard if h[1] == "status"]
    report(world)  # the rejected report is closed: a new one may be filed


@BOTH_BACKENDS
def test_approved_departure_takes_effect_on_its_date_with_every_effect(world, heard):
    person = world.people["a"][0]
    post_id = person.post_id
    with clock.frozen(TODAY):
        dep = approve_all(world, report(world))
    with clock.frozen(PLANNED - dt.timedelta(days=1)):
        assert service.apply_due() == []  # the daily run, the day before: nothing yet
    assert Person.get_by_id(person.id).status == "on_duty"
    with clock.frozen(PLANNED):
        assert [d.id for d in service.apply_due()] == [dep.id]
        assert service.apply_due() == []  # the run is idempotent
    dep = Departure.get_by_id(dep.id)
    person = Person.get_by_id(person.id)
    assert (dep.state, dep.departed_on, dep.wages_stopped_on, dep.insurance_stopped_on) == (
        "departed", PLANNED, PLANNED, PLANNED)
    assert (person.status, person.departed_on, person.post_id) == ("departed", PLANNED, None)
    assert Post.get_by_id(post_id).vacant_since == PLANNED  # ORG-2: the post becomes vacant
    assert PostAssignment.get(PostAssignment.person == person.id).end_on == PLANNED
    # every plugin (leave, training …) hears it once, through xinyi_person_changed
    assert [(pid, change, d["after"], d["on"]) for pid, change, d in heard if change == "status"] == [
        (person.id, "status", "departed", PLANNED.isoformat())]
    # the system acted as the approving city-office operator, and said so
    office = world.op("city_office")
    status_row = AuditLog.get((AuditLog.action == "people.status") & (AuditLog.person_id == person.id))
    assert status_row.operator_id == office.id and "离职生效" in status_row.note
    execute_row = AuditLog.get(AuditLog.action == "departure.execute")
    assert execute_row.operator_id == office.id and execute_row.allowed and "自动执行" in execute_row.note


def test_approval_after_the_planned_date_takes_effect_at_once_from_that_date(world):
    past = TODAY - dt.timedelta(days=3)
    with clock.frozen(TODAY):
        dep = approve_all(world, report(world, planned_on=past.isoformat()))
    assert dep.state == "departed" and dep.departed_on == past == dep.wages_stopped_on
    assert Person.get_by_id(dep.person_id).status == "departed"


def test_other_category_needs_a_reason_and_bad_input_is_named_per_field(world):
    with clock.frozen(TODAY):
        with pytest.raises(FormErrors) as exc:
            report(world, category="其他", reason=" ")
        assert exc.value.errors == {"reason": "离职类别为“其他”的，应在离职原因中具体说明"}
        with pytest.raises(FormErrors) as exc:
            report(world, category="退休", planned_on="下个月")
        assert set(exc.value.errors) == {"category", "planned_on"}
        dep = report(world, category="其他", reason="考取公务员")
    assert dep.category == "other" and Departure.select().count() == 1


def test_one_open_report_per_person_and_none_for_the_departed(world):
    with clock.frozen(TODAY):
        dep = report(world, planned_on=TODAY.isoformat())
        with pytest.raises(ConflictError):
            report(world)
        approve_all(world, dep)
        with pytest.raises(ValidationError) as exc:
            report(world)
    assert exc.value.message == "该协理员已离职"


@BOTH_BACKENDS
def test_only_the_town_centre_of_the_persons_town_reports(world):
    person = world.people["a"][0]
    data = {"category": "resigned", "planned_on": PLANNED.isoformat()}
    with pytest.raises(PermissionDenied):  # ORG-2: the town centre reports, not the village
        service.report(world.op("village_head", "a"), person.id, data)
    with pytest.raises(PermissionDenied):  # scope: town B cannot report town A's assistant
        service.report(world.op("town_clerk", "b"), person.id, data)
    refused = AuditLog.select().where(AuditLog.allowed == False)  # noqa: E712
    assert {r.action for r in refused} >= {"departure.report", "people.view"}
    dep = service.report(world.op("town_head", "a"), person.id, data)
    assert [d.id for d in service.visible(world.op("town_clerk", "a"))] == [dep.id]
    assert list(service.visible(world.op("town_clerk", "b"))) == []
    with pytest.raises(PermissionDenied):
        service.get(world.op("town_head", "b"), dep.id)


def test_withdrawn_by_the_reporter(world):
    with clock.frozen(TODAY):
        dep = report(world)
        dep = service.withdraw(world.op("town_clerk", "a"), dep.id, "本人撤回辞职申请")
    assert dep.state == "withdrawn"


def test_the_real_leave_plugin_closes_the_departed_persons_pending_leave(world):
    """The effect on another plugin, for real: leave (loaded from its entry point) withdraws the
    departed assistant's pending leave when it hears ``xinyi_person_changed``."""
    leave_service = pytest.importorskip("xinyi_leave.service")  # only to file the leave in the set-up
    person = world.people["a"][0]
    with clock.frozen(TODAY):
        leave = leave_service.apply(world.op("town_clerk", "a"), person, {
            "category": "personal", "start_on": "2026-11-20", "end_on": "2026-11-20", "reason": "家中有事",
            "phone": "13912345678"})
        leave_chain = approvals.for_subject("leave", leave.id)
        assert leave_chain.state == "pending"
        approve_all(world, report(world, planned_on=TODAY.isoformat()))
    assert approvals.for_subject("leave", leave.id).state == "withdrawn"
    assert approvals.waiting_for(world.op("village_head", "a"), "leave") == []


def test_a_village_without_a_village_head_account_starts_at_the_town_head(world):
    """The village gives its opinion on paper; the form keeps its box with a blank signature line."""
    person = world.people["a"][2]  # village a-2: no village-head account in the test city
    with clock.frozen(TODAY):
        dep = report(world, person)
        chain = service.chain_of(dep)
        assert [s.role for s in approvals.steps(chain)] == ["town_head", "city_office"]
        service.decide(world.op("town_head", "a"), dep.id, True, "同意")
        dep = service.decide(world.op("city_office"), dep.id, True, "同意")
    assert dep.state == "approved"


def test_a_vetoed_departure_waits_for_the_next_daily_run(start_world):
    """A plugin may veto the status change (``xinyi_status_change_vetoes``): the refusal is audited,
    the report stays approved, and the next run after the veto is lifted makes it effective."""
    import types

    from xinyi_core import hookimpl

    veto = types.ModuleType("veto")
    veto.XINYI_API, veto.REASONS = "1", ["尚有未结清的借款"]
    veto.xinyi_status_change_vetoes = hookimpl(lambda person, new_status: list(veto.REASONS))
    city = start_world({"veto": veto})
    with clock.frozen(TODAY):
        dep = approve_all(city, report(city, planned_on=TODAY.isoformat()))
        assert dep.state == "approved"
        refused = AuditLog.get((AuditLog.action == "departure.execute") & (AuditLog.allowed == False))  # noqa: E712
        assert "尚有未结清的借款" in refused.note
        veto.REASONS.clear()
        assert [d.id for d in service.apply_due()] == [dep.id]
    assert Person.get_by_id(dep.person_id).status == "departed"
