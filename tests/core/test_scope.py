"""Scope is enforced in the data layer: a town never reaches another town's assistants."""
from __future__ import annotations

import datetime as dt

import peewee as pw
import pytest

from xinyi_core import BaseModel, approvals, auth, calendar, people
from xinyi_core.approvals import StepSpec
from xinyi_core.db import database
from xinyi_core.errors import PermissionDenied
from xinyi_core.models import AuditLog, OrgUnit, Person


class VisitNote(BaseModel):
    """Stands for a plugin's person-linked record (WORK-1 visit register)."""

    person = pw.ForeignKeyField(Person, on_delete="CASCADE")
    text = pw.TextField()


def refusals(op) -> list[AuditLog]:
    return list(AuditLog.select().where((AuditLog.operator_id == op.id) & (AuditLog.allowed == False))  # noqa: E712
                .order_by(AuditLog.id))


def refused(op, call, *args, **kwargs) -> AuditLog:
    """Run ``call``, expect PermissionDenied, and return the one audit row it left."""
    before = len(refusals(op))
    with pytest.raises(PermissionDenied) as exc:
        call(op, *args, **kwargs)
    assert str(exc.value) and not str(exc.value).startswith("⟨")
    rows = refusals(op)
    assert len(rows) == before + 1, f"{call.__name__} refused without an audit row"
    return rows[-1]


def test_town_clerk_of_a_cannot_reach_town_b_through_any_function(city):
    clerk, head_a = city.op("town_clerk", "a"), city.op("town_head", "a")
    pb = city.people["b"][0]
    town_b = city.towns[1]
    snapshot = Person.get_by_id(pb.id).__data__.copy()

    assert refused(clerk, people.get, pb.id).person_id == pb.id
    refused(clerk, people.update, pb.id, {"phone": "13800000000"})
    refused(clerk, people.transfer, pb.id, city.vacant["a"])
    refused(clerk, people.set_status, pb.id, "departed")
    refused(head_a, people.set_status, pb.id, "departed")  # the head may change status, but not in town B
    refused(clerk, people.history, pb.id)
    refused(clerk, people.search, "", town_id=town_b.id)
    refused(clerk, people.search, "", village_id=city.villages["b"][1].id)
    refused(head_a, calendar.set_hours, town_b, dt.time(8), dt.time(17), dt.date(2025, 3, 1))
    refused(head_a, calendar.add_closure, town_b, dt.date(2025, 3, 3), "停电")
    refused(clerk, calendar.set_hours, town_b, dt.time(8), dt.time(17), dt.date(2025, 3, 1))

    chain = approvals.start(city.op("assistant", "b"), "probe", pb, [StepSpec("town_clerk", town_b)], person=pb)
    row = refused(clerk, approvals.decide, chain, True, "同意")
    assert row.object_id == chain.id and row.person_id == pb.id
    assert approvals.current_step(chain).decision is None
    assert chain not in approvals.waiting_for(clerk)

    # search and the visible set simply do not contain town B
    assert pb.id not in {p.id for p in people.visible(clerk)}
    assert pb.id not in {p.id for p in people.search(clerk, pb.name)}
    assert pb.id not in {p.id for p in people.search(clerk, pb.id_number[-6:])}
    assert pb.id in {p.id for p in people.search(city.op("town_clerk", "b"), pb.id_number[-6:])}
    full_width = pb.phone[-4:].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert pb.id in {p.id for p in people.search(city.op("town_clerk", "b"), full_width)}
    assert pb.id in {p.id for p in people.search(city.op("town_clerk", "b"), people.initials(pb.name))}
    assert Person.get_by_id(pb.id).__data__ == snapshot  # nothing changed
    assert calendar.working_hours(town_b, dt.date(2025, 3, 2)) == (dt.time(8, 30), dt.time(17, 30))


