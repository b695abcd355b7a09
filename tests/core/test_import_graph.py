"""No import cycles among the modules of the core and of every plugin package.

The graph is read from the source (``ast``), not from ``sys.modules``, so it
sees every import statement wherever it stands: at module level, inside a
function, or under ``if TYPE_CHECKING:``. A deferred (function-level) import
breaks a cycle only at run time; in the design the two modules still depend
on each other, which is why such imports were written in the first place
("late: X imports this module"). So they count here. A deferred import that
is no part of a cycle — kept for start-up cost, such as the queue's dramatiq
— is fine.

An edge goes from a module to the module it names: ``from . import audit``
and ``from .audit import record`` both point at ``xinyi_core.audit``;
``from xinyi_core import t`` points at the package ``xinyi_core`` (its
``__init__``). Importing ``a.b.c`` is no edge to ``a`` or ``a.b``, although
Python runs their ``__init__`` first: that is import order, not what the
importing code uses (and every ``xinyi_core.x`` would otherwise depend on
``xinyi_core/__init__``, which imports the public API from those very
modules). The one deferred import kept for that order is in
``xinyi_core.models``: it creates the job tables of ``xinyi_core.jobs.models``,
whose package ``__init__`` (the job service) imports ``xinyi_core.models``.

The same check from the command line, for a developer who wants the list::

    .venv/bin/python tests/core/test_import_graph.py
"""
from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Cycles known and tolerated, listed so that the test still fails on any *new* cycle; it
# also fails when one of these disappears, so that this set only shrinks. The plugin-layout
# work (issue 17, item 4) removed the last ones (assessment's and training's screen modules
# importing each other): it is empty, and any cycle now fails.
KNOWN: set[frozenset[str]] = set()


def package_roots(root: Path = ROOT) -> dict[str, Path]:
    """Every package whose modules are checked: the core, the built-in plugins, the examples."""
    roots = {"xinyi_core": root / "src" / "xinyi_core"}
    for folder in sorted((root / "plugins").iterdir()):
        if (folder / "__init__.py").is_file():
            roots[folder.name] = folder
    for project in sorted((root / "examples").iterdir()):  # examples/<project>/<package>/
        for folder in sorted(project.iterdir()) if project.is_dir() else ():
            if (folder / "__init__.py").is_file():
                roots[folder.name] = folder
    return roots


def modules(roots: dict[str, Path]) -> dict[str, tuple[Path, bool]]:
    """Dotted module name → (file, is a package ``__init__``)."""
    found = {}
    for name, folder in roots.items():
        for path in sorted(folder.rglob("*.py")):
            parts = [name, *path.relative_to(folder).with_suffix("").parts]
            is_package = parts[-1] == "__init__"
            if is_package:
                parts.pop()
            found[".".join(parts)] = (path, is_package)
    return found


def _known_module(name: str, known: dict[str, tuple[Path, bool]]) -> str | None:
    """``name`` itself if it is a checked module, else its nearest checked parent (a name
    imported from a package: ``xinyi_core.jobs.submit`` → ``xinyi_core.jobs``)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(roots: dict[str, Path]) -> dict[str, dict[str, list[int]]]:
    """Module → the checked modules it imports → the line numbers of those imports."""
    known = modules(roots)
    graph: dict[str, dict[str, list[int]]] = {}
    for module, (path, is_package) in known.items():
        edges = graph.setdefault(module, {})
        here = module if is_package else module.rpartition(".")[0]  # what "." means in this file
        for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    package = here
                    for _ in range(node.level - 1):
                        package = package.rpartition(".")[0]
                    base = f"{package}.{base}" if base else package
                targets = [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for target in targets:
                found = _known_module(target, known)
                if found is not None and found != module:
                    edges.setdefault(found, []).append(node.lineno)
    return graph


def cycles(graph: dict[str, dict[str, list[int]]]) -> set[frozenset[str]]:
    """The strongly connected components with more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: set[frozenset[str]] = set()
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph.get(start, ())))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = len(index)
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(graph.get(succ, ()))))
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.add(frozenset(component))
    return found


def describe(component: frozenset[str], graph: dict[str, dict[str, list[int]]]) -> str:
    """The edges inside one cycle, with line numbers, for the failure message."""
    lines = []
    for module in sorted(component):
        for target, at in sorted(graph[module].items()):
            if target in component:
                lines.append(f"  {module} → {target} (line {', '.join(map(str, sorted(set(at))))})")
    return "\n".join(lines)


