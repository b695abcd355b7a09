"""Navigation: the core's screens plus those of the plugins the operator's town enabled.

Entries are filtered by permission once, at login. Each entry becomes an app
mode (its screen lives while the session does, so switching back is instant),
a command-palette command, a line of the home menu and — when its key is free —
a key binding. Keys have one owner: :func:`assign_keys` gives a contested key to
the first entry claiming it (the core's, then the plugins' in call order) and
reports the others as :class:`KeyConflict` (logged at login, listed by
``xinyi plugins``); an entry without a key is still reachable from the menu
and the palette.
"""
from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from .. import auth
from ..i18n import t
from ..models import Operator
from . import hooks

log = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class KeyConflict:
    """Two entries one operator would see claim the same key; ``title`` is left without it."""

    key: str
    holder: str  # title key of the entry that keeps the key
    title: str  # title key of the entry left without a key
    plugin: str  # the plugin that declared ``title``

    def message(self) -> str:
        return t("tui.nav.key_conflict", key=key_label(self.key), plugin=self.plugin, title=t(self.title),
                 holder=t(self.holder))


def assign_keys(claims: Sequence[tuple[str, str, str]]) -> tuple[dict[str, str], list[KeyConflict]]:
    """Keys for ``(owner, title key, key)`` claims, in order: the first claim of a key keeps it.

    The one place a contested key is decided — at login and in ``xinyi plugins`` alike.
    Returns title key → key (``""``: none) and the claims that lost.
    """
    holders: dict[str, str] = {}
    keys: dict[str, str] = {}
    conflicts = []
    for owner, title, key in claims:
        if key and key in holders:
            conflicts.append(KeyConflict(key, holders[key], title, owner))
            key = ""
        elif key:
            holders[key] = title
        keys[title] = key
    return keys, conflicts


def _visible(town_code: str | None, permissions: Iterable[str]) -> tuple[list[tuple[str, Any]], list[str]]:
    """``(owner, ScreenEntry-like)`` pairs a holder of ``permissions`` in ``town_code`` sees, core first."""
    permissions = set(permissions)
    out: list[tuple[str, Any]] = [("core", NavEntry(title, key, t(title), factory, "core"))
                                  for title, key, perm, factory in _core_entries() if not perm or perm in permissions]
    found, failures = hooks.call_named(town_code, "xinyi_screens")
    seen = {e.id for _, e in out}
    for plugin, screen_entries in found:
        for entry in screen_entries or ():
            if (entry.permission and entry.permission not in permissions) or entry.title in seen:
                continue
            seen.add(entry.title)
            out.append((plugin, entry))
    return out, failures


def _title(entry: Any) -> str:
    return entry.id if isinstance(entry, NavEntry) else entry.title


def entries(op: Operator, permissions: set[str]) -> tuple[list[NavEntry], list[str]]:
    """Every screen ``op`` may open, core first, in a stable order; and the plugins that failed.

    A key another entry already holds is dropped from the later entry and logged.
    """
    visible, failures = _visible(auth.town_code_of(op), permissions)
    keys, conflicts = assign_keys([(owner, _title(e), e.key) for owner, e in visible])
    for conflict in conflicts:
        log.warning("%s", conflict.message())
    out = [e if isinstance(e, NavEntry) else NavEntry(e.title, keys[e.title], t(e.title), e.factory, e.group)
           for _, e in visible]
    return out, failures


def key_conflicts(town_codes: Sequence[str]) -> list[tuple[KeyConflict, list[str]]]:
    """Every key conflict some operator would meet, with the roles that meet it.

    Each role is checked with its permissions, in every town (a town's own plugin
    set) for roles below the city, and at the city level (every plugin) above.
    """
    found: dict[KeyConflict, list[str]] = {}
    for role, level in auth.ROLE_LEVEL.items():
        permissions = auth.granted(role)
        for town in (town_codes or [None]) if level != "city" else [None]:
            visible, _ = _visible(town, permissions)
            for conflict in assign_keys([(owner, _title(e), e.key) for owner, e in visible])[1]:
                roles = found.setdefault(conflict, [])
                if role not in roles:
                    roles.append(role)
    return list(found.items())


def key_label(key: str) -> str:
    """How a key is shown in menus: ``f6`` → ``F6``."""
    return key.upper() if key[:1] == "f" and key[1:].isdigit() else key


def palette_help(entry: NavEntry) -> str:
    """The palette's line for an entry: with its key in brackets, or none when it has no key."""
    if not entry.key:
        return t("tui.nav.palette_help_nokey", title=entry.title)
    return t("tui.nav.palette_help", title=entry.title, key=key_label(entry.key))
