"""The end of the day: 旷工 candidates, the clerk's decisions, ATT-5 and ATT-6 alerts."""
from __future__ import annotations

import datetime as dt

import pytest

from xinyi_core import ConflictError, OffPostAlert, ValidationError, alerts, calendar, clock, runtime, testing
from xinyi_core.errors import ConfigError
from xinyi_core.models import Alert

from xinyi_attendance import facts as answers, service
from xinyi_attendance.service import daily
from xinyi_attendance.models import AttendanceDay

from .conftest import HOLIDAY, MAKEUP, MONDAY, WEEKEND, at


def sign_all_but(att, town_people, day, *absent):
    with clock.frozen(at(day, "20:00")):
        for p in town_people:
            if p not in absent:
                service.sign(att.city.op("town_clerk", p.town.code), p.id, "in", at=at(day, "08:20"))


def open_candidates(day):
    return {r.person_id for r in AttendanceDay.select().where(AttendanceDay.date == day,
                                                              AttendanceDay.absence == "open")}


def test_att5_candidates_on_working_days_only_weekend_holiday_and_makeup_day(att):
    missing = att.a[0]
    for day in (WEEKEND, HOLIDAY, MAKEUP, MONDAY):
        sign_all_but(att, att.a, day, missing)
        with clock.frozen(at(day, "19:00")):
            daily.end_of_day(att.town_a, day)
    assert open_candidates(WEEKEND) == set() and open_candidates(HOLIDAY) == set()
    assert open_candidates(MAKEUP) == {missing.id}  # 调休: Saturday 10 Oct 2026 is a working day
    assert open_candidates(MONDAY) == {missing.id}
    with clock.frozen(at(MONDAY, "19:30")):
        again = daily.end_of_day(att.town_a, MONDAY)  # the job ran twice: nothing new
    assert again.candidates == 0 and AttendanceDay.select().where(AttendanceDay.absence == "open").count() == 2


def test_att5_leave_marks_excuse_the_day_and_show_on_the_sheet(att):
    on_leave, trainee = att.a[0], att.a[1]
    att.leave(on_leave, MONDAY)
    att.leave(trainee, MONDAY, kind="training", label="业务培训")
    sign_all_but(att, att.a, MONDAY, on_leave, trainee, att.a[2])
    with clock.frozen(at(MONDAY, "19:00")):
        result = daily.end_of_day(att.town_a, MONDAY)
        sheet = {r.person_id: r for r in daily.daily_sheet(att.town_a, MONDAY)}
    assert (result.candidates, result.excused) == (1, 2)
    assert open_candidates(MONDAY) == {att.a[2].id}
    assert sheet[on_leave.id].status_text == "事假" and sheet[trainee.id].status_text == "业务培训"
    assert sheet[att.a[2].id].status == "missing" and sheet[att.a[3].id].status == "in"
    row = AttendanceDay.get(AttendanceDay.person == trainee.id, AttendanceDay.date == MONDAY)
    assert row.excuse == "training" and row.absence is None


def test_att3_leave_completed_afterwards_clears_the_candidate_at_the_next_end_of_day(att):
    person = att.a[0]
    sign_all_but(att, att.a, MONDAY, person)
    with clock.frozen(at(MONDAY, "19:00")):
        daily.end_of_day(att.town_a, MONDAY)
    assert open_candidates(MONDAY) == {person.id}
    att.leave(person, MONDAY, label="病假")  # the emergency slip, completed after her return (补办)
    tuesday = MONDAY + dt.timedelta(days=1)
    sign_all_but(att, att.a, tuesday)
    with clock.frozen(at(tuesday, "19:00")):
        assert daily.end_of_day(att.town_a, tuesday).cleared == 1
    row = AttendanceDay.get(AttendanceDay.person == person.id, AttendanceDay.date == MONDAY)
    assert (row.absence, row.excuse, row.absence_reason) == ("cleared", "leave", "事后补办：病假")


def test_leave_plugin_disabled_for_a_town_gives_no_marks_and_no_crash(att):
    person = att.b[0]
    att.leave(person, MONDAY)  # the stand-in would excuse her, but town b did not enable it
    with clock.frozen(at(MONDAY, "19:00")):
        daily.end_of_day(att.town_b, MONDAY)
        sheet = {r.person_id: r for r in daily.daily_sheet(att.town_b, MONDAY)}
    assert person.id in open_candidates(MONDAY) and sheet[person.id].status == "missing"
    assert len(sheet) == 4


