"""Other OS accounts for the personal-data tests (issue 20, items 1, 3 and 10).

The test makes a group and two accounts with ``groupadd``/``useradd`` — the steps of
docs/deploy-ssh.md, step 3 — and removes them afterwards: ``clerk`` is in the group (an
operator's account), ``outsider`` is not (any other user of the server). Commands run as
them through ``runuser`` with a clean environment. Needs root; accounts left by a test
process that died are removed by the next one (their names carry its pid).

The accounts also need a Python they may run: this test's virtual environment may sit on
an interpreter they cannot reach (``/root/.pyenv/…`` — the very trap ``xinyi doctor``
reports). :func:`shared_python` makes a small virtual environment on an interpreter of
the same version they can run, which imports this install's packages.
"""
from __future__ import annotations

import contextlib
import grp
import os
import pwd
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

PREFIX = "xyt"  # xyt<role letter><pid>: g the group, c the clerk, o the outsider
CLERK_OP = "town_clerk_a"  # the operator the clerk's account is linked to
_NAME = re.compile(rf"^{PREFIX}[gco](\d+)$")
PROGRAMS = ("groupadd", "groupdel", "useradd", "usermod", "userdel", "runuser")


def missing() -> str | None:
    """Why these tests cannot run here, or None."""
    if os.getuid() != 0:
        return "needs root to add OS accounts (useradd)"
    for program in PROGRAMS:
        if shutil.which(program) is None:
            return f"{program} is not installed"
    return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _retry(cmd: list[str]) -> None:
    """useradd and friends lock /etc/passwd: another test process may hold it for a moment."""
    for _ in range(50):
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        if done.returncode == 0:
            return
        if "lock" not in done.stderr:
            raise AssertionError(f"{' '.join(cmd)}: {done.stderr}")
        time.sleep(0.2)
    raise AssertionError(f"{' '.join(cmd)}: /etc/passwd stayed locked")


def sweep() -> None:
    """Remove the accounts and groups of test processes that are gone."""
    for entry in pwd.getpwall():
        found = _NAME.match(entry.pw_name)
        if found and not _alive(int(found.group(1))):
            subprocess.run(["userdel", entry.pw_name], capture_output=True, timeout=30)
    for entry in grp.getgrall():
        found = _NAME.match(entry.gr_name)
        if found and not _alive(int(found.group(1))):
            subprocess.run(["groupdel", entry.gr_name], capture_output=True, timeout=30)


