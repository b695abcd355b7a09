"""The leave rules on their own: no database, no UI (ATT-3, ATT-4, ATT-6)."""
from __future__ import annotations

import datetime as dt

from xinyi_leave import rules

D = dt.date


def test_att4_two_days_stop_at_the_town_head_three_go_to_the_city():
    assert rules.approval_roles(2) == ["village_head", "town_head"]
    assert rules.approval_roles(3) == ["village_head", "town_head", "city_office"]  # 3 included
    assert rules.approval_roles(1, village_opinion=False) == ["town_head"]


def test_att3_working_day_count_skips_what_the_calendar_says_is_off():
    working = [D(2026, 9, 29), D(2026, 9, 30), D(2026, 10, 8), D(2026, 10, 9)]
    assert rules.leave_days(D(2026, 9, 29), D(2026, 10, 9), "working", working) == 4
    assert rules.leave_days(D(2026, 9, 29), D(2026, 10, 9), "calendar", working) == 11


def test_default_counting_follows_domain_open_points():
    assert {c for c, how in rules.DEFAULT_COUNTING.items() if how == "calendar"} == {
        "marriage", "maternity", "bereavement"}


def test_att6_marks_stop_at_the_end_or_the_day_before_return():
    start, end = D(2026, 3, 2), D(2026, 3, 6)
    window = (D(2026, 3, 1), D(2026, 3, 31))
    assert rules.excused_dates(start, end, None, *window)[-1] == end
    assert rules.excused_dates(start, end, D(2026, 3, 4), *window) == [D(2026, 3, 2), D(2026, 3, 3)]
    assert rules.excused_dates(start, end, None, D(2026, 3, 7), D(2026, 3, 31)) == []


def test_att6_overdue_from_the_first_working_day_after_the_end():
    friday, monday = D(2026, 3, 6), D(2026, 3, 9)
    assert not rules.overdue_return(friday, None, False, D(2026, 3, 7), monday)  # Saturday: not yet
    assert rules.overdue_return(friday, None, False, monday, monday)
    assert not rules.overdue_return(friday, D(2026, 3, 9), False, monday, monday)  # returned
    assert not rules.overdue_return(friday, None, True, monday, monday)  # extension filed


def test_att3_oral_leave_is_excused_until_refused():
    assert rules.excuses("oral", True) and rules.excuses("pending", True)
    assert not rules.excuses("pending", False)  # an ordinary slip excuses only once approved
    assert not rules.excuses("rejected", True)
    assert rules.slip_missing(True, "oral") and not rules.slip_missing(True, "pending")


def test_att4_only_approved_leave_not_yet_started_can_be_cancelled():
    today, start = D(2026, 9, 1), D(2026, 9, 7)
    assert rules.cancel_error("approved", False, start, today) is None
    assert rules.cancel_error("approved", False, today, today) == "leave.error.cancel_started"  # ATT-3: 销假
    assert rules.cancel_error("approved", False, start, today, extended=True) == "leave.error.cancel_extended"
    assert rules.cancel_error("pending", False, start, today) == "leave.error.cancel_pending"  # withdraw it
    assert rules.cancel_error("oral", True, today, today) == "leave.error.cancel_oral"
    for state in ("rejected", "withdrawn", "cancelled"):
        assert rules.cancel_error(state, False, start, today) == "leave.error.not_cancellable"
