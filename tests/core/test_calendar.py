"""Working days per town: national schedule with 调休, town closures, town hours (ATT-1)."""
from __future__ import annotations

import datetime as dt

import pytest

from xinyi_core import calendar, org, testing
from xinyi_core.config import TownConfig
from xinyi_core.errors import CalendarUnavailable, ValidationError
from xinyi_core.models import AuditLog

D = dt.date


def test_spring_festival_2025(city):
    a = city.towns[0]
    assert calendar.day_kind(a, D(2025, 1, 26)) == "makeup"  # Sunday worked
    assert calendar.day_kind(a, D(2025, 2, 8)) == "makeup"  # Saturday worked
    assert all(calendar.day_kind(a, d) == "holiday" for d in calendar.days(D(2025, 1, 28), D(2025, 2, 4)))
    assert calendar.day_kind(a, D(2025, 1, 25)) == "weekend"
    # Mon 01-20 … Sun 02-09: 5 + Sun 26 + Mon 27 + Wed–Fri 5–7 + Sat 8 = 11
    assert calendar.count_working_days(a, D(2025, 1, 20), D(2025, 2, 9)) == 11
    assert calendar.count_working_days(a, D(2025, 1, 28), D(2025, 2, 4)) == 0
    assert calendar.holiday_name(D(2025, 1, 29)) == "春节"


def test_national_day_2025(city):
    a = city.towns[0]
    assert calendar.is_working_day(a, D(2025, 9, 28)) and calendar.is_working_day(a, D(2025, 10, 11))
    assert not any(calendar.is_working_day(a, d) for d in calendar.days(D(2025, 10, 1), D(2025, 10, 8)))
    # Mon 09-22 … Sun 10-12: 5 + Sun 28 + 29–30 + Thu–Fri 9–10 + Sat 11 = 11
    assert calendar.count_working_days(a, D(2025, 9, 22), D(2025, 10, 12)) == 11
    assert calendar.working_days(a, D(2025, 10, 8), D(2025, 10, 12)) == [D(2025, 10, 9), D(2025, 10, 10),
                                                                          D(2025, 10, 11)]
    assert calendar.count_working_days(a, D(2025, 10, 12), D(2025, 10, 1)) == 0  # empty range


def test_town_closure_counts_only_in_that_town(city):
    a, b = city.towns
    head = city.op("town_head", "a")
    calendar.add_closure(head, a, D(2025, 2, 5), "镇政府搬迁")
    calendar.add_closure(head, a, D(2025, 2, 9), "周日本来休息")
    assert calendar.day_kind(a, D(2025, 2, 5)) == "closure"
    assert calendar.count_working_days(a, D(2025, 1, 20), D(2025, 2, 9)) == 10
    assert calendar.count_working_days(b, D(2025, 1, 20), D(2025, 2, 9)) == 11
    row = AuditLog.get(AuditLog.action == "calendar.closure")
    assert row.operator_id == head.id and row.after["date"] == "2025-02-05"


def test_town_hours_change_from_a_date(city):
    a, b = city.towns
    head = city.op("town_head", "a")
    default = (dt.time(8, 30), dt.time(17, 30))
    calendar.set_hours(head, a, dt.time(8, 0), dt.time(17, 0), D(2025, 3, 1))
    calendar.set_hours(head, a, dt.time(9, 0), dt.time(18, 0), D(2025, 6, 1))
    assert calendar.working_hours(a, D(2025, 2, 28)) == default
    assert calendar.working_hours(a, D(2025, 3, 1)) == (dt.time(8, 0), dt.time(17, 0))
    assert calendar.working_hours(a, D(2025, 5, 31)) == (dt.time(8, 0), dt.time(17, 0))
    assert calendar.working_hours(a, D(2025, 6, 2)) == (dt.time(9, 0), dt.time(18, 0))
    assert calendar.working_hours(b, D(2025, 6, 2)) == default
    calendar.set_hours(head, a, dt.time(7, 30), dt.time(16, 30), D(2025, 6, 1))  # correct the same date
    assert calendar.working_hours(a, D(2025, 6, 2)) == (dt.time(7, 30), dt.time(16, 30))
    with pytest.raises(ValidationError):
        calendar.set_hours(head, a, dt.time(17, 0), dt.time(8, 0), D(2025, 7, 1))
    with pytest.raises(ValidationError):  # hours belong to a town, not to one of its villages
        calendar.set_hours(head, city.villages["a"][0], dt.time(8, 0), dt.time(17, 0), D(2025, 7, 1))
    assert AuditLog.select().where(AuditLog.action == "calendar.hours").count() == 3


