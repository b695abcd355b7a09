"""ACCESS (issue 11, issue 20 item 4): passwords are argon2id hashes and never stored in clear; a
failure makes the next attempt on that account and from that source wait longer, an account is
locked only after many failures, and its town head or the admin may lift the lock; every failed
login, delay, lock-out and unlock is audited. The clock is frozen (``xinyi_core.clock.frozen``)."""
from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Iterator

import argon2
import pytest

from _access_helpers import TODAY, Template, World, chinese, start, world_fixture
from xinyi_core import alerts, auth, clock, lifecycle, testing
from xinyi_core.errors import PermissionDenied
from xinyi_core.models import AuditLog, Operator

SECRET = "Xy#2026-mima"


POLICY = dict(max_failed_logins=6, lockout_minutes=60, delay_seconds=2, max_delay_seconds=30)


@pytest.fixture
def world(template: Template, tmp_path: Path) -> Iterator[World]:
    """The test city with its own policy: waits of 2, 4, 8, 16, 30 s; the 6th failure locks for an hour."""
    yield from world_fixture(template, tmp_path, **POLICY)


def refused(username: str, password: str, source: str) -> PermissionDenied:
    with pytest.raises(PermissionDenied) as exc:
        auth.authenticate(username, password, source=source)
    assert chinese(str(exc.value))
    return exc.value


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
    for i, (username, password) in enumerate(attempts[:-1]):
        with clock.frozen(TODAY + dt.timedelta(minutes=i)):  # past each wait
            with pytest.raises(PermissionDenied) as exc:
                auth.authenticate(username, password)
        assert str(exc.value) == "用户名或密码错误"
    with clock.frozen(TODAY + dt.timedelta(minutes=5)):
        assert auth.authenticate(*attempts[-1]).id == op.id
    assert SECRET not in every_stored_text(world.tmp / "xinyi.db")
    assert SECRET[::-1] not in every_stored_text(world.tmp / "xinyi.db")
    assert login_rows() == [(False, "unknown"), (False, "unknown"), (False, "bad_password"),
                            (False, "bad_password"), (True, "")]


def test_each_failure_makes_the_next_attempt_wait_longer_on_that_account_and_from_that_source(world: World):
    """A colleague's typos cost her seconds, never the account: the wait grows per account and per
    source; an attempt made too soon is refused unchecked and counts for nothing."""
    clerk, head = world.op("town_clerk", "a"), world.op("town_head", "a")
    t0 = TODAY
    with clock.frozen(t0):
        assert refused(clerk.username, "wrong-1", "ssh:10.9.9.9").key == "auth.bad_credentials"
        # the owner, from her own desk, at once: the account asks her to wait 2 s, not locked
        wait = refused(clerk.username, testing.PASSWORD, "ssh:10.1.1.1")
        assert wait.key == "auth.wait" and str(wait) == "登录尝试过于频繁，请 2 秒后再试"
        # the failing source tries another account at once: the source waits too
        assert refused(head.username, "wrong-2", "ssh:10.9.9.9").key == "auth.wait"
        assert auth.authenticate(head.username, testing.PASSWORD, source="ssh:10.2.2.2").id == head.id
    with clock.frozen(t0 + dt.timedelta(seconds=2)):
        assert auth.authenticate(clerk.username, testing.PASSWORD, source="ssh:10.1.1.1").id == clerk.id
    assert Operator.get_by_id(clerk.id).failed_logins == 0  # a success forgives the account

    # someone guessing from one place, waiting out each delay: 2, 4, 8, 16, then 30 s (the most)
    at = t0 + dt.timedelta(minutes=1)
    for n, expected in enumerate((2, 4, 8, 16, 30), start=1):
        with clock.frozen(at):
            assert refused(clerk.username, f"guess-{n}", "ssh:10.8.8.8").key == "auth.bad_credentials"
        with clock.frozen(at + dt.timedelta(seconds=expected - 1)):  # one second too early
            early = refused(clerk.username, testing.PASSWORD, "ssh:10.3.3.3")
            assert early.key == "auth.wait" and "请 1 秒后再试" in str(early)
        assert Operator.get_by_id(clerk.id).failed_logins == n  # the early try was not counted
        at += dt.timedelta(seconds=expected)
    # that source is slowed for every account (its 5 failures: 30 s)
    with clock.frozen(at - dt.timedelta(seconds=1)):
        assert refused(head.username, "x", "ssh:10.8.8.8").key == "auth.wait"
    notes = [n for _, n in login_rows(clerk)]
    assert notes.count("delayed") == 6 and notes.count("bad_password") == 6


