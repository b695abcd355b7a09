"""Helpers shared by the core tests: restarting on the same database, tiny test plugins."""
from __future__ import annotations

import types
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

from xinyi_core import hookimpl, lifecycle, testing


def plugin_module(name: str, **hooks: Callable[..., Any]) -> types.ModuleType:
    """A plugin module built in the test: ``XINYI_API = "1"`` plus the given hook functions."""
    module = types.ModuleType(name)
    module.XINYI_API = "1"
    for hook_name, fn in hooks.items():
        setattr(module, hook_name, hookimpl(fn))
    return module


@pytest.fixture
def xinyi(tmp_path: Path, database_url: str) -> Iterator[lifecycle.Runtime]:
    """The core alone, on SQLite and PostgreSQL (overrides ``xinyi_core.testing``'s fixture here).

    The built-in plugins have their own tests; here their rules (a TRN-1 veto, a
    departure form) must not blur what the core itself does, and their tables
    would only slow every PostgreSQL test down. Tests that need real plugins
    say so with ``restart(entry_points=True)``.
    """
    rt = testing.start(testing.make_config(tmp_path, database_url), entry_points=False)
    try:
        yield rt
    finally:
        lifecycle.shutdown()


@pytest.fixture(name="plugin_module")
def plugin_module_fixture() -> Callable[..., types.ModuleType]:
    """:func:`plugin_module` for tests (test files are not a package, so they cannot import it)."""
    return plugin_module


@pytest.fixture
def restart(tmp_path: Path, database_url: str) -> Iterator[Callable[..., lifecycle.Runtime]]:
    """Start (or restart) the runtime on this test's database, with chosen plugins.

    ``restart(plugin_modules={...}, entry_points=False, **config_overrides)``.
    """

    def start(plugin_modules: dict[str, types.ModuleType] | None = None, entry_points: bool | list[str] = False,
              **overrides: Any) -> lifecycle.Runtime:
        lifecycle.shutdown()
        cfg = testing.make_config(tmp_path, database_url, **overrides)
        return testing.start(cfg, plugin_modules=plugin_modules, entry_points=entry_points)

    try:
        yield start
    finally:
        lifecycle.shutdown()
