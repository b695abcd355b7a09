"""The scoring scheme as data (ASM-5): the official 附件1 transcribed, validated on load."""
from __future__ import annotations

import copy
import tomllib

import pytest
import xinyi_assessment  # noqa: F401  (registers the catalogue)
from click.testing import CliRunner
from xinyi_assessment import cli, rules
from xinyi_assessment.rules import scheme

from xinyi_core import ValidationError
from xinyi_core import cli as core_cli

OFFICIAL = tomllib.loads(scheme.DEFAULT.read_text("utf-8"))
ASM5_POINTS = {4: 2, 5: 4, 6: 6, 7: 11, 8: 5, 9: 11, 10: 2, 11: 10, 12: 4, 13: 4, 14: 2, 15: 3,
               16: 5, 17: 4, 18: 3, 19: 2, 20: 6, 21: 8, 22: 3, 23: 2, 24: 3}


def official() -> dict:
    return copy.deepcopy(OFFICIAL)


def test_asm5_the_official_sheet_has_three_vetoes_and_items_4_to_24_with_their_points():
    s = scheme.parse(official())
    assert [v.no for v in s.vetoes] == [1, 2, 3]  # ASM-4
    assert {i.no: i.points for i in s.items} == ASM5_POINTS
    assert sum(i.points for i in s.items) == 100
    assert [(x.title, x.stated_total, x.items_total) for x in s.sections] == [
        ("二、基础工作", 28, 39), ("三、就业服务管理工作", 25, 25), ("四、社保工作", 28, 28), ("五、社保卡管理工作", 8, 8)]


def test_asm5_basic_work_stated_28_against_items_39_is_reported_not_hidden():
    s = scheme.parse(official())
    assert len(s.findings) == 1
    assert s.findings[0].message == "“二、基础工作”表头写 28 分，但其各项合计 39 分：以各项分值为准，请核对方案"
    fixed = official()
    fixed["sections"][0]["stated_total"] = 39
    assert scheme.parse(fixed).findings == ()


def test_asm5_the_cli_shows_the_finding():
    runner = CliRunner()
    cli.register(core_cli.cli)
    result = runner.invoke(core_cli.cli, ["assessment-scheme", "--file", str(scheme.DEFAULT)])
    assert result.exit_code == 0, result.output
    assert "二、基础工作：表头 28 分，各项合计 39 分" in result.output
    assert "发现：“二、基础工作”表头写 28 分，但其各项合计 39 分" in result.output


def test_asm5_points_not_summing_to_100_refuse_the_file():
    bad = official()
    bad["sections"][1]["items"][0]["points"] = 3  # item 10: 2 → 3
    with pytest.raises(scheme.SchemeError) as err:
        scheme.parse(bad)
    assert "各项分值合计 101 分，应为 100 分" in str(err.value)


def test_asm5_a_single_deduction_larger_than_its_item_is_refused():
    bad = official()
    bad["sections"][0]["items"][0]["deductions"][1]["per_unit"] = 3  # item 4 is worth 2
    with pytest.raises(scheme.SchemeError) as err:
        scheme.parse(bad)
    assert "每次扣分须在 0 到本项分值 2 分之间" in str(err.value)


def test_a_deduction_rule_must_be_per_unit_or_whole_and_facts_must_name_a_rule():
    bad = official()
    bad["sections"][0]["items"][2]["deductions"][0]["per_unit"] = 1  # whole and per-unit at once
    with pytest.raises(scheme.SchemeError):
        scheme.parse(bad)
    bad = official()
    bad["sections"][0]["items"][0]["facts"] = {"WORK-2": "nope"}
    with pytest.raises(scheme.SchemeError) as err:
        scheme.parse(bad)
    assert "扣分规则“nope”不存在" in str(err.value)


