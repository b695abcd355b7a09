"""The plugin contract, enforced on the source of every plugin.

1. **Public API only.** A plugin imports from the core only what ``docs/plugins.md``
   lists: the names of ``xinyi_core.__all__`` and the service modules of
   :data:`xinyi_core.plugindocs.SERVICE_MODULES` (their names without a leading
   underscore). ``xinyi_core.db``, ``xinyi_core.models``, ``xinyi_core.errors``,
   ``xinyi_core.config`` … are the core's own and may change without notice.
2. **Screens read through scoped services.** A screen module (``screens.py``,
   ``dialogs.py``, ``*_screens.py``, the core's ``tui/screens``) never queries a
   model itself (``Model.select/get/get_by_id/get_or_none/raw/…`` or raw SQL on
   the database): a query there by-passes the operator's scope that the
   services enforce. It calls a service or query function that takes the
   operator.

Checked: every built-in plugin, every package under ``examples/`` and the
package ``xinyi plugin new`` generates. The test's own cases below show that
each check fails on a forbidden import or query.
"""
from __future__ import annotations

import ast
import importlib
import textwrap
from dataclasses import dataclass
from pathlib import Path

import peewee as pw
import pytest

import xinyi_core
from xinyi_core import plugindocs

ROOT = Path(__file__).resolve().parents[2]
QUERY_METHODS = {"select", "get", "get_by_id", "get_or_none", "get_or_create", "raw", "update", "delete",
                 "delete_by_id", "insert", "insert_many", "create", "bulk_create", "execute_sql"}



@dataclass(frozen=True)
class Finding:
    module: str
    what: str
    line: int


# --------------------------------------------------------------------------- what is public

def public_modules() -> set[str]:
    return {f"xinyi_core.{m}" for m in plugindocs.SERVICE_MODULES}


def is_public(module: str, name: str | None) -> bool:
    """Whether ``from module import name`` (or ``import module`` when ``name`` is None) is public."""
    mods = public_modules()
    if name is not None and name.startswith("_"):
        return False
    if module == "xinyi_core":
        return name is None or name in xinyi_core.__all__ or f"xinyi_core.{name}" in mods
    if module not in mods:
        return False
    if name is None:
        return True
    full = f"{module}.{name}"
    try:  # a submodule is public only if listed itself
        importlib.import_module(full)
    except ImportError:
        return True
    return full in mods


# --------------------------------------------------------------------------- scanning

