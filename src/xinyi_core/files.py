"""Who may read the data: the folders and files xinyi creates get the deployment's modes.

The database (with its ``-wal``/``-shm``), the backups, the reports and the logs hold
身份证号, phone numbers and password hashes. On one account (``[paths] group`` empty)
folders are ``0700`` and files ``0600``; on a shared server (``group = "xinyi"``, every
operator's OS account in that group, docs/deploy-ssh.md) folders are ``2770`` — the
setgid bit makes whatever is created inside keep the group — and files ``0660``, all
in that group. Never readable by anyone else, whatever umask the process inherited:

- :func:`apply` sets this process's umask (``077`` / ``007``) at start — every process
  xinyi starts calls it through :func:`xinyi_core.lifecycle.bootstrap` (operator
  sessions, ``xinyi worker``, ``xinyi scheduler``, the admin commands);
- :func:`make_dir` and :func:`secure` set modes and group explicitly where xinyi
  creates folders and files (``export.atomic_path``, the database, backups, logs);
- :func:`repair` (``xinyi init``) puts an existing tree right and says what it changed;
  :func:`problems` (``xinyi doctor``) only says.
"""
from __future__ import annotations

import errno
import grp
import os
import pwd
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from .i18n import t


@dataclass(frozen=True)
class Policy:
    dir_mode: int
    file_mode: int
    gid: int = -1  # -1: one account, no group
    group: str = ""

    @property
    def umask(self) -> int:
        return 0o007 if self.gid >= 0 else 0o077


SINGLE = Policy(0o700, 0o600)
_policy = SINGLE


def policy_for(group: str) -> Policy:
    """The modes for ``group`` (``""``: one account); a :class:`KeyError` if the group does not exist."""
    if not group:
        return SINGLE
    return Policy(0o2770, 0o660, grp.getgrnam(group).gr_gid, group)


def configured(cfg) -> Policy:
    """``cfg``'s modes; a ``[paths] group`` that does not exist on this machine is a Chinese error
    naming the file and the key."""
    from .configfile import Reader

    try:
        return policy_for(cfg.group)
    except KeyError:
        raise Reader(cfg.path, {}).fail("paths.group", t("config.expect.group_missing", group=cfg.group)) from None


def apply(cfg) -> Policy:
    """Make ``cfg``'s modes this process's: its umask, and what :func:`make_dir`/:func:`secure` set."""
    global _policy
    _policy = configured(cfg)
    os.umask(_policy.umask)
    return _policy


def current() -> Policy:
    return _policy


def make_dir(path: Path) -> Path:
    """``path`` as a folder; each folder created on the way gets the policy's mode and group."""
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:  # another process made it meanwhile: its modes are its own
            continue
        _set(folder, _policy.dir_mode)
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True)  # a file in the way: the usual error
    return path


def secure(path: Path) -> None:
    """Give a file this process made (or owns) the policy's mode and group."""
    try:
        _set(Path(path), _policy.file_mode)
    except FileNotFoundError:
        pass


def create_file(path: Path) -> bool:
    """Create ``path`` empty with the policy's mode and group unless it exists; True if created.

    For the SQLite database: SQLite gives its ``-wal`` and ``-shm`` the database file's
    mode (and, run as root, its owner), so a database created right keeps them right.
    """
    path = Path(path)
    make_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _policy.file_mode & 0o777)
    except FileExistsError:
        return False
    os.close(fd)
    _set(path, _policy.file_mode)
    return True


def _set(path: Path, mode: int) -> None:
    if _policy.gid >= 0:
        os.chown(path, -1, _policy.gid)  # before chmod: chown may clear the setgid bit
    os.chmod(path, mode)


# --------------------------------------------------------------------------- accounts

def os_account() -> str:
    """This process's OS account, from its uid (never ``$USER``, which the caller sets)."""
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return str(os.getuid())


def service_uid(cfg) -> int:
    """The service account: the owner of the data folder (of its nearest existing parent before
    ``xinyi init`` made it) — the account that runs ``xinyi worker`` and ``xinyi scheduler``."""
    folder = Path(cfg.data_dir).absolute()
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    return folder.stat().st_uid


def privileged(cfg) -> bool:
    """Root or the service account: who may run the deployment's own commands and name an operator
    with ``--operator``."""
    return os.getuid() == 0 or os.getuid() == service_uid(cfg)


