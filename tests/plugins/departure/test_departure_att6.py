"""ATT-6: more than 7 days off post → a proposed 解除合同 report the town head confirms or declines.

The alert is raised exactly as the attendance plugin raises it — through the
core's alerts API, source "attendance" — with both plugins loaded from their
entry points; departure hears it through ``xinyi_alert_raised`` only.
"""
from __future__ import annotations

import ast
import datetime as dt
import time
from pathlib import Path

import pytest
from .conftest import BOTH_BACKENDS, TODAY

import xinyi_departure
from xinyi_core import FormErrors, OffPostAlert, PermissionDenied, ValidationError, alerts, approvals, clock, runtime
from xinyi_core.models import Alert, AuditLog
from xinyi_departure import service
from xinyi_departure.models import Departure


def raise_off_post(person, days=9, start="2026-10-20", end="2026-10-30"):
    """What the attendance plugin does when it finds more than 7 days off post (ATT-6): the core's typed payload."""
    return alerts.raise_alert(
        "attendance", "off_post", f"off_post:{person.id}:{start}", f"{person.name}脱岗{days}天",
        audience=("town_head", "city_office"), rule="ATT-6", person=person,
        data=OffPostAlert(days=days, start=dt.date.fromisoformat(start), end=dt.date.fromisoformat(end)))


