"""ORG-3 (hiring and cross-village/town moves are city acts), post history, optimistic locking."""
from __future__ import annotations

import datetime as dt

import pytest

from xinyi_core import org, people
from xinyi_core.errors import ConflictError, PermissionDenied, ValidationError
from xinyi_core.models import AuditLog, Person, Post, PostAssignment
from xinyi_core.validators import id_check_digit

NEW = {"name": "赵敏", "id_number": "32038119920506002", "phone": "15850001234", "education": "大学本科",
       "joined_on": "2025-06-01"}
NEW["id_number"] += id_check_digit(NEW["id_number"])
ON = dt.date(2025, 6, 1)


def refusal_rows(op, action: str) -> int:
    return AuditLog.select().where((AuditLog.operator_id == op.id) & (AuditLog.action == action)
                                   & (AuditLog.allowed == False)).count()  # noqa: E712


@pytest.mark.parametrize("role", ["town_head", "town_clerk"])
def test_org3_town_may_not_hire_or_move_across_villages_or_towns(city, role):
    op = city.op(role, "a")
    vacant_a, vacant_b = city.vacant["a"], city.vacant["b"]
    in_a2 = city.people["a"][2]  # village a-2; the vacancy is in a-1
    assert in_a2.village_id != vacant_a.village_id

    with pytest.raises(PermissionDenied):
        people.hire(op, NEW, vacant_a)
    with pytest.raises(PermissionDenied):
        people.transfer(op, in_a2.id, vacant_a, on=ON)  # across villages
    with pytest.raises(PermissionDenied):
        people.transfer(op, city.people["a"][0].id, vacant_b, on=ON)  # across towns
    assert refusal_rows(op, "people.hire") == 1
    assert refusal_rows(op, "people.transfer") == 2

    # nothing moved, nothing filled
    assert Person.select().where(Person.id_number == NEW["id_number"]).count() == 0
    assert Person.get_by_id(in_a2.id).post_id == in_a2.post_id
    assert Post.get_by_id(vacant_a.id).vacant_since == dt.date(2025, 1, 1)
    assert PostAssignment.select().where(PostAssignment.person == in_a2).count() == 1


def test_town_may_move_within_one_village(city):
    head = city.op("town_head", "a")
    person = city.people["a"][0]
    old_post = person.post_id
    spare = org.add_post(Person.get_by_id(person.id).village, vacant_since=ON)
    people.transfer(head, person.id, spare, on=ON)
    assert Person.get_by_id(person.id).post_id == spare.id
    assert Post.get_by_id(old_post).vacant_since == ON


def test_city_office_hires_and_transfers_with_history_and_vacancies(city):
    office = city.op("city_office")
    vacant_a, vacant_b = city.vacant["a"], city.vacant["b"]

    hired = people.hire(office, NEW, vacant_b)
    assert (hired.status, hired.sex, hired.birth_date) == ("candidate", "F", dt.date(1992, 5, 6))
    assert Person.get_by_id(hired.id).town_id == city.towns[1].id
    assert Post.get_by_id(vacant_b.id).vacant_since is None
    assert [(a.post_id, a.reason, a.start_on, a.end_on) for a in people.history(office, hired.id)] == [
        (vacant_b.id, "hire", ON, None)]
    with pytest.raises(ValidationError):
        people.hire(office, {**NEW, "id_number": "11010519491231002X"}, vacant_b)  # post now taken

    mover = city.people["a"][2]  # a-2 → a-1 (across villages)
    old_post = mover.post_id
    people.transfer(office, mover.id, vacant_a, on=ON)
    moved = Person.get_by_id(mover.id)
    assert (moved.post_id, moved.village_id, moved.version) == (vacant_a.id, vacant_a.village_id, mover.version + 1)
    assert Post.get_by_id(old_post).vacant_since == ON
    assert Post.get_by_id(vacant_a.id).vacant_since is None
    hist = people.history(office, mover.id)
    assert [(a.post_id, a.reason, a.start_on, a.end_on) for a in hist] == [
        (old_post, "hire", dt.date(2020, 1, 1), ON), (vacant_a.id, "transfer", ON, None)]

    # across towns: a-1 → the post just vacated in a-2 is same town; use town B's spare post
    spare_b = org.add_post(city.villages["b"][1], vacant_since=ON)
    people.transfer(office, mover.id, spare_b, on=dt.date(2025, 7, 1))
    moved = Person.get_by_id(mover.id)
    assert moved.town_id == city.towns[1].id
    assert mover.id in {p.id for p in people.visible(city.op("town_clerk", "b"))}
    assert mover.id not in {p.id for p in people.visible(city.op("town_clerk", "a"))}
    assert AuditLog.select().where((AuditLog.person_id == mover.id) & (AuditLog.action == "people.transfer")
                                   & (AuditLog.allowed == True)).count() == 2  # noqa: E712


