"""Start-up: configuration → plugins → database → migrations, in one place.

Every entry point (CLI, TUI, worker, scheduler, tests) calls :func:`bootstrap`
and later reads the live state through :func:`runtime`.
"""
from __future__ import annotations

import logging
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Iterable, Mapping

from . import calendar, clock, config as config_mod, db, files, i18n, org, state
from .config import Config
from .errors import MigrationError, XinyiError
from .plugins import Plugins
from .state import Runtime, runtime

__all__ = ["Runtime", "bootstrap", "runtime", "shutdown"]
log = logging.getLogger(__name__)


def bootstrap(
    config: Config | str | Path | None = None,
    *,
    plugin_modules: Mapping[str, ModuleType] | None = None,
    entry_points: bool | Iterable[str] = True,
    migrate: bool = True,
    pending_ok: bool = False,
) -> Runtime:
    """Load everything and make it current. Raises :class:`XinyiError` with a Chinese message.

    ``migrate=False`` is for commands that only read: the database is neither
    created (a missing SQLite file is refused) nor migrated (pending migrations
    are refused, or with ``pending_ok`` listed in ``Runtime.pending``).
    """
    cfg = config if isinstance(config, Config) else config_mod.load(config)
    files.apply(cfg)  # this process's umask and the modes of what it creates: before any file is made
    clock.set_timezone(cfg.timezone)
    if cfg.fixed_clock is not None:
        clock.fix(cfg.fixed_clock)
        log.warning("the clock stands at %s (XINYI_CLOCK)", cfg.fixed_clock.isoformat(sep=" "))
    if not migrate and database_missing(cfg.database_url):
        raise XinyiError("db.missing", path=cfg.database_url[len("sqlite:///"):])

    plugins = Plugins()
    for name, module in (plugin_modules or {}).items():
        plugins.register(module, name)
    if entry_points:
        plugins.load_entry_points(None if entry_points is True else entry_points)
    for name, messages in plugins.call_each("xinyi_messages"):
        i18n.register(messages, prefix=name)
    config_mod.validate_plugins(cfg, plugins.names(), plugins.settings())
    installed = plugins.names()
    plugins.set_town_filter(lambda code: cfg.plugins_for_town(code, installed))

    try:
        db.connect(cfg.database_url)
    except Exception as exc:  # unreachable server, bad credentials, unwritable folder …
        raise XinyiError("db.connect_failed", url=db.redact(cfg.database_url),
                         detail=" ".join(str(exc).split())) from exc  # one line
    try:
        return _finish(cfg, plugins, migrate, pending_ok)
    except BaseException:
        shutdown()  # a refused start leaves no half-started runtime behind
        raise


def describe_pending(steps: Iterable[tuple[str, int, str]]) -> str:
    """``(owner, version, name)`` migrations as one Chinese phrase (``notice 第 1 步“…”；…``)."""
    return "；".join(i18n.t("db.pending_step", owner=owner, version=version, name=name)
                    for owner, version, name in steps)


def database_missing(url: str) -> bool:
    """A SQLite database whose file does not exist yet (connecting would create it)."""
    path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else ":memory:"
    return path != ":memory:" and not Path(path).exists()


def _finish(cfg: Config, plugins: Plugins, migrate: bool, pending_ok: bool) -> Runtime:
    owned = plugins.migrations()
    waiting: list[tuple[str, int, str]] = []
    if migrate:
        db.migrate(owned)
    else:
        db.check_not_newer(owned)
        waiting = [(owner, m.version, m.name) for owner, m in db.pending(owned)]
        if waiting and not pending_ok:
            raise MigrationError("db.pending", steps=describe_pending(waiting))

    rt = Runtime(cfg, plugins, pending=waiting)
    state.install(rt)
    towns = [] if any(owner == "core" for owner, _, _ in waiting) else org.town_codes()
    if towns:  # a fresh database has no org tree yet: nothing to check against
        config_mod.validate_towns(cfg, towns)
    if cfg.full_numbers:  # a misspelt report name must not leave a report printing what it should not
        from .jobs.specs import registry  # only then: it loads every report's code

        config_mod.validate_report_names(cfg, registry(rt).reports)
    # after migrations: a plugin whose migrations hook failed is recorded there too
    rt.warnings.extend(i18n.t("plugins.failed", name=f.name, error=f.error) for f in plugins.failures)
    rt.warnings.extend(calendar.coverage_warnings())
    return rt


_MISSING_TABLE = re.compile(r'no such table: (?:\w+\.)?"?(\w+)"?|relation "(?:\w+\.)?(\w+)" does not exist')


def explain(exc: BaseException) -> XinyiError | None:
    """A database error an operator or administrator can act on, in Chinese; ``None`` for others.

    A missing table (SQLite's ``no such table``, PostgreSQL's ``relation … does not
    exist``) names the plugin that owns it and says to run ``xinyi init`` — instead
    of a bare ``OperationalError``.
    """
    seen: set[int] = set()
    error: BaseException | None = exc
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        found = _MISSING_TABLE.search(str(error))
        if found:
            table = found.group(1) or found.group(2)
            owner = _table_owner(table)
            if owner is None:
                return XinyiError("db.missing_core_table", table=table)
            return XinyiError("db.missing_table", table=table, plugin=owner)
        error = error.__cause__ or error.__context__
    return None


def _table_owner(table: str) -> str | None:
    """The plugin whose models (or, failing that, whose name prefix) own ``table``; None for the core."""
    try:
        plugins = runtime().plugins
    except XinyiError:  # nothing started: no plugin to name
        return None
    for impl in plugins.pm.hook.xinyi_models.get_hookimpls():
        try:
            models = impl.function() or ()
        except Exception:  # noqa: BLE001 - a broken hook must not hide the error being explained
            continue
        if any(getattr(m, "_meta", None) is not None and m._meta.table_name == table for m in models):
            return impl.plugin_name
    return next((name for name in plugins.names() if table.startswith(f"{name}_")), None)


def shutdown() -> None:
    jobs_broker = sys.modules.get("xinyi_core.jobs.broker")
    if jobs_broker is not None:  # stop in-process job threads before their database goes
        jobs_broker.stop()
    db.close()
    state.install(None)