# --------------------------------------------------------------------------- the tree: repair and check

def tree(cfg) -> list[Path]:
    """The roots holding personal data: the data folder, the report folder, the SQLite file's folder."""
    roots = [Path(cfg.data_dir), Path(cfg.report_dir)]
    url = cfg.database_url
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        db = Path(url[len("sqlite:///"):])
        roots += [db.with_name(db.name + suffix) for suffix in ("", "-wal", "-shm")]
    out: list[Path] = []
    for root in roots:
        root = root.absolute()
        if not any(root == seen or seen in root.parents for seen in out if seen.is_dir()):
            out.append(root)
    return out


def outboxes(cfg) -> Path:
    """The operators' outboxes (``xinyi_core.outbox``): each operator's own, 0700/0600 whatever the
    group, and SFTP chroots root's — not the shared tree's modes, so left out of its walk."""
    folder = getattr(cfg, "outbox_dir", None)
    return (Path(folder) if folder else Path(cfg.data_dir) / "outbox").absolute()


def _walk(roots: Iterable[Path], skip: Iterable[Path] = ()) -> Iterator[Path]:
    skipped = set(skip)
    seen: set[Path] = set(skipped)
    for root in roots:
        if root in seen or not root.exists() or root.is_symlink():
            continue
        seen.add(root)
        yield root
        if root.is_dir():
            for folder, dirs, names in os.walk(root):
                dirs[:] = [d for d in dirs if Path(folder) / d not in skipped]
                for name in sorted(dirs) + sorted(names):
                    path = Path(folder) / name
                    if path not in seen and not path.is_symlink():
                        seen.add(path)
                        yield path


def _name_of_uid(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _name_of_gid(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def _findings(policy: Policy, roots: Iterable[Path],
              skip: Iterable[Path] = ()) -> Iterator[tuple[Path, os.stat_result, int, str]]:
    """Each path whose mode or group is not the policy's: (path, its stat, the mode it should have,
    what is wrong in Chinese — 权限 0644 → 0600；属组 root → xinyi)."""
    for path in _walk(roots, skip):
        st = path.lstat()
        want = policy.dir_mode if stat.S_ISDIR(st.st_mode) else policy.file_mode
        changes = []
        mode = stat.S_IMODE(st.st_mode)
        if mode != want:
            changes.append(t("files.mode", old=f"{mode:04o}", new=f"{want:04o}"))
        if policy.gid >= 0 and st.st_gid != policy.gid:
            changes.append(t("files.group", old=_name_of_gid(st.st_gid), new=policy.group))
        if changes:
            yield path, st, want, "；".join(changes)


def repair(cfg) -> tuple[list[str], list[str]]:
    """Put the data tree's modes and group right: (what was changed, what could not be) in Chinese."""
    policy = configured(cfg)
    done, failed = [], []
    for path, st, want, what in _findings(policy, tree(cfg), [outboxes(cfg)]):
        try:
            if policy.gid >= 0 and st.st_gid != policy.gid:
                os.chown(path, -1, policy.gid)
            os.chmod(path, want)
        except OSError as exc:
            if exc.errno not in (errno.EPERM, errno.EACCES):
                raise
            failed.append(t("files.repair_failed", path=str(path), what=what, owner=_name_of_uid(st.st_uid)))
            continue
        done.append(t("files.repaired", path=str(path), what=what))
    return done, failed


def problems(cfg, *, owner_uid: int | None = None) -> list[str]:
    """What is wrong with the data tree's modes, group and owners, in Chinese (nothing is changed).

    ``owner_uid``: the service account; on one account every file must be its own
    (``0600`` shuts everyone else out, the service account too).
    """
    try:
        policy = policy_for(cfg.group)
    except KeyError:
        return [t("files.no_group", group=cfg.group)]
    out = [t("files.wrong", path=str(path), what=what)
           for path, _, _, what in _findings(policy, tree(cfg), [outboxes(cfg)])]
    if owner_uid is not None and policy.gid < 0:
        for path in _walk(tree(cfg), [outboxes(cfg)]):
            uid = path.lstat().st_uid
            if uid != owner_uid:
                out.append(t("files.owner", path=str(path), owner=_name_of_uid(uid), want=_name_of_uid(owner_uid)))
    return out
