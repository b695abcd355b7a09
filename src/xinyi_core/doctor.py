"""``xinyi doctor``: one command that checks a deployment and says in Chinese what is wrong.

Each check is independent (one failing never hides the next) and gives lines of
:class:`Finding`: what was looked at, and — when something is wrong — what and how to
put it right. Checked: the configuration; the modes, group and owners of the data,
backup, report and log folders (:mod:`xinyi_core.files`); that the operators' group can
run the interpreter and read the virtual environment and the configuration (a root-only
Python made every SSH login fail with ``Permission denied``, exit code 126); the sshd
``Match`` block as sshd applies it to each linked OS account (``sshd -T -C user=…``,
when sshd is installed and this runs as root); Redis; the database (PostgreSQL or the
SQLite file) and its migrations; the holiday calendar's coverage; the printers and the
PDF converter the configuration names (:mod:`xinyi_core.printing`).
"""
from __future__ import annotations

import grp
import os
import pwd
import stat
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from .i18n import t

SSHD = "/usr/sbin/sshd"


@dataclass(frozen=True)
class Finding:
    ok: bool | None  # None: not checked here (and why)
    text: str

    def line(self) -> str:
        mark = {True: "doctor.ok", False: "doctor.problem", None: "doctor.skipped"}[self.ok]
        return t(mark, text=self.text)


def run(config_path: str | None, *, sshd_config: str | None = None) -> list[Finding]:
    """Every check, in order; the configuration first (nothing else can be read without it).

    ``sshd_config``: the sshd configuration to check (``sshd -f``), when not the system's.
    """
    from . import config as config_mod
    from .errors import XinyiError

    try:
        cfg = config_mod.load(config_path)
    except XinyiError as exc:
        return [Finding(False, str(exc))]
    out = [Finding(True, t("doctor.config", path=str(cfg.path or t("config.builtin"))))]
    checks: list[Callable[..., Iterable[Finding]]] = [_files, _interpreter, _sshd, _redis, _database, _printing]
    for check in checks:
        try:
            out.extend(check(cfg, sshd_config) if check is _sshd else check(cfg))
        except Exception as exc:  # noqa: BLE001 - a broken check is itself a finding; go on with the others
            out.append(Finding(False, t("doctor.check_failed", check=check.__name__.strip("_"),
                                        error=f"{type(exc).__name__}: {exc}")))
    return out


# --------------------------------------------------------------------------- files

def _files(cfg) -> Iterable[Finding]:
    from . import files

    wrong = files.problems(cfg, owner_uid=files.service_uid(cfg))
    if not wrong:
        mode = t("doctor.group_mode", group=cfg.group) if cfg.group else t("doctor.single_mode")
        yield Finding(True, t("doctor.files_ok", mode=mode))
    for line in wrong[:50]:
        yield Finding(False, line)
    if len(wrong) > 50:
        yield Finding(False, t("doctor.more", count=len(wrong) - 50))


# --------------------------------------------------------------------------- interpreter and venv

def _reachable(path: Path, gid: int, *, read: bool, execute: bool) -> tuple[bool, str]:
    """Whether a member of group ``gid`` (not the owner, not root) may reach ``path`` — every parent
    folder searchable — and read / execute it; else the first path that stops it and its mode."""
    def allowed(st: os.stat_result, bits: tuple[int, int]) -> bool:
        group_bit, other_bit = bits
        return bool(st.st_mode & (group_bit if st.st_gid == gid else other_bit))

    path = Path(os.path.abspath(path))
    for folder in reversed(path.parents):
        st = folder.stat()
        if not allowed(st, (stat.S_IXGRP, stat.S_IXOTH)):
            return False, f"{folder}（{stat.S_IMODE(st.st_mode):04o}，{_owner(st)}）"
    st = path.stat()
    need = ([(stat.S_IRGRP, stat.S_IROTH)] if read else []) + ([(stat.S_IXGRP, stat.S_IXOTH)] if execute else [])
    if not all(allowed(st, bits) for bits in need):
        return False, f"{path}（{stat.S_IMODE(st.st_mode):04o}，{_owner(st)}）"
    return True, ""


def _owner(st: os.stat_result) -> str:
    try:
        user = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        user = str(st.st_uid)
    try:
        group = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        group = str(st.st_gid)
    return f"{user}:{group}"


