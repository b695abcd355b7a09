"""Load and validate ``config/xinyi.toml`` (+ ``towns.toml`` beside it).

A bad configuration stops the program at start with one Chinese message that
names the file, the key and what was expected — never a traceback.
Environment overrides: ``XINYI_CONFIG``, ``XINYI_DATABASE_URL``, ``XINYI_REDIS_URL``.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError
from .i18n import t

ROLES = ("assistant", "village_head", "town_clerk", "town_head", "city_office", "bureau", "admin")
AUTH_MODES = ("password", "os_user")
_DB_URL = re.compile(r"^(sqlite:///.+|sqlite:///:memory:|postgres(ql)?(\+pool)?://.+)$")
_REDIS_URL = re.compile(r"^(rediss?://.+|unix://.+)$")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


QUEUE_DEFAULTS = {  # key → default; all positive integers
    "heartbeat_ms": 60_000, "retries": 3, "min_backoff_ms": 15_000, "max_backoff_ms": 600_000, "worker_threads": 4,
    "redis_timeout_ms": 3_000,
}


@dataclass(frozen=True)
class YearSchedule:
    """A State Council holiday schedule entered by an administrator."""

    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]  # make-up working days (调休上班) on weekends


@dataclass(frozen=True)
class TownConfig:
    plugins: tuple[str, ...] | None  # None: the default set
    work_start: dt.time | None = None
    work_end: dt.time | None = None


@dataclass
class Config:
    path: Path | None
    database_url: str
    redis_url: str
    data_dir: Path
    report_dir: Path
    city_name: str = "新沂市"
    city_code: str = "320381"
    timezone: str = "Asia/Shanghai"
    auth_mode: str = "password"
    max_failed_logins: int = 5
    lockout_minutes: int = 15
    work_start: dt.time = dt.time(8, 30)
    work_end: dt.time = dt.time(17, 30)
    roles: dict[str, tuple[str, ...]] = field(default_factory=dict)
    calendar_years: dict[int, YearSchedule] = field(default_factory=dict)
    default_plugins: tuple[str, ...] | None = None  # None: every installed plugin
    towns: dict[str, TownConfig] = field(default_factory=dict)
    towns_path: Path | None = None
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    # [queue] tunables (XINYI_QUEUE_* / XINYI_JOB_* / XINYI_WORKER_THREADS override them)
    queue: dict[str, Any] = field(default_factory=lambda: dict(QUEUE_DEFAULTS))

    def plugins_for_town(self, town_code: str, installed: Iterable[str]) -> set[str]:
        """The plugins ``town_code`` enables: its towns.toml list applied to the default set."""
        installed = set(installed)
        default = installed if self.default_plugins is None else plugin_set(self.default_plugins, installed)
        town = self.towns.get(town_code)
        chosen = default if town is None or town.plugins is None else plugin_set(town.plugins, default)
        return installed & chosen

    def setting(self, plugin: str, name: str, default: Any = None) -> Any:
        return self.settings.get(plugin, {}).get(name, default)


def plugin_set(entries: Iterable[str], base: set[str]) -> set[str]:
    """A plugin list applied to ``base``: plain names replace it, ``-name``/``+name`` take from or add to it.

    ``["attendance", "leave"]`` is exactly those (``[]``: none); ``["-departure"]`` is
    ``base`` without departure; ``["+notice"]`` is ``base`` and notice (``base``: the
    default set for a town's list, every installed plugin for ``[plugins] default``).
    """
    entries = list(entries)
    names = {e for e in entries if e[:1] not in "+-"}
    changes_only = bool(entries) and not names
    chosen = set(base) if changes_only else names
    for entry in entries:
        if entry[:1] == "-":
            chosen.discard(entry[1:])
        elif entry[:1] == "+":
            chosen.add(entry[1:])
    return chosen


def plugin_name(entry: str) -> str:
    """The plugin an entry of a plugin list names (``-departure`` → ``departure``)."""
    return entry[1:] if entry[:1] in "+-" else entry


class _Reader:
    """Typed access to a TOML table that reports the file and dotted key on error."""

    def __init__(self, path: Path | None, data: dict[str, Any]) -> None:
        self.path = path
        self.data = data

    def fail(self, key: str, expected: str) -> ConfigError:
        return ConfigError("config.invalid", file=str(self.path or t("config.builtin")), key=key, expected=expected)

    def get(self, key: str, kind: type | tuple[type, ...], default: Any, expected: str) -> Any:
        node: Any = self.data
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
        if kind is int and isinstance(node, bool):
            raise self.fail(key, expected)
        if not isinstance(node, kind):
            raise self.fail(key, expected)
        return node

    def check(self, key: str, value: Any, ok: Callable[[Any], bool], expected: str) -> Any:
        if not ok(value):
            raise self.fail(key, expected)
        return value


def _parse_time(r: _Reader, key: str, value: Any) -> dt.time:
    r.check(key, value, lambda v: isinstance(v, str) and bool(_HHMM.match(v)), t("config.expect.hhmm"))
    h, m = value.split(":")
    return dt.time(int(h), int(m))


def _parse_dates(r: _Reader, key: str, values: list[Any]) -> frozenset[dt.date]:
    out = set()
    for v in values:
        if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
            out.add(v)
        elif isinstance(v, str):
            try:
                out.add(dt.date.fromisoformat(v))
            except ValueError:
                raise r.fail(key, t("config.expect.dates")) from None
        else:
            raise r.fail(key, t("config.expect.dates"))
    return frozenset(out)


def _read_text(path: Path) -> str:
    """A TOML file's text; not UTF-8 (Notepad's GBK) or unreadable (a folder) is a Chinese error."""
    try:
        return path.read_text("utf-8")
    except UnicodeDecodeError:
        raise ConfigError("config.encoding", file=str(path)) from None
    except FileNotFoundError:
        raise  # the caller says "missing"
    except OSError:
        raise ConfigError("config.unreadable", file=str(path)) from None


def _path_value(r: _Reader, key: str, default: str) -> str:
    """A path setting; a NUL character (valid in TOML) would crash every file call later."""
    value = r.get(key, str, default, t("config.expect.path"))
    return r.check(key, value, lambda v: "\x00" not in v, t("config.expect.path"))


def _is_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _resolve(base: Path, value: str) -> Path:
    p = Path(os.path.expanduser(value))
    return p if p.is_absolute() else (base / p).resolve()


def default_config_path() -> Path | None:
    env = os.environ.get("XINYI_CONFIG")
    if env:
        return Path(env)
    local = Path.cwd() / "config" / "xinyi.toml"
    return local if local.exists() else None


def load(path: str | os.PathLike[str] | None = None) -> Config:
    """Read, validate and return the configuration (env overrides applied)."""
    cfg_path = Path(path) if path else default_config_path()
    data: dict[str, Any] = {}
    if cfg_path is not None:
        try:
            data = tomllib.loads(_read_text(cfg_path))
        except FileNotFoundError:
            raise ConfigError("config.missing", file=str(cfg_path)) from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError("config.syntax", file=str(cfg_path), detail=str(exc)) from None
    base = cfg_path.parent if cfg_path else Path.cwd()
    r = _Reader(cfg_path, data)

    data_dir = _resolve(base, _path_value(r, "paths.data_dir", "data"))
    report_dir = _resolve(base, _path_value(r, "paths.report_dir", str(data_dir / "reports")))
    env_db = os.environ.get("XINYI_DATABASE_URL")
    db_url = env_db or r.get("database.url", str, "sqlite:///{data_dir}/xinyi.db", t("config.expect.string"))
    db_url = db_url.replace("{data_dir}", str(data_dir))
    if not _DB_URL.match(db_url):
        if env_db:  # the value came from the environment: say so, not the file
            raise ConfigError("config.invalid_env", key="XINYI_DATABASE_URL", expected=t("config.expect.db_url"))
        raise r.fail("database.url", t("config.expect.db_url"))
    redis_url = os.environ.get("XINYI_REDIS_URL")
    if redis_url is not None:
        if redis_url and not _REDIS_URL.match(redis_url):
            raise ConfigError("config.invalid_env", key="XINYI_REDIS_URL", expected=t("config.expect.redis_url"))
    else:
        redis_url = r.get("queue.redis_url", str, "", t("config.expect.string"))
        r.check("queue.redis_url", redis_url, lambda v: v == "" or bool(_REDIS_URL.match(v)),
                t("config.expect.redis_url"))

    cfg = Config(path=cfg_path, database_url=db_url, redis_url=redis_url,
                 data_dir=data_dir, report_dir=report_dir)
    cfg.queue["namespace"] = r.get("queue.namespace", str, "xinyi", t("config.expect.string"))
    for key, default in QUEUE_DEFAULTS.items():
        cfg.queue[key] = r.get(f"queue.{key}", int, default, t("config.expect.positive_int"))
        r.check(f"queue.{key}", cfg.queue[key], lambda v: v > 0, t("config.expect.positive_int"))
    cfg.city_name = r.get("city.name", str, cfg.city_name, t("config.expect.string"))
    cfg.city_code = r.get("city.code", str, cfg.city_code, t("config.expect.city_code"))
    r.check("city.code", cfg.city_code, lambda v: bool(re.fullmatch(r"\d{6}", v)), t("config.expect.city_code"))
    cfg.timezone = r.get("city.timezone", str, cfg.timezone, t("config.expect.timezone"))
    r.check("city.timezone", cfg.timezone, _is_timezone, t("config.expect.timezone"))
    cfg.auth_mode = r.get("auth.mode", str, cfg.auth_mode, t("config.expect.auth_mode"))
    r.check("auth.mode", cfg.auth_mode, lambda v: v in AUTH_MODES, t("config.expect.auth_mode"))
    cfg.max_failed_logins = r.get("auth.max_failed_logins", int, cfg.max_failed_logins, t("config.expect.positive_int"))
    r.check("auth.max_failed_logins", cfg.max_failed_logins, lambda v: v > 0, t("config.expect.positive_int"))
    cfg.lockout_minutes = r.get("auth.lockout_minutes", int, cfg.lockout_minutes, t("config.expect.minutes"))
    r.check("auth.lockout_minutes", cfg.lockout_minutes, lambda v: v > 0, t("config.expect.minutes"))
    cfg.work_start = _parse_time(r, "calendar.work_start", r.get("calendar.work_start", str, "08:30", t("config.expect.hhmm")))
    cfg.work_end = _parse_time(r, "calendar.work_end", r.get("calendar.work_end", str, "17:30", t("config.expect.hhmm")))

    roles = r.get("roles", dict, {}, t("config.expect.roles"))
    for role, perms in roles.items():
        r.check(f"roles.{role}", role, lambda v: v in ROLES, t("config.expect.one_of", options="、".join(ROLES)))
        r.check(f"roles.{role}", perms, lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
                t("config.expect.string_list"))
        cfg.roles[role] = tuple(perms)

    years = r.get("calendar.years", dict, {}, t("config.expect.years"))
    for year, table in years.items():
        key = f"calendar.years.{year}"
        # isascii: "²".isdigit() is true, int("²") is not
        r.check(key, year, lambda v: v.isascii() and v.isdigit() and 1900 < int(v) < 2200,
                t("config.expect.year"))
        r.check(key, table, lambda v: isinstance(v, dict), t("config.expect.year_table"))
        for part in ("holidays", "workdays"):
            r.check(f"{key}.{part}", table.get(part, []), lambda v: isinstance(v, list),
                    t("config.expect.dates"))
        cfg.calendar_years[int(year)] = YearSchedule(
            holidays=_parse_dates(r, key + ".holidays", table.get("holidays", [])),
            workdays=_parse_dates(r, key + ".workdays", table.get("workdays", [])),
        )

    default_plugins = r.get("plugins.default", (list, str), "all", t("config.expect.plugins"))
    if isinstance(default_plugins, str):
        r.check("plugins.default", default_plugins, lambda v: v == "all", t("config.expect.plugins"))
        cfg.default_plugins = None
    else:
        cfg.default_plugins = tuple(default_plugins)

    settings = r.get("settings", dict, {}, t("config.expect.settings"))
    for plugin, table in settings.items():
        r.check(f"settings.{plugin}", table, lambda v: isinstance(v, dict), t("config.expect.table"))
    cfg.settings = {k: dict(v) for k, v in settings.items()}
    _check_known_keys(r)
    _load_towns(cfg, base, _path_value(r, "towns.file", "towns.toml"))
    return cfg


# The keys of the core's own sections: a misspelt key (max_failed_login) must not be
# silently ignored while the operator believes it is in force.
_KNOWN_KEYS = {
    "paths": ("data_dir", "report_dir"), "database": ("url",), "queue": ("redis_url", "namespace", *QUEUE_DEFAULTS),
    "city": ("name", "code", "timezone"), "auth": ("mode", "max_failed_logins", "lockout_minutes"),
    "calendar": ("work_start", "work_end", "years"), "plugins": ("default",), "towns": ("file",),
}
_TOWN_KEYS = ("plugins", "work_start", "work_end")


def _check_known_keys(r: _Reader) -> None:
    for section, known in _KNOWN_KEYS.items():
        table = r.data.get(section, {})
        if not isinstance(table, dict):
            raise r.fail(section, t("config.expect.table"))
        for key in table:
            if key not in known:
                raise r.fail(f"{section}.{key}", t("config.expect.one_of", options="、".join(known)))


def _load_towns(cfg: Config, base: Path, name: str) -> None:
    path = _resolve(base, name)
    if not path.exists():
        return
    try:
        data = tomllib.loads(_read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("config.syntax", file=str(path), detail=str(exc)) from None
    r = _Reader(path, data)
    cfg.towns_path = path
    towns = data.get("town", {})
    r.check("town", towns, lambda v: isinstance(v, dict), t("config.expect.table"))
    for code, table in towns.items():
        key = f"town.{code}"
        r.check(key, table, lambda v: isinstance(v, dict), t("config.expect.table"))
        for name in table:
            r.check(f"{key}.{name}", name, lambda v: v in _TOWN_KEYS,
                    t("config.expect.one_of", options="、".join(_TOWN_KEYS)))
        plugins = table.get("plugins")
        if plugins is not None:
            r.check(key + ".plugins", plugins, lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
                    t("config.expect.string_list"))
        start = table.get("work_start")
        end = table.get("work_end")
        cfg.towns[code] = TownConfig(
            plugins=tuple(plugins) if plugins is not None else None,
            work_start=_parse_time(r, key + ".work_start", start) if start else None,
            work_end=_parse_time(r, key + ".work_end", end) if end else None,
        )


def validate_plugins(cfg: Config, installed: Iterable[str], declared_settings: dict[str, dict[str, Any]]) -> None:
    """Check plugin names and plugin settings once the plugins are known."""
    installed = set(installed)
    main = _Reader(cfg.path, {})
    for name in map(plugin_name, cfg.default_plugins or ()):
        if name not in installed:
            raise main.fail("plugins.default", t("config.expect.one_of", options="、".join(sorted(installed))))
    towns = _Reader(cfg.towns_path, {})
    for code, town in cfg.towns.items():
        for name in map(plugin_name, town.plugins or ()):
            if name not in installed:
                raise towns.fail(f"town.{code}.plugins", t("config.expect.one_of", options="、".join(sorted(installed))))
    for plugin, values in cfg.settings.items():
        if plugin not in declared_settings:
            raise main.fail(f"settings.{plugin}", t("config.expect.one_of", options="、".join(sorted(declared_settings))))
        for key, value in values.items():
            spec = declared_settings[plugin].get(key)
            if spec is None:
                raise main.fail(f"settings.{plugin}.{key}", t("config.expect.one_of", options="、".join(sorted(declared_settings[plugin]))))
            if not spec.accepts(value):
                raise main.fail(f"settings.{plugin}.{key}", spec.expected)
    # fill defaults so plugins can read every declared setting
    for plugin, specs in declared_settings.items():
        bucket = cfg.settings.setdefault(plugin, {})
        for key, spec in specs.items():
            bucket.setdefault(key, spec.default)


def validate_towns(cfg: Config, known_codes: Iterable[str]) -> None:
    """Every town named in towns.toml must exist in the org tree."""
    known = set(known_codes)
    r = _Reader(cfg.towns_path, {})
    for code in cfg.towns:
        if code not in known:
            raise r.fail(f"town.{code}", t("config.expect.town_code"))


@dataclass(frozen=True)
class Setting:
    """A tunable a plugin declares through ``xinyi_settings``."""

    default: Any
    kind: type | tuple[type, ...]
    expected: str  # Chinese description shown when the value is wrong
    check: Callable[[Any], bool] | None = None

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) and self.kind is not bool and bool not in (self.kind if isinstance(self.kind, tuple) else (self.kind,)):
            return False
        if not isinstance(value, self.kind):
            return False
        return self.check(value) if self.check else True
