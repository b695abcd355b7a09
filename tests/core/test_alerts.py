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


def test_att6_the_off_post_payload_travels_as_codes_and_dates_and_is_read_back_typed(setup):
    import datetime as dt

    from xinyi_core import OffPostAlert

    city, heard = setup
    person = city.people["a"][0]
    sent = OffPostAlert(days=8, start=dt.date(2025, 3, 3), end=dt.date(2025, 3, 10), missed_working_days=6)
    alert, _ = alerts.raise_alert("attendance", "off_post", f"off_post:{person.id}:2025-03-03", "脱岗 8 天",
                                  audience=("town_head",), rule="ATT-6", person=person, data=sent)
    stored = alerts.visible(city.op("town_head", "a")).get()
    assert stored.data == {"days": 8, "from": "2025-03-03", "to": "2025-03-10", "missed_working_days": 6,
                           "count": "calendar", "proposed_category": "rescinded"}  # JSON: no display text
    assert alerts.payload_of(stored) == sent and alerts.payload_of(stored, OffPostAlert) == sent
    other, _ = off_post(city, "a", 1)  # a hand-made dict without dates: the missing fields read as None
    assert alerts.payload_of(other, OffPostAlert) == OffPostAlert(days=8, start=None, end=None)
    quota, _ = alerts.raise_alert("training", "quota", "quota:x", "本季度宣传信息尚未上报", audience=("assistant",),
                                  person=person, data={"days": 3})
    assert alerts.payload_of(quota) is None and alerts.payload_of(quota, OffPostAlert) is None  # no type declared
    with pytest.raises(ValueError):  # a payload belongs to its source and kind
        alerts.raise_alert("training", "quota", "quota:y", "x", audience=("assistant",), data=sent)


def test_open_for_is_the_alert_while_open_and_addressed_to_the_operator(setup):
    city, _ = setup
    alert, _ = off_post(city, "a")
    assert alerts.open_for(city.op("town_head", "a"), alert.id).id == alert.id
    assert alerts.open_for(city.op("town_head", "b"), alert.id) is None  # another town
    assert alerts.open_for(city.op("town_clerk", "a"), alert.id) is None  # not in the audience
    alerts.close(city.op("town_head", "a"), alert.id, "已处理")
    assert alerts.open_for(city.op("town_head", "a"), alert.id) is None  # closed