def _imports(tree: ast.AST) -> list[tuple[str, str | None, int]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and \
                node.module.split(".")[0] == "xinyi_core":
            out += [(node.module, a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.Import):
            out += [(a.name, None, node.lineno) for a in node.names if a.name.split(".")[0] == "xinyi_core"]
    return out


def import_findings(module: str, source: str) -> list[Finding]:
    """Imports of the core's internals, and private attributes of its public modules."""
    tree = ast.parse(source)
    found = [Finding(module, f"{mod}.{name}" if name else mod, line)
             for mod, name, line in _imports(tree) if not is_public(mod, name)]
    core_aliases = {a.asname or a.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                    and node.module == "xinyi_core" and node.level == 0 for a in node.names
                    if f"xinyi_core.{a.name}" in public_modules()}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__") \
                and isinstance(node.value, ast.Name) and node.value.id in core_aliases:
            found.append(Finding(module, f"{node.value.id}.{node.attr}", node.lineno))
    return found


def _dotted(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _bindings(tree: ast.AST, package: str | None) -> dict[str, tuple[str, str | None]]:
    """Every name a module imports anywhere (module level or inside a function): alias → (module, name)."""
    out: dict[str, tuple[str, str | None]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = (package or "").split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(p for p in [*parts, base] if p)
            for a in node.names:
                out[a.asname or a.name] = (base, a.name)
        elif isinstance(node, ast.Import):
            for a in node.names:
                out[a.asname or a.name.split(".")[0]] = (a.asname and a.name or a.name.split(".")[0], None)
    return out


def _resolve(dotted: str, bindings: dict[str, tuple[str, str | None]]) -> object:
    head, *rest = dotted.split(".")
    if head not in bindings:
        return None
    module, name = bindings[head]
    try:
        obj: object = importlib.import_module(module)
        if name is not None:
            obj = getattr(obj, name, None) or importlib.import_module(f"{module}.{name}")
        for part in rest:
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        return None
    return obj


def query_findings(module: str, source: str, package: str | None) -> list[Finding]:
    """Model queries (``Model.select()`` …) and raw SQL in a screen module's source."""
    tree = ast.parse(source)
    bindings = _bindings(tree, package)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in QUERY_METHODS):
            continue
        receiver = _dotted(node.func.value)
        if receiver is None:
            continue
        obj = _resolve(receiver, bindings)
        is_model = isinstance(obj, type) and issubclass(obj, pw.Model)
        is_db = isinstance(obj, (pw.Database, pw.DatabaseProxy))
        if is_model or is_db:
            found.append(Finding(module, f"{receiver}.{node.func.attr}", node.lineno))
    return found


# --------------------------------------------------------------------------- the packages checked

def plugin_packages(root: Path = ROOT) -> dict[str, Path]:
    out = {p.name: p for p in sorted((root / "plugins").iterdir()) if (p / "__init__.py").is_file()}
    for project in sorted((root / "examples").iterdir()):
        for p in sorted(project.iterdir()) if project.is_dir() else ():
            if (p / "__init__.py").is_file():
                out[p.name] = p
    return out


def modules_of(package: str, folder: Path) -> dict[str, Path]:
    out = {}
    for path in sorted(folder.rglob("*.py")):
        rel = path.relative_to(folder).with_suffix("")
        parts = [package, *rel.parts]
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def is_screen_module(name: str) -> bool:
    """``screens``/``dialogs`` modules, any module of such a package, and the core's ``tui/screens``."""
    parts = name.split(".")
    return any(p in ("screens", "dialogs") or p.endswith("_screens") for p in parts[1:])


def scan(packages: dict[str, Path]) -> tuple[list[Finding], list[Finding]]:
    imports, queries = [], []
    for package, folder in packages.items():
        for name, path in modules_of(package, folder).items():
            source = path.read_text("utf-8")
            imports += import_findings(name, source)
            if is_screen_module(name):
                pkg = name if path.name == "__init__.py" else name.rpartition(".")[0]
                queries += query_findings(name, source, pkg)
    return imports, queries


def _none(findings: list[Finding], what: str) -> None:
    found = sorted(f"{f.module}:{f.line}: {f.what}" for f in findings)
    assert not found, f"{what}:\n  " + "\n  ".join(found)


# --------------------------------------------------------------------------- the checks


def test_plugins_import_only_the_public_api():
    packages = plugin_packages()
    imports, _ = scan(packages)
    _none(imports, "imports of the core's internals (see docs/plugins.md, Public API)")


def test_screens_read_through_scoped_services():
    packages = plugin_packages()
    _, queries = scan(packages)
    _none(queries, "model queries in screen modules (call a scoped service instead)")


def test_core_screens_read_through_scoped_services():
    core = ROOT / "src" / "xinyi_core" / "tui" / "screens"
    found = [f for name, path in modules_of("xinyi_core.tui.screens", core).items()
             for f in query_findings(name, path.read_text("utf-8"),
                                     name if path.name == "__init__.py" else name.rpartition(".")[0])]
    _none(found, "model queries in the core's screens")


def test_a_new_plugin_from_the_scaffold_keeps_the_contract(tmp_path):
    from xinyi_core import scaffold

    project = scaffold.new_plugin("notice", tmp_path, "村居公告")
    packages = {p.name: p for p in project.rglob("*") if p.is_dir() and (p / "__init__.py").is_file()
                and p.name != "tests"}
    imports, queries = scan(packages)
    _none(imports, "imports of the core's internals in the scaffold")
    _none(queries, "model queries in the scaffold's screens")


# --------------------------------------------------------------------------- the checks can fail

BAD_PLUGIN = '''
from xinyi_core import Person, auth, t
from xinyi_core.db import locked
from xinyi_core.models import Alert
from xinyi_core import importer
import xinyi_core.config
from xinyi_core.jobs.specs import period_bounds
from xinyi_core.tui.screens import XinyiScreen

def f(op):
    return auth._town_of(op)
'''

BAD_SCREEN = '''
from xinyi_core import Person, database
from xinyi_core.tui.screens import XinyiScreen

class S(XinyiScreen):
    def load(self):
        from xinyi_core import OrgUnit
        a = Person.get_by_id(1)
        b = OrgUnit.select().where(OrgUnit.kind == "town")
        database.execute_sql("select 1")
        return self.app.operator  # no query
'''


def test_the_import_check_names_each_internal_import():
    found = {f.what for f in import_findings("bad", textwrap.dedent(BAD_PLUGIN))}
    assert found == {"xinyi_core.db.locked", "xinyi_core.models.Alert", "xinyi_core.importer",
                     "xinyi_core.config", "xinyi_core.jobs.specs.period_bounds", "auth._town_of"}


def test_screen_modules_include_the_modules_of_a_screens_package():
    assert is_screen_module("xinyi_x.screens") and is_screen_module("xinyi_x.dialogs")
    assert is_screen_module("xinyi_x.screens.panel") and is_screen_module("xinyi_core.tui.screens.home")
    assert not is_screen_module("xinyi_x.service") and not is_screen_module("xinyi_x.service.reads")


def test_the_screen_check_names_each_query():
    found = {f.what for f in query_findings("bad.screens", textwrap.dedent(BAD_SCREEN), "bad")}
    assert found == {"Person.get_by_id", "OrgUnit.select", "database.execute_sql"}


def test_a_finding_fails_the_check_with_its_place():
    with pytest.raises(AssertionError, match="bad.screens:3: Person.get"):
        _none([Finding("bad.screens", "Person.get", 3)], "x")
    _none([], "x")