def test_departure_vacates_the_post_and_a_departed_person_cannot_be_reseated(city):
    head = city.op("town_head", "a")
    person = city.people["a"][0]
    people.set_status(city.op("city_office"), person.id, "departed", on=ON, reason="辞职")  # ORG-2: the city's act
    gone = Person.get_by_id(person.id)
    assert (gone.status, gone.post_id, gone.departed_on) == ("departed", None, ON)
    assert Post.get_by_id(person.post_id).vacant_since == ON  # ORG-2
    assert people.history(head, person.id)[-1].end_on == ON
    # putting her back on a post in her own village would fill a vacancy: only hiring does that (ORG-3)
    with pytest.raises(ValidationError):
        people.transfer(head, person.id, city.vacant["a"], on=ON)


def test_org2_without_the_departure_plugin_only_the_city_sets_departed_and_only_with_a_reason(city):
    """ORG-2: a departure is the city's act. Where no departure plugin runs the chain, the town head
    (who may still put a candidate on duty) is refused and audited; the city must give a reason."""
    head, office = city.op("town_head", "a"), city.op("city_office")
    person = city.people["a"][0]
    with pytest.raises(PermissionDenied):
        people.set_status(head, person.id, "departed", on=ON, reason="辞职")
    refused = AuditLog.get((AuditLog.action == "people.depart") & (AuditLog.allowed == False))  # noqa: E712
    assert (refused.operator_id, refused.person_id) == (head.id, person.id)
    for blank in ("", "  "):
        with pytest.raises(ValidationError) as exc:
            people.set_status(office, person.id, "departed", on=ON, reason=blank)
        assert exc.value.field == "reason" and "离职原因" in str(exc.value)
    unchanged = Person.get_by_id(person.id)
    assert (unchanged.status, unchanged.departed_on, unchanged.post_id) == ("on_duty", None, person.post_id)
    assert not AuditLog.select().where((AuditLog.action == "people.status") & (AuditLog.allowed == True)).exists()  # noqa: E712

    people.set_status(office, person.id, "departed", on=ON, reason=" 本人辞职，市就业处同意 ")
    done = AuditLog.get((AuditLog.action == "people.status") & (AuditLog.allowed == True))  # noqa: E712
    assert (done.operator_id, done.note) == (office.id, "本人辞职，市就业处同意")
    assert Person.get_by_id(person.id).status == "departed"


def test_second_editor_gets_a_conflict_not_a_silent_overwrite(city):
    clerk, head = city.op("town_clerk", "a"), city.op("town_head", "a")
    person = city.people["a"][1]
    seen_by_clerk = people.get(clerk, person.id)
    seen_by_head = people.get(head, person.id)
    people.update(clerk, person.id, {"phone": "+86 158 0000 1111"}, expected_version=seen_by_clerk.version)
    with pytest.raises(ConflictError) as exc:
        people.update(head, person.id, {"phone": "13700002222"}, expected_version=seen_by_head.version)
    assert "已被他人修改" in str(exc.value)
    now = Person.get_by_id(person.id)
    assert (now.phone, now.version) == ("15800001111", seen_by_clerk.version + 1)
    row = AuditLog.select().where((AuditLog.person_id == person.id) & (AuditLog.action == "people.update")).get()
    assert row.before["phone"] == person.phone and row.after["phone"] == "15800001111"


def test_org3_last_holders_name_who_held_each_post_before_it_fell_vacant(city):
    office = city.op("city_office")
    leaver, mover = city.people["a"][0], city.people["a"][1]
    people.set_status(office, leaver.id, "departed", on=ON, reason="辞职")
    old_post = mover.post_id
    people.transfer(office, mover.id, city.vacant["a"], on=ON)
    never_held = city.vacant["b"]
    holders = org.last_holders([leaver.post_id, old_post, never_held.id])
    assert holders == {leaver.post_id: leaver.name, old_post: mover.name}  # a post nobody held is left out
    assert org.last_holders([]) == {}
    held_now = org.last_holders([city.vacant["a"].id])
    assert held_now == {city.vacant["a"].id: mover.name}  # the latest assignment wins


def test_was_on_roll_agrees_with_on_roll_during(city):
    """The roll read from a person in hand (the month facts take the people they are given) is the roll the
    SQL filter selects: joined by the end, not departed before the start, never a candidate."""
    march = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    edges = [(None, None, "on_duty"), (dt.date(2026, 3, 31), None, "on_duty"), (dt.date(2026, 4, 1), None, "on_duty"),
             (None, dt.date(2026, 3, 1), "departed"), (None, dt.date(2026, 2, 28), "departed"),
             (dt.date(2026, 3, 10), dt.date(2026, 3, 20), "departed"), (None, None, "candidate"),
             (dt.date(2026, 5, 1), None, "candidate")]
    staff = city.people["a"] + city.people["b"]
    for person, (joined, departed, status) in zip(staff, edges, strict=True):
        Person.update(joined_on=joined, departed_on=departed, status=status).where(Person.id == person.id).execute()
    for candidates, on_roll in ((False, 4), (True, 5)):  # out: joined in April, left in February (, candidates)
        selected = {p.id for p in Person.select().where(people.on_roll_during(*march, candidates=candidates))}
        in_hand = {p.id for p in Person.select() if people.was_on_roll(p, *march, candidates=candidates)}
        assert in_hand == selected and len(selected) == on_roll
