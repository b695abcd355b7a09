"""Start-up: configuration → plugins → database → migrations, in one place.

Every entry point (CLI, TUI, worker, scheduler, tests) calls :func:`bootstrap`
and later reads the live state through :func:`runtime`.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path
from types import ModuleType
from typing import Iterable, Mapping

from . import calendar, clock, config as config_mod, db, i18n, org, state
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
) -> Runtime:
    """Load everything and make it current. Raises :class:`XinyiError` with a Chinese message."""
    cfg = config if isinstance(config, Config) else config_mod.load(config)
    clock.set_timezone(cfg.timezone)

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
        return _finish(cfg, plugins, migrate)
    except BaseException:
        shutdown()  # a refused start leaves no half-started runtime behind
        raise


def _finish(cfg: Config, plugins: Plugins, migrate: bool) -> Runtime:
    owned = plugins.migrations()
    if migrate:
        db.migrate(owned)
    else:
        db.check_not_newer(owned)
        if db.pending(owned):
            raise MigrationError("db.pending")

    rt = Runtime(cfg, plugins)
    state.install(rt)
    towns = org.town_codes()
    if towns:  # a fresh database has no org tree yet: nothing to check against
        config_mod.validate_towns(cfg, towns)
    # after migrations: a plugin whose migrations hook failed is recorded there too
    rt.warnings.extend(i18n.t("plugins.failed", name=f.name, error=f.error) for f in plugins.failures)
    rt.warnings.extend(calendar.coverage_warnings())
    return rt


def shutdown() -> None:
    jobs_broker = sys.modules.get("xinyi_core.jobs.broker")
    if jobs_broker is not None:  # stop in-process job threads before their database goes
        jobs_broker.stop()
    db.close()
    state.install(None)
