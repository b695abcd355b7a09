"""xinyi behind OpenSSH exactly as docs/deploy-ssh.md sets it up.

A throwaway ``sshd`` listens on a free loopback port with a host key made for the test and runs the
doc's ``sshd_config`` block as its drop-in (only the paths, the ports and the ``Match`` lines are
the test's); the operator logs in with a key from a tmux pane (80×24, a real terminal) and lands in
the app through ``ForceCommand`` as the trusted OS user — and, on the doc's second port, fetches
her own files by SFTP and nothing else (step 11).

Which OS account: the test logs in as the account running it (root on the test machines, hence
``PermitRootLogin prohibit-password`` in the test's own part of the config) instead of adding one
with ``useradd``: the machine's users are left alone, nothing needs cleaning up after a crash, and
the same test runs unprivileged. That account is mapped to town A's centre head (``os_user``); the
unmapped case removes the mapping for one login.
"""
from __future__ import annotations

import os
import re
import shlex
import signal
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

import _os_accounts
from _os_accounts import CLERK_OP, Accounts, accounts, build, shared_python
from _ssh_helpers import (HOME_BAR, ME, XINYI, City, Pane, alive, build_city, cmdline, descendants,
                          live_in_session, needs, session_of, wait_gone)
from xinyi_core import config as config_mod, lifecycle, outbox, testing
from xinyi_core.models import Operator

SSHD = "/usr/sbin/sshd"
DOC = Path(__file__).resolve().parents[2] / "docs" / "deploy-ssh.md"
README = Path(__file__).resolve().parents[2] / "README.md"
_missing = needs(SSHD, "ssh", "ssh-keygen", "tmux")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(_missing is not None, reason=_missing or "")]


def doc_block(page: Path = DOC) -> str:
    """The ``sshd_config`` block of docs/deploy-ssh.md (or the README), as an administrator would copy it."""
    found = re.findall(r"```sshd_config\n(.*?)```", page.read_text("utf-8"), re.S)
    assert len(found) == 1, f"{page.name} must have exactly one ```sshd_config block"
    return found[0]


@dataclass
class Site:
    city: City
    folder: Path
    port: int
    sshd: subprocess.Popen
    sftp_port: int
    outbox: Path  # [paths] outbox_dir of the city: the SFTP chroots are its folders

    def options(self) -> list[str]:
        """The operator's client settings (no user or system ssh_config involved)."""
        return ["-F", "/dev/null", "-i", str(self.folder / "client_key"), "-o", "IdentitiesOnly=yes",
                "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "LogLevel=ERROR"]

    def ssh(self, *options: str, command: str | None = None, port: int | None = None) -> list[str]:
        """An operator's ssh command line."""
        return ["ssh", "-p", str(port or self.port), *self.options(), *options, f"{ME}@127.0.0.1",
                *([command] if command else [])]

    def sftp(self, batch: str, port: int | None = None) -> subprocess.CompletedProcess:
        """An SFTP client (WinSCP, FileZilla) running ``batch``; each command's failure is reported,
        not fatal (``-`` before it), so one session tries them all."""
        lines = "\n".join(f"-{line}" for line in batch.strip().splitlines()) + "\n"
        return subprocess.run(["sftp", "-P", str(port or self.sftp_port), *self.options(), "-b", "-",
                               f"{ME}@127.0.0.1"], input=lines, capture_output=True, text=True, timeout=60,
                              cwd=self.folder)

    def login(self, *options: str, command: str | None = None) -> Pane:
        """Log in from a fresh 80×24 terminal."""
        return Pane(shlex.join(self.ssh("-tt", *options, command=command)))

    def sessions(self) -> list[int]:
        """Processes sshd started for connections (still running)."""
        return [p for p in descendants(self.sshd.pid) if alive(p)]

    def app(self) -> int:
        apps = [p for p in self.sessions() if str(XINYI) in cmdline(p)]
        assert len(apps) == 1, apps
        return apps[0]

    def assert_no_sessions(self, timeout: float = 5.0) -> None:
        left = wait_gone(self.sessions(), timeout)
        assert not left, [cmdline(p) for p in left]

    def log(self) -> str:
        return (self.folder / "sshd.log").read_text(errors="replace")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_sshd_config(folder: Path, replacements: dict[str, str], *, root_login: bool, page: Path = DOC,
                      name: str = "sshd_config") -> Path:
    """An sshd configuration on free loopback ports whose drop-in is the page's block with
    ``replacements`` (each must be found: a change to the doc is a change to this sshd; every
    occurrence is replaced — ``Match Group xinyi`` heads both of the doc's blocks). The doc's ports
    (22 for the app, 2222 for SFTP) become free ones, the app's first."""
    if not (folder / "host_key").exists():
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "xinyi-test-host_key",
                        "-f", str(folder / "host_key")], check=True, timeout=30)
    dropin = doc_block(page)
    port = _free_port()
    ports = {"\nPort 22\n": f"\nPort {port}\n"}
    if "\nPort 2222\n" in dropin:
        sftp_port = _free_port()
        ports.update({"\nPort 2222\n": f"\nPort {sftp_port}\n", " LocalPort 2222\n": f" LocalPort {sftp_port}\n"})
    for old, new in {**ports, **replacements}.items():
        assert old in dropin or (old == "\nPort 22\n" and page != DOC), \
            f"{page.name}'s sshd_config block no longer has {old!r}"
        dropin = dropin.replace(old, new)
    (folder / f"{name}.xinyi.conf").write_text(dropin)
    (folder / name).write_text("\n".join([
        # The test's own part: where this throwaway sshd listens (the doc's ports, replaced; the
        # README's block names none) and with which host key.
        *([] if f"\nPort {port}\n" in dropin else [f"Port {port}"]), "ListenAddress 127.0.0.1",
        f"HostKey {folder}/host_key", f"PidFile {folder}/sshd.pid",
        "StrictModes no",  # the key files are under /tmp, which is world-writable
        "Subsystem sftp internal-sftp",  # as every distribution's sshd_config names one (Debian: sftp-server)
        *(["PermitRootLogin prohibit-password"] if root_login else []),  # the test logs in as itself
        f"Include {folder}/{name}.xinyi.conf", ""]))
    return folder / name


