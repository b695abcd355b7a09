"""Render ``docs/plugins.md``: the hand-written guide plus the contract, hook by hook.

The hook reference is built from :mod:`xinyi_core.hookspecs` (name, signature,
docstring) and the public-API table from ``xinyi_core.__all__``, so the
document cannot drift from the code: a test compares the committed file with
:func:`render`. Regenerate with ``xinyi plugin docs``.
"""
from __future__ import annotations

import importlib
import inspect
from importlib import resources
from pathlib import Path

from . import hookspecs

GUIDE = "plugin_guide.md"
HOOKS_MARK = "<!-- hooks -->"
API_MARK = "<!-- api -->"
# Core modules a plugin may import besides the package itself (DESIGN.md: the public API).
SERVICE_MODULES = ("auth", "people", "org", "approvals", "alerts", "audit", "bulk", "calendar", "clock", "dashboard",
                   "demo", "export", "facts", "fmt", "i18n", "jobs", "testing", "tui.screens", "tui.widgets",
                   "validators")


def hook_names() -> list[str]:
    """Every hook of the contract, in the order ``hookspecs.py`` declares them."""
    funcs = [f for name, f in vars(hookspecs).items() if name.startswith("xinyi_") and inspect.isfunction(f)]
    return [f.__name__ for f in sorted(funcs, key=lambda f: f.__code__.co_firstlineno)]


def _signature(fn: object) -> str:
    """The signature as written in ``hookspecs.py`` (annotations are strings there)."""
    return str(inspect.signature(fn)).replace("'", "")


def hook_section(name: str) -> str:
    """One hook: heading, signature and its docstring verbatim."""
    fn = getattr(hookspecs, name)
    doc = inspect.cleandoc(fn.__doc__ or "").strip()
    return f"### `{name}`\n\n```python\n@hookimpl\ndef {name}{_signature(fn)}: ...\n```\n\n{doc}\n"


def hooks_reference() -> str:
    return "\n".join(hook_section(name) for name in hook_names())


# Names whose own docstring is missing or inherited from a library.
_SUMMARIES = {
    "BaseModel": "Base class of every model: the one database, SQLite or PostgreSQL.",
    "database": "The database proxy: `with database.atomic():` for a transaction.",
    "runtime": "The started runtime: `runtime().config`, `runtime().plugins` (`for_town`, `towns_enabling`).",
    "current_month": "`{\"period\": \"YYYY-MM\"}` of the month of `fire_time` (for a schedule's `params`).",
    "ConflictError": "The action clashes with the current state (e.g. already decided); Chinese message.",
    "NotFound": "The record does not exist or is outside the operator's scope; Chinese message.",
    "PermissionDenied": "The operator may not do this (see `auth.require`); Chinese message.",
    "CalendarUnavailable": "The calendar cannot answer for a year (no holiday schedule): decide nothing, never guess.",
    "load_config": "`load_config(path=None)`: the configuration (`xinyi.toml`) without starting the runtime — for a "
                   "`xinyi_cli` command that needs no database (`ctx.obj[\"config\"]` is the `--config` path).",
}


def _summary(obj: object, name: str = "") -> str:
    if name in _SUMMARIES:
        return _SUMMARIES[name]
    own = obj.__dict__.get("__doc__") if inspect.isclass(obj) else getattr(obj, "__doc__", None)
    doc = inspect.cleandoc(own or "")
    first = doc.split("\n\n", 1)[0].replace("\n", " ").strip()
    return first.replace("|", "\\|")


def api_reference() -> str:
    """A table of ``xinyi_core.__all__`` and the core service modules, first docstring line each."""
    import xinyi_core

    rows = ["| Name | What it is |", "| --- | --- |"]
    rows += [f"| `xinyi_core.{n}` | {_summary(getattr(xinyi_core, n), n)} |" for n in sorted(xinyi_core.__all__)
             if n not in ("API_VERSION",)]
    rows.append(f"| `xinyi_core.API_VERSION` | The contract's major version: `\"{xinyi_core.API_VERSION}\"`. |")
    rows += ["", "| Module | What it is for |", "| --- | --- |"]
    for mod in SERVICE_MODULES:
        rows.append(f"| `xinyi_core.{mod}` | {_summary(importlib.import_module(f'xinyi_core.{mod}'))} |")
    return "\n".join(rows) + "\n"


def render() -> str:
    """The whole of ``docs/plugins.md``."""
    guide = resources.files("xinyi_core").joinpath(GUIDE).read_text("utf-8")
    if HOOKS_MARK not in guide or API_MARK not in guide:
        raise ValueError(f"{GUIDE} must contain {HOOKS_MARK} and {API_MARK}")
    text = guide.replace(API_MARK, api_reference().rstrip("\n")).replace(HOOKS_MARK, hooks_reference().rstrip("\n"))
    return text.rstrip("\n") + "\n"


def write(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(), "utf-8")
    return path
