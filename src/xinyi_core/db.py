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
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence
from urllib.parse import parse_qsl, unquote, urlparse

import peewee as pw
from playhouse.migrate import SchemaMigrator

from .errors import MigrationError

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


def make_database(url: str) -> pw.Database:
    """A peewee database for ``url`` (not yet connected)."""
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = url[len("sqlite:///"):]
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return pw.SqliteDatabase(path, pragmas=SQLITE_PRAGMAS, timeout=10)
    if parsed.scheme.startswith("postgres"):
        return pw.PostgresqlDatabase(
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
    tmp.replace(dest)
    return dest
