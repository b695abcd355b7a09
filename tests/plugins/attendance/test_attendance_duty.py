"""TRN-1 / ORG-2 at sign-in: only a person on duty that day is signed, phone-checked or corrected (ATT-2).

Someone who has not passed the pre-job exam, failed it (45 of 60), left before
the day or joins after it is refused with the reason in Chinese; the refusal is
audited and nothing is written. The cases are built in ``_duty_cases``.
"""
from __future__ import annotations

import datetime as dt

import pytest

from xinyi_core import PermissionDenied, clock, duty_refusals
from xinyi_attendance import service
from xinyi_attendance.models import AttendanceDay, PhoneCheck, SignCorrection
from xinyi_core.models import Person

from _duty_cases import CASES, build, exam, hire, on_the_day, operator_for, refusals


def at(day: dt.date, hhmm: str) -> dt.datetime:
    h, m = hhmm.split(":")
    return dt.datetime.combine(day, dt.time(int(h), int(m)))


@pytest.fixture
def clerk(city):
    service.name_clerk(city.op("town_head", "a"), city.towns[0], city.op("town_clerk", "a"))
    return city.op("town_clerk", "a")


@pytest.mark.parametrize("case", CASES)
def test_trn1_only_a_person_on_duty_that_day_is_signed_checked_or_corrected(city, clerk, case):
    c = build(city, case)
    with on_the_day(c):
        for action, attempt in (
                ("attendance.sign", lambda: service.sign(clerk, c.person.id, "in", at=at(c.day, "08:25"))),
                ("attendance.check", lambda: service.record_check(clerk, c.person.id, at(c.day, "09:30"), "村主任",
                                                                  True)),
                ("attendance.correct", lambda: service.correct(clerk, c.person.id, c.day, dt.time(8, 30), None,
                                                               "终端故障"))):
            with pytest.raises(PermissionDenied) as refused:
                attempt()
            assert c.reason in str(refused.value) and c.person.name in str(refused.value), action
            [row] = refusals(c.person, action)
            assert c.reason in row.note and row.operator_id == clerk.id
    for model in (AttendanceDay, PhoneCheck, SignCorrection):
        assert model.select().count() == 0, model.__name__


@pytest.mark.parametrize("case", ["no_exam", "departed"])
def test_trn1_an_assistant_not_on_duty_cannot_sign_herself_in(city, case):
    c = build(city, case)
    with on_the_day(c, "08:20"), pytest.raises(PermissionDenied, match=c.reason.split("（")[0]):
        service.sign(operator_for(c.person), c.person.id, "in")
    assert refusals(c.person, "attendance.sign") and AttendanceDay.select().count() == 0


def test_org2_her_days_before_leaving_stay_hers_to_correct(city, clerk):
    """On duty until the day before her departure: a correction of such a day goes through."""
    c = build(city, "departed")
    with on_the_day(c):  # 2026-03-02; she left on 2026-02-01
        service.correct(clerk, c.person.id, dt.date(2026, 1, 30), dt.time(8, 30), dt.time(17, 30), "补录")
        assert duty_refusals(c.person, dt.date(2026, 1, 31)) == []
        assert duty_refusals(c.person, dt.date(2026, 2, 1)) == ["已离职（2026-02-01 起）"]
    assert AttendanceDay.get().date == dt.date(2026, 1, 30)


def test_trn1_a_day_before_her_exam_was_not_yet_hers(city, clerk):
    """She passed on 16 November and joined on 2 November: the days between were not on duty."""
    person = hire(city, "2026-11-02")
    exam(city, person, 80)
    assert duty_refusals(person, dt.date(2026, 11, 13)) == ["未通过岗前培训考核（没有考核成绩）"]
    assert duty_refusals(person, dt.date(2026, 11, 16)) == ["尚未上岗（待上岗）"]  # passed, not yet set on duty


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_trn1_the_sign_screen_says_why_a_listed_assistant_cannot_be_signed_in(city, clerk):
    """An assistant imported on duty whose pre-job exam was never recorded is on the town's sheet;
    on her name the screen says why she cannot be signed in, offers no 签到, and Enter signs nothing."""
    from xinyi_core import org, people
    from xinyi_core.testing import notifications, screen_text, settle
    from xinyi_core.tui.app import XinyiApp
    from xinyi_core.tui.widgets import RecordList
    from xinyi_core.validators import id_check_digit

    number = "32038119880312004"
    person = people.insert(people.clean({"name": "孙丽", "id_number": number + id_check_digit(number),
                                         "phone": "13912345678"}),
                           org.add_post(city.villages["a"][0]), status="on_duty", joined_on=dt.date(2026, 1, 5),
                           operator=None, reason="import")
    app = XinyiApp(clerk)
    with clock.frozen(at(dt.date(2026, 12, 7), "08:40")):
        async with app.run_test(size=(80, 24)) as pilot:
            app.action_open("attendance.screen.sign")
            await settle(pilot)
            sheet = app.screen.query_one("#sign-list", RecordList)
            while sheet.current_id != person.id:
                await pilot.press("down")
            await settle(pilot)
            text = screen_text(app)
            assert "孙丽 今天不能签到：未通过岗前培训考核" in text and "签到" not in text.splitlines()[-1]
            await pilot.press("enter", "i")
            await settle(pilot)
            assert not app.screen.query("#confirm-box") and not notifications(app)
    assert AttendanceDay.select().count() == 0


def test_trn1_the_end_of_day_run_makes_no_absence_candidate_of_someone_not_on_duty(city):
    """An assistant on the roll with no passed pre-job exam (as a roster import leaves her) cannot be
    signed in, so her unsigned working day is no 旷工 candidate (TRN-1, ATT-5); her colleagues' are."""
    from xinyi_attendance.service import daily

    person = hire(city, "2026-11-02")
    Person.update(status="on_duty").where(Person.id == person.id).execute()  # imported: on duty, no exam
    colleague = city.people["a"][0]
    with clock.frozen(dt.datetime(2026, 12, 7, 20, 0)):  # Monday, after hours, nobody signed in
        daily.end_of_day(city.towns[0], dt.date(2026, 12, 7))
    absent = {r.person_id for r in AttendanceDay.select().where(
        (AttendanceDay.date == dt.date(2026, 12, 7)) & (AttendanceDay.absence == "open"))}
    assert colleague.id in absent
    assert person.id not in absent
