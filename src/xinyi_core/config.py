"""Load and validate ``config/xinyi.toml`` (+ ``towns.toml`` beside it).

A bad configuration stops the program at start with one Chinese message that
names the file, the key and what was expected — never a traceback.
Environment overrides: ``XINYI_CONFIG``, ``XINYI_DATABASE_URL``, ``XINYI_REDIS_URL``; and
``XINYI_CLOCK`` (``2026-11-30T08:25``), which fixes the program's clock at that local time — for
tests and demonstrations in a real terminal, never for a town's work.
"""
from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from .configfile import HHMM, Reader, hhmm, is_timezone, parse, parse_dates, parse_time, path_value, resolve
from .errors import ConfigError
from .i18n import t

ROLES = ("assistant", "village_head", "town_clerk", "town_head", "city_office", "bureau", "admin")
AUTH_MODES = ("password", "os_user")
FULL_NUMBERS = ("none", "city", "all")  # where a report prints full ID numbers and phones (ReportSpec)
_DB_URL = re.compile(r"^(sqlite:///.+|sqlite:///:memory:|postgres(ql)?(\+pool)?://.+)$")
_REDIS_URL = re.compile(r"^(rediss?://.+|unix://.+)$")

QUEUE_NAMESPACE = "xinyi"  # Redis key prefix: one per deployment
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
    printer: str | None = None  # the town's CUPS queue; None: [print] printer


@dataclass
class Config:
    path: Path | None
    database_url: str
    redis_url: str
    data_dir: Path
    report_dir: Path
    # [paths] outbox_dir: each operator's copies of the files she made (<outbox_dir>/<account>/files);
    # None: <data_dir>/outbox. See xinyi_core.outbox and docs/deploy-ssh.md (SFTP).
    outbox_dir: Path | None = None
    city_name: str = "新沂市"
    city_code: str = "320381"
    timezone: str = "Asia/Shanghai"
    group: str = ""  # [paths] group: the OS group sharing the data (2770/0660); "" = one account (0700/0600)
    auth_mode: str = "password"
    max_failed_logins: int = 20
    lockout_minutes: int = 60
    delay_seconds: int = 1  # the wait after a failed login, doubled per failure (per account and source)
    max_delay_seconds: int = 60
    full_numbers: dict[str, str] = field(default_factory=dict)  # [privacy] report name → none/city/all
    work_start: dt.time = dt.time(8, 30)
    work_end: dt.time = dt.time(17, 30)
    roles: dict[str, tuple[str, ...]] = field(default_factory=dict)
    calendar_years: dict[int, YearSchedule] = field(default_factory=dict)
    default_plugins: tuple[str, ...] | None = None  # None: every installed plugin
    towns: dict[str, TownConfig] = field(default_factory=dict)
    towns_path: Path | None = None
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    printer: str = ""  # [print] printer: the CUPS queue of towns that name none ("": no printer)
    pdf_beside: bool = False  # [print] pdf_beside: every report file also as PDF
    convert_timeout_s: int = 120  # [print] convert_timeout_s: a hung conversion is killed after this
    # [serve] (xinyi serve, the app in a browser): browser sessions at once; a session with no key
    # or click for this long is logged out (audited)
    serve_max_sessions: int = 50
    idle_logout_minutes: int = 30
    # [queue] tunables (XINYI_QUEUE_* / XINYI_JOB_* / XINYI_WORKER_THREADS override them)
    queue: dict[str, Any] = field(default_factory=lambda: {**QUEUE_DEFAULTS, "namespace": QUEUE_NAMESPACE})
    fixed_clock: dt.datetime | None = None  # XINYI_CLOCK: the program's clock stands at this local time

    def plugins_for_town(self, town_code: str, installed: Iterable[str]) -> set[str]:
        """The plugins ``town_code`` enables: its towns.toml list applied to the default set."""
        installed = set(installed)
        default = installed if self.default_plugins is None else plugin_set(self.default_plugins, installed)
        town = self.towns.get(town_code)
        chosen = default if town is None or town.plugins is None else plugin_set(town.plugins, default)
        return installed & chosen

    def printer_for(self, town_code: str | None) -> str:
        """The CUPS queue documents of ``town_code`` print on ("": none configured)."""
        town = self.towns.get(town_code or "")
        return (town.printer if town is not None and town.printer else None) or self.printer

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


def default_config_path() -> Path | None:
    env = os.environ.get("XINYI_CONFIG")
    if env:
        return Path(env)
    local = Path.cwd() / "config" / "xinyi.toml"
    return local if local.exists() else None