def test_a_newer_scheme_loads_without_code_changes(tmp_path):
    text = scheme.DEFAULT.read_text("utf-8")
    text = (text.replace('version = "2019"', 'version = "2027"').replace("stated_total = 28\n", "stated_total = 39\n", 1)
            .replace("points = 8\n", "points = 6\n").replace("stated_total = 28\n", "stated_total = 26\n")
            .replace("stated_total = 8\n", "stated_total = 10\n"))
    text += '\n[[sections.items]]\nno = 25\nname = "新增项目"\npoints = 2\n' \
            'deductions = [{ key = "x", label = "未完成", whole = true }]\n'
    path = tmp_path / "scheme-2027.toml"
    path.write_text(text, "utf-8")
    s = scheme.load(path)
    assert s.version == "2027" and s.item(25).points == 2 and s.item(21).points == 6 and s.findings == ()


def test_asm5_item_bounds_hold_whatever_is_deducted():
    s = scheme.parse(official())
    item4 = s.item(4)
    thin = item4.deduction("thin")
    assert rules.deduction_points(item4, thin, 3) == 1.5
    assert rules.item_score(item4, [rules.deduction_points(item4, thin, 3)]) == 0.5
    assert rules.item_score(item4, [1.5, 1.5, 1.5]) == 0  # never below 0
    assert rules.item_score(item4, []) == 2 and rules.item_score(item4, [-5]) == 2  # never above its points
    assert rules.deduction_points(item4, item4.deduction("missing"), 1) == 2  # the whole item
    item11 = s.item(11)
    assert rules.deduction_points(item11, item11.deduction("no_posting"), 4) == 3  # at most once: 扣3分
    with pytest.raises(ValidationError):
        rules.deduction_points(item4, thin, -1)


def test_a_town_can_be_pointed_at_its_own_scheme_file(tmp_path):
    from xinyi_core import config

    (tmp_path / "xinyi.toml").write_text(
        '[settings.assessment]\ntown_schemes = { b = "schemes/b.toml" }\n', "utf-8")
    cfg = config.load(tmp_path / "xinyi.toml")
    assert scheme.path_for("b", cfg) == tmp_path / "schemes" / "b.toml"
    assert scheme.path_for("a", cfg) == scheme.DEFAULT  # nothing beside xinyi.toml: the shipped sheet
    (tmp_path / "assessment_scheme.toml").write_text(scheme.DEFAULT.read_text("utf-8"), "utf-8")
    assert scheme.path_for("a", cfg) == tmp_path / "assessment_scheme.toml"


def test_the_regulations_sheet_ships_inside_the_plugin_package():
    """A town that installs xinyi (``pip install .``) and keeps its xinyi.toml anywhere still scores on the
    regulation's sheet: the default file is package data of xinyi_assessment, not a file of the source tree
    (it was ``config/``, found only beside a checkout: a city elsewhere lost its assessment demo and sheets)."""
    import fnmatch
    import tomllib
    from pathlib import Path

    import xinyi_assessment

    package = Path(xinyi_assessment.__file__).parent
    assert scheme.DEFAULT.parent == package and scheme.DEFAULT.is_file()
    root = Path(__file__).resolve().parents[3]
    data = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["package-data"]
    patterns = data.get("*", []) + data.get("xinyi_assessment", [])
    assert any(fnmatch.fnmatch(scheme.FILE_NAME, pattern) for pattern in patterns)  # what pip installs with it


def test_the_installed_command_lists_and_runs_a_plugins_command_beside_the_core_ones(tmp_path):
    """``xinyi`` as typed: a plugin's command is in ``--help`` and runs, even though a core
    command (``xinyi report …``) now starts without loading the plugins' commands."""
    import subprocess
    import sys

    def xinyi(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "xinyi_core.cli", *args], capture_output=True, text=True,
                              cwd=tmp_path, timeout=60)

    listed = xinyi("--help")
    assert listed.returncode == 0, listed.stderr
    assert "assessment-scheme" in listed.stdout and "report" in listed.stdout
    shown = xinyi("-v", "assessment-scheme", "--file", str(scheme.DEFAULT))
    assert shown.returncode == 0, shown.stderr
    assert "二、基础工作：表头 28 分，各项合计 39 分" in shown.stdout
    core = xinyi("report", "--help")  # a core command: its own help, no plugin needed
    assert core.returncode == 0 and "--period" in core.stdout
