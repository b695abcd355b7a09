"""Issue 17: a listing command never changes the database, and a missing table is explained.

A developer ran ``xinyi plugins``: it created ``./data/xinyi.db`` and applied the new plugin's
migration 1, which she then edited; the app later crashed with only ``程序出错，已退出
（OperationalError）``. Read-only commands now neither create nor migrate a database, and a
missing table names its plugin and says what to do, in Chinese.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from xinyi_core import db, lifecycle, testing
from xinyi_core.cli import cli
from xinyi_core.db import AppliedMigration, database

READ_ONLY = [["plugins"], ["audit"], ["operator", "list"], ["jobs", "list"], ["jobs", "show", "1"]]


def invoke(config: Path, *args: str) -> Result:
    try:
        return CliRunner().invoke(cli, ["--config", str(config), *args])
    finally:
        lifecycle.shutdown()


@pytest.fixture
def config(tmp_path: Path) -> Path:
    testing.make_config(tmp_path)  # writes xinyi.toml: data under tmp_path/data
    return tmp_path / "xinyi.toml"


@pytest.fixture
def site(config: Path) -> Path:
    """An initialised SQLite database with the test city, then closed."""
    testing.start(testing.make_config(config.parent))
    testing.build_city()
    lifecycle.shutdown()
    return config


@pytest.mark.parametrize("args", READ_ONLY + [["audit", "--help"], ["plugins", "--help"]], ids=" ".join)
def test_a_read_only_command_never_creates_a_database(config, args):
    result = invoke(config, *args)
    assert not (config.parent / "data").exists()
    if args == ["plugins"]:  # still lists what is installed
        assert result.exit_code == 0 and "leave 0.1.0" in result.output
        assert "数据库" in result.stderr and "不存在，请先运行 xinyi init" in result.stderr
    elif "--help" not in args:
        assert result.exit_code == 1
        assert f"数据库 {config.parent / 'data' / 'xinyi.db'} 不存在，请先运行 xinyi init" in result.output


def test_a_new_plugins_migration_is_listed_not_applied(site):
    from xinyi_worklog.models import MODELS

    testing.start(testing.make_config(site.parent))  # as if worklog were installed after `xinyi init`
    database.obj.drop_tables(MODELS)
    AppliedMigration.delete().where(AppliedMigration.owner == "worklog").execute()
    lifecycle.shutdown()

    listed = invoke(site, "plugins")
    assert listed.exit_code == 0, listed.output
    assert "worklog 0.1.0  启用：全部镇（街道）" in listed.output  # the towns are still known
    # the core gives the keys (issue 18): the built-ins ask for none, so none is refused
    assert "按键冲突" not in listed.output
    assert "数据库需要升级（worklog 第 1 步“" in listed.stderr and "请先运行 xinyi init" in listed.stderr
    for args in (["jobs", "list"], ["operator", "list"], ["audit"]):
        refused = invoke(site, *args)
        assert refused.exit_code == 1 and "数据库需要升级（worklog 第 1 步“" in refused.output

    lifecycle.bootstrap(testing.make_config(site.parent), migrate=False, pending_ok=True)
    try:
        assert not AppliedMigration.select().where(AppliedMigration.owner == "worklog").exists()
        assert not {m._meta.table_name for m in MODELS} & set(database.obj.get_tables())
    finally:
        lifecycle.shutdown()
    assert invoke(site, "init").exit_code == 0  # the one command that migrates


def test_a_missing_table_names_its_plugin_and_what_to_do(site, tmp_path):
    """The migration is recorded but its table is gone (migration 1 edited after it ran)."""
    testing.start(testing.make_config(site.parent))
    from xinyi_worklog.models import LogEntry

    database.obj.drop_tables([LogEntry])
    lifecycle.shutdown()
    result = invoke(site, "report", "worklog.check", "--period", "2026-11", "--town", "a", "--out", str(tmp_path),
                    "--operator", "city_office")
    assert result.exit_code == 1
    assert (f"表 {LogEntry._meta.table_name} 不存在（插件 worklog）：请运行 xinyi init；"
            "已应用的迁移不能再改，表的改动须写成新的迁移步骤") in result.output
    assert "OperationalError" not in result.output and "Traceback" not in result.output


def test_explain_names_the_owner_of_a_missing_table_on_either_database(restart):
    from xinyi_worklog.models import LogEntry

    from xinyi_core.models import AuditLog

    restart(entry_points=["worklog"])  # its table is named log_entry: found through xinyi_models
    database.obj.drop_tables([LogEntry], cascade=not db.is_sqlite())
    with pytest.raises(Exception) as plugin_table:
        with database.atomic():
            LogEntry.select().count()
    assert str(lifecycle.explain(plugin_table.value)).startswith(
        f"表 {LogEntry._meta.table_name} 不存在（插件 worklog）：请运行 xinyi init")
    database.obj.drop_tables([AuditLog], cascade=not db.is_sqlite())
    with pytest.raises(Exception) as core_table:
        with database.atomic():
            AuditLog.select().count()
    assert str(lifecycle.explain(core_table.value)) == f"表 {AuditLog._meta.table_name} 不存在：数据库不完整，请运行 xinyi init"
    assert lifecycle.explain(ValueError("something else")) is None
