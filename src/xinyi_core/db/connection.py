"""The database: one proxy every model is bound to, and connecting it.

Every model in the core and in plugins subclasses :class:`BaseModel`, bound to
one :class:`peewee.DatabaseProxy`. ``connect`` picks SQLite (WAL, foreign keys,
busy timeout) or PostgreSQL from the URL. Both database classes refuse values
neither backend can store, run :func:`after_transaction` callbacks after a
rollback too, and (SQLite) take the write lock as a transaction begins.
"""
from __future__ import annotations

import contextlib
import functools
import json
import logging
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator
from urllib.parse import parse_qsl, unquote, urlparse

# peewee (and playhouse.migrate, through playhouse.postgres_ext) imports a PostgreSQL driver at
# import time whenever one is installed: ~6 MB and 15 ms in every process, the terminal app of a
# SQLite town included. They are imported with the drivers hidden; connecting to PostgreSQL
# loads the driver and hands it to peewee (:func:`_load_postgres_driver`) — issue 21.
_PG_DRIVERS = ("psycopg2", "psycopg2cffi", "psycopg")


@contextlib.contextmanager
def _drivers_hidden(hide: bool = True) -> Iterator[None]:
    """Within the block, importing a PostgreSQL driver not yet loaded raises ImportError."""
    hidden = [name for name in _PG_DRIVERS if name not in sys.modules] if hide else []
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # ``import`` raises ImportError
    try:
        yield
    finally:
        for name in hidden:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]


with _drivers_hidden("peewee" not in sys.modules):
    import peewee as pw


def schema_migrator(db: pw.Database) -> SchemaMigrator:
    """playhouse's migrator for ``db``, imported only when a migration is to run — not in every
    process (~1.5% of a short report's start)."""
    with _drivers_hidden():
        from playhouse.migrate import SchemaMigrator

    return SchemaMigrator.from_database(db)

from .. import files
from ..errors import Busy, ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from playhouse.migrate import SchemaMigrator

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


class _Prepared:
    """A statement written once as SQL with ``{p}`` parameter marks, run as a server-side prepared
    statement on PostgreSQL (see :func:`run_prepared`)."""

    __slots__ = ("name", "sql", "prepare", "execute")

    def __init__(self, name: str, sql: str) -> None:
        parts = sql.split("{p}")
        self.name, self.sql = name, sql
        self.prepare = f"PREPARE {name} AS " + parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], 1))
        self.execute = f"EXECUTE {name}" + (" (" + ", ".join(["%s"] * (len(parts) - 1)) + ")" if len(parts) > 1 else "")


_statements: dict[str, _Prepared] = {}
_prepared_here = threading.local()  # (this thread's connection, names prepared on it)


def run_prepared(name: str, sql: str, params: Any = (), *, prefix: str = "") -> Any:
    """Run ``sql`` (``{p}`` for each parameter) and return the cursor: for the few statements every
    job runs (``jobs._insert``, ``jobs.inflight``). SQLite keeps its own statement cache. On
    PostgreSQL the statement is prepared once per connection (``PREPARE name``, kept for the
    session, whatever happens to the transaction around it) and from then on executed: the
    server neither parses nor plans it again — a no-op job's insert went from ~0.34 ms to
    ~0.09 ms. ``prefix`` goes before the ``EXECUTE`` in the same query (:data:`NO_FLUSH_WAIT`).
    A connection pooler that hands a session's statements to other clients
    (PgBouncer in transaction mode) is not supported by this (nor by ``SET LOCAL`` habits)."""
    db = database.obj
    if is_sqlite():
        return db.execute_sql(sql.format(p="?"), params)
    stmt = _statements.get(name)
    if stmt is None:  # one name, one statement
        stmt = _statements[name] = _Prepared(name, sql)
    conn = db.connection()
    here = getattr(_prepared_here, "state", None)
    if here is None or here[0] is not conn:  # a new connection (reconnected, or a new thread)
        here = _prepared_here.state = (conn, set())
    if name not in here[1]:
        db.execute_sql(stmt.prepare)
        here[1].add(name)
    return db.execute_sql(prefix + stmt.execute, params)


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
                    raise ValidationError("text", "validation.nul")
                if type(p) is int and p not in _INT64:
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
        if path != ":memory:":  # created with the deployment's mode: SQLite gives -wal/-shm the same
            files.create_file(Path(path))
        return SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=10)
    if parsed.scheme.startswith("postgres"):
        _load_postgres_driver()
        return PostgresqlDatabase(
            parsed.path.lstrip("/"),
            user=unquote(parsed.username) if parsed.username else None,
            password=unquote(parsed.password) if parsed.password else None,
            host=parsed.hostname,
            port=parsed.port,
            **dict(parse_qsl(parsed.query)),  # e.g. ?options=-csearch_path%3Dxyz, sslmode=require
        )
    raise ValueError(url)


def _load_postgres_driver() -> None:
    """Give peewee the PostgreSQL driver it did not import (see the top of this module): what its
    own import-time block sets — the module, its extensions, JSON adapters, UUID registration
    and the adapter's transaction-status constants. psycopg2 first, as peewee prefers it."""
    if pw.psycopg2 is not None or pw.psycopg is not None:
        return  # imported by peewee itself (a driver was already loaded), or done before
    try:
        from psycopg2cffi import compat  # type: ignore[import-not-found]

        compat.register()
    except ImportError:
        pass
    try:
        import psycopg2
        from psycopg2 import extensions, extras
    except ImportError:
        pass
    else:
        extras.register_uuid()
        pw.psycopg2, pw.pg_extensions, pw.Json_pg2 = psycopg2, extensions, extras.Json
        pw.Psycopg2Adapter.txn_idle = extensions.TRANSACTION_STATUS_IDLE
        pw.Psycopg2Adapter.txn_inerror = extensions.TRANSACTION_STATUS_INERROR
        pw.Psycopg2Adapter.txn_unknown = extensions.TRANSACTION_STATUS_UNKNOWN
        return
    try:
        import psycopg  # type: ignore[import-not-found]
        from psycopg.pq import TransactionStatus  # type: ignore[import-not-found]
        from psycopg.types.json import Json, Jsonb  # type: ignore[import-not-found]
    except ImportError:
        return  # peewee says no driver is installed, as it would have
    pw.psycopg, pw.TransactionStatus, pw.Json_pg3, pw.Jsonb_pg3 = psycopg, TransactionStatus, Json, Jsonb
    pw.Psycopg3Adapter.txn_idle = TransactionStatus.IDLE
    pw.Psycopg3Adapter.txn_inerror = TransactionStatus.INERROR
    pw.Psycopg3Adapter.txn_unknown = TransactionStatus.UNKNOWN


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
