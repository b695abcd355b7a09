"""Plugin discovery and per-town hook calling.

Plugins come from the ``xinyi.plugins`` entry-point group — built-ins and
third-party alike. One that fails to import, declares an incompatible API
version or fails to register is recorded in :attr:`Plugins.failures` and the
rest start.
"""
from __future__ import annotations

import importlib
import logging
import os
import sys
import time
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable, Iterable

import pluggy

from . import hookspecs, usercache
from .db import Migration
from .i18n import t
from .models import CORE_MIGRATIONS

API_VERSION = "1"
ENTRY_POINT_GROUP = "xinyi.plugins"
log = logging.getLogger(__name__)


@dataclass
class PluginInfo:
    name: str
    # the installed distribution's version, or a callable giving it: read from the package's
    # METADATA (an e-mail-format parse) only when shown — `xinyi plugins` — not at every start
    version_of: str | Callable[[], str]
    module: ModuleType
    hooks: list[str]

    @property
    def version(self) -> str:
        if callable(self.version_of):
            self.version_of = self.version_of()
        return self.version_of


@dataclass
class PluginFailure:
    name: str
    error: str


@dataclass
class Plugins:
    """The pluggy manager plus what we know about each plugin."""

    pm: pluggy.PluginManager = field(default_factory=lambda: _new_manager())
    info: dict[str, PluginInfo] = field(default_factory=dict)
    failures: list[PluginFailure] = field(default_factory=list)
    _town_filter: Callable[[str], set[str]] | None = None
    _town_callers: dict[str, "_TownHooks"] = field(default_factory=dict)

    @property
    def hook(self) -> Any:
        """City-level calls: every installed plugin answers."""
        return self.pm.hook

    def names(self) -> list[str]:
        return sorted(self.info)

    def register(self, module: ModuleType, name: str, version: str | Callable[[], str] = "0") -> None:
        """Register one plugin module, checking its declared API version."""
        declared = str(getattr(module, "XINYI_API", ""))
        if declared.split(".")[0] != API_VERSION:
            raise PluginAPIError(name, declared or "未声明", API_VERSION)
        self.pm.register(module, name=name)
        hooks = sorted(h.name for h in self.pm.get_hookcallers(module) or ())
        self.info[name] = PluginInfo(name, version, module, hooks)
        self._town_callers.clear()

    def load_entry_points(self, only: Iterable[str] | None = None) -> None:
        wanted = set(only) if only is not None else None
        for name, value in installed():
            if (wanted is not None and name not in wanted) or name in self.info:
                continue
            try:
                module = _load(value)
                self.register(module, name, lambda name=name: _version(name))
            except Exception as exc:  # a broken plugin must not take the app down
                # the traceback is for developers (logging config); operators get the Chinese
                # line from Plugins.failures — never a traceback on their terminal or over the TUI
                log.info("plugin %s failed to load", name, exc_info=True)
                self.failures.append(PluginFailure(name, f"{type(exc).__name__}: {exc}"))

    def set_town_filter(self, enabled_for: Callable[[str], set[str]]) -> None:
        """``enabled_for(town_code)`` → names of the plugins that town enabled."""
        self._town_filter = enabled_for
        self._town_callers.clear()

    def enabled_for(self, town_code: str | None) -> set[str]:
        if town_code is None or self._town_filter is None:
            return set(self.info)
        return self._town_filter(town_code)

    def for_town(self, town_code: str | None) -> Any:
        """Hook callers that reach only the plugins ``town_code`` enabled.

        ``None`` (the city level) reaches every plugin.
        """
        if town_code is None:
            return self.pm.hook
        caller = self._town_callers.get(town_code)
        if caller is None:
            disabled = [self.info[n].module for n in self.info if n not in self.enabled_for(town_code)]
            caller = self._town_callers[town_code] = _TownHooks(self.pm, disabled)
        return caller

    def only(self, name: str) -> Any:
        """Hook callers that reach the plugin ``name`` alone (``only("leave").xinyi_reports()``)."""
        return _TownHooks(self.pm, [info.module for n, info in self.info.items() if n != name])

    def call_each(self, hook_name: str, **kwargs: Any) -> list[tuple[str, Any]]:
        """Call one hook plugin by plugin, returning ``(plugin_name, result)`` pairs."""
        caller = getattr(self.pm.hook, hook_name)
        out = []
        for impl in caller.get_hookimpls():  # registration order
            try:
                result = impl.function(**{k: kwargs[k] for k in impl.argnames})
            except Exception as exc:  # a plugin that breaks in a start-up hook is dropped, not fatal
                log.info("plugin %s failed in %s", impl.plugin_name, hook_name, exc_info=True)
                self.disable(impl.plugin_name, f"{hook_name}: {type(exc).__name__}: {exc}")
                continue
            if result is not None:
                out.append((impl.plugin_name, result))
        return out

    def disable(self, name: str, error: str) -> None:
        """Unregister a misbehaving plugin and record why."""
        self.pm.unregister(name=name)
        self.info.pop(name, None)
        self.failures.append(PluginFailure(name, error))
        self._town_callers.clear()

    def migrations(self) -> dict[str, list[Migration]]:
        owned: dict[str, list[Migration]] = {"core": list(CORE_MIGRATIONS)}
        for name, result in self.call_each("xinyi_migrations"):
            owned[name] = list(result)
        return owned

    def settings(self) -> dict[str, dict[str, Any]]:
        return {name: dict(result) for name, result in self.call_each("xinyi_settings")}

    def permissions(self) -> list[str]:
        return [perm for _, perms in self.call_each("xinyi_permissions") for perm in perms]

    def towns_enabling(self, name: str, town_codes: Iterable[str]) -> list[str]:
        return [code for code in town_codes if name in self.enabled_for(code)]