def launch_sshd(folder: Path, replacements: dict[str, str], *,
                root_login: bool) -> tuple[subprocess.Popen, int, int]:
    """A throwaway sshd running the doc's block with ``replacements`` (:func:`write_sshd_config`);
    its app port and its SFTP port."""
    config = write_sshd_config(folder, replacements, root_login=root_login)
    port, sftp_port = map(int, re.findall(r"^Port (\d+)", (folder / "sshd_config.xinyi.conf").read_text(), re.M))
    if os.getuid() == 0:
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege-separation directory
    check = subprocess.run([SSHD, "-t", "-f", str(folder / "sshd_config")], capture_output=True, text=True,
                           timeout=30)
    assert check.returncode == 0, f"sshd rejects the configuration: {check.stderr}"
    log_path = folder / "sshd.log"
    with open(log_path, "wb") as log:
        sshd = subprocess.Popen([SSHD, "-D", "-e", "-f", str(folder / "sshd_config")], stdout=log, stderr=log)
    deadline = time.monotonic() + 10
    while "Server listening" not in log_path.read_text(errors="replace"):
        if sshd.poll() is not None or time.monotonic() > deadline:
            sshd.kill()
            raise AssertionError(f"sshd did not start:\n{log_path.read_text(errors='replace')}")
        time.sleep(0.05)
    return sshd, port, sftp_port


