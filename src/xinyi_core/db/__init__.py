"""The database, by job: connecting (:mod:`.connection`), the versioned
migrations (:mod:`.migrations`), backing up and restoring SQLite (:mod:`.backup`), queries
turned into SQL once (:mod:`.compiled`).

Everything is importable from ``xinyi_core.db`` as before the split; plugins
and the core keep writing ``from xinyi_core.db import database``.
"""
from __future__ import annotations

from .backup import SQLITE_HEADER, backup_sqlite, check_restorable, restore_sqlite
from .compiled import Compiled, Ids, Param, Params
from .connection import (NO_FLUSH_WAIT, SQLITE_PRAGMAS, BaseModel, JSONField, PostgresqlDatabase, SqliteDatabase,
                         after_transaction, close, connect, database, is_sqlite, locked, make_database, redact,
                         relax_commit, run_prepared)
from .migrations import AppliedMigration, Migration, applied_versions, check_not_newer, create_tables, migrate, pending

__all__ = [
    "NO_FLUSH_WAIT", "SQLITE_HEADER", "SQLITE_PRAGMAS", "AppliedMigration", "BaseModel", "Compiled", "Ids",
    "JSONField", "Migration", "Param", "Params",
    "PostgresqlDatabase", "SqliteDatabase", "after_transaction", "applied_versions", "backup_sqlite",
    "check_not_newer", "check_restorable", "close", "connect", "create_tables", "database", "is_sqlite", "locked",
    "make_database", "migrate", "pending", "redact", "relax_commit", "restore_sqlite", "run_prepared",
]