# --------------------------------------------------------------------------- the repository


def test_the_core_and_the_plugins_have_no_import_cycle_beyond_the_known_ones():
    graph = import_graph(package_roots())
    found = cycles(graph)
    new = found - KNOWN
    assert not new, "import cycles:\n" + "\n\n".join(describe(c, graph) for c in sorted(new, key=sorted))


def test_every_known_plugin_cycle_still_exists_so_the_known_list_only_shrinks():
    gone = KNOWN - cycles(import_graph(package_roots()))
    assert not gone, f"no longer cycles, delete them from KNOWN: {[sorted(c) for c in gone]}"


def test_the_graph_covers_the_core_every_builtin_plugin_and_the_example():
    roots = package_roots()
    assert {"xinyi_core", "xinyi_attendance", "xinyi_leave", "xinyi_worklog", "xinyi_assessment",
            "xinyi_departure", "xinyi_training", "xinyi_duty_roster"} <= set(roots)
    graph = import_graph(roots)
    assert "xinyi_core.audit" in graph["xinyi_core.people"]  # a plain `from . import audit`
    assert "xinyi_core.lifecycle" in graph["xinyi_core"]  # `from .lifecycle import runtime` in a package
    assert "xinyi_core.tui.app" in graph["xinyi_core.cli"]  # imported inside a function
    assert "xinyi_core" in graph["xinyi_leave.service"]  # a plugin's `from xinyi_core import …`


# --------------------------------------------------------------------------- the checker itself


def _package(tmp_path: Path, files: dict[str, str]) -> dict[str, Path]:
    folder = tmp_path / "pkg"
    for name, source in {"__init__.py": "", **files}.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source), "utf-8")
    return {"pkg": folder}


@pytest.mark.parametrize("graph, expected", [
    ({"a": {"b": [1]}, "b": {"a": [1]}}, {frozenset({"a", "b"})}),
    ({"a": {"b": [1]}, "b": {"c": [1]}, "c": {}}, set()),
    ({"a": {"b": [1]}, "b": {"c": [1]}, "c": {"a": [1]}, "d": {"a": [1]}}, {frozenset({"a", "b", "c"})}),
    ({"a": {"b": [1]}, "b": {"a": [1]}, "c": {"d": [1]}, "d": {"c": [1]}},
     {frozenset({"a", "b"}), frozenset({"c", "d"})}),
])
def test_cycles_are_found_in_a_tiny_graph(graph, expected):
    assert cycles(graph) == expected


def test_a_cycle_hidden_in_a_function_level_import_is_found(tmp_path):
    roots = _package(tmp_path, {
        "low.py": """
            def helper():
                from . import high  # late: high imports this module
                return high.VALUE
        """,
        "high.py": "from .low import helper\nVALUE = 1\n",
    })
    graph = import_graph(roots)
    assert cycles(graph) == {frozenset({"pkg.low", "pkg.high"})}
    assert graph["pkg.low"]["pkg.high"] == [3]


def test_relative_absolute_and_package_level_imports_are_all_edges(tmp_path):
    roots = _package(tmp_path, {
        "sub/__init__.py": "from ..base import X\n",
        "sub/leaf.py": "import pkg.base\nfrom .. import other\n",
        "base.py": "X = 1\n",
        "other.py": "from pkg.sub import leaf\n",
    })
    graph = import_graph(roots)
    assert set(graph["pkg.sub"]) == {"pkg.base"}
    assert set(graph["pkg.sub.leaf"]) == {"pkg.base", "pkg.other"}
    assert set(graph["pkg.other"]) == {"pkg.sub.leaf"}
    assert cycles(graph) == {frozenset({"pkg.sub.leaf", "pkg.other"})}


def test_a_layered_package_has_no_cycle(tmp_path):
    roots = _package(tmp_path, {
        "low.py": "VALUE = 1\n",
        "mid.py": "from .low import VALUE\n",
        "high.py": "from . import low, mid\n\ndef f():\n    from .mid import VALUE\n    return VALUE\n",
    })
    assert cycles(import_graph(roots)) == set()


if __name__ == "__main__":  # the documented command: print every cycle
    g = import_graph(package_roots())
    for c in sorted(cycles(g), key=sorted):
        print(("known (plugin layout):\n" if c in KNOWN else "cycle:\n") + describe(c, g) + "\n")
