"""The window duty roster (值班表, scoring-sheet item 5, ASM-5): the rotation rule, the Friday
publication job and the screen at 80×24."""
from __future__ import annotations

import datetime as dt

from xinyi_core import clock, jobs, testing
from xinyi_core.jobs import scheduler
from xinyi_core.jobs.specs import registry

from xinyi_duty_roster import rules, service
from xinyi_duty_roster.models import DutySlot

FRIDAY = dt.date(2026, 11, 27)
NEXT_MONDAY = dt.date(2026, 11, 30)
D = [NEXT_MONDAY + dt.timedelta(days=i) for i in range(5)]


# --------------------------------------------------------------------------- the rule

def test_rotation_is_round_robin_and_continues_after_last_weeks_last_person():
    assert rules.rotation([1, 2, 3], D, None) == [(D[0], 1), (D[1], 2), (D[2], 3), (D[3], 1), (D[4], 2)]
    assert [p for _, p in rules.rotation([1, 2, 3], D, 2)] == [3, 1, 2, 3, 1]


def test_rotation_restarts_when_last_person_left_and_is_empty_without_assistants():
    assert [p for _, p in rules.rotation([4, 5], D[:3], 9)] == [4, 5, 4]
    assert rules.rotation([], D, 1) == []


def test_friday_publication_covers_the_following_week():
    assert rules.week_after(FRIDAY) == NEXT_MONDAY
    assert rules.week_after(NEXT_MONDAY) == dt.date(2026, 12, 7)


# --------------------------------------------------------------------------- the job

def test_friday_schedule_publishes_next_week_for_every_town_once(city, in_process_broker):
    schedule = registry().schedules["duty_roster.weekly"]
    assert schedule.cron == "0 16 * * 5" and schedule.plugin == "duty_roster"
    with clock.frozen(FRIDAY):
        job_ids = scheduler.fire(schedule, dt.datetime(2026, 11, 27, 16))
        assert len(job_ids) == 2  # towns a and b
        assert all(testing.wait_for_job(i).state == "done" for i in job_ids)
        again = jobs.submit(None, "duty_roster.publish", town="a")  # a second run changes nothing
        assert testing.wait_for_job(again.id).state == "done"
    slots = list(DutySlot.select().order_by(DutySlot.town, DutySlot.date))
    assert len(slots) == 10 and {s.date for s in slots} == set(D)
    town_a = [s.person_id for s in slots if s.town.code == "a"]
    ids_a = sorted(p.id for p in city.people["a"])
    assert town_a == ids_a + ids_a[:1]  # four assistants, five days: everyone once, the first twice


def test_next_weeks_rotation_continues_where_this_week_ended(city):
    clerk = city.op("town_clerk", "a")
    assert service.publish_week(clerk, city.towns[0], NEXT_MONDAY) == 5
    assert service.publish_week(clerk, city.towns[0], dt.date(2026, 12, 7)) == 5
    second = [s.person_id for s in DutySlot.select().where(DutySlot.date >= dt.date(2026, 12, 7))
              .order_by(DutySlot.date)]
    ids = sorted(p.id for p in city.people["a"])
    assert second == [ids[1], ids[2], ids[3], ids[0], ids[1]]


def test_each_town_reads_its_own_roster_and_the_city_every_towns(city):
    """The screen's read is scoped: a town's clerk and assistants see their town's slots only, each
    slot naming its town and person; the city sees every town's."""
    for town in city.towns:
        service.publish_week(None, town, NEXT_MONDAY)
    for op, towns in ((city.op("town_clerk", "b"), {"乙镇"}), (city.op("assistant", "a"), {"甲镇"}),
                      (city.op("village_head", "a"), {"甲镇"}), (city.op("city_office"), {"甲镇", "乙镇"})):
        slots = list(service.visible(op, NEXT_MONDAY))
        assert {s.town.name for s in slots} == towns and len(slots) == 5 * len(towns)
    other = {p.name for p in city.people["a"]}
    assert not other & {s.person.name for s in service.visible(city.op("town_clerk", "b"), NEXT_MONDAY)}


# --------------------------------------------------------------------------- the screen

async def test_town_clerk_publishes_next_week_from_the_screen(city, operator_of, pilot_app):
    with clock.frozen(FRIDAY):
        async with pilot_app(operator_of("town_clerk", "a")) as pilot:
            await testing.open_entry(pilot, "duty_roster.title")  # F2, then its two keys on the home menu
            await testing.settle(pilot)
            text = testing.screen_text(pilot.app)
            assert "值班表" in text and "本周和下周尚未排班" in text and "发布下周" in text
            await pilot.press("p")
            await testing.settle(pilot)
            text = testing.screen_text(pilot.app)
            first = min(city.people["a"], key=lambda p: p.id)
            assert "2026-11-30" in text and "甲镇" in text and first.name in text
            assert "乙镇" not in text  # her own town only
    assert DutySlot.select().count() == 5


async def test_assistant_sees_the_roster_but_cannot_publish(city, operator_of, pilot_app):
    service.publish_week(None, city.towns[0], NEXT_MONDAY)
    with clock.frozen(FRIDAY):
        async with pilot_app(operator_of("assistant", "a")) as pilot:
            await testing.open_entry(pilot, "duty_roster.title")  # F2, then its two keys on the home menu
            await testing.settle(pilot)
            text = testing.screen_text(pilot.app)
            assert "2026-11-30" in text and "发布下周" not in text
            await pilot.press("p")
            await testing.settle(pilot)
    assert DutySlot.select().count() == 5
