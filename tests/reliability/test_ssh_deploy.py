"""xinyi behind OpenSSH exactly as docs/deploy-ssh.md sets it up.

A throwaway ``sshd`` listens on a free loopback port with a host key made for the test and runs the
doc's ``sshd_config`` block as its drop-in (only the paths and the ``Match`` line are the test's);
the operator logs in with a key from a tmux pane (80×24, a real terminal) and lands in the app
through ``ForceCommand`` as the trusted OS user.

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

from xinyi_core import config as config_mod, lifecycle, outbox, testing
from xinyi_core.models import Operator

from _ssh_helpers import (HOME_BAR, ME, XINYI, City, Pane, alive, build_city, cmdline, descendants,
                          live_in_session, needs, session_of, wait_gone)

SSHD = "/usr/sbin/sshd"
DOC = Path(__file__).resolve().parents[2] / "docs" / "deploy-ssh.md"
_missing = needs(SSHD, "ssh", "ssh-keygen", "tmux")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(_missing is not None, reason=_missing or "")]


def doc_block() -> str:
    """The ``sshd_config`` block of docs/deploy-ssh.md, as an administrator would copy it."""
    found = re.findall(r"```sshd_config\n(.*?)```", DOC.read_text("utf-8"), re.S)
    assert len(found) == 1, "docs/deploy-ssh.md must have exactly one ```sshd_config block"
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


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("sshd")
    # sshd chroots an SFTP login only into folders owned by root that nobody else may write to, all
    # the way up: not under /tmp (world-writable), so in /run, as step 3 makes /var/lib/xinyi-outbox.
    outbox = Path(tempfile.mkdtemp(prefix="xinyi-test-outbox-", dir="/run")) if os.getuid() == 0 \
        else folder / "outbox"
    outbox.chmod(0o755) if outbox.exists() else outbox.mkdir()
    city = build_city(folder / "city", outbox=outbox)
    for name in ("host_key", "client_key"):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"xinyi-test-{name}",
                        "-f", str(folder / name)], check=True, timeout=30)
    keys = folder / "authorized_keys"
    keys.mkdir()
    (keys / ME).write_text((folder / "client_key.pub").read_text())
    root, port, sftp_port = os.getuid() == 0, _free_port(), _free_port()
    # The doc's block, with the test's paths and ports: a change to the doc is a change to this sshd.
    dropin = doc_block()
    for old, new in {"Match Group xinyi LocalPort 2222\n": f"Match User {ME} LocalPort {sftp_port}\n",
                     "Match Group xinyi\n": f"Match User {ME}\n",
                     "\nPort 22\n": f"\nPort {port}\n", "\nPort 2222\n": f"\nPort {sftp_port}\n",
                     "/opt/xinyi/.venv/bin/xinyi": str(XINYI),
                     "/opt/xinyi/config/xinyi.toml": str(city.config),
                     "/var/lib/xinyi-outbox/%u": f"{outbox}/%u"}.items():
        assert dropin.count(old) == 1, f"docs/deploy-ssh.md's sshd_config block no longer has {old!r} once"
        dropin = dropin.replace(old, new)
    old = "/etc/ssh/authorized_keys/%u"
    assert dropin.count(old) == 2, f"docs/deploy-ssh.md's sshd_config block no longer has {old!r} twice"
    dropin = dropin.replace(old, f"{keys}/%u")
    (folder / "xinyi.conf").write_text(dropin)
    (folder / "sshd_config").write_text("\n".join([
        # The test's own part: where this throwaway sshd listens (its ports are the doc's, replaced)
        # and with which host key.
        "ListenAddress 127.0.0.1", f"HostKey {folder}/host_key",
        f"PidFile {folder}/sshd.pid",
        "StrictModes no",  # the key files are under /tmp, which is world-writable
        "Subsystem sftp internal-sftp",  # as every distribution's sshd_config names one (Debian: sftp-server)
        *(["PermitRootLogin prohibit-password"] if root else []),  # the test logs in as itself
        f"Include {folder}/xinyi.conf", ""]))
    if root:
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege-separation directory
    check = subprocess.run([SSHD, "-t", "-f", str(folder / "sshd_config")], capture_output=True, text=True,
                           timeout=30)
    assert check.returncode == 0, f"sshd rejects the configuration: {check.stderr}"
    with open(folder / "sshd.log", "wb") as log:
        sshd = subprocess.Popen([SSHD, "-D", "-e", "-f", str(folder / "sshd_config")], stdout=log, stderr=log)
    site = Site(city, folder, port, sshd, sftp_port, outbox)
    try:
        deadline = time.monotonic() + 10
        while "Server listening" not in site.log():
            assert sshd.poll() is None and time.monotonic() < deadline, f"sshd did not start:\n{site.log()}"
            time.sleep(0.05)
        yield site
    finally:
        leftovers = site.sessions()
        sshd.terminate()
        sshd.wait(10)
        for pid in leftovers:  # a failed test's session: only processes this sshd started
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(outbox, ignore_errors=True)


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
        pane.wait_for("按回车签到")
        pane.keys("Enter")  # sign the first assistant in: saved at once
        pane.wait_for("已签到")
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


# --------------------------------------------------------------------------- step 9: SFTP to her outbox

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
