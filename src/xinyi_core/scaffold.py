"""``xinyi plugin new``: a working plugin package from the templates in ``plugin_template/``.

The generated package follows the layout of ``docs/plugins.md`` (a model with
its migration, a screen, a scheduled actor, messages, a test) and installs
with ``pip install -e``. Template files end in ``.tmpl`` so that neither
setuptools nor pytest mistakes them for code of the core.
"""
from __future__ import annotations

import re
from importlib import resources
from importlib.abc import Traversable
from pathlib import Path

from .errors import XinyiError
from .plugins import installed

TEMPLATE = "plugin_template"
NAME_RE = re.compile(r"^[a-z][a-z0-9_]{1,30}$")


def check_name(name: str) -> None:
    """A plugin name is a lowercase identifier not already taken by an installed plugin."""
    if not NAME_RE.match(name) or name.endswith("_"):
        raise XinyiError("plugindev.bad_name", name=name)
    if name in {point[0] for point in installed()}:
        raise XinyiError("plugindev.name_taken", name=name)


def _target(rel: str, name: str) -> str:
    """Where a template file lands: ``package/`` is the Python package, ``NAME`` the plugin name."""
    rel = rel.removesuffix(".tmpl").replace("NAME", name)
    return f"xinyi_{name}/{rel[len('package/'):]}" if rel.startswith("package/") else rel


def _walk(folder: Traversable, prefix: str = "") -> list[tuple[str, Traversable]]:
    out = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            out += _walk(entry, f"{prefix}{entry.name}/")
        elif entry.name.endswith(".tmpl"):
            out.append((prefix + entry.name, entry))
    return out


def new_plugin(name: str, parent: Path, title: str) -> Path:
    """Write the project ``parent/xinyi_<name>/`` and return its path."""
    check_name(name)
    project = parent / f"xinyi_{name}"
    if project.exists():
        raise XinyiError("plugindev.exists", path=str(project))
    values = {"{{name}}": name, "{{Name}}": "".join(p.capitalize() for p in name.split("_")), "{{title}}": title}
    for rel, source in _walk(resources.files("xinyi_core").joinpath(TEMPLATE)):
        text = source.read_text("utf-8")
        for key, value in values.items():
            text = text.replace(key, value)
        path = project / _target(rel, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    return project
