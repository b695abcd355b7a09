"""Navigation: the core's screens plus those of the plugins the operator's town enabled.

Entries are filtered by permission once, at login, and sorted into the business
groups of the home menu (:data:`xinyi_core.types.SCREEN_GROUPS`, digits 1–9; any
other group is 0 其他). Within its group an entry gets a letter, in registration
order, skipping the letters that mean something everywhere (n e d p s h j k q):
``2a`` from the home screen opens the first attendance screen, the same two keys
on every visit. The first entry of groups 1–8 an operator may open is her F3–F10,
so one F-key is one business in every role; F1 is help and F2 home.

Each entry becomes an app mode (its screen lives while the session does, so
switching back is instant), a command-palette command and a line of the home
menu. A plugin may ask for a letter (``ScreenEntry.key``); a letter an earlier
entry of the group holds, one of the reserved letters, or an F-key (the core's
now) is not given and reported as :class:`KeyConflict` (logged at login, listed
by ``xinyi plugins``) — the entry still gets the next free letter of its group.
"""
from __future__ import annotations

import importlib
import logging
import string
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from .. import auth
from ..i18n import t
from ..models import Operator
from ..types import SCREEN_GROUPS
from . import hooks

log = logging.getLogger(__name__)

HOME = "tui.nav.home"
LOGOUT = "tui.nav.logout"
DASHBOARD = "tui.nav.dashboard"  # 数据看板: under 8 报表 after the plugins' reports, and F12 from anywhere
DASHBOARD_KEY = "f12"
OTHER = "other"
MENU_GROUPS = (*SCREEN_GROUPS, OTHER)
GROUP_DIGIT = {**{g: str(i) for i, g in enumerate(SCREEN_GROUPS, start=1)}, OTHER: "0"}
FKEY_GROUPS = {f"f{i + 3}": g for i, g in enumerate(SCREEN_GROUPS[:8])}  # F3 人员 … F10 报表
RESERVED_LETTERS = frozenset("nedpshjkq")  # 新建 修改 删除 打印 保存 …: the same on every screen
LETTERS = tuple(c for c in string.ascii_lowercase if c not in RESERVED_LETTERS)


@dataclass(frozen=True)
class NavEntry:
    id: str  # the title key; DashboardItem.screen names it
    key: str  # its F-key ("f5") when it is its group's first entry, else ""
    title: str  # translated
    factory: Callable[[], Any] | None
    group: str  # one of MENU_GROUPS ("" for the home screen itself)
    letter: str = ""  # within its group on the home menu ("": the group ran out of letters)
    action: str = ""  # an app action run instead of opening a screen (注销)

    @property
    def path(self) -> str:
        """The keys from the home screen: ``"3b"`` (``""`` when it has no letter)."""
        return GROUP_DIGIT[self.group] + self.letter if self.letter and self.group in GROUP_DIGIT else ""


def group_title(group: str) -> str:
    return t(f"tui.nav.group.{group}")


def _screen(module: str, name: str) -> Callable[[], Any]:
    """A factory that imports the screen's module on the first visit (lean start-up)."""

    def build() -> Any:
        return getattr(importlib.import_module(f".screens.{module}", __package__), name)()

    build.module = f"{__package__}.screens.{module}"  # type: ignore[attr-defined]  # for preload()
    return build


def _factory(factory: Callable[[], Any] | str | None) -> Callable[[], Any] | None:
    """A :class:`ScreenEntry` factory given as ``"package.module:Class"``: the module is imported on
    the screen's first visit, not as every session starts (issue 21)."""
    if not isinstance(factory, str):
        return factory
    module, _, name = factory.partition(":")

    def build() -> Any:
        return getattr(importlib.import_module(module), name)()

    build.module = module  # type: ignore[attr-defined]  # for preload()
    return build


def preload(entries: Iterable[NavEntry]) -> None:
    """Import the screen modules of ``entries`` now — when the operator has picked their group on the
    home screen, so that the letter and the keys typed after it meet a screen that opens at once."""
    for entry in entries:
        module = getattr(entry.factory, "module", None)
        if module:
            try:
                importlib.import_module(module)
            except Exception:  # noqa: BLE001 - opening the screen reports it, as it would have
                log.debug("could not preload %s", module, exc_info=True)