def test_town_hours_from_towns_toml(restart):
    restart(towns={"b": TownConfig(plugins=None, work_start=dt.time(8), work_end=dt.time(16, 30))})
    testing.build_city()
    assert calendar.working_hours(org.by_code("b"), D(2025, 6, 2)) == (dt.time(8), dt.time(16, 30))
    assert calendar.working_hours(org.by_code("a"), D(2025, 6, 2)) == (dt.time(8, 30), dt.time(17, 30))


def test_year_outside_the_package_is_refused_with_a_chinese_message(city):
    a = city.towns[0]
    with pytest.raises(CalendarUnavailable) as exc:
        calendar.count_working_days(a, D(2026, 12, 28), D(2027, 1, 10))
    assert exc.value.year == 2027
    assert "2027 年的节假日安排尚未录入" in str(exc.value) and "[calendar.years.2027]" in str(exc.value)
    warnings = calendar.coverage_warnings(D(2026, 6, 1))
    assert len(warnings) == 1 and "2027" in warnings[0]
    assert calendar.coverage_warnings(D(2025, 6, 1)) == []


def test_year_from_config_counts(restart, tmp_path):
    (tmp_path / "xinyi.toml").write_text(
        '[paths]\ndata_dir = "data"\n'
        '[calendar.years.2027]\n'
        'holidays = [2027-01-01]\n'
        'workdays = ["2027-01-09"]\n', "utf-8")
    rt = restart()
    testing.build_city()
    a = org.by_code("a")
    assert calendar.day_kind(a, D(2027, 1, 1)) == "holiday"
    assert calendar.day_kind(a, D(2027, 1, 9)) == "makeup"
    # Mon 2026-12-28 … Sun 2027-01-10: Mon–Thu 28–31 (package) + Mon–Fri 4–8 + Sat 9 (config) = 10
    assert calendar.count_working_days(a, D(2026, 12, 28), D(2027, 1, 10)) == 10
    assert calendar.coverage_warnings(D(2026, 6, 1)) == []
    assert not any("2027" in w for w in rt.warnings)
    with pytest.raises(CalendarUnavailable):
        calendar.count_working_days(a, D(2028, 1, 3), D(2028, 1, 7))


def test_working_days_by_town_answers_as_working_days_does_for_each_town(city):
    a, b = city.towns
    calendar.add_closure(city.op("town_head", "a"), a, D(2025, 2, 5), "镇政府搬迁")
    first, last = D(2025, 1, 20), D(2025, 2, 9)
    by_town = calendar.working_days_by_town([a, b.id], first, last)  # towns or their ids
    assert by_town == {a.id: calendar.working_days(a, first, last), b.id: calendar.working_days(b, first, last)}
    assert D(2025, 2, 5) in by_town[b.id] and D(2025, 2, 5) not in by_town[a.id]
    assert len(by_town[a.id]) == 10 and len(by_town[b.id]) == 11
    assert calendar.working_days_by_town([a], last, first) == {a.id: []}
    with pytest.raises(CalendarUnavailable):  # never a guess for a year without a schedule
        calendar.working_days_by_town([a], D(2099, 1, 1), D(2099, 1, 31))