@dataclass(frozen=True)
class _Scalar:
    """One scalar key of ``xinyi.toml``: its type, its check, and where its value goes.

    Absent from the file, the key keeps the :class:`Config` default.
    """

    key: str  # dotted TOML key
    attr: str  # the Config attribute; "" for a [queue] key, kept in Config.queue
    kind: type
    expected: str  # what is expected, under config.expect in the catalogue
    ok: Callable[[Any], bool] | None = None
    convert: Callable[[Any], Any] | None = None  # the checked file value → the Config value


def _positive(value: int) -> bool:
    return value > 0


def _is_hhmm(value: str) -> bool:
    return bool(HHMM.match(value))


# Every key of the core's sections, in the order they are read — which is also the order
# an error message lists them in. A plain string is read by its own function in load()
# (paths, URLs with their environment overrides, tables).
_KEYS: tuple[_Scalar | str, ...] = (
    "paths.data_dir", "paths.report_dir", "paths.outbox_dir",
    _Scalar("paths.group", "group", str, "group", lambda v: bool(re.fullmatch(r"[a-z_][a-z0-9_-]{0,31}", v))),
    "database.url", "queue.redis_url",
    _Scalar("queue.namespace", "", str, "string"),
    *(_Scalar(f"queue.{name}", "", int, "positive_int", _positive) for name in QUEUE_DEFAULTS),
    _Scalar("city.name", "city_name", str, "string"),
    _Scalar("city.code", "city_code", str, "city_code", lambda v: bool(re.fullmatch(r"\d{6}", v))),
    _Scalar("city.timezone", "timezone", str, "timezone", is_timezone),
    _Scalar("auth.mode", "auth_mode", str, "auth_mode", lambda v: v in AUTH_MODES),
    _Scalar("auth.max_failed_logins", "max_failed_logins", int, "positive_int", _positive),
    _Scalar("auth.lockout_minutes", "lockout_minutes", int, "minutes", _positive),
    _Scalar("auth.delay_seconds", "delay_seconds", int, "seconds", _positive),
    _Scalar("auth.max_delay_seconds", "max_delay_seconds", int, "seconds", _positive),
    _Scalar("calendar.work_start", "work_start", str, "hhmm", _is_hhmm, hhmm),
    _Scalar("calendar.work_end", "work_end", str, "hhmm", _is_hhmm, hhmm),
    _Scalar("print.printer", "printer", str, "string"),
    _Scalar("print.pdf_beside", "pdf_beside", bool, "bool"),
    _Scalar("print.convert_timeout_s", "convert_timeout_s", int, "positive_int", _positive),
    _Scalar("serve.max_sessions", "serve_max_sessions", int, "positive_int", _positive),
    _Scalar("serve.idle_logout_minutes", "idle_logout_minutes", int, "minutes", _positive),
    "calendar.years", "plugins.default", "towns.file", "privacy.full_numbers",
)
_ABSENT = object()


def _known_keys() -> dict[str, tuple[str, ...]]:
    known: dict[str, tuple[str, ...]] = {}
    for entry in _KEYS:
        section, _, name = (entry.key if isinstance(entry, _Scalar) else entry).partition(".")
        known[section] = (*known.get(section, ()), name)
    return known


# The keys of the core's own sections: a misspelt key (max_failed_login) must not be
# silently ignored while the operator believes it is in force.
_KNOWN_KEYS = _known_keys()
# Every top-level name of xinyi.toml: a misspelt section ([datbase]) would silently leave the
# default in force — the default database, the default paths.
_SECTIONS = (*_KNOWN_KEYS, "roles", "settings")
_TOWN_KEYS = ("plugins", "work_start", "work_end", "printer")


def load(path: str | os.PathLike[str] | None = None) -> Config:
    """Read, validate and return the configuration (env overrides applied)."""
    cfg_path = Path(path) if path else default_config_path()
    data: dict[str, Any] = {}
    if cfg_path is not None:
        try:
            data = parse(cfg_path)
        except FileNotFoundError:
            raise ConfigError("config.missing", file=str(cfg_path)) from None
    base = cfg_path.parent if cfg_path else Path.cwd()
    r = Reader(cfg_path, data)
    _check_known_keys(r)  # first: a misspelt section or key is the error to report, not what follows from it

    data_dir = resolve(base, path_value(r, "paths.data_dir", "data"))
    report_dir = resolve(base, path_value(r, "paths.report_dir", str(data_dir / "reports")))
    outbox_dir = resolve(base, path_value(r, "paths.outbox_dir", str(data_dir / "outbox")))
    cfg = Config(path=cfg_path, database_url=_database_url(r, data_dir), redis_url=_redis_url(r),
                 data_dir=data_dir, report_dir=report_dir, outbox_dir=outbox_dir)
    for entry in _KEYS:
        if isinstance(entry, _Scalar):
            _read_scalar(r, cfg, entry)
    cfg.roles = _roles(r)
    cfg.calendar_years = _calendar_years(r)
    cfg.default_plugins = _default_plugins(r)
    cfg.settings = _settings(r)
    cfg.full_numbers = _full_numbers(r)
    cfg.fixed_clock = _fixed_clock()
    _load_towns(cfg, base, path_value(r, "towns.file", "towns.toml"))
    return cfg