def test_att5_only_confirmed_days_count_and_the_fifth_raises_the_alert_that_day(att):
    person = att.a[0]
    days = calendar.working_days(att.town_a, dt.date(2026, 11, 2), dt.date(2026, 11, 10))[:6]
    for day in days:
        with clock.frozen(at(day, "19:00")):
            daily.end_of_day(att.town_a, day)
    rows = list(AttendanceDay.select().where(AttendanceDay.person == person.id).order_by(AttendanceDay.date))
    with clock.frozen(at(days[-1], "20:00")):
        with pytest.raises(ValidationError):
            service.decide(att.clerk, rows[0].id, True, "")
        service.decide(att.clerk, rows[0].id, False, "镇里临时抽调，有通知")  # cleared: never 旷工
        with pytest.raises(ConflictError):
            service.decide(att.clerk, rows[0].id, True, "改主意")
        for r in rows[1:5]:
            service.decide(att.clerk, r.id, True, "无故未到岗")
        assert Alert.select().where(Alert.kind == "absent_5").count() == 0  # 4 confirmed
        service.decide(att.clerk, rows[5].id, True, "无故未到岗")
    alert = Alert.get(Alert.kind == "absent_5")
    assert alert.rule == "ATT-5" and alert.person_id == person.id and alert.data["days"] == 5
    assert set(alert.audience.split(",")) == {"town_head", "city_office"}
    assert alert.raised_at.date() == days[-1]
    facts = {f.rule: f for f in answers.assessment_facts(person, 2026)}
    assert facts["ATT-5"].value == 5 and facts["ATT-5"].veto and facts["ATT-5"].item == 5
    assert facts["ATT-5"].evidence == tuple(r.date.isoformat() for r in rows[1:6])
    assert not answers.assessment_facts(att.a[1], 2026)[0].veto


def test_att6_eight_days_off_post_raises_one_alert_proposing_rescission(att):
    person = att.b[1]  # town b: no leave plugin, so no marks either
    first = dt.date(2026, 11, 9)  # Monday; the Friday before she was at work
    with clock.frozen(at(dt.date(2026, 11, 6), "09:00")):
        service.sign(att.city.op("town_clerk", "b"), person.id, "in", at=at(dt.date(2026, 11, 6), "08:20"))
    for i in range(8):
        day = first + dt.timedelta(days=i)
        sign_all_but(att, att.b, day, person)
        with clock.frozen(at(day, "19:00")):
            daily.end_of_day(att.town_b, day)
        assert Alert.select().where(Alert.kind == "off_post").count() == (1 if i == 7 else 0)
    with clock.frozen(at(first + dt.timedelta(days=8), "19:00")):
        daily.end_of_day(att.town_b, first + dt.timedelta(days=8))  # still away: the same alert
    alert = Alert.get(Alert.kind == "off_post")
    assert alert.rule == "ATT-6" and alert.person_id == person.id
    # ATT-6 proposes 解除合同 as a code in the typed payload departure reads, never the display text
    assert alert.data["proposed_category"] == "rescinded" and alert.data["days"] == 8
    payload = alerts.payload_of(alert, OffPostAlert)
    assert (payload.proposes, payload.days, payload.start, payload.end) == (
        "rescinded", 8, dt.date(2026, 11, 9), dt.date(2026, 11, 16))
    assert alert.data["from"] == "2026-11-09" and alert.data["to"] == "2026-11-16"
    assert set(alert.audience.split(",")) == {"town_head", "city_office"}
    assert Alert.select().count() == 1  # days before attendance was kept here are not held against anyone


def test_att6_leave_in_between_means_no_alert(att):
    person = att.a[3]
    first = dt.date(2026, 11, 9)
    att.leave(person, dt.date(2026, 11, 12))
    for i in range(8):
        day = first + dt.timedelta(days=i)
        with clock.frozen(at(day, "19:00")):
            daily.end_of_day(att.town_a, day)
    assert not Alert.select().where(Alert.person == person.id).exists()


def test_att6_counting_working_days_is_a_setting(att):
    runtime().config.settings["attendance"]["off_post_count"] = "working"
    person = att.b[1]
    for i in range(8):  # the same 8 calendar days as above: only 6 working days
        day = dt.date(2026, 11, 9) + dt.timedelta(days=i)
        sign_all_but(att, att.b, day, person)
        with clock.frozen(at(day, "19:00")):
            daily.end_of_day(att.town_b, day)
    assert not Alert.select().where(Alert.kind == "off_post").exists()


def test_a_wrong_attendance_setting_stops_the_start_with_the_key_named(tmp_path):
    cfg = testing.make_config(tmp_path, f"sqlite:///{tmp_path / 'x.db'}")
    cfg.settings = {"attendance": {"off_post_count": "weeks"}}
    with pytest.raises(ConfigError, match="settings.attendance.off_post_count"):
        testing.start(cfg, entry_points=["attendance"])
