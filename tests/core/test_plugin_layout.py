"""One plugin layout, the same in every plugin (docs/plugins.md, "Layout").

A reader who knows one plugin finds her way in all of them: the same module
names mean the same thing everywhere. A plugin package holds only these
modules (each may be a package of the same name when it outgrows one file):

``__init__`` hook implementations only · ``models`` · ``rules`` (pure) ·
``service`` (writes and scoped reads) · ``screens`` + ``dialogs`` (edit
screens) · ``jobs`` · ``documents`` (printed forms and reports) · ``facts``
(answers to the calendar-marks, month-facts, assessment-facts and duty hooks)
· ``demo`` · ``cli`` (``xinyi_cli`` commands).

Checked: every built-in plugin, every package under ``examples/`` and what
``xinyi plugin new`` generates. The test's own cases show each check failing.
"""
from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from test_plugin_contract import plugin_packages  # noqa: E402 - the same set of packages

LAYOUT = ("__init__", "models", "rules", "service", "screens", "dialogs", "jobs", "documents", "facts", "demo",
          "cli")
FACT_HOOKS = ("xinyi_calendar_marks", "xinyi_month_facts", "xinyi_assessment_facts", "xinyi_duty_refusals",
              "xinyi_calendar_marks_bulk", "xinyi_month_facts_bulk", "xinyi_assessment_facts_bulk")



def layout_findings(package: str, folder: Path) -> list[tuple[str, str]]:
    """(package, what is wrong) for each module outside the layout and each misplaced hook answer."""
    out = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith((".", "__pycache__")) or entry.suffix in (".toml", ".tcss", ".md"):
            continue
        name = entry.stem if entry.suffix == ".py" else entry.name
        if entry.is_dir() and not (entry / "__init__.py").is_file():
            continue
        if name not in LAYOUT:
            out.append((package, f"module {name}"))
    init = folder / "__init__.py"
    out += [(package, what) for what in init_findings(init.read_text("utf-8"))]
    return out


def _is_hookimpl(fn: ast.FunctionDef) -> bool:
    return any((isinstance(d, ast.Name) and d.id == "hookimpl") or
               (isinstance(d, ast.Call) and isinstance(d.func, ast.Name) and d.func.id == "hookimpl")
               for d in fn.decorator_list)


def init_findings(source: str) -> list[str]:
    """``__init__`` holds hook implementations only; fact hooks answer from ``facts``."""
    out = []
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if isinstance(node, ast.ClassDef) or not _is_hookimpl(node):
                out.append(f"__init__ defines {node.name}")
            elif node.name in FACT_HOOKS and not _uses_facts(node):
                out.append(f"{node.name} does not answer from facts")
    return out


def _uses_facts(fn: ast.FunctionDef) -> bool:
    for node in ast.walk(fn):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and (
                node.module == "facts" or (node.module is None and any(a.name == "facts" for a in node.names))):
            return True
    return False


def _none(found: list[tuple[str, str]]) -> None:
    out = sorted(f"{p}: {w}" for p, w in found)
    assert not out, "outside the plugin layout (docs/plugins.md):\n  " + "\n  ".join(out)


def test_every_plugin_follows_the_one_layout():
    packages = plugin_packages()
    found = [f for package, folder in packages.items() for f in layout_findings(package, folder)]
    _none(found)


def test_the_scaffold_generates_the_layout(tmp_path):
    from xinyi_core import scaffold

    project = scaffold.new_plugin("notice", tmp_path, "村居公告")
    folder = next(p for p in project.rglob("__init__.py") if p.parent.name == "xinyi_notice").parent
    assert layout_findings("xinyi_notice", folder) == []
    made = {p.stem for p in folder.glob("*.py")}
    assert made == set(LAYOUT) - {"cli"}  # every role, so a new plugin starts in the layout


def test_the_layout_check_fails_on_a_stray_module_and_a_misplaced_answer(tmp_path):
    pkg = tmp_path / "xinyi_bad"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(textwrap.dedent('''
        from xinyi_core import hookimpl

        def helper():
            return 1

        @hookimpl
        def xinyi_calendar_marks(person, start, end):
            from .query import marks
            return marks(person, start, end)

        @hookimpl
        def xinyi_month_facts(person, year, month):
            from . import facts
            return facts.month(person, year, month)
    '''), "utf-8")
    for name in ("query.py", "forms.py", "models.py", "messages.toml"):
        (pkg / name).write_text("", "utf-8")
    assert sorted(layout_findings("xinyi_bad", pkg)) == [
        ("xinyi_bad", "__init__ defines helper"), ("xinyi_bad", "module forms"), ("xinyi_bad", "module query"),
        ("xinyi_bad", "xinyi_calendar_marks does not answer from facts")]
    with pytest.raises(AssertionError, match="xinyi_bad: module query"):
        _none(layout_findings("xinyi_bad", pkg))