def installed() -> list[tuple[str, str]]:
    """``(name, "module[:attr]")`` of every installed ``xinyi.plugins`` entry point.

    Finding them with importlib.metadata means importing it (its e-mail parser included) and reading
    every installed distribution's metadata: ~4% of a small report's cold start, in every process
    (issue 21). The answer is kept in the OS user's cache (:mod:`usercache`), one per Python
    environment, with what it depends on: the folders on ``sys.path`` and their modification times.
    Installing, upgrading or removing a distribution adds or removes its ``*.dist-info`` folder,
    which changes its folder's time — the next start reads the metadata again. A folder changed in
    the last seconds is not trusted to have settled (a file system's clock ticks coarsely: a second
    change in the same tick would keep the time), so nothing is kept until it has.
    """
    key = [(entry, _mtime(entry)) for entry in sys.path]
    name = usercache.digest(sys.prefix.encode(), 8)
    cached = usercache.load("plugins", name)
    if isinstance(cached, dict) and cached.get("key") == key:
        points = cached.get("points")
        if isinstance(points, list) and all(isinstance(p, tuple) and len(p) == 2 for p in points):
            return points
    import importlib.metadata as md

    points = [(ep.name, ep.value) for ep in md.entry_points(group=ENTRY_POINT_GROUP)]
    settled = time.time_ns() - _SETTLED_NS
    if all(mtime is None or mtime < settled for _, mtime in key):
        usercache.store("plugins", name, {"key": key, "points": points})
    return points


_SETTLED_NS = 2_000_000_000


def _mtime(entry: str) -> int | None:
    try:
        return os.stat(entry or ".").st_mtime_ns  # "" is the current folder, as for imports
    except OSError:
        return None


def _load(value: str) -> Any:
    """What an entry point's ``module[:attr.attr][extras]`` names, as ``EntryPoint.load`` would."""
    module, _, attrs = value.partition("[")[0].partition(":")
    found: Any = importlib.import_module(module.strip())
    for part in filter(None, attrs.strip().split(".")):
        found = getattr(found, part)
    return found


def _version(plugin: str) -> str:
    """The version of the distribution that installed ``plugin``: read from its METADATA (an e-mail
    format parse) only when shown — ``xinyi plugins`` — never at a start."""
    import importlib.metadata as md

    for ep in md.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == plugin and ep.dist is not None:
            return ep.dist.version
    return "0"


class _TownHooks:
    """Attribute access like ``pm.hook`` but through ``subset_hook_caller``."""

    def __init__(self, pm: pluggy.PluginManager, disabled: list[ModuleType]) -> None:
        self._pm = pm
        self._disabled = disabled
        self._cache: dict[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("xinyi_"):
            raise AttributeError(name)
        caller = self._cache.get(name)
        if caller is None:
            caller = self._cache[name] = self._pm.subset_hook_caller(name, self._disabled)
        return caller


class PluginAPIError(Exception):
    def __init__(self, name: str, declared: str, supported: str) -> None:
        super().__init__(t("plugins.api_mismatch", name=name, declared=declared, supported=supported))


def _new_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    return pm
