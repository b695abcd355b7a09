"""Calling plugin hooks from the UI without letting one broken plugin take the session down.

pluggy stops at the first exception; the operator would lose her screen because
one plugin has a bug. Here each enabled plugin is called on its own, a failure
is logged and reported in Chinese, and the others still answer.
"""
from __future__ import annotations

import logging
from typing import Any

from ..i18n import t

log = logging.getLogger(__name__)


def call_each(town_code: str | None, hook_name: str, **kwargs: Any) -> tuple[list[Any], list[str]]:
    """``(results, failures)`` of ``hook_name`` for the plugins ``town_code`` enabled (``None``: all)."""
    named, failures = call_named(town_code, hook_name, **kwargs)
    return [result for _, result in named], failures


def call_named(town_code: str | None, hook_name: str, **kwargs: Any) -> tuple[list[tuple[str, Any]], list[str]]:
    """Like :func:`call_each`, each result with the name of the plugin that gave it."""
    from ..lifecycle import runtime

    caller = getattr(runtime().plugins.for_town(town_code), hook_name)
    results: list[tuple[str, Any]] = []
    failures: list[str] = []
    for impl in caller.get_hookimpls():
        try:
            result = impl.function(**{name: kwargs[name] for name in impl.argnames})
        except Exception as exc:  # noqa: BLE001 - any plugin bug, reported and skipped
            log.exception("plugin %s failed in %s", impl.plugin_name, hook_name)
            failures.append(t("tui.plugin_failed", name=impl.plugin_name, error=f"{type(exc).__name__}: {exc}"))
            continue
        if result is not None:
            results.append((impl.plugin_name, result))
    return results, failures


def flat(town_code: str | None, hook_name: str, **kwargs: Any) -> tuple[list[Any], list[str]]:
    """Like :func:`call_each` for hooks returning lists: the items of every list, in one list."""
    results, failures = call_each(town_code, hook_name, **kwargs)
    return [item for result in results for item in (result or ())], failures
