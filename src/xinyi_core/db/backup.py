"""Backing up and restoring the SQLite database, checked before anything is replaced.

PostgreSQL deployments back up with the server's own tools (``pg_dump``).
"""
from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any, Sequence

from .. import files
from ..errors import MigrationError, XinyiError
from .connection import database
from .migrations import AppliedMigration, Migration


def backup_sqlite(dest: Path) -> Path:
    """A consistent online copy of the SQLite database (writers may keep writing).

    Uses SQLite's backup API, checks the copy's integrity, then moves it into
    place, so ``dest`` is either a complete good copy or absent.
    """
    source_path = database.obj.database
    dest = Path(dest)
    files.make_dir(dest.parent)
    tmp = dest.with_name(dest.name + ".partial")
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(source_path, timeout=30)
    try:
        dst = sqlite3.connect(tmp)
        try:
            src.backup(dst)
            ok = dst.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dst.close()
    finally:
        src.close()
    if ok != "ok":
        tmp.unlink(missing_ok=True)
        raise MigrationError("db.backup_corrupt", detail=ok)
    files.secure(tmp)  # a copy of the personal data: never readable by others
    _fsync(tmp)
    tmp.replace(dest)
    _fsync(dest.parent)
    return dest


SQLITE_HEADER = b"SQLite format 3\x00"


def restore_sqlite(source: Path, target: Path, owned: dict[str, Sequence[Migration]], safety: Path) -> Path | None:
    """Put the backup ``source`` in place of the SQLite database ``target``, checking everything first.

    The checks run on a private copy beside ``target`` (what was checked is what goes in): a
    SQLite file, ``integrity_check`` ok, an xinyi database (its ``xinyi_migration`` table has the
    core's versions), no owner's version newer than ``owned`` (this install's migrations; older is
    fine: the next start upgrades it). Then nobody else may hold ``target`` (operator screens,
    worker, scheduler): the exclusive lock that proves it is kept while the current database is
    copied to ``safety`` (returned; ``None`` if there was no database) and its WAL folded back in,
    and the checked copy then replaces it in one ``os.replace``. A refusal raises
    :class:`XinyiError` and leaves ``target`` untouched.
    """
    source, target = Path(source), Path(target)
    if not source.is_file():
        raise XinyiError("db.restore_missing", path=str(source))
    with open(source, "rb") as f:
        if f.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise XinyiError("db.restore_not_sqlite", path=str(source))
    wal = Path(f"{source}-wal")
    if wal.exists() and wal.stat().st_size:  # a raw copy of a live database: its last writes are not in it
        raise XinyiError("db.restore_wal", wal=str(wal))
    files.make_dir(target.parent)
    tmp = target.with_name(f".{target.name}.restore-{os.getpid()}")
    try:
        shutil.copyfile(source, tmp)
        files.secure(tmp)
        check_restorable(tmp, owned)
        _fsync(tmp)
        holder = _hold_alone(target) if target.exists() else None
        try:
            if holder is not None:
                _copy_as_is(holder, safety)
                try:  # fold the WAL into the old file, so that closing this connection leaves -wal alone
                    holder.execute("PRAGMA journal_mode=DELETE")
                except sqlite3.Error:  # a damaged file: let go of it before its -wal goes
                    holder.close()
                    holder = None
            elif target.exists():  # not readable as SQLite at all: keep its bytes
                files.make_dir(safety.parent)
                shutil.copyfile(target, safety)
                files.secure(safety)
            for suffix in ("-wal", "-shm"):  # stale now; a WAL left here would be replayed into the new file
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            os.replace(tmp, target)
            _fsync(target.parent)
        finally:
            if holder is not None:
                holder.close()
    finally:
        tmp.unlink(missing_ok=True)
    return safety if safety.exists() else None


def check_restorable(path: Path, owned: dict[str, Sequence[Migration]]) -> dict[str, int]:
    """The migration versions of the xinyi database at ``path``, or :class:`XinyiError` saying what is wrong."""
    try:
        con = sqlite3.connect(path)
        try:
            problems = [row[0] for row in con.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise XinyiError("db.restore_corrupt", detail="；".join(problems[:3]))
            if not con.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                               (AppliedMigration._meta.table_name,)).fetchone():
                raise XinyiError("db.restore_not_xinyi")
            versions = dict(con.execute(f"SELECT owner, MAX(version) FROM {AppliedMigration._meta.table_name} "
                                        "GROUP BY owner").fetchall())
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:  # "file is not a database", "database disk image is malformed"
        raise XinyiError("db.restore_corrupt", detail=str(exc)) from exc
    if not versions.get("core"):
        raise XinyiError("db.restore_not_xinyi")
    for owner, migrations in owned.items():
        known = max((m.version for m in migrations), default=0)
        if versions.get(owner, 0) > known:
            raise XinyiError("db.restore_newer", owner=owner, db_version=versions[owner], code_version=known)
    return versions


def _hold_alone(path: Path) -> Any:
    """A connection holding ``path`` exclusively until it is closed; refused while anyone else has it open.

    ``None`` when the file is not a readable SQLite database (there is nothing to lock or copy through).
    """
    con = sqlite3.connect(path, timeout=2, isolation_level=None)
    try:
        con.execute("PRAGMA locking_mode=EXCLUSIVE")  # kept after COMMIT, until close
        con.execute("BEGIN EXCLUSIVE")
        con.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        con.execute("COMMIT")
    except sqlite3.OperationalError as exc:
        con.close()
        if "locked" in str(exc) or "busy" in str(exc):
            raise XinyiError("db.restore_in_use") from exc
        return None
    except sqlite3.DatabaseError:
        con.close()
        return None
    return con


def _copy_as_is(con: Any, dest: Path) -> None:
    """A page-for-page copy of ``con``'s database (damaged or not: it is what was there)."""
    files.make_dir(dest.parent)
    out = sqlite3.connect(dest)
    try:
        con.backup(out)
    finally:
        out.close()
    files.secure(dest)
    _fsync(dest)


def _fsync(path: Path) -> None:
    """Flush ``path`` (a file or a folder's entries) to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
