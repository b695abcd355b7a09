"""The training rules as plain functions: quarters, reminders, quota owed, the TRN-1 gate."""
from __future__ import annotations

import datetime as dt

import pytest

from xinyi_training import rules
from xinyi_training.rules import Quarter

D = dt.date


@pytest.mark.parametrize("day, code", [
    (D(2026, 3, 31), "2026-Q1"), (D(2026, 4, 1), "2026-Q2"),  # Mar 31 / Apr 1
    (D(2026, 12, 31), "2026-Q4"), (D(2027, 1, 1), "2027-Q1"),  # Dec 31 / Jan 1
    (D(2028, 2, 29), "2028-Q1"), (D(2026, 6, 30), "2026-Q2"), (D(2026, 7, 1), "2026-Q3"),
])
def test_trn3_quarter_of_a_day_at_the_boundaries(day, code):
    assert Quarter.of(day).code == code


def test_trn3_quarter_bounds_next_prev_and_leap_february():
    assert (Quarter(2028, 1).last - Quarter(2028, 1).first).days + 1 == 91  # leap year: Feb has 29 days
    assert (Quarter(2027, 1).last - Quarter(2027, 1).first).days + 1 == 90
    assert Quarter(2026, 4).last == D(2026, 12, 31) and Quarter(2026, 4).next() == Quarter(2027, 1)
    assert Quarter(2027, 1).prev() == Quarter(2026, 4)
    assert Quarter.parse("2026-q3") == Quarter(2026, 3) and Quarter(2026, 3).zh == "2026年第三季度"
    with pytest.raises(ValueError):
        Quarter.parse("2026-Q5")


@pytest.mark.parametrize("today, due", [
    (D(2026, 3, 16), None), (D(2026, 3, 17), 14), (D(2026, 3, 27), 14), (D(2026, 3, 28), 3),
    (D(2026, 3, 31), 3), (D(2026, 4, 1), None),  # a new quarter: nothing due yet
    (D(2026, 12, 17), 14), (D(2026, 12, 28), 3), (D(2027, 1, 1), None),
    (D(2028, 3, 17), 14), (D(2028, 2, 29), None), (D(2028, 3, 28), 3),  # leap year Q1
    (D(2026, 6, 16), 14), (D(2026, 6, 15), None),  # a 30-day month ends the quarter
])
def test_trn3_reminder_due_two_weeks_and_three_days_before_quarter_end(today, due):
    assert rules.reminder_offset(today, (14, 3)) == due


def test_trn3_a_new_hire_owes_from_her_first_full_quarter_and_a_leaver_not_for_the_quarter_she_leaves():
    q = Quarter(2026, 2)
    assert rules.owes_quota("on_duty", None, None, q)
    assert rules.owes_quota("on_duty", D(2026, 4, 1), None, q)
    assert not rules.owes_quota("on_duty", D(2026, 4, 2), None, q)
    assert not rules.owes_quota("candidate", D(2020, 1, 1), None, q)  # not on duty yet (TRN-1)
    assert not rules.owes_quota("departed", D(2020, 1, 1), D(2026, 6, 30), q)
    assert rules.owes_quota("departed", D(2020, 1, 1), D(2026, 7, 1), q)


def test_trn3_quarters_short_lists_only_owed_quarters_missing_articles():
    counts = {Quarter(2026, 1): 1, Quarter(2026, 2): 0}
    owed = [Quarter(2026, 1), Quarter(2026, 2), Quarter(2026, 3)]
    assert rules.quarters_short(counts, owed, 1) == [(Quarter(2026, 2), 1), (Quarter(2026, 3), 1)]
    assert rules.quarters_short(counts, owed, 0) == []  # a quota of 0 switches the rule off


def test_trn1_only_a_passed_pre_job_exam_opens_the_way_on_duty():
    assert rules.on_duty_refusal("on_duty", []) == ("veto.no_exam", {})
    assert rules.on_duty_refusal("on_duty", [(52, 60), (58.5, 60)]) == \
        ("veto.failed", {"score": "58.5", "pass_mark": "60"})
    assert rules.on_duty_refusal("on_duty", [(52, 60), (60, 60)]) is None  # the pass mark itself passes
    assert rules.on_duty_refusal("departed", []) is None


def test_trn2_excused_absence_needs_a_reason_and_nothing_is_recorded_before_the_session():
    start = D(2026, 3, 10)
    assert rules.check_attendance("excused", " ", today=start, start_on=start) == "error.reason_required"
    assert rules.check_attendance("excused", "病假", today=start, start_on=start) is None
    assert rules.check_attendance("unexcused", "", today=start, start_on=start) is None
    assert rules.check_attendance("present", "", today=start - dt.timedelta(days=1), start_on=start) == \
        "error.not_started"
    assert rules.check_attendance("late", "", today=start, start_on=start) == "error.bad_attendance"


def test_settings_refuse_values_of_the_wrong_kind():
    import xinyi_training

    settings = xinyi_training.xinyi_settings()
    assert settings["reminder_days"].accepts([14, 3]) and not settings["reminder_days"].accepts(["14", 3])
    assert settings["articles_per_quarter"].accepts(1) and not settings["articles_per_quarter"].accepts(True)
    assert settings["pass_mark"].accepts(72.5) and not settings["pass_mark"].accepts(101)
