"""Issue 12: the plugin guide is generated from the contract, and ``xinyi plugin new`` makes a
package that installs, shows up in ``xinyi plugins`` and passes its own tests."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from click.testing import CliRunner

from xinyi_core import hookspecs, plugindocs
from xinyi_core.cli import cli

ROOT = Path(__file__).resolve().parents[2]
# Issue 17 item 4: the one plugin layout, as docs/plugins.md lists it (tests beside the package)
LAYOUT = ("__init__.py", "models.py", "rules.py", "service.py", "screens.py", "dialogs.py", "jobs.py",
          "documents.py", "facts.py", "demo.py", "messages.toml")


def test_committed_guide_is_the_generated_one():
    """docs/plugins.md cannot drift from hookspecs.py: regenerate with `xinyi plugin docs`."""
    assert (ROOT / "docs" / "plugins.md").read_text("utf-8") == plugindocs.render()


def test_guide_documents_every_hook_with_its_docstring_and_the_public_api():
    text = plugindocs.render()
    for name in plugindocs.hook_names():
        assert f"### `{name}`" in text
        first_line = getattr(hookspecs, name).__doc__.strip().splitlines()[0]
        assert first_line in text
    assert len(plugindocs.hook_names()) == len([n for n in vars(hookspecs) if n.startswith("xinyi_")])
    assert "| `xinyi_core.ActorSpec` |" in text and "| `xinyi_core.testing` |" in text
    assert plugindocs.HOOKS_MARK not in text and plugindocs.API_MARK not in text
    assert " |  |" not in plugindocs.api_reference()  # every public name is described


def test_plugin_docs_command_writes_the_guide(tmp_path):
    out = tmp_path / "plugins.md"
    result = CliRunner().invoke(cli, ["plugin", "docs", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "插件开发指南已生成" in result.output
    assert out.read_text("utf-8") == plugindocs.render()


@pytest.mark.parametrize("name, message", [("Roster", "不合规"), ("x", "不合规"), ("leave", "已被已安装的插件使用")])
def test_plugin_new_refuses_a_bad_or_taken_name(tmp_path, name, message):
    result = CliRunner().invoke(cli, ["plugin", "new", name, "--dir", str(tmp_path)])
    assert result.exit_code == 1 and message in result.output
    assert not any(tmp_path.iterdir())


def test_the_guide_shows_the_layout_the_scaffold_makes(tmp_path):
    """Issue 17: the guide listed rules.py and demo.py, the scaffold made neither and nested the package
    one level deeper than the guide showed. The guide's tree is now what `xinyi plugin new` writes."""
    result = CliRunner().invoke(cli, ["plugin", "new", "roster", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    made = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    tree, stack = set(), []
    block = plugindocs.render().split("```text\n", 1)[1].split("```", 1)[0]
    for line in block.splitlines():
        name = line.split("── ", 1)[-1].split()[0] if "── " in line else line.split()[0]
        depth = 0 if "── " not in line else len(line.split("── ", 1)[0]) // 4 + 1
        stack[depth:] = [name.rstrip("/")]
        if not name.endswith("/"):
            tree.add("/".join(stack))
    assert tree == {f for f in made if not f.startswith("xinyi_roster/tests/")}
    assert {f"xinyi_roster/xinyi_roster/{f}" for f in LAYOUT} <= made and "xinyi_roster/tests/conftest.py" in made


def _layered_venv(path: Path) -> Path:
    """A throw-away venv that sees this one's packages: installing into it leaves the shared venv alone
    (other test runs in this venv would otherwise load the generated plugin meanwhile)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    python = path / "bin" / "python"
    child = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                           check=True, capture_output=True, text=True).stdout.strip()
    Path(child, "xinyi_parent.pth").write_text(f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")
    return python


def test_generated_plugin_installs_is_listed_and_passes_its_own_tests(tmp_path):
    result = CliRunner().invoke(cli, ["plugin", "new", "roster", "--dir", str(tmp_path), "--title", "值班登记"])
    assert result.exit_code == 0, result.output
    project = tmp_path / "xinyi_roster"
    assert {p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()} == {
        "pyproject.toml", "tests/conftest.py", "tests/test_roster.py", "tests/test_rules.py",
        *(f"xinyi_roster/{f}" for f in LAYOUT)}
    python = _layered_venv(tmp_path / "venv")
    env = {k: v for k, v in os.environ.items() if k not in ("XINYI_TEST_POSTGRES_URL", "XINYI_CONFIG")}
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "-e",
                    str(project)], check=True, capture_output=True, env=env)

    tests = subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project,
                           capture_output=True, text=True, env=env)
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert "9 passed" in tests.stdout

    site = tmp_path / "site"  # not tmp_path: there the project folder would shadow the installed package
    site.mkdir()
    (site / "xinyi.toml").write_text('[paths]\ndata_dir = "data"\n[towns]\nfile = "towns.toml"\n', "utf-8")
    listed = subprocess.run([str(python), "-m", "xinyi_core.cli", "--config", str(site / "xinyi.toml"), "plugins"],
                            capture_output=True, text=True, env=env, cwd=site)
    assert listed.returncode == 0, listed.stderr
    assert "roster 0.1.0" in listed.stdout
    assert "xinyi_schedules" in listed.stdout and "xinyi_screens" in listed.stdout


@pytest.mark.parametrize("package", [ROOT / "examples" / "xinyi_duty_roster" / "xinyi_duty_roster",
                                     ROOT / "src" / "xinyi_core" / "plugin_template" / "package"])
def test_example_and_template_import_only_the_documented_public_api(package):
    """The guide is enough: plugin code imports xinyi_core and the modules the guide lists, nothing else."""
    allowed = {"xinyi_core", *(f"xinyi_core.{m}" for m in plugindocs.SERVICE_MODULES)}
    seen = set()
    for path in package.iterdir():
        if path.name.endswith((".py", ".py.tmpl")):
            source = path.read_text("utf-8").replace("{{name}}", "x").replace("{{Name}}", "X")
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module.startswith("xinyi"):
                    seen.add(node.module)
    assert seen and seen <= allowed, seen - allowed
