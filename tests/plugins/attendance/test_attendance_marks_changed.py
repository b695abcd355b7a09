"""ATT-3: the stored days follow the marks' final state (``xinyi_calendar_marks_changed``).

The end-of-day run writes the excusing mark into the day's row; when the mark's
source changes its mind after the fact — an oral leave refused, leave withdrawn
or cancelled, 销假, an extension approved — the row, the 旷工 candidates (ATT-5),
the month's summary and the off-post count (ATT-6) follow. A decision the clerk
made stays hers.
"""
from __future__ import annotations

import datetime as dt

from xinyi_core import calendar, clock
from xinyi_core.models import Alert, AuditLog

from xinyi_attendance import service
from xinyi_attendance.service import daily, summary
from xinyi_attendance.models import AttendanceDay

from .conftest import MONDAY, at

TUESDAY = MONDAY + dt.timedelta(days=1)  # Tue 13 Oct 2026, an ordinary working day
D = dt.date


def day(person, on: dt.date) -> AttendanceDay:
    return AttendanceDay.get(AttendanceDay.person == person.id, AttendanceDay.date == on)


def end_of_days(att, *days: dt.date) -> None:
    for on in days:
        with clock.frozen(at(on, "19:00")):
            daily.end_of_day(att.town_a, on)


def drop_marks(att, person, *days: dt.date) -> None:
    for on in days:
        att._marks.MARKS.pop((person.id, on))


def off_post_alerts(person) -> list[Alert]:
    return list(Alert.select().where((Alert.source == "attendance") & (Alert.kind == "off_post")
                                     & (Alert.person == person.id)))


def test_att3_a_withdrawn_mark_makes_its_days_candidates_again_audited(att):
    """ATT-3/ATT-5: excused days whose leave is refused become 旷工 candidates, and the summary follows."""
    person = att.a[0]
    att.leave(person, MONDAY, TUESDAY)
    end_of_days(att, MONDAY, TUESDAY)
    assert day(person, MONDAY).excuse == "leave"
    drop_marks(att, person, MONDAY, TUESDAY)
    with clock.frozen(at(TUESDAY + dt.timedelta(days=1), "10:00")):
        calendar.marks_changed(person, MONDAY, TUESDAY)
        row = next(r for r in summary.month_summary([att.town_a], 2026, 10) if r.person_id == person.id)
    for on in (MONDAY, TUESDAY):
        stored = day(person, on)
        assert (stored.excuse, stored.excuse_label, stored.absence, stored.absence_by_id) == (None, "", "open", None)
    assert (row.leave, row.open) == (0, 2)
    trail = list(AuditLog.select().where(AuditLog.action == "attendance.unexcuse").order_by(AuditLog.id))
    assert len(trail) == 2 and all(a.operator_id is None and a.person_id == person.id for a in trail)
    assert trail[0].before == {"excuse": "leave", "absence": None} and "事假" in trail[0].note


def test_att3_clerk_decisions_stay_and_only_the_machines_are_reopened(att):
    """ATT-5: a candidate the clerk confirmed or cleared keeps her decision; one the mark cleared reopens."""
    confirmed, cleared, by_mark = att.a[0], att.a[1], att.a[2]
    end_of_days(att, MONDAY)  # all three missing, no leave yet: three candidates
    with clock.frozen(at(TUESDAY, "09:00")):
        service.decide(att.clerk, day(confirmed, MONDAY).id, True, "无故未到岗")
        service.decide(att.clerk, day(cleared, MONDAY).id, False, "已交病假条")
    for person in (confirmed, cleared, by_mark):  # 补办: leave approved afterwards for all three
        att.leave(person, MONDAY)
    with clock.frozen(at(TUESDAY, "10:00")):
        for person in (confirmed, cleared, by_mark):
            calendar.marks_changed(person, MONDAY, MONDAY)
    assert (day(confirmed, MONDAY).absence, day(confirmed, MONDAY).excuse) == ("confirmed", None)
    assert (day(cleared, MONDAY).absence, day(cleared, MONDAY).absence_reason) == ("cleared", "已交病假条")
    assert (day(by_mark, MONDAY).absence, day(by_mark, MONDAY).excuse) == ("cleared", "leave")  # at once
    for person in (confirmed, cleared, by_mark):  # … and then the leave is cancelled after all
        drop_marks(att, person, MONDAY)
    with clock.frozen(at(TUESDAY, "11:00")):
        for person in (confirmed, cleared, by_mark):
            calendar.marks_changed(person, MONDAY, MONDAY)
    assert day(confirmed, MONDAY).absence == "confirmed" and day(cleared, MONDAY).absence == "cleared"
    assert (day(by_mark, MONDAY).absence, day(by_mark, MONDAY).excuse) == ("open", None)


