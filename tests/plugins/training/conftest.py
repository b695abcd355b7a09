"""Helpers for the training plugin's tests (TRN-1, TRN-2, TRN-3)."""
from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from xinyi_training import service

from xinyi_core import clock, people, testing
from xinyi_core.testing import screen_text, settle
from xinyi_core.validators import id_check_digit

# A fresh PostgreSQL schema costs ~2 s a test here, so only the tests marked ``both_backends``
# (those whose queries differ most between engines: grouped counts, bulk inserts, subqueries,
# reports) run on PostgreSQL too; the rest run on SQLite.
BACKENDS = ["sqlite", "postgres"] if os.environ.get(testing.PG_ENV) else ["sqlite"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "both_backends: run on PostgreSQL too when it is configured")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_backends"):
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """SQLite unless the test is marked ``both_backends``."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def hire_candidate(request: pytest.FixtureRequest) -> Any:
    """A new assistant hired by the city onto town a's vacancy: a candidate until she passes (TRN-1)."""
    city = request.getfixturevalue("ui_city" if "ui_city" in request.fixturenames else "city")

    def hire(name: str = "赵敏", town: str = "a") -> Any:
        number = "32038119920506002"
        number += id_check_digit(number)
        return people.hire(city.op("city_office"), {"name": name, "id_number": number, "phone": "15850001234",
                                                    "joined_on": "2026-06-01"}, city.vacant[town])

    return hire


@pytest.fixture
def session_of(city) -> Any:
    """Create a session as the operator given (default: the city office)."""

    def make(kind: str = "in_service", *, op: Any = None, organiser: Any = None, start: dt.date = dt.date(2026, 3, 10),
             end: dt.date | None = None, title: str = "业务培训", pass_mark: Any = None) -> Any:
        with clock.frozen(dt.date(2026, 3, 1)):
            return service.create_session(op or city.op("city_office"), kind=kind, title=title,
                                          organiser=organiser or city.city, start_on=start, end_on=end,
                                          pass_mark=pass_mark)

    return make


# --------------------------------------------------------------------------- the terminal UI

SIZE = (80, 24)


@pytest.fixture
def ui_city(tmp_path) -> Any:
    """The test city on SQLite with only this plugin installed (other plugins can't shift the screens)."""
    from xinyi_core import lifecycle, testing

    cfg = testing.make_config(tmp_path, f"sqlite:///{tmp_path / 'xinyi.db'}")
    testing.start(cfg, entry_points=["training"])
    try:
        yield testing.build_city()
    finally:
        lifecycle.shutdown()


@pytest.fixture(name="screen_text")
def screen_text_fixture() -> Any:
    return screen_text


@pytest.fixture(name="settle")
def settle_fixture() -> Any:
    return settle