def stop_sshd(sshd: subprocess.Popen) -> None:
    leftovers = [p for p in descendants(sshd.pid) if alive(p)]
    sshd.terminate()
    sshd.wait(10)
    for pid in leftovers:  # a failed test's session: only processes this sshd started
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def client_key(folder: Path, keys: Path, user: str) -> None:
    """An operator's key pair in ``folder``; its public half in the root-owned keys folder (step 4)."""
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "xinyi-test-client_key",
                    "-f", str(folder / "client_key")], check=True, timeout=30)
    keys.mkdir(exist_ok=True)
    os.chmod(keys, 0o755)  # `install -d -m 755`: sshd reads the key as the user logging in
    (keys / user).write_text((folder / "client_key.pub").read_text())
    os.chmod(keys / user, 0o644)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("sshd")
    # sshd chroots an SFTP login only into folders owned by root that nobody else may write to, all
    # the way up: not under /tmp (world-writable), so in /run, as step 3 makes /var/lib/xinyi-outbox.
    outbox_dir = Path(tempfile.mkdtemp(prefix="xinyi-test-outbox-", dir="/run")) if os.getuid() == 0 \
        else folder / "outbox"
    outbox_dir.mkdir(exist_ok=True)
    outbox_dir.chmod(0o755)
    city = build_city(folder / "city", outbox=outbox_dir)
    keys = folder / "authorized_keys"
    client_key(folder, keys, ME)
    # The doc's block, with the test's paths: a change to the doc is a change to this sshd.
    sshd, port, sftp_port = launch_sshd(folder, {"Match Group xinyi": f"Match User {ME}",
                                                 "/opt/xinyi/.venv/bin/xinyi": str(XINYI),
                                                 "/opt/xinyi/config/xinyi.toml": str(city.config),
                                                 "/var/lib/xinyi-outbox/%u": f"{outbox_dir}/%u",
                                                 "/etc/ssh/authorized_keys/%u": f"{keys}/%u"},
                                        root_login=os.getuid() == 0)
    site = Site(city, folder, port, sshd, sftp_port, outbox_dir)
    try:
        yield site
    finally:
        stop_sshd(sshd)
        shutil.rmtree(outbox_dir, ignore_errors=True)


def test_operator_logs_in_with_a_key_lands_in_the_app_and_quits(site: Site):
    pane = site.login()
    try:
        home = pane.wait_for(HOME_BAR)
        assert "待办事项" in home  # the home screen, as the mapped operator, without a password
        assert "用户名" not in home
        pane.keys("C-q")
        code, _ = pane.finished()
        assert code == 0  # the session ends with the app
        pane.assert_restored()
        site.assert_no_sessions()
    finally:
        pane.close()


def test_forced_command_ignores_the_clients_command(site: Site, tmp_path: Path):
    marker = tmp_path / "pwned"
    pane = site.login(command=f"/bin/sh -c 'touch {marker}; echo PWNED'")
    try:
        pane.wait_for(HOME_BAR)  # the app, not the shell command
        pane.keys("C-q")
        code, _ = pane.finished()
        assert code == 0
        assert "PWNED" not in pane.text(history=True)
        assert not marker.exists()
        site.assert_no_sessions()
    finally:
        pane.close()


