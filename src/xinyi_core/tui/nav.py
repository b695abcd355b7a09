"""Navigation: the core's screens plus those of the plugins the operator's town enabled.

Entries are filtered by permission once, at login. Each entry becomes an app
mode (its screen lives while the session does, so switching back is instant),
a key binding and a command-palette command.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

from .. import auth
from ..i18n import t
from ..models import Operator
from . import hooks

CORE_TITLES = ("tui.nav.home", "tui.nav.people", "tui.nav.org", "tui.nav.calendar", "tui.nav.jobs")


@dataclass(frozen=True)
class NavEntry:
    id: str  # the title key; DashboardItem.screen names it
    key: str
    title: str  # translated
    factory: Callable[[], Any]
    group: str


def _screen(module: str, name: str) -> Callable[[], Any]:
    """A factory that imports the screen's module on the first visit (lean start-up)."""

    def build() -> Any:
        return getattr(importlib.import_module(f".screens.{module}", __package__), name)()

    return build


def _core_entries() -> list[tuple[str, str, str, Callable[[], Any]]]:
    return [("tui.nav.home", "f1", "", _screen("home", "HomeScreen")),
            ("tui.nav.people", "f2", "people.view", _screen("people", "PeopleScreen")),
            ("tui.nav.org", "f3", "org.view", _screen("org", "OrgScreen")),
            ("tui.nav.calendar", "f4", "calendar.view", _screen("calendar", "CalendarScreen")),
            ("tui.nav.jobs", "f5", "jobs.view", _screen("jobs", "JobsScreen")),
            ("tui.nav.alerts", "", "", _screen("alerts", "AlertsScreen"))]


def entries(op: Operator, permissions: set[str]) -> tuple[list[NavEntry], list[str]]:
    """Every screen ``op`` may open, core first, in a stable order; and the plugins that failed."""
    out = [NavEntry(title, key, t(title), factory, "core")
           for title, key, perm, factory in _core_entries() if not perm or perm in permissions]
    taken = {e.key for e in out}
    found, failures = hooks.flat(auth.town_code_of(op), "xinyi_screens")
    for entry in found:
        if (entry.permission and entry.permission not in permissions) or any(e.id == entry.title for e in out):
            continue
        key = entry.key if entry.key not in taken else ""  # first come keeps a contested key
        taken.add(key)
        out.append(NavEntry(entry.title, key, t(entry.title), entry.factory, entry.group))
    return out, failures


def key_label(key: str) -> str:
    """How a key is shown in menus: ``f6`` → ``F6``."""
    return key.upper() if key[:1] == "f" and key[1:].isdigit() else key
