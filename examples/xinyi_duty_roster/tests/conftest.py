"""Fixtures: xinyi_core.testing with only this plugin, registered from this folder.

The example is not installed by xinyi itself, so its module is put on
``sys.path`` and registered with ``testing.start(plugin_modules=…)``; when the
package is installed (``pip install -e examples/xinyi_duty_roster``) the very
same module is used.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


@pytest.fixture
def xinyi(tmp_path: Path, database_url: str) -> Iterator[Any]:
    """A runtime with only the duty roster plugin, on a fresh database."""
    import xinyi_duty_roster
    from xinyi_core import lifecycle, testing

    cfg = testing.make_config(tmp_path, database_url)
    rt = testing.start(cfg, plugin_modules={"duty_roster": xinyi_duty_roster}, entry_points=False)
    try:
        yield rt
    finally:
        lifecycle.shutdown()
