"""Versioned migrations per owner: fresh database, upgrade, refusal of a newer database."""
from __future__ import annotations

import peewee as pw
import pytest
from playhouse.migrate import migrate as run_ops

from xinyi_core import BaseModel, Migration, create_tables, lifecycle, testing
from xinyi_core.db import AppliedMigration, applied_versions
from xinyi_core.errors import MigrationError
from xinyi_core.models import CORE_MIGRATIONS, CORE_MODELS


class ProbeNote(BaseModel):
    person_id = pw.IntegerField()
    text = pw.TextField(default="")


@pytest.fixture
def probe(plugin_module):
    return lambda *a, **kw: _probe(plugin_module, *a, **kw)


def _probe(plugin_module, calls: list[int], versions: int, broken: bool = False):
    """A plugin that ships migrations 1..versions, counting each application."""

    def v1(migrator, db):
        calls.append(1)
        create_tables(ProbeNote)(migrator, db)

    def v2(migrator, db):
        calls.append(2)
        run_ops(migrator.add_column("probe_note", "tag", pw.CharField(max_length=20, default="")))
        if broken:
            raise RuntimeError("磁盘已满")

    steps = [Migration(1, "notes", v1), Migration(2, "note tags", v2)][:versions]
    return {"probe": plugin_module("probe", xinyi_migrations=lambda: steps)}


def columns(db, table: str) -> set[str]:
    return {c.name for c in db.get_columns(table)}


def test_fresh_database_gets_every_table(restart):
    rt = restart()
    db = ProbeNote._meta.database.obj
    assert {m._meta.table_name for m in CORE_MODELS} <= set(db.get_tables())
    assert applied_versions() == {"core": max(m.version for m in CORE_MIGRATIONS)}
    assert rt.plugins.failures == []


def test_upgrade_applies_only_the_new_step_once(restart, probe):
    calls: list[int] = []
    restart(plugin_modules=probe(calls, 1))
    assert applied_versions()["probe"] == 1
    ProbeNote.create(person_id=1, text="升级前的记录")

    restart(plugin_modules=probe(calls, 2))
    assert calls == [1, 2]  # 1 was not re-applied
    db = ProbeNote._meta.database.obj
    assert "tag" in columns(db, "probe_note")
    assert ProbeNote.get().text == "升级前的记录"  # data kept across the upgrade
    rows = list(AppliedMigration.select().where(AppliedMigration.owner == "probe").order_by(AppliedMigration.version))
    assert [(r.version, r.name) for r in rows] == [(1, "notes"), (2, "note tags")]

    restart(plugin_modules=probe(calls, 2))
    assert calls == [1, 2]  # never re-applied on later starts


def test_database_newer_than_code_is_refused(restart, probe, tmp_path, database_url):
    calls: list[int] = []
    restart(plugin_modules=probe(calls, 2))
    with pytest.raises(MigrationError) as exc:
        restart(plugin_modules=probe(calls, 1))
    message = str(exc.value)
    assert "数据库版本比程序新" in message and "probe" in message and "2" in message and "1" in message
    with pytest.raises(Exception):
        lifecycle.runtime()  # nothing half-started
    assert calls == [1, 2]


def test_pending_migrations_refuse_a_start_without_migrate(restart, probe, tmp_path, database_url):
    restart(plugin_modules=probe([], 1))
    lifecycle.shutdown()
    cfg = testing.make_config(tmp_path, database_url)
    with pytest.raises(MigrationError) as exc:
        lifecycle.bootstrap(cfg, plugin_modules=probe([], 2), entry_points=False, migrate=False)
    assert "xinyi init" in str(exc.value)


def test_a_failing_step_is_rolled_back_and_not_recorded(restart, probe):
    calls: list[int] = []
    restart(plugin_modules=probe(calls, 1))
    with pytest.raises(MigrationError) as exc:
        restart(plugin_modules=probe(calls, 2, broken=True))
    assert "probe" in str(exc.value) and "磁盘已满" in str(exc.value)
    restart(plugin_modules=probe(calls, 1))  # still at version 1: the old code starts
    assert applied_versions()["probe"] == 1
    assert "tag" not in columns(ProbeNote._meta.database.obj, "probe_note")