def test_scope_restrict_filters_a_plugin_query(city):
    database.create_tables([VisitNote])
    for code in ("a", "b"):
        for p in city.people[code]:
            VisitNote.create(person=p, text=f"{p.name}来电咨询")
    q = VisitNote.select()
    by_role = {
        "town_clerk@a": {p.id for p in city.people["a"]},
        "village_head@b": {p.id for p in city.people["b"][:2]},
        "assistant@a": {city.people["a"][0].id},
        "city_office": {p.id for ps in city.people.values() for p in ps},
    }
    for key, expected in by_role.items():
        scope = auth.scope_of(city.ops[key])
        assert {n.person_id for n in scope.restrict(q, VisitNote.person)} == expected, key


def test_each_role_sees_exactly_its_part(city):
    everyone = {p.id for ps in city.people.values() for p in ps}
    village_a1 = {p.id for p in city.people["a"] if p.village_id == city.villages["a"][0].id}
    assert len(village_a1) == 2
    assert {p.id for p in people.visible(city.op("city_office"))} == everyone
    assert {p.id for p in people.visible(city.op("bureau"))} == everyone
    assert {p.id for p in people.visible(city.op("town_head", "b"))} == {p.id for p in city.people["b"]}
    assert {p.id for p in people.visible(city.op("village_head", "a"))} == village_a1
    me = city.op("assistant", "a")
    assert {p.id for p in people.visible(me)} == {me.person_id}
    assert people.get(me, me.person_id).id == me.person_id
    neighbour = next(pid for pid in village_a1 if pid != me.person_id)
    refused(me, people.get, neighbour)  # same village, still not hers
    refused(city.op("village_head", "a"), people.get, city.people["a"][2].id)  # other village, same town
    refused(me, people.update, me.person_id, {"phone": "13800000000"})  # sees herself, cannot edit
    assert people.counts_by_status(city.op("town_clerk", "a")) == {"on_duty": 4}


def test_the_audit_trail_is_scoped_too(city):
    from xinyi_core import audit

    pa, pb = city.people["a"][1], city.people["b"][1]
    people.update(city.op("town_clerk", "a"), pa.id, {"phone": "13800000001"})
    people.update(city.op("town_clerk", "b"), pb.id, {"phone": "13800000002"})
    seen_by_a = {(r.action, r.person_id) for r in audit.query(viewer=city.op("town_head", "a"))}
    assert ("people.update", pa.id) in seen_by_a and ("people.update", pb.id) not in seen_by_a
    everything = {(r.action, r.person_id) for r in audit.query(viewer=city.op("city_office"))}
    assert {("people.update", pa.id), ("people.update", pb.id)} <= everything
    refused(city.op("town_clerk", "a"), lambda op: audit.query(viewer=op))  # clerks hold no audit.view


class TownNotice(BaseModel):
    """Stands for a plugin's town-level record (a town's notice): a foreign key to the town, no person."""

    town = pw.ForeignKeyField(OrgUnit, on_delete="CASCADE")
    text = pw.TextField()


def test_town_level_rows_are_scoped_to_the_operators_town(city):
    """Issue 17: only person-linked rows had a scope helper; a town's rows now have restrict_towns."""
    database.obj.create_tables([TownNotice])
    a, b = city.towns
    for town in (a, b):
        TownNotice.create(town=town, text=f"{town.name}通知")
    expected = {"town_clerk@a": ["甲镇通知"], "village_head@a": ["甲镇通知"], "assistant@b": ["乙镇通知"],
                "city_office": ["甲镇通知", "乙镇通知"]}
    for key, texts in expected.items():
        scope = auth.scope_of(city.ops[key])
        rows = scope.restrict_towns(TownNotice.select().order_by(TownNotice.id), TownNotice.town)
        assert [n.text for n in rows] == texts, key
    assert auth.scope_of(city.op("village_head", "b")).town_id() == b.id
    assert auth.scope_of(city.op("bureau")).town_id() is None
