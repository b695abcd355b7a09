"""The demo year: realistic days, one assistant past 5 days of 旷工 (ATT-5), one 8 days off post (ATT-6)."""
from __future__ import annotations

import datetime as dt

from xinyi_core import clock, demo, lifecycle, testing
from xinyi_core.models import Alert

from xinyi_attendance.models import AttendanceClerk, AttendanceDay


def test_demo_year_has_the_absentees_the_issue_asks_for(tmp_path):
    testing.start(testing.make_config(tmp_path, f"sqlite:///{tmp_path / 'demo.db'}"), entry_points=["attendance"])
    try:
        with clock.frozen(dt.datetime(2026, 11, 26, 10, 0)):
            demo.build(assistants=60, villages=30)
        assert AttendanceClerk.select().count() == 16  # ATT-2: every town named its clerk
        days = AttendanceDay.select()
        assert days.count() > 60 * 200
        assert max(d.date for d in days) == dt.date(2026, 11, 25)  # nothing for today or later
        assert days.where(AttendanceDay.late == True).count() > 0  # noqa: E712
        five = Alert.get(Alert.kind == "absent_5")
        assert five.rule == "ATT-5" and five.data["days"] >= 5
        away = Alert.get(Alert.kind == "off_post")
        assert away.rule == "ATT-6" and away.data["days"] == 8 and away.data["proposed_category"] == "rescinded"
    finally:
        lifecycle.shutdown()
