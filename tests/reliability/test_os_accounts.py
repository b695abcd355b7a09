"""Personal data and the server's other accounts (issue 20, items 1, 3 and 10), as real OS accounts.

A group and two accounts are made for the module (``_os_accounts``): ``clerk`` in the group,
linked to town a's attendance clerk, and ``outsider``, any other user of the server. The city
is configured as docs/deploy-ssh.md sets a shared server up (``[paths] group``); commands run
as root (with a careless umask of 000) or as the accounts (``runuser``).

- Item 1: every folder and file of the data, backups, reports and logs — the SQLite database
  with its ``-wal``/``-shm`` too — is the group's (2770/0660) or, on one account, its own
  (0700/0600), whatever the umask; the outsider can read none of them; ``xinyi init``
  repairs a tree and says what it changed.
- Item 10: a month folder made first by root does not stop the clerk's report; a report that
  still cannot be written fails with a Chinese reason, never a path or the host name.
- Item 3: the command line acts as an operator — the account's linked one; ``--operator``
  only for root and the service account; an unlinked account is refused in Chinese and audited.
"""
from __future__ import annotations

import os
import socket
import sqlite3
import stat
from pathlib import Path
from typing import Iterator

import pytest

from _os_accounts import CLERK_OP, Accounts, accounts, build, missing, shared_python
from xinyi_core import config as config_mod, lifecycle
from xinyi_core.models import Operator

_missing = missing()
pytestmark = pytest.mark.skipif(_missing is not None, reason=_missing or "")


def umask_000() -> None:
    os.umask(0)


def tree(root: Path) -> list[Path]:
    out = [root]
    for folder, dirs, files in os.walk(root):
        out += [Path(folder) / n for n in dirs + files]
    return out


def wrong_modes(root: Path, dir_mode: int, file_mode: int, gid: int | None) -> list[str]:
    bad = []
    for path in tree(root):
        st = path.lstat()
        want = dir_mode if stat.S_ISDIR(st.st_mode) else file_mode
        if stat.S_IMODE(st.st_mode) != want or (gid is not None and st.st_gid != gid):
            bad.append(f"{path} {stat.S_IMODE(st.st_mode):04o} gid={st.st_gid}")
    return bad


@pytest.fixture(scope="module")
def acc() -> Iterator[Accounts]:
    with accounts() as made:
        if shared_python(made) is None:
            pytest.skip("no Python interpreter the test accounts may run (xinyi doctor names the cause)")
        yield made


@pytest.fixture(scope="module")
def city(acc: Accounts) -> Path:
    """The shared server's city, its database made by root's ``xinyi init`` under umask 000."""
    config = build(acc.folder / "city", acc.group, acc.clerk)
    done = acc.xinyi("root", config, "init", preexec_fn=umask_000)
    assert done.returncode == 0, done.stderr
    return config


def data(config: Path) -> Path:
    return config.parent / "data"


# --------------------------------------------------------------------------- item 1: files

def test_every_data_file_is_the_groups_alone_whatever_the_umask_and_the_outsider_reads_none(acc, city):
    root = data(city)
    # root (umask 000) makes a report and a backup; the clerk makes a report as herself
    for args in (("report", "core.roster", "--period", "2026-09", "--town", "a", "--operator", "city_office"),
                 ("backup",)):
        done = acc.xinyi("root", city, *args, preexec_fn=umask_000)
        assert done.returncode == 0, done.stderr
    done = acc.xinyi(acc.clerk, city, "report", "core.roster", "--period", "2026-08")
    assert done.returncode == 0, done.stderr + done.stdout
    # an operator's session holds the database open: its -wal and -shm exist meanwhile; and it logs a crash
    from xinyi_core.tui.app import _crash_log

    os.umask(0)
    lifecycle.bootstrap(config_mod.load(city))
    try:
        Operator.update(display_name=Operator.display_name).where(Operator.id == 1).execute()
        held = [root / "xinyi.db-wal", root / "xinyi.db-shm"]
        assert all(p.exists() for p in held)
        log = _crash_log(RuntimeError("测试"), None)
        assert log is not None and log.parent == root / "logs"
        assert wrong_modes(root, 0o2770, 0o660, acc.gid) == []
        names = {p.name for p in tree(root)}
        assert {"xinyi.db", "xinyi.db-wal", "xinyi.db-shm", "backups", "reports", "logs"} <= names
        assert {".xlsx", ".docx"} <= {p.suffix for p in tree(root)}
        for path in tree(root):
            assert not acc.can_read(acc.outsider, path), path
        for path in (root / "xinyi.db", *held, log, *root.glob("backups/*.db"), *root.glob("reports/**/*.xlsx")):
            assert acc.can_read(acc.clerk, path), path  # the group's: her sessions work
    finally:
        lifecycle.shutdown()
    # the outsider cannot even read the configuration, let alone start the program on it
    refused = acc.xinyi(acc.outsider, city, "jobs", "list")
    assert refused.returncode == 1 and "无法读取配置文件" in refused.stderr and "Traceback" not in refused.stderr