def test_many_failures_lock_the_account_and_its_town_head_unlocks_it_audited(world: World):
    clerk, head, other_head = world.op("town_clerk", "a"), world.op("town_head", "a"), world.op("town_head", "b")
    at = TODAY
    for n, wait in enumerate((2, 4, 8, 16, 30, 30), start=1):
        with clock.frozen(at):
            exc = refused(clerk.username, f"guess-{n}", f"ssh:10.9.9.{n}")
        at += dt.timedelta(seconds=wait)
    assert exc.key == "auth.locked" and "10:01" in str(exc)  # the 6th failure, at 09:01:00: an hour
    with clock.frozen(at + dt.timedelta(minutes=5)):
        assert refused(clerk.username, testing.PASSWORD, "ssh:10.1.1.1").key == "auth.locked"
        assert AuditLog.get((AuditLog.action == "auth.lock") & (AuditLog.operator_id == clerk.id)).allowed is False
        # the town head is told, on her alerts; the other town's head is not
        shown = list(alerts.visible(head))
        lock = next(a for a in shown if auth.locked_operator(a) == clerk.id)
        assert clerk.username in lock.message and chinese(lock.message)
        assert not any(auth.locked_operator(a) == clerk.id for a in alerts.visible(other_head))
        # who may not lift it: another town's head (out of scope), the clerk's colleague, a city office
        for actor, key in ((other_head, "auth.out_of_scope"), (world.op("town_clerk", "a"), "auth.denied"),
                           (world.op("city_office"), "auth.denied")):
            with pytest.raises(PermissionDenied) as denied:
                auth.unlock(actor, clerk.id)
            assert denied.value.key == key
        assert Operator.get_by_id(clerk.id).locked_until is not None
        unlocked = auth.unlock(head, clerk.id)
        assert unlocked.locked_until is None and unlocked.failed_logins == 0
        assert auth.authenticate(clerk.username, testing.PASSWORD, source="ssh:10.1.1.1").id == clerk.id
    row = AuditLog.get((AuditLog.action == "operators.unlock") & AuditLog.allowed)
    assert row.operator_id == head.id and row.object_id == clerk.id and row.before["locked_until"]
    assert AuditLog.select().where((AuditLog.action == "operators.unlock") & ~AuditLog.allowed).count() == 3
    assert not any(auth.locked_operator(a) == clerk.id for a in alerts.visible(head))  # the alert is closed
    # the admin lifts any lock, a city operator's too
    city = world.op("city_office")
    Operator.update(locked_until=TODAY + dt.timedelta(hours=2)).where(Operator.id == city.id).execute()
    with clock.frozen(TODAY + dt.timedelta(minutes=30)):
        assert auth.unlock(world.op("admin"), city.id).locked_until is None


def test_the_failure_count_outlives_a_restart_and_an_inactive_account_is_refused_alike(world: World, tmp_path):
    """Each SSH session is its own process: starting again must not forgive earlier failures."""
    clerk = world.op("town_clerk", "b")
    with clock.frozen(TODAY):
        refused(clerk.username, "wrong-2", "ssh:10.4.4.4")
    lifecycle.shutdown()
    start(tmp_path, f"sqlite:///{tmp_path / 'xinyi.db'}", **POLICY)
    with clock.frozen(TODAY + dt.timedelta(seconds=1)):  # the new process still makes her wait
        assert refused(clerk.username, testing.PASSWORD, "ssh:10.5.5.5").key == "auth.wait"
    assert Operator.get_by_id(clerk.id).failed_logins == 1
    gone = world.op("town_head", "b")
    Operator.update(active=False).where(Operator.id == gone.id).execute()
    with clock.frozen(TODAY + dt.timedelta(minutes=1)):
        with pytest.raises(PermissionDenied) as exc:
            auth.authenticate(gone.username, testing.PASSWORD)  # the right password of a closed account
    assert str(exc.value) == "用户名或密码错误"
    assert login_rows(gone) == [(False, "inactive")]
