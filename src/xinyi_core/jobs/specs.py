"""The registry: the actors, reports and schedules of the core and of every plugin.

The declarations themselves (:class:`ActorSpec`, :class:`ReportSpec`,
:class:`Schedule`, the job and report contexts, the period helpers) live in
:mod:`xinyi_core.jobs.api` and are re-exported here, where plugins and tests
have long imported them from.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..errors import NotFound
from ..i18n import t
from ..state import Runtime, runtime
from .api import (PERIOD_KINDS, ActorSpec, JobContext, ReportContext, ReportSpec, Schedule, current_month,
                  parse_period, period_bounds, previous_month)

__all__ = [
    "PERIOD_KINDS", "ActorSpec", "JobContext", "Registry", "ReportContext", "ReportSpec", "Schedule",
    "current_month", "lookup", "parse_period", "period_bounds", "previous_month", "registry",
]


@dataclass
class Registry:
    actors: dict[str, ActorSpec]
    reports: dict[str, ReportSpec]
    schedules: dict[str, Schedule]

    def title(self, kind: str) -> str:
        spec = self.reports.get(kind) or self.actors.get(kind)
        if spec is None:
            raise NotFound("jobs.unknown_kind", kind=kind)
        return t(spec.title)

    def plugin_of(self, kind: str) -> str | None:
        spec = self.reports.get(kind) or self.actors.get(kind)
        return spec.plugin if spec else None


_cache: tuple[Runtime, Registry] | None = None


def registry(rt: Runtime | None = None) -> Registry:
    """Core and plugin actors, reports and schedules of the current runtime."""
    global _cache
    rt = rt or runtime()
    if _cache is not None and _cache[0] is rt:  # identity: a new runtime may reuse an old one's id()
        return _cache[1]
    # Imported here, not at the top: the core's reports pull in the document writers (openpyxl,
    # python-docx), which the terminal app must not load before someone runs a report (issue 21).
    from .. import printing
    from .. import reports as core_reports

    reg = Registry({}, {}, {})
    _add(reg.reports, core_reports.CORE_REPORTS, None)
    _add(reg.actors, printing.core_actors(), None)
    _add(reg.schedules, core_reports.CORE_SCHEDULES, None)
    for hook, bucket in (("xinyi_actors", reg.actors), ("xinyi_reports", reg.reports),
                         ("xinyi_schedules", reg.schedules)):
        for plugin, specs in rt.plugins.call_each(hook):
            _add(bucket, specs, plugin)
    _cache = (rt, reg)
    return reg


def lookup(name: str, rt: Runtime | None = None) -> ActorSpec | ReportSpec | None:
    """The report or actor ``name``, without building the whole registry when it can be avoided.

    Built once, :func:`registry` answers. Before that, a name whose prefix names an installed plugin
    (``attendance.monthly``) is asked of that plugin's hooks alone: ``xinyi report`` starts without
    importing every plugin's report and job modules (issue 21). Any other name — the core's, or one a
    plugin declares under another prefix — is looked up in the whole registry.
    """
    rt = rt or runtime()
    if _cache is None or _cache[0] is not rt:
        plugin = name.partition(".")[0]
        if plugin in rt.plugins.info:
            only = rt.plugins.only(plugin)
            try:
                found = [spec for hook in ("xinyi_reports", "xinyi_actors") for specs in getattr(only, hook)()
                         for spec in specs if spec.name == name]
            except Exception:  # noqa: BLE001 - the registry drops and records a plugin whose hook fails
                found = []
            if found:
                return replace(found[0], plugin=plugin)
    reg = registry(rt)
    return reg.reports.get(name) or reg.actors.get(name)


def _add(bucket: dict[str, Any], specs: Any, plugin: str | None) -> None:
    for spec in specs:
        if spec.name in bucket:
            raise ValueError(t("jobs.duplicate_name", name=spec.name))
        bucket[spec.name] = replace(spec, plugin=plugin) if plugin else spec
