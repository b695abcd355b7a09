"""The reads the departure screens show, through services that take the operator (issue 17).

The list, the people a report may be filed for, the handover to-do, a departure's
detail and its printed 附件5: another town's operator sees none of town a's rows,
and one departure outside her scope is refused and the attempt audited.
"""
from __future__ import annotations

import pytest
from .conftest import TODAY

from xinyi_core import PermissionDenied, clock
from xinyi_core.models import AuditLog
from xinyi_departure import documents, service
from xinyi_departure.screens import detail_text


def report(city, person, planned=TODAY):
    return service.report(city.op("town_clerk", person.town.code), person.id,
                          {"category": "resigned", "planned_on": planned.isoformat(), "reason": "家庭原因"})


def test_the_list_keeps_to_the_operators_town_with_each_person_loaded(world):
    with clock.frozen(TODAY):
        mine, theirs = report(world, world.people["a"][0]), report(world, world.people["b"][0])
    rows = service.listing(world.op("town_clerk", "a"))
    assert [d.id for d in rows] == [mine.id] and rows[0].person.name == world.people["a"][0].name
    assert [d.id for d in service.listing(world.op("town_clerk", "b"))] == [theirs.id]
    assert {d.id for d in service.listing(world.op("city_office"))} == {mine.id, theirs.id}
    assert service.listing(world.op("town_clerk", "a"), "approved") == []
    assert [d.id for d in service.listing(world.op("village_head", "a"), "pending")] == [mine.id]


def test_a_report_is_filed_only_for_the_operators_people_not_yet_departed(world):
    with clock.frozen(TODAY):
        people_a = {p.id for p in service.reportable_people(world.op("town_clerk", "a"))}
        assert people_a == {p.id for p in world.people["a"]}
        assert not people_a & {p.id for p in service.reportable_people(world.op("town_clerk", "b"))}
        dep = report(world, world.people["a"][0])
        for op in (world.op("village_head", "a"), world.op("town_head", "a"), world.op("city_office")):
            service.decide(op, dep.id, True, "同意")  # approved and due today: she leaves
    assert world.people["a"][0].id not in {p.id for p in service.reportable_people(world.op("town_clerk", "a"))}


def test_the_handover_to_do_counts_only_the_operators_departures(world):
    with clock.frozen(TODAY):
        dep = report(world, world.people["a"][0])
        assert service.handover_open(world.op("town_clerk", "a")) == 0  # not approved yet: nothing due
        for op in (world.op("village_head", "a"), world.op("town_head", "a"), world.op("city_office")):
            service.decide(op, dep.id, True, "同意")
    assert service.handover_open(world.op("town_clerk", "a")) == 1
    assert service.handover_open(world.op("town_clerk", "b")) == 0


def test_detail_and_print_of_another_towns_departure_are_refused_and_audited(world):
    with clock.frozen(TODAY):
        dep = report(world, world.people["a"][0])
    clerk_a, clerk_b = world.op("town_clerk", "a"), world.op("town_clerk", "b")
    assert "家庭原因" in detail_text(clerk_a, dep.id) and "工作移交：0/3" in detail_text(clerk_a, dep.id)
    assert detail_text(clerk_a, 999_999) == ""  # gone meanwhile: an empty panel
    for attempt in (lambda: detail_text(clerk_b, dep.id), lambda: documents.print_form(clerk_b, dep.id)):
        with pytest.raises(PermissionDenied):
            attempt()
    refused = AuditLog.select().where((AuditLog.operator_id == clerk_b.id) & (AuditLog.allowed == False))  # noqa: E712
    assert refused.count() == 2
    path = documents.print_form(clerk_a, dep.id)
    assert path.exists() and path.name == f"离职呈报单_{dep.person.name}_{dep.planned_on.isoformat()}.docx"