def program_paths(cfg) -> list[tuple[str, Path, bool, bool]]:
    """What an operator's login runs and reads: (what, path, read, execute)."""
    real = Path(os.path.realpath(sys.executable))
    paths = [("interpreter", real, True, True), ("stdlib", Path(sysconfig.get_paths()["stdlib"]) / "os.py", True, False),
             ("venv", Path(sysconfig.get_paths()["purelib"]), True, True)]
    script = Path(sys.prefix) / "bin" / "xinyi"
    if script.exists():
        paths.append(("script", script, True, True))
    package = Path(__file__).resolve().parent / "__init__.py"
    paths.append(("package", package, True, False))
    if cfg.path is not None:
        paths.append(("config", Path(cfg.path).absolute(), True, False))
    return paths


def _interpreter(cfg) -> Iterable[Finding]:
    if not cfg.group:
        yield Finding(None, t("doctor.interpreter_single"))
        return
    try:
        gid = grp.getgrnam(cfg.group).gr_gid
    except KeyError:
        yield Finding(False, t("files.no_group", group=cfg.group))
        return
    bad = False
    for what, path, read, execute in program_paths(cfg):
        ok, where = _reachable(path, gid, read=read, execute=execute)
        if not ok:
            bad = True
            yield Finding(False, t("doctor.unreachable", what=t(f"doctor.what.{what}"), path=str(path),
                                   group=cfg.group, where=where))
    if not bad:
        yield Finding(True, t("doctor.interpreter_ok", group=cfg.group, python=os.path.realpath(sys.executable)))


# --------------------------------------------------------------------------- sshd

# sshd -T keyword → the value the deployment needs (docs/deploy-ssh.md, step 5)
SSHD_EXPECTED = {"permittty": "yes", "allowtcpforwarding": "no", "allowagentforwarding": "no",
                 "allowstreamlocalforwarding": "no", "x11forwarding": "no", "permittunnel": "no",
                 "permituserrc": "no", "disableforwarding": "yes", "passwordauthentication": "no"}


# the SFTP port of step 11 (ForceCommand internal-sftp): her outbox only, no terminal, no forwarding
SFTP_EXPECTED = {**SSHD_EXPECTED, "permittty": "no"}


def sshd_problems(settings: dict[str, str], program: str) -> list[str]:
    """What is wrong with the settings ``sshd -T`` reports for one operator account (Chinese)."""
    out = []
    command = settings.get("forcecommand", "")
    if command.split()[:1] == ["internal-sftp"]:  # the port where she fetches her outbox (step 11)
        if settings.get("chrootdirectory", "none") == "none":
            out.append(t("doctor.sshd_sftp_no_chroot"))
        out.extend(t("doctor.sshd_setting", key=key, value=settings[key], want=want)
                   for key, want in SFTP_EXPECTED.items() if key in settings and settings[key] != want)
        return out
    if not command or command == "none":
        out.append(t("doctor.sshd_no_forcecommand"))
    elif os.path.realpath(command.split()[0]) != os.path.realpath(program):
        out.append(t("doctor.sshd_other_command", command=command, program=program))
    for key, want in SSHD_EXPECTED.items():
        if key in settings and settings[key] != want:
            out.append(t("doctor.sshd_setting", key=key, value=settings[key], want=want))
    if "XINYI_CONFIG=" not in settings.get("setenv", ""):
        out.append(t("doctor.sshd_no_config"))
    return out


def _sshd(cfg, sshd_config: str | None = None) -> Iterable[Finding]:
    if not os.access(SSHD, os.X_OK):
        yield Finding(None, t("doctor.sshd_absent"))
        return
    if os.getuid() != 0:
        yield Finding(None, t("doctor.sshd_not_root"))
        return
    accounts = _linked_accounts(cfg)
    if accounts is None:
        yield Finding(None, t("doctor.sshd_no_database"))
        return
    if not accounts:
        yield Finding(None, t("doctor.sshd_no_accounts"))
        return
    program = str(Path(sys.prefix) / "bin" / "xinyi")
    group_gid = None
    if cfg.group:
        try:
            group_gid = grp.getgrnam(cfg.group).gr_gid
        except KeyError:
            group_gid = None
    checked = 0
    for account in accounts:
        try:
            entry = pwd.getpwnam(account)
        except KeyError:
            yield Finding(False, t("doctor.account_missing", account=account))
            continue
        if group_gid is not None and entry.pw_gid != group_gid and account not in grp.getgrgid(group_gid).gr_mem:
            yield Finding(False, t("doctor.account_not_in_group", account=account, group=cfg.group))
        settings, error = _sshd_settings(sshd_config, account, "22")  # a probe: the global Port lines
        if settings is None:
            yield Finding(False, t("doctor.sshd_failed", error=error))
            return
        wrong: list[str] = []
        for port in settings.get("port", "22").split():  # each port, as sshd applies the Match blocks there
            here, error = (settings, "") if port == "22" else _sshd_settings(sshd_config, account, port)
            if here is None:
                yield Finding(False, t("doctor.sshd_failed", error=error))
                return
            wrong += [p for p in sshd_problems(here, program) if p not in wrong]
        for problem in wrong:
            yield Finding(False, t("doctor.sshd_for", account=account, problem=problem))
        checked += not wrong
    if checked:
        yield Finding(True, t("doctor.sshd_ok", count=checked))