def test_a_session_without_a_terminal_is_refused_and_leaves_nothing_running(site: Site, tmp_path: Path):
    # `ssh host cmd` opens no terminal: the forced app must not draw into a pipe and stay behind.
    marker = tmp_path / "pwned"
    done = subprocess.run(site.ssh(command=f"touch {marker}; echo PWNED"), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "本程序需要在终端中运行" in done.stderr
    assert "PWNED" not in done.stdout and not marker.exists()
    site.assert_no_sessions()


def test_port_forwarding_is_refused(site: Site):
    done = subprocess.run(site.ssh("-N", "-R", "0:127.0.0.1:9", "-o", "ExitOnForwardFailure=yes"),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    assert done.returncode == 255
    assert "remote port forwarding failed" in done.stderr
    site.assert_no_sessions()


def test_unmapped_os_user_is_refused_in_chinese_and_disconnected(site: Site):
    refusals = "select count(*) from audit_log where action = 'auth.login' and allowed = 0"
    before = site.city.sql(refusals)[0][0]
    site.city.sql("update operator set os_user = NULL where os_user = ?", ME)
    try:
        pane = site.login()
        try:
            code, text = pane.finished()
            assert code == 1
            assert f"系统用户 {ME} 未绑定操作员账户" in text
            assert "用户名" not in text  # no password screen to fall back on
            pane.assert_restored()
            site.assert_no_sessions()
        finally:
            pane.close()
    finally:
        site.city.sql("update operator set os_user = ? where username = 'town_head_a'", ME)
    assert site.city.sql(refusals)[0][0] == before + 1  # the refusal is in the audit trail


def test_dropped_connection_ends_the_app_and_keeps_saved_work(site: Site):
    pane = site.login()
    try:
        pane.wait_for(HOME_BAR)
        pane.keys("C-p")  # the command palette: the sign-in screen by name
        pane.keys("签到签退", literal=True)
        pane.keys("Enter")
        pane.wait_for("按回车为")
        pane.keys("Enter")  # sign the first assistant in: asked once, saved when confirmed
        pane.wait_for("确认为")
        pane.keys("Enter")
        pane.wait_for("签到；下班时按 o")
        app = site.app()
        sid = session_of(app)
        client = [p for p in descendants(pane.shell_pid) if alive(p) and cmdline(p).startswith("ssh ")]
        assert len(client) == 1
        os.kill(client[0], signal.SIGKILL)  # the link drops: no goodbye from the client
        started = time.monotonic()
        assert wait_gone([app], 5.0) == [], "the app outlived its connection"
        assert time.monotonic() - started < 5.0
        assert live_in_session(sid) == []  # nothing it started stays behind
        site.assert_no_sessions()
    finally:
        pane.close()
    signed = site.city.sql("select count(*) from attendance_day where sign_in is not null")[0][0]
    assert signed == 1
    assert site.city.sql("select count(*) from audit_log where action = 'attendance.sign_in'")[0][0] == 1


# --------------------------------------------------------------------------- xinyi doctor reads the block as sshd does

def _doctor(city: City, sshd_config: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("XINYI_")}
    done = subprocess.run([str(XINYI), "--config", str(city.config), "doctor", "--sshd-config", str(sshd_config)],
                          capture_output=True, text=True, timeout=120, env=env)
    assert "Traceback" not in done.stderr, done.stderr
    return done.stdout


@pytest.mark.skipif(os.getuid() != 0, reason="sshd -T needs root")
def test_doctor_checks_the_match_block_as_sshd_applies_it_to_each_linked_account(site: Site):
    """Issue 20 item 11: the doc's block and the README's shorter one both pass; a block that lets the
    agent through and forgets the forced command is named, line by line, in Chinese."""
    paths = {"Match Group xinyi": f"Match User {ME}", "/opt/xinyi/.venv/bin/xinyi": str(XINYI),
             "/opt/xinyi/config/xinyi.toml": str(site.city.config)}
    out = _doctor(site.city, site.folder / "sshd_config")
    assert "【正常】1 个已绑定的系统用户都按 docs/deploy-ssh.md 的 Match 块登录" in out, out
    readme = write_sshd_config(site.folder, {**paths, "/etc/ssh/authorized_keys/%u": f"{site.folder}/keys/%u"},
                               root_login=True, page=README, name="readme_config")
    out = _doctor(site.city, readme)
    assert "【正常】1 个已绑定的系统用户都按" in out and "SSH 设置" not in out, out
    broken = site.folder / "broken_config"
    broken.write_text(f"HostKey {site.folder}/host_key\nMatch User {ME}\n    AllowAgentForwarding yes\n"
                      "    PermitTTY yes\n")
    out = _doctor(site.city, broken)
    assert f"【问题】系统用户 {ME} 的 SSH 设置：没有 ForceCommand" in out
    assert f"【问题】系统用户 {ME} 的 SSH 设置：allowagentforwarding 为 yes，应为 no" in out
    assert "SetEnv 中没有 XINYI_CONFIG" in out and "【正常】1 个已绑定" not in out
    # step 11's SFTP port without its chroot: she would see the server's files
    open_sftp = site.folder / "open_sftp_config"
    open_sftp.write_text(f"HostKey {site.folder}/host_key\n"
                         + (site.folder / "sshd_config.xinyi.conf").read_text().replace("    ChrootDirectory ", "    #"))
    out = _doctor(site.city, open_sftp)
    assert f"【问题】系统用户 {ME} 的 SSH 设置：SFTP（ForceCommand internal-sftp）没有 ChrootDirectory" in out, out


# --------------------------------------------------------------------------- a shared server: other OS accounts

_accounts_missing = _os_accounts.missing()


@dataclass
class Shared:
    acc: Accounts
    config: Path
    folder: Path
    port: int

    @property
    def data(self) -> Path:
        return self.config.parent / "data"

    def login(self) -> Pane:
        """The clerk logs in from a fresh 80×24 terminal."""
        return Pane(shlex.join([
            "ssh", "-tt", "-F", "/dev/null", "-p", str(self.port), "-i", str(self.folder / "client_key"),
            "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", f"{self.acc.clerk}@127.0.0.1"]))


@pytest.fixture(scope="module")
def shared() -> Iterator[Shared]:
    """docs/deploy-ssh.md on a shared server: group, operator account (step 3), ``[paths] group``,
    sshd's ``Match Group`` block — with an interpreter the operator's account can run."""
    if _accounts_missing:
        pytest.skip(_accounts_missing)
    with accounts() as acc:
        python = shared_python(acc)
        if python is None:
            pytest.skip("no Python interpreter the test accounts may run (xinyi doctor names the cause)")
        config = build(acc.folder / "city", acc.group, acc.clerk, os_user=True)
        assert acc.xinyi("root", config, "init").returncode == 0
        folder = acc.folder / "sshd"
        folder.mkdir()
        os.chmod(folder, 0o755)  # the clerk's sshd process reads her key below it
        keys = folder / "authorized_keys"
        client_key(folder, keys, acc.clerk)
        sshd, port, _ = launch_sshd(folder, {"Match Group xinyi": f"Match Group {acc.group}",
                                             "/opt/xinyi/.venv/bin/xinyi": str(python.parent / "xinyi"),
                                             "/opt/xinyi/config/xinyi.toml": str(config),
                                             "/etc/ssh/authorized_keys/%u": f"{keys}/%u"}, root_login=False)
        try:
            yield Shared(acc, config, folder, port)
        finally:
            stop_sshd(sshd)


def _job_state(shared: Shared, job_id: int) -> str:
    import sqlite3

    con = sqlite3.connect(shared.data / "xinyi.db", timeout=10)
    try:
        return con.execute("select state from xinyi_job where id = ?", (job_id,)).fetchone()[0]
    finally:
        con.close()


def test_a_clerk_over_ssh_reruns_a_report_in_a_month_folder_root_made_first(shared: Shared):
    """Issue 20 items 1 and 10, as the issue found them: root's ``xinyi report`` made the month's
    folder; the clerk's ``r`` in the job panel failed with a server path and the host name. Now a
    folder xinyi did not make right fails in Chinese, ``xinyi init`` repairs it, and the clerk's
    re-run replaces root's files — which stay the group's, unreadable to anyone else."""
    acc, data = shared.acc, shared.data
    month = data / "reports" / "core.roster" / "2026-10"
    for folder in (data / "reports", month.parent, month):  # as the old version, run by root, left them
        folder.mkdir(mode=0o755)
        os.chmod(folder, 0o755)
    made = acc.xinyi("root", shared.config, "report", "core.roster", "--period", "2026-10", "--enqueue",
                     "--operator", CLERK_OP)
    assert made.returncode == 0, made.stderr
    job_id = int(made.stdout.split("#")[1].split("：")[0])
    made = sorted(month.glob("*.*"))
    assert {p.suffix for p in made} == {".xlsx", ".docx"} and all(p.stat().st_uid == 0 for p in made)
    pane = shared.login()
    try:
        try:
            pane.wait_for("（镇考勤员·甲镇）")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\nsshd:\n{(shared.folder / 'sshd.log').read_text(errors='replace')}") from None
        pane.keys("C-p")  # the command palette: the job panel by name
        pane.keys("后台任务", literal=True)
        pane.keys("Enter")
        pane.wait_for("已完成")
        pane.keys("r")  # her re-run, in her own process: the folder is root's 0755
        text = pane.wait_for("没有写入报表文件夹的权限", timeout=30)
        assert str(data) not in text and socket.gethostname() not in text and "PermissionError" not in text
        pane.wait_until(lambda _: _job_state(shared, job_id) == "failed", "the job failed", timeout=30)
        repaired = acc.xinyi("root", shared.config, "init")
        assert f"已修正 {month}：权限 0755 → 2770；属组 root → {acc.group}" in repaired.stdout, repaired.stdout
        pane.keys("r")
        pane.wait_until(lambda _: _job_state(shared, job_id) == "done", "the re-run finished", timeout=30)
        pane.keys("C-q")
        code, _ = pane.finished()
        assert code == 0
    finally:
        pane.close()
    assert sorted(month.glob("*.*")) == made
    for path in made:
        st = path.stat()
        assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (acc.uid(acc.clerk), acc.gid, 0o660)
        assert not acc.can_read(acc.outsider, path)
    assert stat.S_IMODE(month.stat().st_mode) == 0o2770 and not acc.can_read(acc.outsider, month)


# --------------------------------------------------------------------------- step 11: SFTP to her outbox

def _her_outbox(site: Site) -> Path:
    """Her outbox as step 3 makes it (the chroot, root's; her ``files``, hers, 0700) with a report in
    it that the app copied there as it does for the operator mapped to her OS account."""
    chroot = site.outbox / ME
    chroot.mkdir(exist_ok=True)
    chroot.chmod(0o755)
    (chroot / "files").mkdir(exist_ok=True)
    (chroot / "files").chmod(0o700)
    lifecycle.shutdown()
    cfg = config_mod.load(site.city.config)
    testing.start(cfg)
    try:
        report = Path(cfg.report_dir) / "attendance.monthly" / "2026-11" / "新安街道_2026年11月_月度考勤汇总.pdf"
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_bytes(b"%PDF-1.4 " + os.urandom(4000))
        copy = outbox.place(Operator.get(Operator.os_user == ME), report)
    finally:
        lifecycle.shutdown()
    assert copy == chroot / "files" / report.name and stat.S_IMODE(copy.stat().st_mode) == 0o600
    return copy


def _anothers_file(site: Site) -> Path:
    theirs = site.outbox / "xinyi_other_user" / "files"
    theirs.mkdir(parents=True, exist_ok=True)
    theirs.parent.chmod(0o755)
    secret = theirs / "北沟街道_2026年11月_月度考勤汇总.pdf"
    secret.write_bytes(b"not hers")
    return secret


needs_root = pytest.mark.skipif(os.getuid() != 0, reason="sshd chroots only when it runs as root")


@needs_root
def test_over_sftp_she_fetches_her_files_and_nothing_else(site: Site, tmp_path: Path):
    doc = _her_outbox(site)
    secret = _anothers_file(site)
    pc = tmp_path / "pc"
    pc.mkdir()
    upload = tmp_path / "upload.txt"
    upload.write_text("x")
    done = site.sftp(f"""
        pwd
        ls -1 /
        ls -1 ..
        get {doc.name} {pc}/
        get ../../xinyi_other_user/files/{secret.name} {pc}/
        get /xinyi_other_user/files/{secret.name} {pc}/
        get {site.city.folder}/xinyi.toml {pc}/
        get /etc/passwd {pc}/
        put {upload}
        rm {doc.name}
    """)
    answers = [line for line in done.stdout.splitlines() if not line.startswith("sftp>")]
    assert answers == ["Remote working directory: /files", "/files", "../files"]  # her files, nothing else
    assert (pc / doc.name).read_bytes() == doc.read_bytes()  # hers, byte for byte, by its name
    assert sorted(p.name for p in pc.iterdir()) == [doc.name]  # not another's, not the server's
    assert doc.exists() and not (site.outbox / ME / "files" / upload.name).exists()  # read-only
    site.assert_no_sessions()


@needs_root
def test_the_sftp_port_gives_no_shell_and_no_command(site: Site, tmp_path: Path):
    _her_outbox(site)
    marker = tmp_path / "pwned"
    done = subprocess.run(site.ssh("-tt", command=f"touch {marker}; echo PWNED", port=site.sftp_port),
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
    assert b"PWNED" not in done.stdout and not marker.exists()
    assert b"PTY allocation request failed" in done.stderr  # no terminal there, so no shell
    forward = subprocess.run(site.ssh("-N", "-R", "0:127.0.0.1:9", "-o", "ExitOnForwardFailure=yes",
                                      port=site.sftp_port),
                             stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    assert forward.returncode == 255 and "remote port forwarding failed" in forward.stderr
    site.assert_no_sessions()


def test_the_apps_port_still_gives_no_file_transfer(site: Site):
    _her_outbox(site) if os.getuid() == 0 else None
    done = site.sftp("ls -1", port=site.port)
    assert done.returncode != 0 and "Connection closed" in done.stderr and "月度考勤汇总" not in done.stdout
    site.assert_no_sessions()
