"""Fixtures for the departure plugin: every installed plugin (entry points) plus a listener.

The listener is a tiny plugin standing in for leave and training: it records the
``xinyi_person_changed`` calls they receive, so a test can check what every other
plugin is told when a departure takes effect.
"""
from __future__ import annotations

import datetime as dt
import os
import types
from pathlib import Path
from typing import Any, Iterator

import pytest

from xinyi_core import hookimpl, lifecycle, testing

TODAY = dt.date(2026, 11, 2)  # a Monday
# The tests whose queries differ by database (the chain, the effect, scope, ORG-3) also run on
# PostgreSQL when it is configured: ``@BOTH_BACKENDS``; the rest run on SQLite only, to stay fast.
BOTH_BACKENDS = pytest.mark.parametrize(
    "backend", ["sqlite", "postgres"] if os.environ.get(testing.PG_ENV) else ["sqlite"], indirect=True)


@pytest.fixture(params=["sqlite"])
def backend(request: pytest.FixtureRequest) -> str:
    """SQLite unless a test asks for both backends (``BOTH_BACKENDS``)."""
    return request.param


class Heard(list):
    """The ``xinyi_person_changed`` calls the listener plugin received: (person id, change, detail)."""


def listener_plugin(heard: Heard) -> types.ModuleType:
    module = types.ModuleType("listener")
    module.XINYI_API = "1"

    def xinyi_person_changed(person: Any, change: str, detail: dict[str, Any]) -> None:
        heard.append((person.id, change, dict(detail)))

    module.xinyi_person_changed = hookimpl(xinyi_person_changed)
    return module


@pytest.fixture
def heard() -> Heard:
    return Heard()


@pytest.fixture
def start_world(tmp_path: Path, database_url: str, heard: Heard):
    """``start_world(extra_plugins, **config_overrides)`` → the test city with every plugin and the listener."""

    def start(extra: dict[str, types.ModuleType] | None = None, **overrides: Any) -> testing.City:
        lifecycle.shutdown()
        cfg = testing.make_config(tmp_path, database_url)
        for key, value in overrides.items():
            setattr(cfg, key, value)
        testing.start(cfg, plugin_modules={"listener": listener_plugin(heard), **(extra or {})}, entry_points=True)
        return testing.build_city()

    try:
        yield start
    finally:
        lifecycle.shutdown()


@pytest.fixture
def world(start_world) -> Iterator[testing.City]:
    yield start_world()
