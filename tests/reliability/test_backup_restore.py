"""``xinyi backup`` while operators write, and ``xinyi restore`` that checks before it replaces (issue 11).

Everything goes through the installed ``xinyi`` command in a subprocess, on a
real SQLite file; the writers are real operator processes (see
_concurrency_driver.py) saving people and filing leave through the services.
"""
from __future__ import annotations

import hashlib
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from _concurrency_driver import leave_slots, new_operator, new_person, run_operators

from xinyi_core import lifecycle, people, testing
from xinyi_core.models import Operator

XINYI = str(Path(sys.executable).with_name("xinyi"))
sqlite_only = pytest.mark.parametrize("backend", ["sqlite"])


def site(tmp_path: Path, url: str) -> Path:
    """A configuration file for the command, on the test's database."""
    config = tmp_path / "site.toml"
    config.write_text(f'[paths]\ndata_dir = "data"\n[towns]\nfile = "towns.toml"\n[database]\nurl = "{url}"\n', "utf-8")
    return config


def xinyi_cmd(config: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XINYI_")}
    env["XINYI_CONFIG"] = str(config)
    proc = subprocess.run([XINYI, *args], env=env, capture_output=True, text=True, timeout=60, cwd=config.parent)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def invariants(path: Path) -> dict[str, int]:
    """Check what the writers keep true inside each of their transactions; return the counts."""
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        # people.update: the new version and its audit row commit together
        versions = con.execute("SELECT p.version - 1, (SELECT COUNT(*) FROM audit_log a WHERE a.action = "
                               "'people.update' AND a.person_id = p.id) FROM person p").fetchall()
        assert all(v == n for v, n in versions), versions
        # leave.apply: the slip, its chain with its steps and the audit row commit together
        leaves = con.execute("SELECT COUNT(*) FROM leave_request").fetchone()[0]
        chains = con.execute("SELECT COUNT(*) FROM approval_chain WHERE kind = 'leave' AND EXISTS "
                             "(SELECT 1 FROM approval_step s WHERE s.chain_id = approval_chain.id)").fetchone()[0]
        applied = con.execute("SELECT COUNT(*) FROM audit_log WHERE action = 'leave.apply'").fetchone()[0]
        assert leaves == chains == applied
        return {"edits": sum(n for _, n in versions), "leaves": leaves,
                "people": con.execute("SELECT COUNT(*) FROM person").fetchone()[0]}
    finally:
        con.close()


def digest(folder: Path, skip: str) -> dict[str, str]:
    """Every file under ``folder`` but those under ``skip``, and a hash of its bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and skip not in p.relative_to(folder).parts}


# --------------------------------------------------------------------------- backup under writes

@sqlite_only
def test_backup_while_six_operators_write_is_a_consistent_copy_the_app_opens(xinyi, tmp_path, database_url):
    city = testing.build_city()
    rng = random.Random(3)
    stop = tmp_path / "stop"
    specs = []
    for proc, (code, role, username) in enumerate([("a", "town_clerk", None), ("a", "town_head", None),
                                                   ("a", "town_head", "head2_a"), ("b", "town_clerk", None),
                                                   ("b", "town_head", None), ("b", "town_head", "head2_b")]):
        town = city.towns[0 if code == "a" else 1]
        op = new_operator(username, role, town) if username else city.op(role, code)
        targets = [new_person(rng, city.villages[code][1])]
        specs.append({"proc": proc, "operator": op.id, "activities": ["edit_own", "apply"], "seconds": 60,
                      "stop": str(stop), "config": str(tmp_path / "xinyi.toml"), "url": database_url,
                      "out": str(tmp_path / f"out-{proc}.json"), "own_person": targets[0].id,
                      "leave_slots": {targets[0].id: leave_slots(rng, town)}})
    config = site(tmp_path, database_url)
    copies = [tmp_path / "copies" / f"copy-{i}.db" for i in range(3)]

    def back_up_three_times() -> list[subprocess.CompletedProcess]:
        try:
            return [xinyi_cmd(config, "backup", str(copy)) for copy in copies]
        finally:
            stop.touch()  # the writers stop only now: every copy was taken mid-write

    results, runs = run_operators(specs, while_running=back_up_three_times)
    for copy, run in zip(copies, runs):
        assert run.returncode == 0 and f"备份完成：{copy}" in run.stdout
    final = invariants(Path(database_url[len("sqlite:///"):]))
    counts = [invariants(copy) for copy in copies]
    edits = [c["edits"] for c in counts] + [final["edits"]]
    assert edits == sorted(edits) and len(set(edits)) == 4  # each copy a later moment, all before the end
    assert final["edits"] == sum(1 for r in results for o in r["outcomes"] if o["act"] == "edit_own" and o.get("ok"))

    lifecycle.shutdown()
    for copy, count in zip(copies, counts):  # each copy starts as the app, needing no upgrade
        cfg = testing.make_config(copy.parent, f"sqlite:///{copy}")
        lifecycle.bootstrap(cfg, migrate=False)
        try:
            office = Operator.get(Operator.username == "city_office")
            assert people.visible(office).count() == count["people"]
        finally:
            lifecycle.shutdown()


@pytest.mark.skipif(not os.environ.get(testing.PG_ENV), reason="needs XINYI_TEST_POSTGRES_URL")
@pytest.mark.parametrize("backend", ["postgres"])
def test_on_postgresql_backup_and_restore_point_to_pg_dump_and_pg_restore(xinyi, tmp_path, database_url):
    config = site(tmp_path, database_url)
    for args, tool in ((["backup", str(tmp_path / "b.db")], "pg_dump"), (["restore", str(tmp_path / "b.db")],
                                                                         "pg_restore")):
        run = xinyi_cmd(config, *args)
        errors = [line for line in run.stderr.splitlines() if line.startswith("错误：")]
        assert run.returncode == 1 and len(errors) == 1 and tool in errors[0]
    assert not (tmp_path / "b.db").exists()


# --------------------------------------------------------------------------- restore

@sqlite_only
def test_restore_puts_a_good_backup_back_and_keeps_what_it_replaced(xinyi, tmp_path, database_url):
    city = testing.build_city()
    config = site(tmp_path, database_url)
    live = Path(database_url[len("sqlite:///"):])
    backup = tmp_path / "good.db"
    assert xinyi_cmd(config, "backup", str(backup)).returncode == 0
    person = city.people["a"][0]
    people.update(city.op("town_clerk", "a"), person.id, {"phone": "13800000001"})  # after the backup

    refused = xinyi_cmd(config, "restore", str(backup))  # this test process still has the database open
    assert refused.returncode == 1 and "正在使用中" in refused.stderr and "未做任何更改" in refused.stderr
    assert not (tmp_path / "data" / "backups").exists()
    lifecycle.shutdown()  # every operator has left

    done = xinyi_cmd(config, "restore", str(backup))
    assert done.returncode == 0, done.stderr
    kept = Path(re.search(r"恢复前的数据库已另存为：(.+)", done.stdout).group(1))
    assert f"恢复完成：{live}" in done.stdout and kept.parent == tmp_path / "data" / "backups"
    assert sorted(p.name for p in live.parent.iterdir() if p.name.startswith((live.name, "." + live.name))) == [
        live.name]  # no temporary file, no stale -wal/-shm

    testing.start(testing.make_config(tmp_path, database_url))  # the app starts on the restored data
    try:
        assert people.get(city.op("town_clerk", "a"), person.id).phone == person.phone  # the backup's
    finally:
        lifecycle.shutdown()
    con = sqlite3.connect(kept)  # and what was replaced is kept, with the later edit
    try:
        assert con.execute("SELECT phone FROM person WHERE id = ?", (person.id,)).fetchone() == ("13800000001",)
    finally:
        con.close()


def _corrupt_a_page(path: Path) -> None:
    """Zero the first page of the person table's b-tree (a damaged disk sector)."""
    con = sqlite3.connect(path)
    page_size = con.execute("PRAGMA page_size").fetchone()[0]
    root = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'person'").fetchone()[0]
    con.close()
    with open(path, "r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(b"\0" * page_size)


def _newer(path: Path) -> None:
    """A backup made by a newer program: one more core migration than this install knows."""
    con = sqlite3.connect(path)
    con.execute("INSERT INTO xinyi_migration (owner, version, name, applied_at) "
                "SELECT 'core', MAX(version) + 1, 'from the future', '2027-01-01 00:00:00' FROM xinyi_migration "
                "WHERE owner = 'core'")
    con.commit()
    con.close()


def _other_sqlite(path: Path) -> None:
    path.unlink()
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    con.execute("INSERT INTO notes (body) VALUES ('购物清单')")
    con.commit()
    con.close()


BAD = {  # name → (how to spoil a good backup, what the operator is told)
    "missing": (lambda p: p.unlink(), "找不到备份文件"),
    "folder": (lambda p: (p.unlink(), p.mkdir()), "找不到备份文件"),
    "garbage": (lambda p: p.write_bytes(random.Random(1).randbytes(20_000)), "不是 SQLite 数据库文件"),
    "truncated": (lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 3]), "备份文件已损坏"),
    "not xinyi": (_other_sqlite, "不是本系统的数据库"),
    "newer": (_newer, "备份来自更新版本的程序（core："),
    "corrupt page": (_corrupt_a_page, "备份文件已损坏"),
}


@sqlite_only
def test_restore_refuses_a_bad_backup_and_changes_nothing(xinyi, tmp_path, database_url):
    testing.build_city()
    config = site(tmp_path, database_url)
    good = tmp_path / "good.db"
    assert xinyi_cmd(config, "backup", str(good)).returncode == 0
    lifecycle.shutdown()  # nobody holds the database: only the checks can refuse
    live = Path(database_url[len("sqlite:///"):])
    before = digest(live.parent, skip="bad")
    assert live.name in before
    for name, (spoil, told) in BAD.items():
        bad = tmp_path / "bad" / f"{name}.db"
        bad.parent.mkdir(exist_ok=True)
        shutil.copyfile(good, bad)
        spoil(bad)
        run = xinyi_cmd(config, "restore", str(bad))
        assert run.returncode == 1, (name, run.stdout)
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("错误：") and told in lines[0], (name, run.stderr)
        assert lines[0].endswith("未做任何更改"), (name, lines[0])
        assert digest(live.parent, skip="bad") == before, name  # byte for byte, and nothing added beside it
