"""``db.run_prepared``: the statements every job runs, prepared once per connection on PostgreSQL.

What would go wrong for an operator: after the database connection was lost and made again,
or after a job's statement failed (a report asked twice while the first still runs), the next
job could not be recorded ("prepared statement does not exist" / "already exists").
"""
from __future__ import annotations

import pytest

from xinyi_core import db, lifecycle
from xinyi_core.models import OrgUnit

class Boom(Exception):
    pass


SQL = "SELECT COUNT(*) FROM org_unit WHERE kind = {p} AND code <> {p}"


def _count(kind: str) -> int:
    return db.run_prepared("test_count_units", SQL, (kind, "")).fetchone()[0]


def test_prepared_statement_survives_reconnects_and_failures(xinyi: lifecycle.Runtime):
    expected = OrgUnit.select().where(OrgUnit.kind == "city").count()
    assert _count("city") == expected
    assert _count("city") == expected  # the second time only EXECUTE (PostgreSQL)

    with pytest.raises(Boom):
        with db.database.atomic():
            assert _count("city") == expected
            raise Boom()  # the transaction around it is rolled back
    assert _count("city") == expected  # still prepared: a rolled-back transaction keeps it

    db.database.close()  # a lost connection: the next one prepares again
    assert _count("city") == expected
    if not db.is_sqlite():
        names = {n for (n,) in db.database.execute_sql("SELECT name FROM pg_prepared_statements")}
        assert "test_count_units" in names