def _core_entries() -> list[tuple[str, str, str, Callable[[], Any] | None, str]]:
    """(title key, group, permission, factory, app action); 数据看板 and 注销 come last, after the plugins'
    entries (the reports' F10 stays the first report's)."""
    return [(HOME, "", "", _screen("home", "HomeScreen"), ""),
            ("tui.nav.people", "people", "people.view", _screen("people", "PeopleScreen"), ""),
            ("tui.nav.org", "system", "org.view", _screen("org", "OrgScreen"), ""),
            ("tui.nav.calendar", "system", "calendar.view", _screen("calendar", "CalendarScreen"), ""),
            # everyone: her own jobs and files (her outbox); with jobs.view also her town's jobs
            ("tui.nav.jobs", "system", "", _screen("jobs", "JobsScreen"), ""),
            ("tui.nav.alerts", "system", "", _screen("alerts", "AlertsScreen"), ""),
            (DASHBOARD, "reports", "dashboard.view", _screen("dashboard", "DashboardScreen"), ""),
            (LOGOUT, "system", "", None, "logout")]


@dataclass(frozen=True)
class KeyConflict:
    """A key a plugin asked for and was not given; ``title`` gets the next free letter of its group.

    ``holder`` is the title key of the entry that keeps the letter, or ``""`` when the key is not a
    plugin's to take (a reserved letter, an F-key).
    """

    key: str
    holder: str
    title: str  # title key of the entry that asked
    plugin: str  # the plugin that declared ``title``

    def message(self) -> str:
        params = {"key": key_label(self.key), "plugin": self.plugin, "title": t(self.title)}
        if self.holder:
            return t("tui.nav.key_conflict", holder=t(self.holder), **params)
        if self.key in RESERVED_LETTERS:
            return t("tui.nav.key_reserved", **params)
        return t("tui.nav.key_ignored", **params)


def _hint(entry: Any) -> str:
    return "" if isinstance(entry, NavEntry) else (entry.key or "").strip()


def _group(entry: Any) -> str:
    if isinstance(entry, NavEntry):
        return entry.group
    return entry.group if entry.group in SCREEN_GROUPS else OTHER


def assign(visible: Sequence[tuple[str, Any]]) -> tuple[list[NavEntry], list[KeyConflict]]:
    """Letters and F-keys for ``(owner, entry)`` pairs in order (core ``NavEntry``s, plugins' ``ScreenEntry``s).

    The one place keys are decided — at login and in ``xinyi plugins`` alike. First come, in
    registration order: an entry takes the letter its plugin asks for when it is still free in the
    group (and not reserved), else the group's next free letter. Returns the entries and the
    claims that were not granted.
    """
    conflicts: list[KeyConflict] = []
    taken: dict[tuple[str, str], str] = {}  # (group, letter) → title key
    letters: dict[str, str] = {}
    for owner, entry in visible:
        hint, group, title = _hint(entry), _group(entry), _title(entry)
        if title == HOME:
            continue
        if hint and (len(hint) != 1 or hint not in LETTERS):
            conflicts.append(KeyConflict(hint, "", title, owner))
        elif hint and (group, hint) in taken:
            conflicts.append(KeyConflict(hint, taken[(group, hint)], title, owner))
        elif hint:
            letters[title] = hint
            taken[(group, hint)] = title
            continue
        letter = next((c for c in LETTERS if (group, c) not in taken), "")
        if letter:
            letters[title] = letter
            taken[(group, letter)] = title
    primaries: dict[str, str] = {}  # group → F-key
    fkeys = {g: k for k, g in FKEY_GROUPS.items()}
    out = []
    for _owner, entry in visible:
        title, group = _title(entry), _group(entry)
        if title == HOME:
            out.append(NavEntry(HOME, "f2", t(HOME), _factory(entry.factory), ""))
            continue
        letter = letters.get(title, "")
        key = ""
        if title == DASHBOARD:
            key = DASHBOARD_KEY
        elif group in fkeys and group not in primaries and not getattr(entry, "action", ""):
            key = primaries[group] = fkeys[group]
        out.append(NavEntry(title, key, t(title), _factory(entry.factory), group, letter, getattr(entry, "action", "")))
    return out, conflicts