def _read_scalar(r: Reader, cfg: Config, entry: _Scalar) -> None:
    expected = t(f"config.expect.{entry.expected}")
    value = r.get(entry.key, entry.kind, _ABSENT, expected)
    if value is _ABSENT:
        return
    if entry.ok is not None:
        r.check(entry.key, value, entry.ok, expected)
    if entry.convert is not None:
        value = entry.convert(value)
    if entry.attr:
        setattr(cfg, entry.attr, value)
    else:
        cfg.queue[entry.key.partition(".")[2]] = value


def _database_url(r: Reader, data_dir: Path) -> str:
    """``XINYI_DATABASE_URL``, else ``database.url``, with ``{data_dir}`` filled in."""
    env_db = os.environ.get("XINYI_DATABASE_URL")
    db_url = env_db or r.get("database.url", str, "sqlite:///{data_dir}/xinyi.db", t("config.expect.string"))
    db_url = db_url.replace("{data_dir}", str(data_dir))
    if not _DB_URL.match(db_url):
        if env_db:  # the value came from the environment: say so, not the file
            raise ConfigError("config.invalid_env", key="XINYI_DATABASE_URL", expected=t("config.expect.db_url"))
        raise r.fail("database.url", t("config.expect.db_url"))
    return db_url


def _redis_url(r: Reader) -> str:
    """``XINYI_REDIS_URL`` (even empty: no Redis), else ``queue.redis_url``."""
    redis_url = os.environ.get("XINYI_REDIS_URL")
    if redis_url is not None:
        if redis_url and not _REDIS_URL.match(redis_url):
            raise ConfigError("config.invalid_env", key="XINYI_REDIS_URL", expected=t("config.expect.redis_url"))
        return redis_url
    redis_url = r.get("queue.redis_url", str, "", t("config.expect.string"))
    return r.check("queue.redis_url", redis_url, lambda v: v == "" or bool(_REDIS_URL.match(v)),
                   t("config.expect.redis_url"))


def _fixed_clock() -> dt.datetime | None:
    """``XINYI_CLOCK``: a local date and time (``2026-11-30T08:25``) the clock stands at, or unset."""
    value = os.environ.get("XINYI_CLOCK", "").strip()
    if not value:
        return None
    try:
        at = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError("config.invalid_env", key="XINYI_CLOCK", expected=t("config.expect_clock")) from None
    return at.replace(tzinfo=None, microsecond=0)


def _roles(r: Reader) -> dict[str, tuple[str, ...]]:
    """``[roles]``: a role's list of permissions (patterns) replaces its defaults."""
    roles = r.get("roles", dict, {}, t("config.expect.roles"))
    for role, perms in roles.items():
        r.check(f"roles.{role}", role, lambda v: v in ROLES, t("config.expect.one_of", options="、".join(ROLES)))
        r.check(f"roles.{role}", perms, lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
                t("config.expect.string_list"))
    return {role: tuple(perms) for role, perms in roles.items()}


def _calendar_years(r: Reader) -> dict[int, YearSchedule]:
    """``[calendar.years.YYYY]``: the State Council's schedule for years the package lacks."""
    schedules = {}
    for year, table in r.get("calendar.years", dict, {}, t("config.expect.years")).items():
        key = f"calendar.years.{year}"
        # isascii: "²".isdigit() is true, int("²") is not
        r.check(key, year, lambda v: v.isascii() and v.isdigit() and 1900 < int(v) < 2200,
                t("config.expect.year"))
        r.check(key, table, lambda v: isinstance(v, dict), t("config.expect.year_table"))
        for part in ("holidays", "workdays"):
            r.check(f"{key}.{part}", table.get(part, []), lambda v: isinstance(v, list),
                    t("config.expect.dates"))
        schedules[int(year)] = YearSchedule(
            holidays=parse_dates(r, key + ".holidays", table.get("holidays", [])),
            workdays=parse_dates(r, key + ".workdays", table.get("workdays", [])),
        )
    return schedules