def test_both_plugins_come_from_entry_points_and_departure_imports_no_plugin(world):
    assert {"attendance", "departure"} <= set(runtime().plugins.names())
    imported = set()
    for path in Path(xinyi_departure.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imported.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                imported.update(a.name.split(".")[0] for a in node.names)
    assert not {m for m in imported if m.startswith("xinyi_") and m not in ("xinyi_core", "xinyi_departure")}


def test_off_post_alert_proposes_a_rescission_for_the_town_head(world):
    person = world.people["a"][1]
    with clock.frozen(TODAY):
        alert, created = raise_off_post(person)
        raise_off_post(person)  # the nightly job sees the same fact again: still one proposal
    assert created
    dep = Departure.get(Departure.person == person.id)
    assert (dep.state, dep.category, dep.source, dep.alert_id, dep.planned_on) == (
        "proposed", "rescinded", "attendance", alert.id, TODAY)
    assert dep.reason.startswith("自 2026-10-20 至 2026-10-30 脱岗 9 天") and "依法解除合同" in dep.reason
    assert "ATT-6" not in dep.reason  # printed on 附件5: words, not the rule's id
    assert dep.proposal["days"] == 9
    assert AuditLog.get(AuditLog.action == "departure.propose").operator_id is None  # the system
    assert approvals.for_subject("departure", dep.id) is None  # no chain before the town head confirms
    assert [d.id for d in service.visible(world.op("town_head", "a"), "proposed")] == [dep.id]


@BOTH_BACKENDS
def test_town_head_confirms_and_the_chain_starts(world):
    person = world.people["a"][1]
    with clock.frozen(TODAY):
        alert, _ = raise_off_post(person)
        dep = Departure.get(Departure.person == person.id)
        with pytest.raises(PermissionDenied):  # the clerk may report, but only the head confirms
            service.confirm(world.op("town_clerk", "a"), dep.id)
        with pytest.raises(PermissionDenied):
            service.confirm(world.op("town_head", "b"), dep.id)
        later = TODAY + dt.timedelta(days=5)
        dep = service.confirm(world.op("town_head", "a"), dep.id, {"planned_on": later.isoformat()})
    assert (dep.state, dep.planned_on, dep.confirmed_by_id) == ("pending", later, world.op("town_head", "a").id)
    chain = approvals.for_subject("departure", dep.id)
    assert [s.role for s in approvals.steps(chain)] == ["village_head", "town_head", "city_office"]
    assert approvals.current_step(chain).role == "village_head"
    alert = Alert.get_by_id(alert.id)
    assert alert.state == "closed" and alert.close_note == "已转离职呈报，等待审批"
    with pytest.raises(ValidationError):  # confirmed once only
        service.confirm(world.op("town_head", "a"), dep.id)


def test_town_head_declines_with_a_reason(world):
    person = world.people["a"][1]
    with clock.frozen(TODAY):
        alert, _ = raise_off_post(person)
        dep = Departure.get(Departure.person == person.id)
        with pytest.raises(ValidationError):
            service.decline(world.op("town_head", "a"), dep.id, "  ")
        dep = service.decline(world.op("town_head", "a"), dep.id, "已补办病假手续，考勤记录有误")
        assert dep.state == "declined" and dep.decline_reason.startswith("已补办病假")
        assert Alert.get_by_id(alert.id).close_note == "镇中心不予呈报：已补办病假手续，考勤记录有误"
        assert approvals.for_subject("departure", dep.id) is None
        raise_off_post(person, start="2026-11-05", end="2026-11-16")  # a new absence: a new proposal
    assert Departure.select().where((Departure.person == person.id) & (Departure.state == "proposed")).count() == 1


def test_confirming_can_correct_the_proposal_but_not_break_the_rules(world):
    person = world.people["a"][1]
    with clock.frozen(TODAY):
        raise_off_post(person)
        dep = Departure.get(Departure.person == person.id)
        with pytest.raises(FormErrors):
            service.confirm(world.op("town_head", "a"), dep.id, {"category": "退休", "planned_on": "12月"})
        # an empty value keeps the proposal's; a real one replaces it
        dep = service.confirm(world.op("town_head", "a"), dep.id, {"category": "dismissed", "reason": ""})
    assert dep.category == "dismissed" and "依法解除合同" in dep.reason
    assert AuditLog.get(AuditLog.action == "departure.confirm").before["category"] == "rescinded"


@pytest.mark.parametrize("source,kind,rule", [("attendance", "absent", "ATT-5"), ("training", "off_post", "ATT-6")])
def test_other_alerts_propose_nothing(world, source, kind, rule):
    person = world.people["a"][1]
    alerts.raise_alert(source, kind, f"x:{person.id}", "提醒", audience=("town_head",), rule=rule, person=person)
    assert Departure.select().count() == 0


def test_no_proposal_while_a_report_is_open(world):
    person = world.people["a"][0]
    with clock.frozen(TODAY):
        service.report(world.op("town_clerk", "a"), person.id, {"category": "resigned", "planned_on": "2026-12-01"})
        raise_off_post(person)
    assert Departure.select().count() == 1


def test_end_to_end_attendance_detection_on_the_queue_proposes_departures(world):
    """The real ATT-6 detection: attendance's end-of-day job, run through the core queue for 8 days
    nobody in town A signed in, raises its alerts; departure proposes a 解除合同 for each — neither
    plugin imports the other, the test imports neither's internals."""
    from xinyi_core import jobs
    from xinyi_core.jobs import JobRecord, broker

    if "attendance.end_of_day" not in jobs.registry().actors:
        pytest.skip("the attendance plugin has no end-of-day job")
    busy = world.people["a"][0]
    service.report(world.op("town_clerk", "a"), busy.id, {"category": "resigned", "planned_on": "2026-12-01"})
    broker.start(worker_threads=1)
    first = dt.date(2026, 11, 9)  # a Monday
    for i in range(8):
        day = first + dt.timedelta(days=i)
        with clock.frozen(dt.datetime.combine(day, dt.time(19, 0))):
            record = jobs.submit(None, "attendance.end_of_day", town="a", day=day.isoformat())
            deadline = time.monotonic() + 15
            while JobRecord.get_by_id(record.id).state not in ("done", "failed") and time.monotonic() < deadline:
                time.sleep(0.02)
            assert JobRecord.get_by_id(record.id).state == "done", JobRecord.get_by_id(record.id).error
        proposed = Departure.select().where(Departure.state == "proposed")
        assert proposed.count() == (0 if i < 7 else 3)  # more than 7 days: the 8th day raises it
    off_post = {a.person_id for a in Alert.select().where((Alert.source == "attendance") & (Alert.rule == "ATT-6"))}
    assert off_post == {p.id for p in world.people["a"]}
    dep = Departure.get(Departure.person == world.people["a"][1].id)
    assert (dep.category, dep.source, dep.planned_on) == ("rescinded", "attendance", dt.date(2026, 11, 16))
    assert dep.reason.startswith("自 2026-11-09 至 2026-11-16 脱岗 8 天")
    assert Departure.get(Departure.person == busy.id).state == "pending"  # already reported: no second one
