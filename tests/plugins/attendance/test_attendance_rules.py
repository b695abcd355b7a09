"""The attendance rules as pure functions — no database, no UI, no queue."""
from __future__ import annotations

import datetime as dt

import pytest

from xinyi_attendance import rules
from xinyi_attendance.rules import EXCUSED, MISSED, PRESENT, REST

HOURS = (dt.time(8, 30), dt.time(17, 30))
D = dt.date


def test_att1_late_and_early_against_the_towns_hours():
    assert rules.lateness(dt.time(8, 30), dt.time(17, 30), HOURS) == (False, False)
    assert rules.lateness(dt.time(8, 31), dt.time(17, 29), HOURS) == (True, True)
    assert rules.lateness(dt.time(8, 40), dt.time(17, 20), HOURS, grace_minutes=10) == (False, False)
    assert rules.lateness(None, None, HOURS) == (False, False)  # nothing recorded is not "late"
    # ATT-1: a town that starts at 09:00 judges the same time differently
    assert rules.is_late(dt.time(8, 50), (dt.time(9, 0), dt.time(17, 0))) is False


def test_att5_candidates_are_working_days_without_sign_in_or_excuse():
    working = [D(2026, 10, 9), D(2026, 10, 10), D(2026, 10, 12), D(2026, 10, 13)]
    assert rules.absence_candidates(working, signed_days=[D(2026, 10, 9)], excused_days=[D(2026, 10, 13)]) == \
        [D(2026, 10, 10), D(2026, 10, 12)]
    assert rules.absence_candidates([], [], []) == []  # a rest day is never a candidate


def test_att5_five_days_or_more_fail_the_year():
    assert not rules.crosses_att5(4) and rules.crosses_att5(5) and rules.crosses_att5(9)
    assert rules.crosses_att5(3, limit=3)  # the limit is a setting (absent_fail_days)


def test_att5_wage_deduction_days_are_the_months_confirmed_days():
    confirmed = [D(2026, 9, 30), D(2026, 10, 12), D(2026, 10, 3), D(2025, 10, 12)]
    assert rules.wage_deduction_days(confirmed, 2026, 10) == [D(2026, 10, 3), D(2026, 10, 12)]


def states(start: dt.date, codes: str) -> dict[dt.date, str]:
    """P present, E excused, M missed working day, R rest day — one letter per calendar day."""
    names = {"P": PRESENT, "E": EXCUSED, "M": MISSED, "R": REST}
    return {start + dt.timedelta(days=i): names[c] for i, c in enumerate(codes)}


def test_att6_run_starts_at_the_first_missed_working_day_and_counts_calendar_days():
    # Fri present, weekend, then missing Mon..Mon: 8 calendar days from the first missed day
    s = states(D(2026, 11, 6), "PRR" + "MMMMMRR" + "M")
    run = rules.consecutive_off_post(s, D(2026, 11, 16))
    assert run == rules.OffPost(D(2026, 11, 9), D(2026, 11, 16), 8, 6)
    assert rules.crosses_att6(run, 7)
    shorter = rules.consecutive_off_post(s, D(2026, 11, 15))  # Sunday: 7 days, not *more* than 7
    assert shorter.days == 7 and not rules.crosses_att6(shorter, 7)


def test_att6_working_day_mode_counts_only_missed_working_days():
    s = states(D(2026, 11, 6), "PRR" + "MMMMMRR" + "M")
    assert rules.consecutive_off_post(s, D(2026, 11, 16), mode="working").days == 6


def test_att6_a_long_holiday_alone_is_not_off_post():
    # National Day: eight rest days in a row, then she is back
    s = states(D(2026, 9, 30), "P" + "RRRRRRRR")
    assert rules.consecutive_off_post(s, D(2026, 10, 8)) is None


def test_att6_leave_or_presence_breaks_the_run():
    s = states(D(2026, 11, 2), "MMMEMMMMM")  # leave on the 4th day
    run = rules.consecutive_off_post(s, D(2026, 11, 10))
    assert run.start == D(2026, 11, 6) and run.days == 5
    with pytest.raises(ValueError):
        rules.consecutive_off_post(s, D(2026, 11, 10), mode="weeks")


def test_expected_days_follow_joining_and_departure():
    days = [D(2026, 10, d) for d in (9, 12, 13, 14)]
    assert rules.expected_days(days, D(2026, 10, 12), None) == 3
    assert rules.expected_days(days, None, D(2026, 10, 13)) == 2