def test_on_one_account_folders_are_0700_and_files_0600_whatever_the_umask(acc):
    config = build(acc.folder / "single", None)
    for args in (("init",), ("report", "core.roster", "--period", "2026-09", "--operator", "city_office"),
                 ("backup",)):
        done = acc.xinyi("root", config, *args, preexec_fn=umask_000)
        assert done.returncode == 0, done.stderr
    root = data(config)
    assert wrong_modes(root, 0o700, 0o600, None) == []
    assert {"xinyi.db", "backups"} <= {p.name for p in tree(root)} and any(p.suffix == ".xlsx" for p in tree(root))
    for path in tree(root):
        assert not acc.can_read(acc.outsider, path) and not acc.can_read(acc.clerk, path), path


def test_init_repairs_a_tree_made_before_and_says_what_it_changed(acc, city):
    root = data(city)
    # its own report: under xdist this test may run in another process than the one that made some
    done = acc.xinyi("root", city, "report", "core.roster", "--period", "2026-05", "--town", "a",
                     "--operator", "city_office", preexec_fn=umask_000)
    assert done.returncode == 0, done.stderr
    report = next(root.glob("reports/core.roster/2026-05/*.xlsx"))
    os.chmod(root / "xinyi.db", 0o644)
    os.chown(report.parent, 0, 0)
    os.chmod(report.parent, 0o755)  # as `xinyi report` run by root left it before: 2755/0755, root's group
    os.chmod(report, 0o644)
    assert acc.can_read(acc.outsider, root / "xinyi.db") is False  # the data folder still shuts her out …
    done = acc.xinyi("root", city, "init")
    assert done.returncode == 0, done.stderr
    assert f"已修正 {root / 'xinyi.db'}：权限 0644 → 0660" in done.stdout
    assert f"已修正 {report.parent}：权限 0755 → 2770；属组 root → {acc.group}" in done.stdout
    assert f"已修正 {report}：权限 0644 → 0660" in done.stdout
    assert "已修正 3 个文件或文件夹的权限" in done.stdout, done.stdout
    assert wrong_modes(root, 0o2770, 0o660, acc.gid) == []
    again = acc.xinyi("root", city, "init")
    assert "权限均正确" in again.stdout and "已修正" not in again.stdout
    doctor = acc.xinyi("root", city, "doctor")
    assert "【正常】数据、备份、报表和日志的权限与属组正确" in doctor.stdout, doctor.stdout


# --------------------------------------------------------------------------- item 10: folders made by another account

def test_a_month_folder_root_made_first_does_not_stop_the_clerks_report(acc, city):
    root = data(city)
    done = acc.xinyi("root", city, "report", "core.roster", "--period", "2026-07", "--town", "a",
                     "--operator", "city_office", preexec_fn=umask_000)
    assert done.returncode == 0, done.stderr
    month = root / "reports" / "core.roster" / "2026-07"
    made = sorted(month.glob("*.*"))
    assert month.stat().st_uid == 0 and {p.suffix for p in made} == {".xlsx", ".docx"}
    assert all(p.stat().st_uid == 0 for p in made)
    done = acc.xinyi(acc.clerk, city, "report", "core.roster", "--period", "2026-07", "--enqueue")
    assert done.returncode == 0, done.stderr + done.stdout
    assert sorted(month.glob("*.*")) == made
    for path in made:  # replaced by her, still the group's
        st = path.stat()
        assert st.st_uid == acc.uid(acc.clerk) and st.st_gid == acc.gid and stat.S_IMODE(st.st_mode) == 0o660


def test_a_report_that_cannot_be_written_fails_in_chinese_without_a_path_or_the_host_name(acc, city):
    month = data(city) / "reports" / "core.roster" / "2026-06"
    month.mkdir(parents=True)
    os.chmod(month, 0o755)  # the folder the old version made: the group may not write into it
    done = acc.xinyi(acc.clerk, city, "report", "core.roster", "--period", "2026-06", "--enqueue")
    assert done.returncode == 1
    assert "没有写入报表文件夹的权限" in done.stderr and "xinyi init" in done.stderr
    # what she is told (the worker's own log lines on stderr are the administrator's, not hers)
    told = [line for line in done.stderr.splitlines() if line.startswith(("错误：", "提示："))]
    shown = acc.xinyi(acc.clerk, city, "jobs", "list").stdout + done.stdout + "\n".join(told)
    job_id = done.stdout.split("#")[1].split("：")[0]
    shown += acc.xinyi(acc.clerk, city, "jobs", "show", job_id).stdout
    assert "PermissionError" not in shown and str(month) not in shown and "/" not in shown.replace("/2", "")
    assert socket.gethostname() not in shown
    assert acc.xinyi("root", city, "init").returncode == 0  # the administrator repairs the folder …
    retried = acc.xinyi(acc.clerk, city, "jobs", "retry", job_id)  # … and the same job now runs
    assert retried.returncode == 0, retried.stderr + retried.stdout
    assert [p.stat().st_uid for p in month.glob("*.xlsx")] == [acc.uid(acc.clerk)]


