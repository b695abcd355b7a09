"""CRASHES (issue 11): an approval decision interrupted by SIGKILL.

The final step of a chain ends it, and the plugins act on that end through
``xinyi_approval_finished`` (the leave becomes approved, ATT-4; the departure
takes effect and the assistant leaves her post, ORG-2). A real process decides
that step and is killed inside the hook — before the plugins wrote (leave) or
after they wrote but before the decision committed (departure). After the
restart the chain is exactly as before the decision, with the plugin's records
unchanged, and deciding again finishes everything.
"""
from __future__ import annotations

import datetime as dt

import pytest

from xinyi_core import approvals, clock, lifecycle, testing
from xinyi_core.models import ApprovalStep, AuditLog, Person

from xinyi_departure import service as departure
from xinyi_leave import service as leave

from _crash_helpers import Site, assert_database_sound, lines


@pytest.fixture
def site(tmp_path, database_url):
    site = Site(tmp_path, database_url)
    site.start()
    yield site
    lifecycle.shutdown()


def decide_in_a_process_killed_by_the_hook(site: Site, chain_id: int, order: str, out) -> None:
    lifecycle.shutdown()
    proc = site.spawn("decide-crash", str(chain_id), order, out=out)
    assert proc.wait(30) == -9  # SIGKILL, from inside xinyi_approval_finished
    assert lines(out) == [["deciding", "2"]]  # it got as far as the final step
    site.start()
    assert_database_sound()


def test_att4_a_leave_decision_killed_before_the_plugin_heard_it_is_undone_whole(site, tmp_path):
    city = testing.build_city()
    person = city.people["a"][0]  # village a-1 has a village head: three steps for five days
    with clock.frozen(dt.date(2026, 9, 1)):
        slip = leave.apply(city.op("town_clerk", "a"), person, {
            "category": "personal", "start_on": "2026-09-07", "end_on": "2026-09-11", "reason": "家中有事",
            "phone": "13900001111"})
        leave.decide(city.op("village_head", "a"), slip.id, True, "情况属实")
        leave.decide(city.op("town_head", "a"), slip.id, True, "同意")
    chain = leave.chain_of(slip)

    decide_in_a_process_killed_by_the_hook(site, chain.id, "first", tmp_path / "acks.txt")

    chain = leave.chain_of(slip)
    assert chain.state == "pending" and chain.finished_at is None
    assert approvals.current_step(chain).seq == 2  # still waiting for the city office
    assert leave.LeaveRequest.get_by_id(slip.id).state == "pending"
    assert AuditLog.select().where((AuditLog.action == "approval.decide") & (AuditLog.object_id == chain.id)).count() == 2

    leave.decide(city.op("city_office"), slip.id, True, "同意")  # the city office decides again
    assert leave.LeaveRequest.get_by_id(slip.id).state == "approved"
    assert leave.chain_of(slip).state == "approved"


def test_org2_a_departure_decision_killed_after_the_plugin_wrote_is_undone_whole(site, tmp_path):
    city = testing.build_city()
    person = city.people["a"][0]
    dep = departure.report(city.op("town_clerk", "a"), person.id,
                           {"category": "resigned", "planned_on": clock.today().isoformat(), "reason": "个人原因"})
    departure.decide(city.op("village_head", "a"), dep.id, True, "同意")
    departure.decide(city.op("town_head", "a"), dep.id, True, "同意")
    chain = departure.chain_of(dep)

    # The departure plugin has made the person departed, in the same transaction, when the process dies.
    decide_in_a_process_killed_by_the_hook(site, chain.id, "last", tmp_path / "acks.txt")

    assert departure.chain_of(dep).state == "pending"
    assert ApprovalStep.get((ApprovalStep.chain == chain.id) & (ApprovalStep.seq == 2)).decision is None
    assert departure.Departure.get_by_id(dep.id).state == "pending"
    person = Person.get_by_id(person.id)
    assert person.status == "on_duty" and person.post_id is not None and person.departed_on is None

    departure.decide(city.op("city_office"), dep.id, True, "同意")
    assert departure.Departure.get_by_id(dep.id).state == "departed"
    assert Person.get_by_id(person.id).status == "departed"