def _visible(town_code: str | None, permissions: Iterable[str]) -> tuple[list[tuple[str, Any]], list[str]]:
    """``(owner, entry)`` pairs a holder of ``permissions`` in ``town_code`` sees: the core's first, then
    the plugins' in call order, then 注销."""
    permissions = set(permissions)
    core = [("core", NavEntry(title, "", t(title), factory, group, action=action))
            for title, group, perm, factory, action in _core_entries() if not perm or perm in permissions]
    last = (DASHBOARD, LOGOUT)
    out = [pair for pair in core if pair[1].id not in last]
    found, failures = hooks.call_named(town_code, "xinyi_screens")
    seen = {e.id for _, e in core}
    for plugin, screen_entries in found:
        for entry in screen_entries or ():
            if (entry.permission and entry.permission not in permissions) or entry.title in seen:
                continue
            seen.add(entry.title)
            out.append((plugin, entry))
    out.extend(pair for title in last for pair in core if pair[1].id == title)
    return out, failures


def _title(entry: Any) -> str:
    return entry.id if isinstance(entry, NavEntry) else entry.title


def entries(op: Operator, permissions: set[str]) -> tuple[list[NavEntry], list[str]]:
    """Every screen ``op`` may open, home first, then by registration; and the plugins that failed.

    A key a plugin asked for and did not get is logged.
    """
    visible, failures = _visible(auth.town_code_of(op), permissions)
    out, conflicts = assign(visible)
    for conflict in conflicts:
        log.warning("%s", conflict.message())
    return out, failures


def landing(op: Operator, entry_ids: Iterable[str]) -> str:
    """The screen ``op`` sees first after logging in: 数据看板 for the city's business roles (市就业处,
    市人社局) — their work is the whole city at a glance (issue 23) — when it is offered to her; home for
    everyone else. A town head reads her town's charts on F12 but starts from her to-dos and menu like
    her clerk. The administrator (``admin``, city-level too) lands on home: she keeps the system — its
    accounts, jobs, alerts and the plugins that failed to load, which home lists — not the numbers."""
    if auth.ROLE_LEVEL.get(op.role) == "city" and op.role != "admin" and DASHBOARD in set(entry_ids):
        return DASHBOARD
    return HOME


def key_conflicts(town_codes: Sequence[str]) -> list[tuple[KeyConflict, list[str]]]:
    """Every key claim some operator would see refused, with the roles that meet it.

    Each role is checked with its permissions, in every town (a town's own plugin
    set) for roles below the city, and at the city level (every plugin) above.
    """
    found: dict[KeyConflict, list[str]] = {}
    for role, level in auth.ROLE_LEVEL.items():
        permissions = auth.granted(role)
        for town in (town_codes or [None]) if level != "city" else [None]:
            visible, _ = _visible(town, permissions)
            for conflict in assign(visible)[1]:
                roles = found.setdefault(conflict, [])
                if role not in roles:
                    roles.append(role)
    return list(found.items())


def menu(entries: Iterable[NavEntry]) -> list[tuple[str, list[NavEntry]]]:
    """The home menu: ``(group, entries)`` in group order, groups without entries left out."""
    by_group: dict[str, list[NavEntry]] = {g: [] for g in MENU_GROUPS}
    for entry in entries:
        if entry.group in by_group:
            by_group[entry.group].append(entry)
    return [(g, items) for g, items in by_group.items() if items]


KEY_NAMES = {"escape": "Esc", "space": "空格", "pageup": "上页", "pagedown": "下页", "enter": "回车", "tab": "Tab",
             "shift+tab": "Shift+Tab", "up": "↑", "down": "↓", "left": "←", "right": "→", "home": "Home",
             "end": "End", "delete": "Del", "backspace": "退格", "slash": "/", "left_square_bracket": "[",
             "right_square_bracket": "]", "minus": "-", "plus": "+", "question_mark": "?"}


def key_label(key: str) -> str:
    """How a key is shown to the operator: ``f6`` → ``F6``, ``escape`` → ``Esc``, ``ctrl+q`` → ``Ctrl+Q``,
    ``pagedown`` → ``下页``, ``space`` → ``空格``; a letter as it is."""
    if key in KEY_NAMES:
        return KEY_NAMES[key]
    if key[:1] == "f" and key[1:].isdigit():
        return key.upper()
    *mods, last = key.split("+")
    if mods:
        return "+".join([m.capitalize() for m in mods] + [KEY_NAMES.get(last, last.upper())])
    return key


def palette_help(entry: NavEntry) -> str:
    """The palette's line for an entry: with its F-key in brackets, or none when it has none."""
    if not entry.key:
        return t("tui.nav.palette_help_nokey", title=entry.title)
    return t("tui.nav.palette_help", title=entry.title, key=key_label(entry.key))
