"""Alerts raised by plugins (ATT-6 here) reach the right operator's home screen and are closed with a note."""
from __future__ import annotations

import re

from xinyi_core import alerts
from xinyi_core.models import Alert, AuditLog
from xinyi_core.tui.app import XinyiApp
from xinyi_core.tui.screens.alerts import AlertsScreen

from .conftest import SIZE, screen_text, settle


def raise_off_post(city):
    person = city.people["a"][0]
    # raised by the test city's one plugin, whose catalogue names the kind (as attendance's does)
    alerts.raise_alert("sample", "off_post", f"off_post:{person.id}", f"{person.name} 连续 8 天未到岗，建议解除合同",
                       audience=("town_head", "city_office"), rule="ATT-6", person=person)
    return person


async def test_att6_alert_is_a_todo_for_the_town_head_and_is_closed_with_a_note(tui_city):
    person = raise_off_post(tui_city)
    app = XinyiApp(tui_city.op("town_head", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        todos = screen_text(app).splitlines()
        assert todos.index(" 【急】待处理的提醒（1）") == todos.index(" 【急】请假待审批（3）") + 1  # after the plugin's
        await pilot.press("down", "enter")
        await settle(pilot, app)
        assert isinstance(app.screen, AlertsScreen)
        text = screen_text(app)
        assert person.name in text and "连续 8 天未到岗" in text and "擅自离岗" in text  # the message, the kind in words
        assert not re.search(r"[A-Z]{2,5}-\d", text)  # the rule stays in the alert's record, off the screen
        await pilot.press("c")
        await settle(pilot, app)
        await pilot.press("ctrl+s")  # an empty note is refused beside the field
        await settle(pilot, app)
        assert Alert.get().state == "open"
        await pilot.press(*"已电话核实本人已返岗")
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, AlertsScreen)
        assert "没有提醒" in screen_text(app)
    alert = Alert.get()
    assert alert.state == "closed" and alert.close_note == "已电话核实本人已返岗"
    assert AuditLog.select().where(AuditLog.action == "alert.close").count() == 1


async def test_another_towns_head_sees_no_such_todo(tui_city):
    raise_off_post(tui_city)
    app = XinyiApp(tui_city.op("town_head", "b"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert "待处理的提醒" not in screen_text(app)


async def test_a_locked_account_is_a_todo_for_its_town_head_who_unlocks_it_with_u(tui_city):
    """Issue 20 item 4: many wrong passwords lock an account; its town head lifts the lock (audited)."""
    import datetime as dt

    import pytest

    from xinyi_core import auth, clock, runtime, testing
    from xinyi_core.errors import PermissionDenied
    from xinyi_core.models import Operator

    clerk = tui_city.op("town_clerk", "a")
    at = dt.datetime(2025, 3, 3, 9, 0)
    for n in range(runtime().config.max_failed_logins):
        with clock.frozen(at + dt.timedelta(minutes=2 * n)), pytest.raises(PermissionDenied):
            auth.authenticate(clerk.username, "guess", source=f"ssh:10.0.0.{n}")
    assert Operator.get_by_id(clerk.id).locked_until is not None
    for role, town in (("town_clerk", "a"), ("town_head", "b"), ("town_head", "a")):
        app = XinyiApp(tui_city.op(role, town))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            await pilot.press("ctrl+p", *"提醒", "enter")  # the alerts screen, from the palette
            await settle(pilot, app)
            assert isinstance(app.screen, AlertsScreen)
            text = screen_text(app)
            if (role, town) != ("town_head", "a"):  # not her colleague, not another town's head
                assert clerk.username not in text and "解锁账户" not in text
                continue
            assert clerk.username in text and "解锁账户" in text
            await pilot.press("u")
            await settle(pilot, app)
            assert "没有提醒" in screen_text(app)  # the lock's alert is closed with it
    assert Operator.get_by_id(clerk.id).locked_until is None
    row = AuditLog.get(AuditLog.action == "operators.unlock")
    assert row.operator_id == tui_city.op("town_head", "a").id and row.object_id == clerk.id
    with clock.frozen(at + dt.timedelta(hours=3)):
        assert auth.authenticate(clerk.username, testing.PASSWORD, source="ssh:10.1.1.1").id == clerk.id
