"""Fixtures for driving the real app: a small city with only the sample plugin, and snapshots.

Snapshots are the plain text of the screen at 80×24 (``tests/tui/snapshots/*.txt``);
text diffs review well and don't depend on colours. Regenerate them with
``XINYI_UPDATE_SNAPSHOTS=1 pytest tests/tui``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator

import pytest

from xinyi_core import lifecycle, testing
from xinyi_core.testing import screen_text
from xinyi_core.tui.app import XinyiApp

from . import sample_plugin

SNAPSHOTS = Path(__file__).parent / "snapshots"
SIZE = (80, 24)


def _city(tmp_path: Path, url: str, request: pytest.FixtureRequest) -> Iterator[testing.City]:
    overrides = dict(getattr(request, "param", {}) or {})
    plugins = {"sample": sample_plugin, **overrides.pop("plugins", {})}
    cfg = testing.make_config(tmp_path, url, **overrides)
    testing.start(cfg, plugin_modules=plugins, entry_points=False)
    try:
        yield testing.build_city()
    finally:
        lifecycle.shutdown()


@pytest.fixture
def tui_city(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[testing.City]:
    """The test city on SQLite with the sample plugin only (other plugins can't shift the screens)."""
    yield from _city(tmp_path, f"sqlite:///{tmp_path / 'xinyi.db'}", request)


@pytest.fixture
def tui_city_db(tmp_path: Path, database_url: str, request: pytest.FixtureRequest) -> Iterator[testing.City]:
    """Like ``tui_city``, on SQLite and — when XINYI_TEST_POSTGRES_URL is set — on PostgreSQL too."""
    yield from _city(tmp_path, database_url, request)


def assert_snapshot(app: XinyiApp, name: str) -> None:
    path = SNAPSHOTS / f"{name}.txt"
    text = screen_text(app)
    if os.environ.get("XINYI_UPDATE_SNAPSHOTS") or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", "utf-8")
        if not os.environ.get("XINYI_UPDATE_SNAPSHOTS"):
            pytest.fail(f"snapshot {path.name} was missing and has been written; check it and re-run")
        return
    expected = path.read_text("utf-8").rstrip("\n")
    assert text == expected, f"screen differs from {path.name} (XINYI_UPDATE_SNAPSHOTS=1 to accept):\n{text}"


async def settle(pilot, app: XinyiApp, delay: float = 0.05) -> None:
    """Let debounce timers, workers and repaints finish."""
    await pilot.pause(delay)
    await app.workers.wait_for_complete()
    await pilot.pause()