def _default_plugins(r: Reader) -> tuple[str, ...] | None:
    """``plugins.default``: ``"all"`` (None: every installed plugin) or a list of names."""
    default_plugins = r.get("plugins.default", (list, str), "all", t("config.expect.plugins"))
    if isinstance(default_plugins, str):
        r.check("plugins.default", default_plugins, lambda v: v == "all", t("config.expect.plugins"))
        return None
    return tuple(default_plugins)


def _settings(r: Reader) -> dict[str, dict[str, Any]]:
    """``[settings.<plugin>]``: checked against what each plugin declares once plugins are loaded."""
    settings = r.get("settings", dict, {}, t("config.expect.settings"))
    for plugin, table in settings.items():
        r.check(f"settings.{plugin}", table, lambda v: isinstance(v, dict), t("config.expect.table"))
    return {k: dict(v) for k, v in settings.items()}


def _full_numbers(r: Reader) -> dict[str, str]:
    """``[privacy] full_numbers``: report name → where it prints full ID numbers and phones."""
    expected = t("config.expect.full_numbers", options="、".join(FULL_NUMBERS))
    table = r.get("privacy.full_numbers", dict, {}, expected)
    for name, value in table.items():
        r.check(f"privacy.full_numbers.{name}", value, lambda v: v in FULL_NUMBERS, expected)
    return dict(table)


def _check_known_keys(r: Reader) -> None:
    for section in r.data:
        if section not in _SECTIONS:
            raise _unknown(r, section, _SECTIONS)
    for section, known in _KNOWN_KEYS.items():
        table = r.data.get(section, {})
        if not isinstance(table, dict):
            raise r.fail(section, t("config.expect.table"))
        for key in table:
            if key not in known:
                raise _unknown(r, f"{section}.{key}", known)


def _unknown(r: Reader, key: str, known: Iterable[str]) -> ConfigError:
    """A section or key the program does not know, with the close match it was probably meant to be."""
    import difflib  # only for a misspelt key: not in every process's start

    known = tuple(known)
    prefix, _, name = key.rpartition(".")
    match = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = t("config.did_you_mean", key=f"{prefix}.{match[0]}" if prefix else match[0]) if match else ""
    return ConfigError("config.unknown", file=str(r.path or t("config.builtin")), key=key, hint=hint,
                       options="、".join(known))


def _load_towns(cfg: Config, base: Path, name: str) -> None:
    path = resolve(base, name)
    if not path.exists():
        return
    data = parse(path)
    r = Reader(path, data)
    cfg.towns_path = path
    towns = data.get("town", {})
    for name in data:
        if name != "town":
            raise _unknown(r, name, ("town",))
    r.check("town", towns, lambda v: isinstance(v, dict), t("config.expect.table"))
    for code, table in towns.items():
        key = f"town.{code}"
        r.check(key, table, lambda v: isinstance(v, dict), t("config.expect.table"))
        for name in table:
            if name not in _TOWN_KEYS:
                raise _unknown(r, f"{key}.{name}", _TOWN_KEYS)
        plugins = table.get("plugins")
        if plugins is not None:
            r.check(key + ".plugins", plugins, lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
                    t("config.expect.string_list"))
        start = table.get("work_start")
        end = table.get("work_end")
        printer = table.get("printer")
        if printer is not None:
            r.check(key + ".printer", printer, lambda v: isinstance(v, str), t("config.expect.string"))
        cfg.towns[code] = TownConfig(
            plugins=tuple(plugins) if plugins is not None else None,
            work_start=parse_time(r, key + ".work_start", start) if start else None,
            work_end=parse_time(r, key + ".work_end", end) if end else None,
            printer=printer or None,
        )


def validate_plugins(cfg: Config, installed: Iterable[str], declared_settings: dict[str, dict[str, Any]]) -> None:
    """Check plugin names and plugin settings once the plugins are known."""
    installed = set(installed)
    main = Reader(cfg.path, {})
    for name in map(plugin_name, cfg.default_plugins or ()):
        if name not in installed:
            raise main.fail("plugins.default", t("config.expect.one_of", options="、".join(sorted(installed))))
    towns = Reader(cfg.towns_path, {})
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


def validate_report_names(cfg: Config, known: Iterable[str]) -> None:
    """Every report named in ``[privacy] full_numbers`` must exist."""
    known = sorted(known)
    for name in cfg.full_numbers:
        if name not in known:
            raise Reader(cfg.path, {}).fail(f"privacy.full_numbers.{name}",
                                            t("config.expect.one_of", options="、".join(known)))


def validate_towns(cfg: Config, known_codes: Iterable[str]) -> None:
    """Every town named in towns.toml must exist in the org tree."""
    known = set(known_codes)
    r = Reader(cfg.towns_path, {})
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
