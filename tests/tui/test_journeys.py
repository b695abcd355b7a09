"""Issue 18's journeys in a real terminal: the installed ``xinyi`` in tmux at 80×24 on the demo city.

Each test types only what a person types — home digit + letter, the F-keys and the footer's keys
shown on the screen, text — and asserts what she sees after each step (``journeys.py`` holds the
steps, shared with ``benchmarks/journeys.py``), then what was saved.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from . import journeys, terminal

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not terminal.available(), reason="tmux is not installed (scripts/test.sh installs it)")]


@pytest.fixture(scope="session")
def demo_city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo city, built once per test session (per xdist worker)."""
    return journeys.build_city(tmp_path_factory.mktemp("journeys") / "demo")


@pytest.fixture
def city(demo_city: Path, tmp_path: Path) -> Path:
    """A copy of the demo city of this test's own."""
    return journeys.copy_city(demo_city, tmp_path / "city")


def test_the_clerk_signs_an_assistant_in_and_records_a_phone_check(city: Path):
    journeys.run(journeys.SIGNIN, city)


def test_a_three_day_leave_goes_through_village_town_and_city_and_its_slip_is_printed(city: Path):
    journeys.run(journeys.LEAVE, city)


def test_an_assistant_writes_todays_log_and_the_clerk_runs_the_months_check(city: Path):
    journeys.run(journeys.WORKLOG, city)


def test_the_town_head_scores_the_year_within_the_20_percent_cap(city: Path):
    journeys.run(journeys.SCORING, city)


def test_a_departure_goes_from_report_to_effect(city: Path):
    journeys.run(journeys.DEPARTURE, city)


def test_the_city_runs_the_months_reports_and_finds_the_files(city: Path):
    journeys.run(journeys.REPORTS, city)



def test_the_city_and_a_town_head_read_the_dashboard(city: Path):
    journeys.run(journeys.DASHBOARD, city)