@dataclass
class Accounts:
    group: str
    gid: int
    clerk: str  # in the group: an operator's OS account
    outsider: str  # not in the group
    folder: Path  # 0755: both may pass through it
    python: Path | None = None  # set by shared_python

    def uid(self, name: str) -> int:
        return pwd.getpwnam(name).pw_uid

    def run(self, user: str, *args: str, env: dict[str, str] | None = None, timeout: float = 120,
            cwd: Path | None = None) -> subprocess.CompletedProcess:
        """``args`` as ``user`` (runuser), with only the environment given."""
        clean = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(self.folder), **(env or {})}
        cmd = ["runuser", "-u", user, "--", "env", "-i", *[f"{k}={v}" for k, v in clean.items()], *args]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=cwd or self.folder)

    def xinyi(self, user: str, config: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
        """``xinyi ARGS`` as ``user`` (root: this test's own interpreter), on ``config``."""
        if user == "root":
            env = {k: v for k, v in os.environ.items() if not k.startswith("XINYI_")}
            env["XINYI_CONFIG"] = str(config)
            return subprocess.run([sys.executable, "-m", "xinyi_core.cli", *args], env=env, capture_output=True,
                                  text=True, timeout=kwargs.get("timeout", 120), cwd=self.folder,
                                  preexec_fn=kwargs.get("preexec_fn"))
        assert self.python is not None, "call shared_python first"
        return self.run(user, str(self.python), "-m", "xinyi_core.cli", *args, env={"XINYI_CONFIG": str(config)},
                        **kwargs)

    def can_read(self, user: str, path: Path) -> bool:
        """Whether ``user`` may read the file (or list the folder) ``path``."""
        code = ("import os, sys; p = sys.argv[1]; "
                "os.listdir(p) if os.path.isdir(p) else open(p, 'rb').read(1)")
        done = self.run(user, "/usr/bin/env", "python3", "-c", code, str(path))
        if done.returncode not in (0, 1) or (done.returncode == 1 and "PermissionError" not in done.stderr):
            raise AssertionError(f"cannot tell whether {user} reads {path}: {done.stderr}")
        return done.returncode == 0


def add_operator_account(name: str, group: str, home: Path) -> None:
    """docs/deploy-ssh.md, step 3, for ``name``: no home made by useradd, a root-owned one instead,
    and a password that is not locked but matches nothing (key login with ``UsePAM no``)."""
    _retry(["useradd", "--no-create-home", "--home-dir", str(home), "--shell", "/bin/sh", "--gid", group, name])
    _retry(["usermod", "-p", "*", name])
    home.mkdir(parents=True, exist_ok=True)
    for folder in (home.parent, home):  # `install -d -o root -g root -m 755`, whatever the umask
        os.chown(folder, 0, 0)
        os.chmod(folder, 0o755)


def build(folder: Path, group: str | None, clerk: str | None = None, *, os_user: bool = False) -> Path:
    """The test city at ``folder``, set up like a server (``[paths] group``: the configuration the
    group's to read, docs/deploy-ssh.md step 2); ``clerk`` linked to town a's attendance clerk.
    Jobs run in-process, retried once, quickly. Returns the configuration's path."""
    from xinyi_core import config as config_mod, lifecycle, testing
    from xinyi_core.models import Operator

    folder.mkdir(mode=0o755, parents=True)
    os.chmod(folder, 0o755)
    config = folder / "xinyi.toml"
    config.write_text("\n".join([
        "[paths]", 'data_dir = "data"', *([f'group = "{group}"'] if group else []),
        *(["[auth]", 'mode = "os_user"'] if os_user else []),
        "[queue]", "retries = 1", "min_backoff_ms = 100", "max_backoff_ms = 200", ""]), "utf-8")
    if group:
        os.chown(config, 0, grp.getgrnam(group).gr_gid)
        os.chmod(config, 0o640)
    lifecycle.shutdown()
    testing.start(config_mod.load(config))
    try:
        testing.build_city()
        if clerk:
            Operator.update(os_user=clerk).where(Operator.username == CLERK_OP).execute()
    finally:
        lifecycle.shutdown()
    return config


@contextlib.contextmanager
def accounts() -> Iterator[Accounts]:
    """A group with one account in it and one outside it, and a folder both may pass through."""
    sweep()
    pid = os.getpid()
    group, clerk, outsider = f"{PREFIX}g{pid}", f"{PREFIX}c{pid}", f"{PREFIX}o{pid}"
    folder = Path(tempfile.mkdtemp(prefix="xinyi-accounts-", dir="/tmp"))
    os.chmod(folder, 0o755)
    made: list[list[str]] = []
    try:
        _retry(["groupadd", group])
        made.append(["groupdel", group])
        add_operator_account(clerk, group, folder / "home" / clerk)
        made.insert(0, ["userdel", clerk])
        _retry(["useradd", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/bin/sh",
                "--user-group", outsider])
        made.insert(0, ["userdel", outsider])
        yield Accounts(group, grp.getgrnam(group).gr_gid, clerk, outsider, folder)
    finally:
        for cmd in made:
            subprocess.run(cmd, capture_output=True, timeout=30)
        if outsider in {e.gr_name for e in grp.getgrall()}:  # --user-group's group usually goes with it
            subprocess.run(["groupdel", outsider], capture_output=True, timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


def shared_python(acc: Accounts) -> Path | None:
    """A Python both accounts can run that imports this install (None: there is none here).

    A virtual environment on an interpreter of this one's version that they can reach,
    whose site-packages point at this environment's (``site.addsitedir`` in a .pth).
    """
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [Path(os.path.realpath(sys.executable)), Path(f"/usr/bin/python{version}"),
                  Path(f"/usr/local/bin/python{version}")]
    packages = sysconfig.get_paths()["purelib"]
    for n, base in enumerate(c for c in candidates if c.exists()):
        venv = acc.folder / f"venv{n}"
        done = subprocess.run([str(base), "-m", "venv", "--without-pip", str(venv)], capture_output=True,
                              timeout=120, preexec_fn=lambda: os.umask(0o022))
        if done.returncode != 0:
            continue
        site = venv / "lib" / f"python{version}" / "site-packages"
        pth = site / "_xinyi_test_install.pth"
        pth.write_text(f"import site; site.addsitedir({packages!r})\n")
        os.chmod(pth, 0o644)
        script = venv / "bin" / "xinyi"  # what ForceCommand runs, as an installed xinyi would have it
        script.write_text(f"#!{venv}/bin/python\nimport sys\nfrom xinyi_core.cli import main\nsys.exit(main())\n")
        os.chmod(script, 0o755)
        probe = acc.run(acc.clerk, str(venv / "bin" / "python"), "-c", "import async_timeout", timeout=60)
        if probe.returncode != 0:
            # redis-py wants async_timeout below Python 3.11.3 (the system's may be older than this
            # venv's, same minor version); the app never uses redis's asyncio client: the standard
            # library's timeout stands in, in this throwaway environment only
            shim = site / "async_timeout.py"
            shim.write_text("from asyncio import timeout  # noqa: F401 - test shim, see _os_accounts.py\n")
            os.chmod(shim, 0o644)
        probe = acc.run(acc.clerk, str(venv / "bin" / "python"), "-c", "import xinyi_core, xinyi_leave, redis")
        if probe.returncode == 0:
            acc.python = venv / "bin" / "python"
            return acc.python
    return None