def _sshd_settings(sshd_config: str | None, account: str, port: str) -> tuple[dict[str, str] | None, str]:
    """What ``sshd -T`` applies to ``account`` connecting to local ``port`` (a keyword given on several
    lines, like ``port``, joined with spaces); or None and sshd's error."""
    done = subprocess.run([SSHD, "-T", *(["-f", sshd_config] if sshd_config else []), "-C",
                           f"user={account},host=localhost,addr=127.0.0.1,laddr=127.0.0.1,lport={port}"],
                          capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        return None, " ".join(done.stderr.split())[:300]
    settings: dict[str, str] = {}
    for line in done.stdout.splitlines():
        key, _, value = line.partition(" ")
        settings[key.lower()] = f"{settings[key.lower()]} {value}".strip() if key.lower() in settings else value
    return settings, ""


def _linked_accounts(cfg) -> list[str] | None:
    """The OS accounts linked to active operators, or None when the database cannot be read."""
    from . import lifecycle
    from .models import Operator

    try:
        lifecycle.bootstrap(cfg, migrate=False, pending_ok=True)
    except Exception:  # noqa: BLE001 - the database check says why
        return None
    try:
        return [o.os_user for o in Operator.select().where(Operator.os_user.is_null(False) & Operator.active)
                .order_by(Operator.os_user)]
    except Exception:  # noqa: BLE001
        return None
    finally:
        lifecycle.shutdown()


# --------------------------------------------------------------------------- services

def _redis(cfg) -> Iterable[Finding]:
    if not cfg.redis_url:
        yield Finding(None, t("doctor.redis_none"))
        return
    import redis

    from .db import redact

    try:
        redis.Redis.from_url(cfg.redis_url, socket_timeout=3, socket_connect_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001
        yield Finding(False, t("doctor.redis_down", url=redact(cfg.redis_url), error=" ".join(str(exc).split())[:200]))
        return
    yield Finding(True, t("doctor.redis_ok", url=redact(cfg.redis_url)))


def _database(cfg) -> Iterable[Finding]:
    from . import calendar, lifecycle
    from .db import redact
    from .errors import XinyiError

    try:
        runtime = lifecycle.bootstrap(cfg, migrate=False, pending_ok=True)
    except XinyiError as exc:
        yield Finding(False, str(exc))
        return
    try:
        kind = "PostgreSQL" if not cfg.database_url.startswith("sqlite") else "SQLite"
        yield Finding(True, t("doctor.database_ok", kind=kind, url=redact(cfg.database_url)))
        if runtime.pending:
            yield Finding(False, t("db.pending", steps=lifecycle.describe_pending(runtime.pending)))
        warnings = calendar.coverage_warnings()
        for warning in warnings:
            yield Finding(False, warning)
        if not warnings:
            yield Finding(True, t("doctor.calendar_ok"))
    finally:
        lifecycle.shutdown()


def _printing(cfg) -> Iterable[Finding]:
    """The CUPS queues the configuration names (``[print] printer``, towns.toml) and LibreOffice, which
    converts documents to PDF for printing or ``pdf_beside``."""
    from . import printing

    queues = sorted({q for q in [cfg.printer, *(town.printer for town in cfg.towns.values())] if q})
    if not queues and not cfg.pdf_beside:
        yield Finding(None, t("doctor.printing_none"))
        return
    try:
        program = printing.soffice()
    except printing.PrintError as exc:
        yield Finding(False, str(exc))
    else:
        yield Finding(True, t("doctor.converter_ok", program=program))
    for queue in queues:
        try:
            printing.check_printer(queue)
        except printing.PrintError as exc:
            yield Finding(False, str(exc))
        else:
            yield Finding(True, t("doctor.printer_ok", queue=queue))
