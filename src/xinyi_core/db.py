"""Database proxy, connection and the versioned migration runner.

Every model in the core and in plugins subclasses :class:`BaseModel`, bound to
one :class:`peewee.DatabaseProxy`. ``connect`` picks SQLite (WAL, foreign keys,
busy timeout) or PostgreSQL from the URL.

Migrations are owned: the core and each plugin supply an ordered list of
:class:`Migration` objects. Applied versions are recorded per owner in
``xinyi_migration``; nothing is applied twice, and a database that has a
version newer than the code knows refuses to start.
"""
from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence
from urllib.parse import parse_qsl, unquote, urlparse

import peewee as pw
from playhouse.migrate import SchemaMigrator

from .errors import Busy, MigrationError, XinyiError

database = pw.DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,  # ms: writers queue instead of failing with "database is locked"
    "synchronous": "normal",
    "cache_size": -2_000,  # KiB per connection: low-spec machines; the OS page cache holds the rest
}


class BaseModel(pw.Model):
    class Meta:
        database = database
        legacy_table_names = False


class JSONField(pw.TextField):
    """JSON stored as text, portable between SQLite and PostgreSQL."""

    def db_value(self, value: Any) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)

    def python_value(self, value: str | None) -> Any:
        return None if value is None else json.loads(value)


# --------------------------------------------------------------------------- after the transaction

log = logging.getLogger(__name__)
_after = threading.local()  # per thread, like peewee's connection state


def _pending() -> dict[int, list[Callable[[], Any]]]:
    """This thread's waiting callbacks, by database (``id``)."""
    if not hasattr(_after, "by_db"):
        _after.by_db = {}
    return _after.by_db


def after_transaction(fn: Callable[[], Any]) -> None:
    """Run ``fn`` once the outermost transaction has ended — committed *or* rolled back.

    Outside a transaction it runs at once. peewee's own ``after_commit`` drops its
    callbacks on a rollback; this is for what must happen either way (the audit
    row of a refused attempt, whose caller's transaction rolls back with the
    refusal). ``fn`` then runs outside any transaction; its errors are logged.
    """
    db = database.obj
    if db is None or not db.in_transaction():
        fn()
        return
    pending = _pending().setdefault(id(db), [])
    if not pending:
        db.after_commit(functools.partial(_run_after, db))
    pending.append(fn)


def _run_after(db: pw.Database) -> None:
    for fn in _pending().pop(id(db), []):
        try:
            fn()
        except Exception:  # the caller's own outcome (its commit, its exception) must stand
            log.exception("after-transaction callback failed")


class _AfterRollback:
    """Runs :func:`after_transaction` callbacks after a rollback too (peewee runs them after a commit)."""

    def rollback(self) -> None:
        try:
            super().rollback()  # type: ignore[misc]
        finally:
            _run_after(self)  # type: ignore[arg-type]


# Prefix for a PostgreSQL statement run outside a transaction: the implicit transaction of
# the multi-statement query commits without waiting for its WAL flush. For bookkeeping
# whose loss in a server crash is harmless (see xinyi_core.jobs._insert).
NO_FLUSH_WAIT = "SET LOCAL synchronous_commit TO off; "


def relax_commit() -> None:
    """Inside a transaction the caller owns: on PostgreSQL, commit it without waiting for the
    WAL flush (SQLite's WAL + ``synchronous=NORMAL`` already commits so). Only for bookkeeping
    that a database-server crash may lose harmlessly — never around a plugin's own writes."""
    if not is_sqlite() and database.in_transaction():
        database.execute_sql("SET LOCAL synchronous_commit TO off")


_INT64 = range(-2**63, 2**63)


