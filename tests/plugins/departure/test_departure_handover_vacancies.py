"""Handover checklist (附件5 note 2) and vacancies (ORG-2 makes them, ORG-3: only the city fills them)."""
from __future__ import annotations

import datetime as dt
import time

import pytest
from .conftest import BOTH_BACKENDS, TODAY

from xinyi_core import PermissionDenied, ValidationError, clock, jobs
from xinyi_core.jobs import JobRecord, broker
from xinyi_core.models import AuditLog, Person, Post
from xinyi_departure import service
from xinyi_departure.service import handover, vacancies
from xinyi_departure.models import Departure


def report(city, person=None, planned=TODAY):
    person = person or city.people["a"][0]
    return service.report(city.op("town_clerk", "a"), person.id,
                          {"category": "resigned", "planned_on": planned.isoformat()})


def approve_all(city, dep):
    for op in (city.op("village_head", "a"), city.op("town_head", "a"), city.op("city_office")):
        dep = service.decide(op, dep.id, True, "同意")
    return dep


# --------------------------------------------------------------------------- handover

def test_default_checklist_each_item_confirmed_by_a_named_person(world):
    with clock.frozen(TODAY):
        dep = report(world)
    items = service.handover_items(dep)
    assert [i.label for i in items] == ["工作文件", "业务资料", "办公设备"]
    clerk = world.op("town_clerk", "a")
    with pytest.raises(ValidationError):  # a confirmation names who took it over
        handover.confirm_item(clerk, items[0].id, " ")
    with pytest.raises(PermissionDenied):  # the village head may look, not record
        handover.confirm_item(world.op("village_head", "a"), items[0].id, "李四")
    with pytest.raises(PermissionDenied):  # another town cannot touch it
        handover.confirm_item(world.op("town_clerk", "b"), items[0].id, "李四")
    at = dt.datetime(2026, 11, 2, 15, 30)
    with clock.frozen(at):
        item = handover.confirm_item(clerk, items[0].id, "李四")
        extra = handover.add_item(clerk, dep.id, "村服务窗口钥匙")
    assert (item.received_by, item.confirmed_at, item.recorded_by_id) == ("李四", at, clerk.id)
    assert extra.seq == 4 and handover.progress(dep) == (1, 4)
    rows = AuditLog.select().where(AuditLog.action.startswith("departure.handover"))
    assert sorted((r.action, r.allowed) for r in rows) == [
        ("departure.handover", False), ("departure.handover.add", True), ("departure.handover.confirm", True)]


def test_checklist_comes_from_settings(start_world):
    city = start_world(settings={"departure": {"handover_items": ["档案", "电脑", "公章"]}})
    with clock.frozen(TODAY):
        dep = report(city)
    assert [i.label for i in service.handover_items(dep)] == ["档案", "电脑", "公章"]


def test_a_declined_proposal_hands_nothing_over(world):
    from .test_departure_att6 import raise_off_post

    person = world.people["a"][1]
    with clock.frozen(TODAY):
        raise_off_post(person)
        dep = service.decline(world.op("town_head", "a"), Departure.get().id, "考勤有误")
    with pytest.raises(ValidationError):
        handover.confirm_item(world.op("town_clerk", "a"), service.handover_items(dep)[0].id, "李四")


# --------------------------------------------------------------------------- vacancies (ORG-2, ORG-3)

@BOTH_BACKENDS
def test_departure_makes_a_vacancy_the_city_sees_with_days_empty(world):
    person = world.people["a"][0]
    post_id = person.post_id
    with clock.frozen(TODAY - dt.timedelta(days=20)):
        approve_all(world, report(world, planned=TODAY - dt.timedelta(days=20)))
    office = world.op("city_office")
    rows = {v.post_id: v for v in vacancies.listing(office, today=TODAY)}
    assert rows[post_id].days == 20 and rows[post_id].last_holder == person.name
    assert rows[post_id].village == "甲镇1村" and rows[post_id].town == "甲镇"
    seeded = world.vacant["a"].id  # vacant since 2025-01-01: the longest empty comes first
    assert list(rows)[0] in (seeded, world.vacant["b"].id) and rows[seeded].days == (TODAY - dt.date(2025, 1, 1)).days
    with pytest.raises(PermissionDenied):  # the list is for the city office
        vacancies.listing(world.op("town_head", "a"))


NEW_HIRE = {"name": "周新", "id_number": "320381199001011239", "phone": "13912345678"}


@BOTH_BACKENDS
def test_orgs3_a_town_cannot_fill_a_vacancy_and_the_attempt_is_audited(world):
    post = world.vacant["a"]
    for role in ("town_head", "town_clerk"):
        with pytest.raises(PermissionDenied):
            vacancies.fill(world.op(role, "a"), post.id, NEW_HIRE)
    refused = list(AuditLog.select().where((AuditLog.action == "people.hire") & (AuditLog.allowed == False)))  # noqa: E712
    assert {r.operator_id for r in refused} == {world.op("town_head", "a").id, world.op("town_clerk", "a").id}
    assert not Person.select().where(Person.post == post.id).exists()
    assert Post.get_by_id(post.id).vacant_since == dt.date(2025, 1, 1)


def test_city_office_fills_a_vacancy(world):
    post = world.vacant["a"]
    office = world.op("city_office")
    person = vacancies.fill(office, post.id, NEW_HIRE)
    assert (person.post_id, person.status) == (post.id, "candidate")
    assert post.id not in {v.post_id for v in vacancies.listing(office)}
    with pytest.raises(ValidationError):  # no longer vacant
        vacancies.fill(office, post.id, {**NEW_HIRE, "id_number": "320381199001011255"})


# --------------------------------------------------------------------------- the daily job

def test_daily_job_on_the_queue_makes_due_departures_effective(world):
    with clock.frozen(TODAY):
        dep = approve_all(world, report(world, planned=TODAY + dt.timedelta(days=1)))
    assert dep.state == "approved"
    assert jobs.registry().schedules["departure.apply_due.daily"].target == "departure.apply_due"
    with pytest.raises(PermissionDenied):  # running it by hand is the city's
        jobs.submit(world.op("town_head", "a"), "departure.apply_due")
    broker.start(worker_threads=1)
    with clock.frozen(TODAY + dt.timedelta(days=1)):
        record = jobs.submit(None, "departure.apply_due")  # as the scheduler does
        deadline = time.monotonic() + 10
        while JobRecord.get_by_id(record.id).state != "done" and time.monotonic() < deadline:
            time.sleep(0.02)
    record = JobRecord.get_by_id(record.id)
    assert record.state == "done"
    assert Departure.get_by_id(dep.id).state == "departed"
