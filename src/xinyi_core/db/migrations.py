"""The versioned migration runner.

Migrations are owned: the core and each plugin supply an ordered list of
:class:`Migration` objects. Applied versions are recorded per owner in
``xinyi_migration``; nothing is applied twice, and a database that has a
version newer than the code knows refuses to start.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Sequence

import peewee as pw

from ..errors import MigrationError
from .connection import BaseModel, database, schema_migrator

if TYPE_CHECKING:  # pragma: no cover
    from playhouse.migrate import SchemaMigrator


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
    steps = pending(owned)
    migrator = schema_migrator(db) if steps else None
    done = []
    for owner, m in steps:
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
