"""The reads the attendance screens show, through services that take the operator (issue 17).

Each screen row comes from one of these; they are the scope boundary now that the
screens no longer query models: another town's operator gets none of town a's
rows, a village head only her village, an assistant herself, and one person
outside the scope is refused and the attempt audited.
"""
from __future__ import annotations

import datetime as dt

import pytest

from xinyi_core import PermissionDenied, clock
from xinyi_core.models import AuditLog

from xinyi_attendance import service
from xinyi_attendance.service import daily, summary

from .conftest import MONDAY, at


def ids(rows) -> set[int]:
    return {r.person_id for r in rows}


def test_the_day_sheet_shows_only_the_people_of_the_operators_scope(att):
    with clock.frozen(at(MONDAY, "15:00")):
        assert ids(daily.sheet(att.clerk, att.town_a, MONDAY)) == {p.id for p in att.a}
        assert daily.sheet(att.city.op("town_clerk", "b"), att.town_a, MONDAY) == []  # another town: nothing
        assert ids(daily.sheet(att.city.op("village_head", "a"), att.town_a, MONDAY)) == {att.a[0].id, att.a[1].id}
        assert ids(daily.sheet(att.city.op("assistant", "a"), att.town_a, MONDAY)) == {att.a[0].id}
        assert ids(daily.sheet(att.city.op("city_office"), att.town_b, MONDAY)) == {p.id for p in att.b}


def test_the_queue_and_the_to_do_count_only_the_operators_candidates(att):
    with clock.frozen(at(MONDAY, "19:05")):
        daily.end_of_day(att.town_a, MONDAY)
        daily.end_of_day(att.town_b, MONDAY)
    assert {r.person_id for r in service.open_candidates(att.clerk)} == {p.id for p in att.a}
    assert {r.person_id for r in service.open_candidates(att.city.op("town_clerk", "b"))} == {p.id for p in att.b}
    assert service.open_candidates(att.city.op("city_office")).count() == 8
    dates = [r.date for r in service.open_candidates(att.clerk)]
    assert dates == sorted(dates)  # oldest first


def test_one_day_and_the_people_to_call_stay_within_the_scope(att):
    with clock.frozen(at(MONDAY, "08:20")):
        service.sign(att.city.op("assistant", "a"), att.a[0].id, "in")
        service.sign(att.city.op("town_clerk", "b"), att.b[0].id, "in", at=at(MONDAY, "08:15"))
    assert service.day_of(att.clerk, att.a[0].id, MONDAY).sign_in == dt.time(8, 20)
    assert service.day_of(att.clerk, att.b[0].id, MONDAY) is None  # town b's day: not hers to read
    assert service.day_of(att.city.op("town_clerk", "b"), att.b[0].id, MONDAY).sign_in == dt.time(8, 15)
    on_duty = service.people_on_duty(att.clerk)
    assert {p.id for p in on_duty} == {p.id for p in att.a} and all(p.village_name for p in on_duty)
    assert {p.id for p in service.people_on_duty(att.city.op("village_head", "b"))} == {att.b[0].id, att.b[1].id}


def test_a_person_outside_the_scope_shows_nothing_and_correcting_her_is_refused_and_audited(att):
    outsider = att.city.op("town_clerk", "b")
    assert summary.person_month_for(outsider, att.a[0].id, 2026, 10) is None  # a screen parameter: nothing shown
    assert summary.person_month_for(att.city.op("assistant", "a"), att.a[1].id, 2026, 10) is None  # not herself
    assert summary.person_month_for(att.clerk, 999_999, 2026, 10) is None
    assert not AuditLog.select().where(AuditLog.operator_id == outsider.id).exists()
    with clock.frozen(at(MONDAY, "12:00")), pytest.raises(PermissionDenied):  # acting on her is an attempt
        service.correct(outsider, att.a[0].id, MONDAY, dt.time(8, 30), None, "补录")
    refused = AuditLog.get((AuditLog.operator_id == outsider.id) & (AuditLog.allowed == False))  # noqa: E712
    assert (refused.action, refused.person_id) == ("attendance.correct", att.a[0].id)


def test_a_persons_month_counts_her_absences_for_the_month_and_the_year(att):
    with clock.frozen(at(MONDAY, "19:05")):
        daily.end_of_day(att.town_a, MONDAY)
    with clock.frozen(at(MONDAY + dt.timedelta(days=1), "09:00")):
        day = service.day_of(att.clerk, att.a[0].id, MONDAY)
        service.decide(att.clerk, day.id, True, "无故未到岗")
    month = summary.person_month_for(att.clerk, att.a[0].id, 2026, 10)
    assert month.person.id == att.a[0].id and len(month.days) == 31
    assert month.month_absent == [MONDAY] and month.year_absent == [MONDAY]
    assert summary.person_month_for(att.clerk, att.a[0].id, 2026, 9).month_absent == []


def test_the_town_month_shows_only_the_operators_people(att):
    with clock.frozen(at(MONDAY, "19:05")):
        daily.end_of_day(att.town_a, MONDAY)
    with clock.frozen(at(dt.date(2026, 11, 2), "09:00")):
        assert ids(summary.town_month(att.head, att.town_a, 2026, 10)) == {p.id for p in att.a}
        assert summary.town_month(att.city.op("town_head", "b"), att.town_a, 2026, 10) == []  # another town
        assert ids(summary.town_month(att.city.op("village_head", "a"), att.town_a, 2026, 10)) == {
            att.a[0].id, att.a[1].id}