# --------------------------------------------------------------------------- item 3: the command line's identity

def test_the_command_line_acts_as_the_accounts_operator_and_refuses_the_rest_in_chinese(acc, city):
    db = data(city) / "xinyi.db"

    def sql(query: str, *params: object) -> list[tuple]:
        con = sqlite3.connect(db, timeout=10)
        try:
            with con:
                return con.execute(query, params).fetchall()
        finally:
            con.close()

    for town in ("a", "b"):  # a job of each town (not left to another test: they may run in other processes)
        done = acc.xinyi("root", city, "report", "core.roster", "--period", "2026-05", "--town", town, "--enqueue",
                         "--operator", "city_office")
        assert done.returncode == 0, done.stderr
    b_job = sql("select id from xinyi_job where town_code = 'b' order by id desc limit 1")[0][0]
    # root acted: the trail names the operator she acted as and root beside her
    assert sql("select operator_name, note from audit_log where action = 'jobs.submit' order by id desc limit 1")[0] \
        == (sql("select display_name from operator where username = 'city_office'")[0][0],
            "协理员花名册（乙镇，2026-05） （由系统账户 root 执行）")

    # root and the service account must say whom they act as
    for args in (("jobs", "list"), ("audit",), ("report", "core.roster", "--period", "2026-05")):
        refused = acc.xinyi("root", city, *args)
        assert refused.returncode == 1 and "须用 --operator 指明" in refused.stderr, args

    # the linked account acts as her operator: her town's jobs only, nothing of town b
    mine = acc.xinyi(acc.clerk, city, "jobs", "list")
    assert mine.returncode == 0 and f"#{b_job} " not in mine.stdout and "甲镇" in mine.stdout
    for args, message in ((("jobs", "show", str(b_job)), "找不到"),
                          (("report", "core.roster", "--period", "2026-05", "--town", "b"), "不在您的管辖范围内"),
                          (("audit",), "没有权限"),  # a clerk does not read the audit trail
                          (("jobs", "list", "--operator", "city_office"), f"绑定的是操作员 {CLERK_OP}"),
                          (("backup",), "只能由 root 或服务账户"),
                          (("operator", "link", "city_office", acc.clerk), "只能由 root 或服务账户")):
        refused = acc.xinyi(acc.clerk, city, *args)
        assert refused.returncode == 1 and message in refused.stderr, (args, refused.stderr)
        assert "Traceback" not in refused.stderr
    assert sql("select count(*) from audit_log where action = 'auth.login' and allowed = 0 "
               "and note = 'cli_as:city_office'")[0][0] == 1

    # the audit trail is scoped like every other read: town a's head sees no city-level job of town b
    head = acc.xinyi("root", city, "audit", "--operator", "town_head_a")
    city_trail = acc.xinyi("root", city, "audit", "--operator", "city_office")
    assert head.returncode == city_trail.returncode == 0
    b_title = "协理员花名册（乙镇，2026-05）"
    assert b_title in city_trail.stdout and b_title not in head.stdout

    # an account linked to no operator is refused in Chinese, and the refusal is audited
    sql("update operator set os_user = NULL where username = ?", CLERK_OP)
    try:
        refused = acc.xinyi(acc.clerk, city, "jobs", "list")
        assert refused.returncode == 1 and f"系统用户 {acc.clerk} 未绑定操作员账户" in refused.stderr
    finally:
        sql("update operator set os_user = ? where username = ?", acc.clerk, CLERK_OP)
    assert sql("select count(*) from audit_log where action = 'auth.login' and allowed = 0 and note = ?",
               f"cli:{acc.clerk}")[0][0] == 1


# --------------------------------------------------------------------------- item 11: xinyi doctor

def test_doctor_says_when_the_operators_group_cannot_run_the_program(acc, city):
    """A root-only Python made every login fail with ``Permission denied`` (126): doctor names the
    folder that stops the group, in Chinese; with the venv open to the group it is content."""
    import subprocess

    venv = acc.python.parent.parent

    def doctor() -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("XINYI_")}
        done = subprocess.run([str(acc.python), "-m", "xinyi_core.cli", "--config", str(city), "doctor"],
                              capture_output=True, text=True, timeout=120, env=env)
        assert "Traceback" not in done.stderr, done.stderr
        return done.stdout

    assert f"【正常】用户组 {acc.group} 的操作员能运行解释器" in doctor()
    os.chmod(venv, 0o700)
    try:
        out = doctor()
    finally:
        os.chmod(venv, 0o755)
    assert f"【问题】用户组 {acc.group} 的操作员无法访问虚拟环境" in out
    assert f"卡在 {venv}（0700，root:root）" in out and "退出码 126" in out
    assert acc.run(acc.clerk, str(acc.python), "-c", "pass").returncode == 0  # and open again it runs
