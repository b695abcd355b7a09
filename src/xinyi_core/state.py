"""The running process's runtime: its configuration and plugins, set up once.

:func:`xinyi_core.lifecycle.bootstrap` builds the :class:`Runtime` and
installs it here; every other module reads it through :func:`runtime`. It is
kept apart from ``lifecycle`` because start-up needs the calendar and the org
tree, which themselves read the runtime: the state sits below them all.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .config import Config
from .errors import XinyiError
from .plugins import Plugins

_current: "Runtime | None" = None


@dataclass
class Runtime:
    config: Config
    plugins: Plugins
    warnings: list[str] = field(default_factory=list)
    grants: dict[str, frozenset[str]] = field(default_factory=dict)  # role → actions (auth.granted)
    # migrations not applied, as (owner, version, name): only with bootstrap(migrate=False, pending_ok=True)
    pending: list[tuple[str, int, str]] = field(default_factory=list)

    def town_plugins(self, town_code: str) -> set[str]:
        return self.plugins.enabled_for(town_code)


def runtime() -> Runtime:
    """The current runtime; a Chinese error if nothing has started one."""
    if _current is None:
        raise XinyiError("runtime.not_started")
    return _current


def install(rt: Runtime | None) -> None:
    """Make ``rt`` current (``None``: none is); only :mod:`xinyi_core.lifecycle` calls this."""
    global _current
    _current = rt
