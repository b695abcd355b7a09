"""ORG-2: where the departure plugin runs, 离职 comes only from its finished chain — no by-pass."""
from __future__ import annotations

import datetime as dt

import pytest
from .conftest import BOTH_BACKENDS, TODAY

from xinyi_core import PermissionDenied, ValidationError, clock, people
from xinyi_core.models import AuditLog, Person, Post
from xinyi_departure import service
from xinyi_departure.models import Departure

from .test_departure_chain import approve_all, report


def _written(person_id: int) -> list[AuditLog]:
    return list(AuditLog.select().where((AuditLog.action == "people.status") & (AuditLog.person_id == person_id)
                                        & (AuditLog.allowed == True)))  # noqa: E712


@BOTH_BACKENDS
def test_org2_direct_departure_is_refused_and_audited_and_the_chain_still_takes_effect(world, heard):
    """A town head (who holds people.status) and even the city office cannot set 离职 directly:
    the plugin's veto refuses it in Chinese, the refusal is audited, nothing is written. The same
    person then leaves through the 附件5 report approved by the city, as ORG-2 wants."""
    person = world.people["a"][0]
    post_id = person.post_id
    head, office = world.op("town_head", "a"), world.op("city_office")
    with clock.frozen(TODAY):
        for op in (head, office):
            with pytest.raises(ValidationError) as exc:
                people.set_status(op, person.id, "departed", on=TODAY, reason="本人辞职")
            assert "离职呈报" in str(exc.value) and "市就业处审批" in str(exc.value)
        refusals = list(AuditLog.select().where((AuditLog.action == "people.status")
                                                & (AuditLog.allowed == False)).order_by(AuditLog.id))  # noqa: E712
        assert [(r.operator_id, r.person_id) for r in refusals] == [(head.id, person.id), (office.id, person.id)]
        assert all("离职呈报" in r.note for r in refusals)
        same = Person.get_by_id(person.id)
        assert (same.status, same.departed_on, same.post_id) == ("on_duty", None, post_id)
        assert Post.get_by_id(post_id).vacant_since is None and not _written(person.id)
        assert not [h for h in heard if h[1] == "status"]  # no plugin was told of a departure

        dep = approve_all(world, report(world, person, planned_on=TODAY.isoformat()))
    gone = Person.get_by_id(person.id)
    assert (dep.state, gone.status, gone.departed_on, gone.post_id) == ("departed", "departed", TODAY, None)
    assert Post.get_by_id(post_id).vacant_since == TODAY
    assert [r.operator_id for r in _written(person.id)] == [office.id]  # the approver, through the chain
    assert [(pid, change) for pid, change, _ in heard if change == "status"] == [(person.id, "status")]


def test_org2_a_chain_is_no_pass_unless_it_is_her_report_approved(world):
    """The veto checks the chain it is handed in the database: someone else's approved report, or
    her own still pending, does not make a direct call the chain's effect."""
    her, other = world.people["a"][0], world.people["a"][1]
    office = world.op("city_office")
    with clock.frozen(TODAY):
        others = approve_all(world, report(world, other, planned_on=(TODAY + dt.timedelta(days=30)).isoformat()))
        pending = report(world, her)
        for basis in (service.chain_of(others), service.chain_of(pending)):
            with pytest.raises(ValidationError):
                people.set_status(office, her.id, "departed", reason="辞职", basis=basis)
    assert Person.get_by_id(her.id).status == "on_duty" and Person.get_by_id(other.id).status == "on_duty"
    assert Departure.get_by_id(pending.id).state == "pending"


def test_org2_in_a_town_without_the_departure_plugin_only_the_city_departs(start_world):
    """Town b runs without the departure plugin: there the city office departs with a reason and
    the town head is refused (people.depart is the city's)."""
    from xinyi_core.config import TownConfig

    city = start_world(towns={"b": TownConfig(plugins=("attendance", "leave", "training"))})
    person = city.people["b"][0]
    with clock.frozen(TODAY):
        with pytest.raises(PermissionDenied):
            people.set_status(city.op("town_head", "b"), person.id, "departed", reason="辞职")
        gone = people.set_status(city.op("city_office"), person.id, "departed", reason="本人辞职")
    assert gone.status == "departed" and not Departure.select().exists()