class _RefuseNul:
    """Refuses, with a Chinese error, values neither database can take: text holding
    U+0000 (pasted from a broken document) and integers beyond 64 bits (a crafted id).

    PostgreSQL cannot store the first (the driver raises ``ValueError`` from deep inside
    any service) and SQLite would keep an invisible character; the second is an
    ``OverflowError`` in SQLite and a ``DataError`` in PostgreSQL. One check where every
    statement's parameters pass makes both backends answer the operator alike.
    """

    def execute_sql(self, sql: str, params: Any = None) -> Any:
        if params:
            for p in params:
                if isinstance(p, str) and "\x00" in p:
                    from .errors import ValidationError

                    raise ValidationError("text", "validation.nul")
                if type(p) is int and p not in _INT64:
                    from .errors import ValidationError

                    raise ValidationError("id", "validation.out_of_range")
        return super().execute_sql(sql, params)  # type: ignore[misc]


class SqliteDatabase(_RefuseNul, _AfterRollback, pw.SqliteDatabase):
    """SQLite whose transactions take the write lock as they begin (``BEGIN IMMEDIATE``).

    A deferred transaction that reads and then writes cannot wait for the lock: if another
    process committed in between, SQLite answers "database is locked" at once, without the
    busy timeout. Taking the lock up front makes writers queue (up to ``busy_timeout``) while
    readers never wait (WAL). A lock still not free after that is :class:`Busy`, in Chinese.
    """

    def __init__(self, database: str, **kwargs: Any) -> None:
        super().__init__(database, lock_type="IMMEDIATE", **kwargs)

    def begin(self, lock_type: str | None = None) -> None:
        try:
            super().begin(lock_type)
        except pw.OperationalError as exc:
            _raise_if_busy(exc)
            raise

    def execute_sql(self, sql: str, params: Any = None) -> Any:
        try:
            return super().execute_sql(sql, params)
        except pw.OperationalError as exc:
            _raise_if_busy(exc)
            raise


def _raise_if_busy(exc: pw.OperationalError) -> None:
    if "database is locked" in str(exc):  # SQLITE_BUSY, whatever its extended code
        raise Busy() from exc


class PostgresqlDatabase(_RefuseNul, _AfterRollback, pw.PostgresqlDatabase):
    pass


def make_database(url: str) -> pw.Database:
    """A peewee database for ``url`` (not yet connected)."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = url[len("sqlite:///"):]
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=10)
    if parsed.scheme.startswith("postgres"):
        return PostgresqlDatabase(
            parsed.path.lstrip("/"),
            user=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
            host=parsed.hostname,
            port=parsed.port,
            **dict(parse_qsl(parsed.query)),  # e.g. ?options=-csearch_path%3Dxyz, sslmode=require
        )
    raise ValueError(url)


def redact(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    parsed = urlparse(url)
    if parsed.password:
        return url.replace(f":{parsed.password}@", ":***@", 1)
    return url


def connect(url: str) -> pw.Database:
    """Bind the global proxy to the database at ``url`` and open a connection."""
    db = make_database(url)
    database.initialize(db)
    db.connect(reuse_if_open=True)
    return db


def close() -> None:
    if database.obj is not None and not database.is_closed():
        database.close()


def is_sqlite() -> bool:
    return isinstance(database.obj, pw.SqliteDatabase)


def locked(query: pw.ModelSelect) -> pw.ModelSelect:
    """``query`` with its rows locked until the transaction ends (``SELECT … FOR UPDATE``).

    For a read-then-write inside a transaction: on PostgreSQL (READ COMMITTED) two
    transactions may otherwise both read a row before either writes it, and the second
    write silently undoes the first. SQLite needs nothing (and has no FOR UPDATE): its
    write transactions already run one at a time (``BEGIN IMMEDIATE``).
    """
    return query if is_sqlite() else query.for_update()


# --------------------------------------------------------------------------- migrations

@dataclass(frozen=True)
class Migration:
    """One schema step. ``apply(migrator, db)`` runs inside a transaction."""

    version: int
    name: str
    apply: Callable[[SchemaMigrator, pw.Database], None]


def create_tables(*models: type[pw.Model]) -> Callable[[SchemaMigrator, pw.Database], None]:
    """A migration body that creates ``models``' tables (for a first migration)."""

    def apply(migrator: SchemaMigrator, db: pw.Database) -> None:
        db.create_tables(models)

    return apply


