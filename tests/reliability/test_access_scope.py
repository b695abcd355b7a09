"""ACCESS (issue 11): scope cannot be escaped by crafted input.

A town-b operator handed town a's ids (person, leave, chain, departure, work-log
entry, invitation …) by every service function; ids typed as strings,
negative or huge; search text full of SQL wildcards and quotes; report/job
parameters and CLI options naming another town. Each attempt is refused in
Chinese and audited — or finds nothing — and nothing of the other town leaks:
no name, no count, no write.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from _access_cases import CASES, LAST_MONTH, Case, slip
from _access_helpers import TODAY, World, chinese, expect_refused, refusals
from xinyi_core import alerts, approvals, clock, jobs, lifecycle, people
from xinyi_core.errors import NotFound, XinyiError
from xinyi_core.models import AuditLog, Person


# --------------------------------------------------------------------------- another town's ids

OUTSIDERS = [c for c in CASES if c.outsider]


@pytest.mark.parametrize("case", OUTSIDERS, ids=str)
def test_another_towns_operator_is_refused_town_a_ids_by_every_service(world: World, case: Case):
    """The same call, with the same (town a) ids, by the town-b operator of a role that may make it."""
    subject = case.setup(world) if case.setup else None
    outsider = world.op(case.outsider, "b")
    before = {p.id: p.__data__ for p in Person.select().where(Person.town == world.town("a"))}
    refusal = expect_refused(outsider, lambda: case.call(world, outsider, subject))
    message = str(refusal.error)
    for p in Person.select().where(Person.town == world.town("a")):
        assert p.name not in message and p.id_number not in message  # nothing of town a in the answer
    assert {p.id: p.__data__ for p in Person.select().where(Person.town == world.town("a"))} == before


def test_every_town_level_write_is_tried_from_the_other_town():
    """Each write a town operator may make has an outsider; the rest are city-only or her own log."""
    town_roles = {"assistant", "village_head", "town_clerk", "town_head"}
    own_log = {"worklog.save", "worklog.register.record"}  # she can only ever write her own
    missing = [c.name for c in CASES if c.write and set(c.allowed) & town_roles and not c.outsider
               and c.name not in own_log]
    assert not missing


# --------------------------------------------------------------------------- ids in odd shapes

def test_ids_as_strings_negative_or_huge_never_reach_another_town(world: World):
    clerk = world.op("town_clerk", "a")
    other = world.person("b", 0)
    row = expect_refused(clerk, lambda: people.get(clerk, str(other.id))).row  # "5" is person 5: still refused
    assert row.person_id == other.id and row.note == "auth.out_of_scope"
    for crafted in (-1, 0, 10**18, f"{other.id} OR 1=1", f"{other.id};--"):
        with pytest.raises(NotFound) as exc:
            people.get(clerk, crafted)
        assert chinese(str(exc.value)) and other.name not in str(exc.value)
    from xinyi_leave import service as leave

    leave_b = leave.apply(world.op("assistant", "b"), other, slip("2026-09-03", "2026-09-03"))
    expect_refused(clerk, lambda: leave.get(clerk, str(leave_b.id)))
    with pytest.raises(NotFound):
        leave.get(clerk, -leave_b.id)
    for beyond in (2**63, -2**63 - 1, 10**30):  # beyond 64 bits: a Chinese answer, not a driver error
        for lookup in (lambda: people.get(clerk, beyond), lambda: leave.get(clerk, beyond)):
            with pytest.raises(XinyiError) as exc:
                lookup()
            assert chinese(str(exc.value))


def test_a_chain_or_an_alert_of_another_town_is_refused(world: World):
    from xinyi_leave import service as leave

    head_a = world.op("town_head", "a")
    other = world.person("b", 0)
    leave_b = leave.apply(world.op("assistant", "b"), other, slip("2026-09-03", "2026-09-03"))
    chain = leave.chain_of(leave_b)
    row = expect_refused(head_a, lambda: approvals.decide(head_a, chain, True, "同意")).row
    assert row.object_id == chain.id
    expect_refused(head_a, lambda: approvals.withdraw(head_a, chain, "撤回"))
    oral = leave.report_oral(world.op("town_clerk", "b"), other, {
        "category": "sick", "start_on": "2026-09-01", "end_on": "2026-09-01", "oral_reporter": "家属"})
    alert = alerts.Alert.get(alerts.Alert.key == f"leave:slip_missing:{oral.id}")
    assert alert.id in {a.id for a in alerts.visible(world.op("town_head", "b"))}
    assert alert.id not in {a.id for a in alerts.visible(head_a)}
    expect_refused(head_a, lambda: alerts.close(head_a, alert.id, "已处理"))
    assert alerts.Alert.get_by_id(alert.id).state == "open"
    assert approvals.current_step(chain).decision is None


# --------------------------------------------------------------------------- search text

CRAFTED_TEXT = ["%", "_", "%%", "_%_", "\\", "\\%", "'", "\"", "' OR '1'='1", "'); DROP TABLE person;--",
                "甲%", "%镇", "*", "?", "a" * 5000, "李" * 5000, "\x00", "１３９%"]


@pytest.mark.parametrize("text", CRAFTED_TEXT, ids=lambda s: repr(s[:12]))
def test_crafted_search_text_finds_only_matches_within_scope(world: World, text: str):
    clerk = world.op("town_clerk", "a")
    town_a = {p.id for p in Person.select().where(Person.town == world.town("a"))}
    found = {p.id for p in people.search(clerk, text, limit=None)}
    assert found <= town_a
    if text.strip("\x00") and set(text) & set("%_\\'\"*?"):
        assert not found, "a wildcard matched as a wildcard"  # no name, ID or phone holds these characters
    from xinyi_worklog import service as worklog

    for town, progress in (("a", "走访三户失业人员"), ("b", "走访%_'\"\\记录")):
        worklog.save(world.op("assistant", town), {"day": TODAY.date(), "category": "就业失业登记",
                                                   "progress": progress}, submit=True)
    entries = list(worklog.search(clerk, text))
    assert all(e.town_id == world.town("a").id for e in entries)
    if set(text) & set("%_\\'\"*?"):
        assert not entries  # town a's entry holds none of these; town b's holds them all, and stays unseen
        if text in ("%", "_", "'", "\"", "\\"):  # taken literally: town b's own clerk finds her entry
            assert len(list(worklog.search(world.op("town_clerk", "b"), text))) == 1
    assert Person.select().count() == 8  # and the table is still there


def test_a_filter_naming_another_town_is_refused_or_empty(world: World):
    clerk = world.op("town_clerk", "a")
    town_b, village_b = world.town("b"), world.village("b", 1)
    expect_refused(clerk, lambda: people.search(clerk, "", town_id=town_b.id))
    expect_refused(clerk, lambda: people.search(clerk, "", village_id=str(village_b.id)))
    assert not list(people.search(clerk, "", town_id=999_999))  # no such unit: nothing
    from xinyi_training import rules
    from xinyi_training.service import quota
    from xinyi_worklog import service as worklog
    from xinyi_worklog.service import checks

    assert not list(worklog.search(clerk, "", town_id=town_b.id))
    assert not checks.town_checklists(clerk, LAST_MONTH, town_id=town_b.id)
    assert not quota.view(clerk, rules.Quarter.of(TODAY.date()), town_id=town_b.id)
    from xinyi_assessment import service as assessment
    from xinyi_training import service as training

    head = world.op("town_head", "a")
    session = training.create_session(head, kind="in_service", title="政策培训", organiser=world.town("a"),
                                      start_on=TODAY.date())
    assert training.invite_unit(head, session.id, town_b) == 0  # "everyone of town b": nobody she may reach
    assert not list(training.invitations(world.op("city_office"), session.id))
    expect_refused(head, lambda: assessment.panel(head, town_b, TODAY.year))
    assert not list(assessment.visible(head, TODAY.year, town_b))


# --------------------------------------------------------------------------- counts

def test_another_towns_activity_changes_no_count_a_town_operator_sees(world: World):
    """Dashboards and alerts of town a stay as they were while town b fills up with work."""
    from xinyi_attendance.models import AttendanceDay
    from xinyi_leave import service as leave
    from xinyi_worklog.service import register

    def seen(town: str) -> list:
        hooks = world.runtime.plugins.for_town(town)
        ops = [world.op(r, town) for r in ("assistant", "village_head", "town_clerk", "town_head")]
        return [(sorted((i.title, i.count) for items in hooks.xinyi_dashboard_items(operator=op) for i in items),
                 alerts.visible(op).count(), people.counts_by_status(op)) for op in ops]

    before_a, before_b = seen("a"), seen("b")
    other = world.person("b", 0)
    waiting = leave.apply(world.op("assistant", "b"), other, slip("2026-09-03", "2026-09-07"))
    leave.decide(world.op("village_head", "b"), waiting.id, True, "属实")  # now the town head's turn
    leave.report_oral(world.op("town_clerk", "b"), world.person("b", 1), {
        "category": "sick", "start_on": "2026-09-01", "end_on": "2026-09-01", "oral_reporter": "家属"})
    AttendanceDay.create(person=other, town=world.town("b"), date=dt.date(2026, 8, 31), absence="open")
    with clock.frozen(TODAY - dt.timedelta(days=20)):
        register.record(world.op("assistant", "b"), {"party": "王大爷", "matter": "咨询养老保险补缴"})
    _depart(world, world.person("b", 2))
    assert seen("a") == before_a
    after_b = seen("b")
    assert all(after_b[i] != before_b[i] for i in (2, 3))  # town b's clerk and head did see it all


def _depart(world: World, person: Person) -> None:
    """ORG-2: town b reports her departure, the chain approves it, it takes effect today."""
    from xinyi_departure import service as departure

    dep = departure.report(world.op("town_clerk", "b"), person.id,
                           {"category": "resigned", "planned_on": TODAY.date().isoformat()})
    while (step := approvals.current_step(departure.chain_of(dep))) is not None:
        departure.decide(world.op(step.role, "b"), dep.id, True, "同意")
    assert Person.get_by_id(person.id).status == "departed"


# --------------------------------------------------------------------------- jobs, reports and the CLI

@pytest.mark.parametrize("town", ["b", "B", "b-1", "320381", " b", "../b", "*"])
def test_a_job_naming_another_town_is_refused_and_queues_nothing(world: World, town: str):
    clerk = world.op("town_clerk", "a")
    if town == "b":
        row = expect_refused(clerk, lambda: jobs.submit(clerk, "core.roster", period=LAST_MONTH, town=town)).row
        assert row.note == "auth.out_of_scope"
    else:
        with pytest.raises(XinyiError) as exc:  # not a town code: no such town
            jobs.submit(clerk, "core.roster", period=LAST_MONTH, town=town)
        assert chinese(str(exc.value))
    assert not jobs.recent(world.op("city_office"))


def test_a_town_cannot_see_or_retry_another_towns_job(world: World):
    """Issue 20 (6): each refusal leaves one audit row, whichever path asked; the answer is the
    same as for a job that does not exist, which leaves none (nothing was refused)."""
    record = jobs.submit(None, "core.roster", period=LAST_MONTH, town="b")  # the scheduler's
    assert jobs.get(world.op("town_head", "b"), record.id).id == record.id
    for op in (world.op("town_head", "a"), world.op("town_clerk", "a")):
        for action, call in (("jobs.view", jobs.get), ("jobs.retry", jobs.retry)):
            before = len(refusals(op))
            with pytest.raises(NotFound) as exc:
                call(op, record.id)
            assert chinese(str(exc.value)) and "乙" not in str(exc.value)
            rows = refusals(op)
            assert len(rows) == before + 1, f"{action} refused without an audit row"
            assert (rows[-1].action, rows[-1].object_id, rows[-1].note) == (action, record.id, "auth.out_of_scope")
        with pytest.raises(NotFound) as missing:
            jobs.get(op, record.id + 1000)
        assert str(missing.value).replace(str(record.id + 1000), "") == str(exc.value).replace(str(record.id), "")
        assert record.id not in {j.id for j in jobs.recent(op)}
    assert jobs.get(None, record.id).state == "queued"  # refused retries changed nothing


def _cli(world: World, *args: str) -> tuple[int, str]:
    """``xinyi <args>`` in this process, on this test's database (click's runner; the runtime restarts)."""
    from xinyi_core.cli import cli

    config = world.tmp / "cli.toml"
    config.write_text(f'[paths]\ndata_dir = "data"\nreport_dir = "reports"\n'
                      f'[database]\nurl = "sqlite:///{world.tmp / "xinyi.db"}"\n', "utf-8")
    lifecycle.shutdown()
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    return result.exit_code, result.output + (result.stderr or "")


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


@pytest.mark.parametrize("extra", [[], ["--enqueue"]], ids=["now", "enqueue"])
def test_cli_report_for_another_town_is_refused_audited_and_writes_no_file(world: World, extra: list[str]):
    clerk = world.op("town_clerk", "a")
    code, out = _cli(world, "report", "core.roster", "--period", LAST_MONTH, "--town", "b",
                     "--operator", clerk.username, *extra)
    assert code == 1 and "不在您的管辖范围内" in out and "Traceback" not in out
    assert not _files(world.tmp / "reports")
    rows = refusals(clerk)
    assert len(rows) == 1 and rows[0].action == "reports.run"
    code, out = _cli(world, "report", "core.roster", "--period", LAST_MONTH, "--operator", clerk.username)
    assert code == 0, out  # her own town, by default
    assert _files(world.tmp / "reports") == ["甲镇_2026年8月_协理员花名册.docx", "甲镇_2026年8月_协理员花名册.xlsx"]


def test_cli_import_and_jobs_for_a_town_operator_are_refused(world: World):
    clerk = world.op("town_clerk", "a")
    roster = world.tmp / "roster.csv"
    roster.write_text("姓名,身份证号,手机号,镇（街道）,村（社区）\n周新,320381199001011239,13912345678,乙镇,乙镇1村\n", "utf-8")
    code, out = _cli(world, "import", "people", str(roster), "--operator", clerk.username)
    assert code == 1 and "没有权限" in out
    record = jobs.submit(None, "core.roster", period=LAST_MONTH, town="b")
    for command in ("show", "retry"):  # issue 20 (6): refused on the command line too, and audited
        before = len(refusals(clerk))
        code, out = _cli(world, "jobs", command, str(record.id), "--operator", clerk.username)
        assert code == 1 and "乙镇" not in out and "Traceback" not in out
        rows = refusals(clerk)
        assert len(rows) == before + 1 and rows[-1].action == f"jobs.{'view' if command == 'show' else command}"
        assert rows[-1].object_id == record.id
    assert Person.select().where(Person.name == "周新").count() == 0
    assert AuditLog.select().where((AuditLog.operator_id == clerk.id) & (AuditLog.action == "people.import")
                                   & (AuditLog.allowed == False)).count() == 1  # noqa: E712
