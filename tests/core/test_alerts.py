"""Alerts (ATT-5/ATT-6/TRN-3 …): raised once per key, seen by the right roles in scope, heard by plugins."""
from __future__ import annotations

import pytest

from xinyi_core import alerts, testing
from xinyi_core.errors import PermissionDenied, ValidationError
from xinyi_core.models import AuditLog


@pytest.fixture
def setup(restart, plugin_module):
    heard: list[tuple[str, str]] = []
    listener = plugin_module("listener", xinyi_alert_raised=lambda alert: heard.append((alert.kind, alert.rule)))
    restart(plugin_modules={"listener": listener})
    return testing.build_city(), heard


def off_post(city, town="a", n=0):
    person = city.people[town][n]
    return alerts.raise_alert("attendance", "off_post", f"off_post:{person.id}:2025-03-10",
                              f"{person.name} 连续 8 天未到岗", audience=("town_head", "city_office"),
                              rule="ATT-6", person=person, data={"days": 8})


def test_raising_twice_opens_one_alert_and_tells_listeners_once(setup):
    city, heard = setup
    first, created = off_post(city)
    again, created_again = off_post(city)
    assert created and not created_again and first.id == again.id
    assert heard == [("off_post", "ATT-6")]


def test_audience_and_scope_decide_who_sees_an_alert(setup):
    city, _ = setup
    alert, _ = off_post(city, "a")
    seen = lambda role, town=None: [a.id for a in alerts.visible(city.op(role, town))]  # noqa: E731
    assert seen("town_head", "a") == [alert.id]
    assert seen("city_office") == [alert.id]
    assert seen("town_head", "b") == []  # another town
    assert seen("town_clerk", "a") == []  # not in the audience


def test_closing_needs_a_note_and_scope(setup):
    city, _ = setup
    alert, _ = off_post(city, "a")
    with pytest.raises(PermissionDenied):
        alerts.close(city.op("town_head", "b"), alert.id, "已处理")
    assert AuditLog.get(AuditLog.action == "alert.close").allowed is False
    with pytest.raises(ValidationError):
        alerts.close(city.op("town_head", "a"), alert.id, "  ")
    closed = alerts.close(city.op("town_head", "a"), alert.id, "已电话核实，本人返岗")
    assert closed.state == "closed" and closed.close_note == "已电话核实，本人返岗"
    assert alerts.visible(city.op("town_head", "a")).count() == 0


def test_assistant_sees_her_own_reminders_only(setup):
    city, _ = setup
    mine = city.people["a"][0]
    other = city.people["a"][1]
    for person in (mine, other):
        alerts.raise_alert("training", "quota", f"quota:{person.id}:2025Q1", "本季度宣传信息尚未上报",
                           audience=("assistant", "town_clerk"), rule="TRN-3", person=person)
    assert [a.person_id for a in alerts.visible(city.op("assistant", "a"))] == [mine.id]
    assert alerts.visible(city.op("town_clerk", "a")).count() == 2
    assert alerts.close_by_key("training", f"quota:{mine.id}:2025Q1", "已上报")
    assert alerts.visible(city.op("assistant", "a")).count() == 0