class AppliedMigration(BaseModel):
    owner = pw.CharField(max_length=64)
    version = pw.IntegerField()
    name = pw.CharField(max_length=200)
    applied_at = pw.DateTimeField(default=dt.datetime.now)

    class Meta:
        table_name = "xinyi_migration"
        indexes = ((("owner", "version"), True),)


def applied_versions() -> dict[str, int]:
    if not AppliedMigration.table_exists():
        return {}
    q = AppliedMigration.select(AppliedMigration.owner, pw.fn.MAX(AppliedMigration.version).alias("v"))
    return {row.owner: row.v for row in q.group_by(AppliedMigration.owner)}


def check_not_newer(owned: dict[str, Sequence[Migration]]) -> None:
    """Refuse a database that was migrated by newer code than this."""
    applied = applied_versions()
    for owner, migrations in owned.items():
        known = max((m.version for m in migrations), default=0)
        if applied.get(owner, 0) > known:
            raise MigrationError("db.newer_than_code", owner=owner, db_version=applied[owner], code_version=known)


def pending(owned: dict[str, Sequence[Migration]]) -> list[tuple[str, Migration]]:
    applied = applied_versions()
    out = []
    for owner, migrations in owned.items():
        versions = [m.version for m in migrations]
        if versions != sorted(set(versions)):
            raise MigrationError("db.migration_order", owner=owner)
        out.extend((owner, m) for m in migrations if m.version > applied.get(owner, 0))
    return out


def migrate(owned: dict[str, Sequence[Migration]]) -> list[str]:
    """Apply every pending migration, core first, each in its own transaction.

    Returns ``owner:version name`` of what was applied.
    """
    db = database.obj
    db.create_tables([AppliedMigration])
    check_not_newer(owned)
    migrator = SchemaMigrator.from_database(db)
    done = []
    for owner, m in pending(owned):
        try:
            with db.atomic():
                m.apply(migrator, db)
                AppliedMigration.create(owner=owner, version=m.version, name=m.name)
        except MigrationError:
            raise
        except Exception as exc:  # report which step broke, then stop: later steps depend on it
            raise MigrationError("db.migration_failed", owner=owner, version=m.version, name=m.name,
                                 detail=str(exc)) from exc
        done.append(f"{owner}:{m.version} {m.name}")
    return done


def all_models(groups: Iterable[Iterable[type[pw.Model]]]) -> list[type[pw.Model]]:
    return [m for group in groups for m in group]


def backup_sqlite(dest: Path) -> Path:
    """A consistent online copy of the SQLite database (writers may keep writing).

    Uses SQLite's backup API, checks the copy's integrity, then moves it into
    place, so ``dest`` is either a complete good copy or absent.
    """
    import sqlite3

    source_path = database.obj.database
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
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
    import os
    import shutil
    import sqlite3

    source, target = Path(source), Path(target)
    if not source.is_file():
        raise XinyiError("db.restore_missing", path=str(source))
    with open(source, "rb") as f:
        if f.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
            raise XinyiError("db.restore_not_sqlite", path=str(source))
    wal = Path(f"{source}-wal")
    if wal.exists() and wal.stat().st_size:  # a raw copy of a live database: its last writes are not in it
        raise XinyiError("db.restore_wal", wal=str(wal))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.restore-{os.getpid()}")
    try:
        shutil.copyfile(source, tmp)
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
                safety.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(target, safety)
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
    import sqlite3

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
    import sqlite3

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
    import sqlite3

    dest.parent.mkdir(parents=True, exist_ok=True)
    out = sqlite3.connect(dest)
    try:
        con.backup(out)
    finally:
        out.close()
    _fsync(dest)


def _fsync(path: Path) -> None:
    """Flush ``path`` (a file or a folder's entries) to the disk."""
    import os

    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