def test_att3_a_day_not_yet_judged_is_left_to_the_end_of_day_run(att):
    """ATT-5: a mark withdrawn during the day touches nothing; the 19:00 run makes the candidate."""
    person = att.a[0]
    att.leave(person, MONDAY)
    drop_marks(att, person, MONDAY)
    with clock.frozen(at(MONDAY, "10:00")):
        calendar.marks_changed(person, MONDAY, MONDAY)
    assert not AttendanceDay.select().where(AttendanceDay.person == person.id).exists()
    end_of_days(att, MONDAY)
    assert day(person, MONDAY).absence == "open"


def test_att6_off_post_is_recounted_when_the_excuse_goes(att):
    """ATT-6: leave 2–6 Nov refused on the 11th, never back: more than 7 days off post from the 2nd, at once."""
    person = att.a[0]
    leave_days = [D(2026, 11, d) for d in range(2, 7)]  # Mon–Fri
    att.leave(person, *leave_days)
    end_of_days(att, *[D(2026, 11, d) for d in range(2, 11)])
    assert off_post_alerts(person) == []  # excused to the 6th: the run starts on Monday the 9th
    drop_marks(att, person, *leave_days)
    with clock.frozen(at(D(2026, 11, 11), "10:00")):
        calendar.marks_changed(person, leave_days[0], leave_days[-1])
    [alert] = off_post_alerts(person)
    assert (alert.rule, alert.data["from"], alert.data["to"], alert.data["days"]) == ("ATT-6", "2026-11-02",
                                                                                    "2026-11-10", 9)


# --------------------------------------------------------------------------- with the real leave plugin

def test_att3_refused_oral_leave_days_become_candidates_and_att6_counts_them(city):
    """ATT-3/ATT-4/ATT-6, the issue's scenario: at the post on Monday 2 March, oral leave 2–4 March,
    the slip refused on the 5th, never back. The 3rd and 4th become 旷工 candidates at once, the
    month's summary counts no leave, and the off-post alert comes on the 10th (3rd–10th, 8 days)."""
    from xinyi_core import approvals, org
    from xinyi_leave import service as leave

    person, clerk = city.people["a"][0], city.op("town_clerk", "a")
    town = org.by_code("a")
    with clock.frozen(dt.datetime(2026, 3, 2, 8, 20)):
        service.sign(city.op("assistant", "a"), person.id, "in")
    with clock.frozen(dt.datetime(2026, 3, 2, 11, 0)):
        oral = leave.report_oral(clerk, person, {"category": "sick", "start_on": "2026-03-02",
                                                 "end_on": "2026-03-04", "oral_reporter": "本人电话报告"})
    alerts_on: dict[dt.date, int] = {}
    for d in range(2, 13):
        on = D(2026, 3, d)
        if on == D(2026, 3, 5):
            with clock.frozen(dt.datetime(2026, 3, 5, 10, 0)):
                leave.complete_slip(clerk, oral.id, {"reason": "发烧就医", "phone": "13900001111"})
                step = approvals.current_step(leave.chain_of(oral))
                leave.decide(city.op(step.role, "a"), oral.id, False, "未提供就医证明")
            assert leave.LeaveRequest.get_by_id(oral.id).state == "rejected"
            assert [day(person, x).absence for x in (D(2026, 3, 3), D(2026, 3, 4))] == ["open", "open"]
            assert day(person, D(2026, 3, 3)).excuse is None
        with clock.frozen(at(on, "19:00")):
            daily.end_of_day(town, on)
        alerts_on[on] = len(off_post_alerts(person))
    assert day(person, D(2026, 3, 2)).sign_in is not None and day(person, D(2026, 3, 2)).absence is None
    first = min(on for on, n in alerts_on.items() if n)
    assert first == D(2026, 3, 10)  # not the 12th, as when the 3rd and 4th stayed excused
    assert off_post_alerts(person)[0].data["from"] == "2026-03-03"
    with clock.frozen(at(D(2026, 3, 12), "20:00")):
        row = next(r for r in summary.month_summary([town], 2026, 3) if r.person_id == person.id)
    assert (row.present, row.leave, row.open) == (1, 0, 8)  # 3, 4, 5, 6, 9, 10, 11, 12 March
