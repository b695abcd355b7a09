"""``bulk.in_ids``: a bulk query's ``IN`` list of ids written as numbers, on SQLite and PostgreSQL.

What would go wrong for an operator: a report reading its people in batches through it would
list the wrong people, or none, or let something other than an id into the SQL.
"""
from __future__ import annotations

import pytest

from xinyi_core import ValidationError, bulk, lifecycle
from xinyi_core.models import OrgUnit


def _codes(condition) -> list[str]:
    return [u.code for u in OrgUnit.select().where(condition).order_by(OrgUnit.id)]


def test_in_ids_picks_the_same_rows_as_in(xinyi: lifecycle.Runtime):
    for n in range(4):
        OrgUnit.create(name=f"镇{n}", code=f"t{n}", kind="town")
    ids = [u.id for u in OrgUnit.select().order_by(OrgUnit.id)]
    some = ids[1::2] + [ids[1], 10**12]  # repeated, and one no unit has
    assert _codes(bulk.in_ids(OrgUnit.id, some)) == _codes(OrgUnit.id.in_(some)) != []
    assert _codes(bulk.in_ids(OrgUnit.id, [str(ids[0])])) == _codes(OrgUnit.id == ids[0])  # an id read as text
    assert _codes(bulk.in_ids(OrgUnit.id, [])) == []
    assert _codes(~bulk.in_ids(OrgUnit.id, [])) == _codes(OrgUnit.id.is_null(False))


def test_in_ids_lets_nothing_but_ids_into_the_sql(xinyi: lifecycle.Runtime):
    with pytest.raises(ValueError):
        bulk.in_ids(OrgUnit.id, ["1) OR (1=1"])
    with pytest.raises(ValidationError):
        bulk.in_ids(OrgUnit.id, [2**63])  # refused as a bound parameter beyond 64 bits is
