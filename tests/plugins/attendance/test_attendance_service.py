"""Sign-in/out, corrections and phone checks, as the clerk and the assistant would do them (ATT-1, ATT-2)."""
from __future__ import annotations

import datetime as dt

import pytest

from xinyi_core import ConflictError, PermissionDenied, ValidationError, calendar, clock
from xinyi_core.models import AuditLog

from xinyi_attendance import service
from xinyi_attendance.models import AttendanceDay, PhoneCheck, SignCorrection

from .conftest import MONDAY, WEEKEND, at


def test_att2_assistant_signs_in_and_out_herself_at_the_current_time(att):
    me = att.city.op("assistant", "a")
    with clock.frozen(at(MONDAY, "08:41")):
        row = service.sign(me, me.person_id, "in", at=at(MONDAY, "08:00"))  # she cannot pick the time
    with clock.frozen(at(MONDAY, "17:10")):
        row = service.sign(me, me.person_id, "out")
    assert (row.sign_in, row.sign_out) == (dt.time(8, 41), dt.time(17, 10))
    assert row.late and row.early  # ATT-1: town hours 08:30–17:30
    with clock.frozen(at(MONDAY, "17:40")), pytest.raises(ConflictError, match="17:10"):
        service.sign(me, me.person_id, "out")
    other = att.a[1]
    with clock.frozen(at(MONDAY, "09:00")), pytest.raises(PermissionDenied):
        service.sign(me, other.id, "in")  # only herself
    assert AuditLog.select().where(AuditLog.action == "attendance.sign_in", AuditLog.allowed == True).count() == 1  # noqa: E712


def test_att1_the_towns_own_hours_decide_lateness(att):
    calendar.set_hours(att.head, att.town_a, dt.time(9, 0), dt.time(17, 0), dt.date(2026, 10, 1))
    with clock.frozen(at(MONDAY, "18:00")):
        row = service.sign(att.clerk, att.a[1].id, "in", at=at(MONDAY, "08:55"))
        row = service.sign(att.clerk, att.a[1].id, "out", at=at(MONDAY, "17:05"))
    assert not row.late and not row.early


def test_no_lateness_on_a_weekend(att):
    with clock.frozen(at(WEEKEND, "12:00")):
        row = service.sign(att.clerk, att.a[1].id, "in", at=at(WEEKEND, "11:00"))
    assert not row.late


def test_att2_only_the_named_clerk_the_head_or_the_city_keep_a_towns_attendance(att):
    person = att.a[1]
    other_clerk = att.city.op("town_clerk", "b")  # a clerk, but of town b
    with clock.frozen(at(MONDAY, "18:00")):
        with pytest.raises(PermissionDenied):
            service.sign(other_clerk, person.id, "in", at=at(MONDAY, "08:00"))
        with pytest.raises(PermissionDenied):
            service.record_check(other_clerk, person.id, at(MONDAY, "10:00"), "村主任", True)
        # a second town_clerk account in town a who was not named is refused too
        from xinyi_core.models import Operator
        spare = Operator.create(username="spare", display_name="备用", role="town_clerk", scope=att.town_a)
        with pytest.raises(PermissionDenied, match="考勤员"):
            service.record_check(spare, person.id, at(MONDAY, "10:00"), "村主任", True)
        service.record_check(att.head, person.id, at(MONDAY, "10:00"), "村主任", True)
        service.record_check(att.city.op("city_office"), person.id, at(MONDAY, "11:00"), "本人", True)
    refused = AuditLog.select().where(AuditLog.allowed == False, AuditLog.action.startswith("attendance."))  # noqa: E712
    assert refused.count() == 3
    with pytest.raises(PermissionDenied):  # naming the clerk is the town's own act
        service.name_clerk(att.city.op("town_head", "b"), att.town_a, spare)


def test_att2_a_correction_keeps_the_original_and_the_reason(att):
    person = att.a[1]
    with clock.frozen(at(MONDAY, "09:00")):
        service.sign(att.clerk, person.id, "in", at=at(MONDAY, "08:50"))
    with clock.frozen(at(MONDAY, "18:00")):
        with pytest.raises(ValidationError):
            service.correct(att.clerk, person.id, MONDAY, dt.time(8, 20), dt.time(17, 30), " ")
        row = service.correct(att.clerk, person.id, MONDAY, dt.time(8, 20), dt.time(17, 30), "终端故障，村主任作证")
    assert not row.late
    fix = SignCorrection.get()
    assert fix.before["sign_in"] == "08:50" and fix.after["sign_in"] == "08:20"
    assert fix.reason == "终端故障，村主任作证" and fix.by_id == att.clerk.id
    log = AuditLog.get(AuditLog.action == "attendance.correct")
    assert log.before["sign_in"] == "08:50" and log.note == "终端故障，村主任作证" and log.person_id == person.id


def test_att2_a_failed_phone_check_is_evidence_in_the_days_record(att):
    person = att.a[1]
    with clock.frozen(at(MONDAY, "18:00")):
        service.sign(att.clerk, person.id, "in", at=at(MONDAY, "08:25"))
        service.record_check(att.clerk, person.id, at(MONDAY, "14:05"), "村会计", False, "说去镇上办事")
        with pytest.raises(ValidationError):
            service.record_check(att.clerk, person.id, at(MONDAY, "19:00"), "村会计", False)  # the future
    check = PhoneCheck.get()
    assert check.village_id == person.village_id and check.answered_by == "村会计" and not check.at_post
    day = AttendanceDay.get(AttendanceDay.person == person.id, AttendanceDay.date == MONDAY)
    assert day.failed_checks == 1 and day.sign_in == dt.time(8, 25)
