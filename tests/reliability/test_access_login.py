"""ACCESS (issue 11): passwords are argon2id hashes and never stored in clear; repeated failures
lock the account for the configured time; every failed login and lock-out is audited."""
from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Iterator

import argon2
import pytest

from _access_helpers import TODAY, Template, World, chinese, start, world_fixture
from xinyi_core import auth, clock, lifecycle, testing
from xinyi_core.errors import PermissionDenied
from xinyi_core.models import AuditLog, Operator

SECRET = "Xy#2026-mima"


@pytest.fixture
def world(template: Template, tmp_path: Path) -> Iterator[World]:
    """The test city with a stricter policy than the defaults: 3 failures lock for 10 minutes."""
    yield from world_fixture(template, tmp_path, max_failed_logins=3, lockout_minutes=10)


def every_stored_text(db_file: Path) -> str:
    """Every value of every table, as one text: what a stolen database file would give away."""
    con = sqlite3.connect(db_file)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return "\n".join(repr(row) for table in tables for row in con.execute(f'SELECT * FROM "{table}"'))
    finally:
        con.close()


def login_rows(op: Operator | None = None) -> list[tuple[bool, str]]:
    q = AuditLog.select().where(AuditLog.action == "auth.login")
    if op is not None:
        q = q.where(AuditLog.operator_id == op.id)
    return [(r.allowed, r.note) for r in q.order_by(AuditLog.id)]


def test_passwords_are_argon2id_hashes_and_no_password_is_stored_anywhere(world: World):
    op = auth.create_operator("zhangli", "张丽", "town_head", world.town("a"), password=SECRET)
    for row in Operator.select():
        params = argon2.extract_parameters(row.password_hash)
        assert row.password_hash.startswith("$argon2id$v=19$") and params.type is argon2.Type.ID
        assert params.memory_cost >= 19 * 1024 and params.time_cost >= 2  # at least OWASP's argon2id floor
    clerk = world.op("town_clerk", "a")
    attempts = [(SECRET, "x"),  # the password typed into the username field
                (f" {SECRET} ", SECRET),
                (clerk.username, SECRET),  # someone else's password on this account
                (op.username, SECRET[::-1]),
                (op.username, SECRET)]  # and the right one
    for username, password in attempts[:-1]:
        with pytest.raises(PermissionDenied) as exc:
            auth.authenticate(username, password)
        assert str(exc.value) == "用户名或密码错误"
    assert auth.authenticate(*attempts[-1]).id == op.id
    assert SECRET not in every_stored_text(world.tmp / "xinyi.db")
    assert SECRET[::-1] not in every_stored_text(world.tmp / "xinyi.db")
    assert login_rows() == [(False, "unknown"), (False, "unknown"), (False, "bad_password"),
                            (False, "bad_password"), (True, "")]


def test_repeated_failures_lock_for_the_configured_time_then_unlock(world: World):
    clerk, head = world.op("town_clerk", "a"), world.op("town_head", "a")
    t0 = TODAY
    with clock.frozen(t0):
        for _ in range(2):
            with pytest.raises(PermissionDenied) as exc:
                auth.authenticate(clerk.username, "wrong-1")
            assert exc.value.key == "auth.bad_credentials"
        with pytest.raises(PermissionDenied) as exc:  # the third: locked until 09:10
            auth.authenticate(clerk.username, "wrong-1")
        assert exc.value.key == "auth.locked" and "09:10" in str(exc.value) and chinese(str(exc.value))
        assert auth.authenticate(head.username, testing.PASSWORD).id == head.id  # only her account is locked
    with clock.frozen(t0 + dt.timedelta(minutes=9, seconds=59)):
        with pytest.raises(PermissionDenied) as exc:  # the right password, still locked
            auth.authenticate(clerk.username, testing.PASSWORD)
        assert exc.value.key == "auth.locked"
    with clock.frozen(t0 + dt.timedelta(minutes=10)):
        assert auth.authenticate(clerk.username, testing.PASSWORD).id == clerk.id
    fresh = Operator.get_by_id(clerk.id)
    assert fresh.failed_logins == 0 and fresh.locked_until is None
    assert login_rows(clerk) == [(False, "bad_password")] * 3 + [(False, "locked"), (True, "")]


def test_the_failure_count_outlives_a_restart_and_an_inactive_account_is_refused_alike(world: World, tmp_path):
    """Each SSH session is its own process: starting again must not forgive earlier failures."""
    clerk = world.op("town_clerk", "b")
    for _ in range(2):
        with pytest.raises(PermissionDenied):
            auth.authenticate(clerk.username, "wrong-2")
    lifecycle.shutdown()
    start(tmp_path, f"sqlite:///{tmp_path / 'xinyi.db'}", max_failed_logins=3, lockout_minutes=10)
    with pytest.raises(PermissionDenied) as exc:
        auth.authenticate(clerk.username, "wrong-2")
    assert exc.value.key == "auth.locked"
    gone = world.op("town_head", "b")
    Operator.update(active=False).where(Operator.id == gone.id).execute()
    with pytest.raises(PermissionDenied) as exc:
        auth.authenticate(gone.username, testing.PASSWORD)  # the right password of a closed account
    assert str(exc.value) == "用户名或密码错误"
    assert login_rows(gone) == [(False, "inactive")]
