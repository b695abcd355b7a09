"""Login: argon2 hashes, lock-out after repeated failures, trusted OS-user login."""
from __future__ import annotations

import datetime as dt

import pytest

from xinyi_core import auth, clock, testing
from xinyi_core.errors import PermissionDenied, ValidationError
from xinyi_core.models import AuditLog, Operator

T0 = dt.datetime(2025, 3, 3, 9, 0)


def test_passwords_are_stored_as_argon2_hashes(city):
    op = auth.create_operator("wangfang", "王芳", "town_clerk", city.towns[0], password="Xinyi@2025")
    stored = Operator.get_by_id(op.id).password_hash
    assert stored.startswith("$argon2id$") and "Xinyi@2025" not in stored
    assert auth.create_operator("lisi", "李四", "town_clerk", city.towns[0], password="Xinyi@2025").password_hash != stored
    assert auth.authenticate("wangfang", "Xinyi@2025").id == op.id
    with pytest.raises(ValidationError):
        auth.hash_password("12345")
    assert all(o.password_hash.startswith("$argon2") for o in Operator.select())


def test_lock_out_only_after_many_failures_then_it_lifts_by_itself(city):
    op = city.op("town_clerk", "a")
    limit = 20  # auth.max_failed_logins default; each failure waits out the growing delay first
    at = T0
    for n in range(1, limit + 1):
        with clock.frozen(at):
            with pytest.raises(PermissionDenied) as exc:
                auth.authenticate(op.username, "wrong-password", source="ssh:10.0.0.9")
        assert exc.value.key == ("auth.locked" if n == limit else "auth.bad_credentials")
        at += dt.timedelta(seconds=min(2 ** (n - 1), 60))  # delay_seconds = 1, doubling, max 60
    assert "10:14" in str(exc.value)  # lockout_minutes = 60 from the 20th failure, at 09:14:03
    with clock.frozen(at + dt.timedelta(minutes=50)):
        with pytest.raises(PermissionDenied) as exc:  # right password, still locked
            auth.authenticate(op.username, testing.PASSWORD, source="ssh:10.0.0.10")
        assert exc.value.key == "auth.locked"
    with clock.frozen(at + dt.timedelta(minutes=61)):
        assert auth.authenticate(op.username, testing.PASSWORD, source="ssh:10.0.0.10").id == op.id
    fresh = Operator.get_by_id(op.id)
    assert fresh.failed_logins == 0 and fresh.locked_until is None
    rows = AuditLog.select().where((AuditLog.operator_id == op.id) & (AuditLog.action == "auth.login"))
    assert [r.allowed for r in rows.order_by(AuditLog.id)] == [False] * (limit + 1) + [True]


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(city):
    with pytest.raises(PermissionDenied) as unknown:
        auth.authenticate("nobody", "whatever1", source="ssh:10.0.0.1")
    with pytest.raises(PermissionDenied) as wrong:
        auth.authenticate(city.op("town_head", "b").username, "whatever1", source="ssh:10.0.0.2")
    assert str(unknown.value) == str(wrong.value) == "用户名或密码错误"
    assert AuditLog.get(AuditLog.note == "unknown").allowed is False  # not the typed name: it may be a password


def test_trusted_os_user_login(restart):
    restart(auth_mode="os_user")
    city = testing.build_city()
    op = auth.create_operator("zhang", "张强", "town_head", city.towns[1], os_user="zhangq")
    assert op.password_hash is None
    assert auth.trusted_login("zhangq").id == op.id
    with pytest.raises(PermissionDenied) as exc:
        auth.trusted_login("root")
    assert "root" in str(exc.value)
    assert AuditLog.get(AuditLog.note == "os_user:root").allowed is False
    Operator.update(active=False).where(Operator.id == op.id).execute()
    with pytest.raises(PermissionDenied):
        auth.trusted_login("zhangq")


def test_os_user_login_is_off_in_password_mode(city):
    auth.create_operator("zhang", "张强", "town_head", city.towns[1], os_user="zhangq")
    with pytest.raises(PermissionDenied) as exc:
        auth.trusted_login("zhangq")
    assert "os_user" in str(exc.value)


def test_operator_scope_must_match_the_role(city):
    with pytest.raises(ValidationError):
        auth.create_operator("x1", "某某", "town_clerk", city.villages["a"][0], password="secret123")
    with pytest.raises(ValidationError):
        auth.create_operator("x2", "某某", "assistant", city.villages["a"][0], password="secret123")
