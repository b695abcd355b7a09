"""ACCESS (issue 11): a refused attempt's audit row survives whatever the caller's transaction does.

A plugin may wrap a scoped call in ``database.atomic()`` — and let the
``PermissionDenied`` escape (its transaction rolls back), or catch it inside a
nested block (a savepoint rolls back, the outer transaction commits). Either
way the refusal stays in the trail, exactly once; an *allowed* write's row, on
the other hand, goes down with its write. SQLite and PostgreSQL; and a few
cells of the service matrix with every plugin on PostgreSQL.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from _access_cases import CASES
from _access_helpers import TODAY, World, expect_refused, populate, refusals, writes
from xinyi_core import clock, lifecycle, org, people, testing
from xinyi_core.db import database
from xinyi_core.errors import PermissionDenied
from xinyi_core.models import AuditLog, Person, Post


@pytest.fixture
def core_city(tmp_path: Path, database_url: str) -> Iterator[testing.City]:
    """The core alone (no plugin tables to create on PostgreSQL), the small test city."""
    testing.start(testing.make_config(tmp_path, database_url), entry_points=False)
    try:
        yield testing.build_city()
    finally:
        lifecycle.shutdown()


def plugin_write(op, person_id: int, village) -> None:
    """Stands for a plugin's service: its own write first, then a scoped core call, one transaction."""
    with database.atomic():
        org.add_post(village, title="临时岗")
        people.update(op, person_id, {"phone": "13800000007"})


def test_a_refusal_outlives_the_rollback_of_the_callers_transaction(core_city):
    clerk, pb = core_city.op("town_clerk", "a"), core_city.people["b"][0]
    row = expect_refused(clerk, lambda: plugin_write(clerk, pb.id, core_city.villages["a"][0])).row
    assert (row.action, row.person_id, row.note) == ("people.view", pb.id, "auth.out_of_scope")
    assert not Post.select().where(Post.title == "临时岗").exists()  # the plugin's own write rolled back
    assert Person.get_by_id(pb.id).phone == pb.phone


def test_a_refusal_caught_in_a_nested_block_is_kept_once_when_the_outer_transaction_commits(core_city):
    clerk, pb = core_city.op("town_clerk", "a"), core_city.people["b"][0]
    with database.atomic():
        org.add_post(core_city.villages["a"][0], title="临时岗")
        for _ in range(2):
            try:
                with database.atomic():  # a savepoint, rolled back by the escaping refusal
                    people.get(clerk, pb.id)
            except PermissionDenied:
                pass
        people.update(clerk, core_city.people["a"][1].id, {"phone": "13800000008"})  # allowed
    assert Post.select().where(Post.title == "临时岗").count() == 1
    assert [(r.action, r.person_id) for r in refusals(clerk)] == [("people.view", pb.id)] * 2
    assert [r.action for r in writes(clerk)] == ["people.update"]


def test_refusals_before_an_explicit_rollback_are_kept_in_order_and_allowed_writes_are_not(core_city):
    clerk, head = core_city.op("town_clerk", "a"), core_city.op("town_head", "a")
    pa, pb = core_city.people["a"][1], core_city.people["b"][1]
    with clock.frozen(TODAY):
        with database.atomic() as txn:
            people.update(clerk, pa.id, {"phone": "13800000009"})  # allowed, then rolled back below
            for op, call in ((clerk, lambda: people.set_status(clerk, pa.id, "departed")),  # no people.status
                             (head, lambda: people.transfer(head, pa.id, core_city.vacant["b"]))):  # ORG-3
                with pytest.raises(PermissionDenied):
                    call()
            txn.rollback()
        people.update(clerk, pa.id, {"phone": "13800000010"})  # after: a transaction of its own
    assert Person.get_by_id(pa.id).phone == "13800000010"
    trail = [(r.operator_id, r.action, r.allowed) for r in AuditLog.select().order_by(AuditLog.id)]
    assert trail[-3:] == [(clerk.id, "people.status", False), (head.id, "people.transfer", False),
                          (clerk.id, "people.update", True)]
    assert all(r.at == TODAY for r in AuditLog.select().where(AuditLog.allowed == False))  # noqa: E712
    assert len(writes(clerk)) == 1  # the rolled-back update left no row
    assert Person.get_by_id(pb.id).status == "on_duty"


# --------------------------------------------------------------------------- the matrix on PostgreSQL too

SMOKE = ("people.transfer.across_villages", "leave.decide", "attendance.correct", "departure.report",
         "assessment.deduct")


@pytest.fixture
def plugin_world(xinyi, tmp_path: Path) -> Iterator[World]:
    """Every plugin on this backend, populated like the SQLite template the matrix copies."""
    template = populate(Path())
    with clock.frozen(TODAY):
        yield World(template, tmp_path, xinyi)


def test_matrix_cells_hold_on_this_backend(plugin_world, backend):
    """For a few cases: the first allowed role succeeds; a refused role and the town-b outsider are
    refused and audited (one transaction per call, as in production)."""
    w = plugin_world
    for case in (c for c in CASES if c.name in SMOKE):
        subject = case.setup(w) if case.setup else None
        refused_role = next(r for r in ("town_clerk", "village_head", "assistant") if r not in case.allowed)
        for op in (w.op(refused_role, "a"), w.op(case.outsider, "b")):
            expect_refused(op, lambda: case.call(w, op, subject))
        op = w.op(case.allowed[0], "a")
        case.call(w, op, subject)
        assert writes(op)
