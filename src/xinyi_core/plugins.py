"""Plugin discovery and per-town hook calling.

Plugins come from the ``xinyi.plugins`` entry-point group — built-ins and
third-party alike. One that fails to import, declares an incompatible API
version or fails to register is recorded in :attr:`Plugins.failures` and the
rest start.
"""
from __future__ import annotations

import importlib.metadata as md
import logging
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable, Iterable

import pluggy

from . import hookspecs
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
        for ep in md.entry_points(group=ENTRY_POINT_GROUP):
            if (wanted is not None and ep.name not in wanted) or ep.name in self.info:
                continue
            try:
                module = ep.load()
                dist = ep.dist
                self.register(module, ep.name, (lambda dist=dist: dist.version) if dist else "0")
            except Exception as exc:  # a broken plugin must not take the app down
                # the traceback is for developers (logging config); operators get the Chinese
                # line from Plugins.failures — never a traceback on their terminal or over the TUI
                log.info("plugin %s failed to load", ep.name, exc_info=True)
                self.failures.append(PluginFailure(ep.name, f"{type(exc).__name__}: {exc}"))

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
