"""Twenty operators at once on one database — SQLite file and PostgreSQL schema (issue 11).

Twenty real OS processes (multiprocessing, ``spawn``), each bootstrapped as a
different operator — town clerks, town and village heads, assistants, the city
office, the bureau, the admin — edit people (several of them the *same* person),
sign in and out (two keepers racing for the same person and day), file leave,
withdraw it and decide approval steps (rival heads racing for the same step),
all released together by a barrier and running for a few seconds.

Then: nothing but the expected, Chinese refusals reached anybody (no "database
is locked", no driver error); every successful write is in the database and
nothing else is; versions count the successful edits (no lost update); every
approval chain is whole; the audit trail has exactly one row per successful
write.
"""
from __future__ import annotations

import collections
import datetime as dt
import random
import re
import sqlite3
from pathlib import Path
from typing import Any

import peewee as pw
import pytest
from _concurrency_driver import leave_slots, new_operator, new_person, run_operators

from xinyi_core import calendar, people, testing
from xinyi_core.db import database
from xinyi_core.errors import Busy
from xinyi_core.i18n import t
from xinyi_core.models import ApprovalChain, ApprovalStep, AuditLog, Operator, OrgUnit, Person
from xinyi_attendance import service as attendance
from xinyi_attendance.models import AttendanceDay
from xinyi_leave.models import LeaveRequest

SECONDS = 3.0
CJK = re.compile(r"[\u4e00-\u9fff]")

# What a user may be told when she loses a race; anything else fails the test.
ALLOWED = {
    "edit_own": set(),
    "edit_shared": {"person.conflict"},
    "transfer_shared": {"person.conflict"},
    "sign": {"attendance.already_in", "attendance.already_out"},
    "sign_self": {"attendance.already_in", "attendance.already_out"},
    "apply": set(),
    "withdraw": {"approval.not_pending", "approval.step_taken"},
    "approve": {"approval.not_pending", "approval.step_taken"},
}
AUDITED = {"edit_own": ["people.update"], "edit_shared": ["people.update"], "transfer_shared": ["people.transfer"],
           "apply": ["leave.apply", "approval.start"],
           "withdraw": ["approval.withdraw"], "approve": ["approval.decide"]}


# --------------------------------------------------------------------------- the city and the plan

def plan(city: testing.City, tmp_path: Path, url: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The twenty operators: eight per town and four at the city."""
    rng = random.Random(11)
    attendance.name_clerk(city.op("town_head", "a"), city.towns[0], city.op("town_clerk", "a"))
    attendance.name_clerk(city.op("city_office"), city.towns[1], city.op("town_clerk", "b"))
    config = tmp_path / "xinyi.toml"  # written by testing.make_config; children override the URL
    roles: list[tuple[Operator, list[str], dict[str, Any]]] = []  # operator, activities, her records
    shared: dict[str, int] = {}
    schedules: dict[str, list[tuple[int, str]]] = {}  # (person, day): what a town's keepers race through
    for town, code in zip(city.towns, ("a", "b")):
        staff = city.people[code]  # [0] is the assistant@ operator's own record; [1] the town's shared one
        shared[code] = staff[1].id
        v1, v2 = city.villages[code]
        days = calendar.working_days(town, dt.date(2026, 1, 5), dt.date(2026, 2, 13))
        schedules[code] = [(p.id, d.isoformat()) for d in days for p in staff[1:]]
        mine = {"shared_person": staff[1].id, "sign_schedule": schedules[code], "own_village": v2.id}
        roles += [(op, acts, {**mine, **extra}) for op, acts, extra in [
            (city.op("town_clerk", code), ["sign", "edit_own", "apply", "edit_shared"], {"leave_for": [staff[2]]}),
            (city.op("town_head", code), ["sign", "approve", "edit_shared"], {}),
            (new_operator(f"head2_{code}", "town_head", town),
             ["approve", "edit_own", "edit_shared", "transfer_shared"],
             {"transfer_posts": [staff[1].post_id, city.vacant[code].id]}),
            (new_operator(f"head3_{code}", "town_head", town), ["approve", "apply", "edit_own"],
             {"leave_for": [staff[3]]}),
            (city.op("village_head", code), ["approve"], {}),
            (new_operator(f"vhead2_{code}", "village_head", v1), ["approve"], {}),
            (city.op("assistant", code), ["sign_self", "apply", "withdraw"], {"leave_for": [staff[0]]}),
            (new_operator(f"clerk2_{code}", "town_clerk", town), ["apply", "withdraw", "edit_own", "edit_shared"],
             {"leave_for": [new_person(rng, v1)]}),
        ]]
    b2 = city.villages["b"][1].id
    roles += [
        (city.op("city_office"), ["approve", "edit_shared"], {"shared_person": shared["a"]}),
        (new_operator("office2", "city_office", city.city), ["approve", "edit_shared"], {"shared_person": shared["b"]}),
        (city.op("bureau"), ["edit_own", "edit_shared"], {"shared_person": shared["a"], "own_village": b2}),
        (city.op("admin"), ["sign", "edit_own"], {"sign_schedule": schedules["b"], "own_village": b2}),
    ]
    specs = []
    for proc, (op, acts, extra) in enumerate(roles):
        spec = {"proc": proc, "operator": op.id, "activities": acts, "config": str(config), "url": url,
                "seconds": SECONDS, "out": str(tmp_path / f"out-{proc}.json"),
                **{k: extra.get(k) for k in ("shared_person", "sign_schedule", "transfer_posts")}}
        if "edit_own" in acts:
            spec["own_person"] = new_person(rng, OrgUnit.get_by_id(extra["own_village"])).id
        if "leave_for" in extra:
            spec["leave_slots"] = {p.id: leave_slots(rng, p.town) for p in extra["leave_for"]}
        specs.append(spec)
    assert len(specs) == 20 and len({s["operator"] for s in specs}) == 20
    return specs, {"shared": shared, "audit_from": AuditLog.select(pw.fn.MAX(AuditLog.id)).scalar() or 0}


# --------------------------------------------------------------------------- the test

def test_twenty_operators_edit_sign_and_approve_at_once(xinyi, tmp_path, database_url):
    city = testing.build_city()
    specs, setup = plan(city, tmp_path, database_url)
    results, _ = run_operators(specs)
    outcomes = [(r["operator"], o) for r in results for o in r["outcomes"]]

    # They really ran at the same time, and each did something.
    assert max(r["started"] for r in results) < min(r["ended"] for r in results)
    assert all(r["outcomes"] for r in results)

    # Nothing but the expected refusals, each in Chinese.
    unexpected = [o for _, o in outcomes if "error" in o and o["error"]["key"] not in ALLOWED[o["act"]]]
    assert not unexpected, "\n".join([str(collections.Counter((o["act"], o["error"]["key"]) for o in unexpected)),
                                      *(o["error"]["traceback"] for o in unexpected[:1] if "traceback" in o["error"])])
    for _, o in outcomes:
        if "error" in o:
            assert CJK.search(o["error"]["message"]) and "locked" not in o["error"]["message"]
    ok = [(op, o) for op, o in outcomes if o.get("ok")]

    _check_people(outcomes, setup["shared"].values())
    _check_attendance(outcomes)
    _check_leave(ok)
    _check_audit(ok, setup["audit_from"])


def _check_people(outcomes: list[tuple[int, dict]], shared: Any) -> None:
    """No lost update: every successful edit or transfer has its own version; the last ones are what the
    record holds; an edit that lost the race was told so, in Chinese, and left no trace."""
    changes = collections.defaultdict(list)
    for _, o in outcomes:
        if o["act"] in ("edit_own", "edit_shared", "transfer_shared"):
            changes[o["data"]["person"]].append(o)
    conflicts = 0
    for pid, tries in changes.items():
        wins = sorted((o for o in tries if o.get("ok")), key=lambda o: o["data"]["version"])
        losses = [o for o in tries if not o.get("ok")]
        conflicts += len(losses) if pid in shared else 0
        assert all(o["error"]["message"] == t("person.conflict") for o in losses)
        person = Person.get_by_id(pid)
        assert [o["data"]["version"] for o in wins] == list(range(2, len(wins) + 2))
        assert person.version == len(wins) + 1
        edits = [o for o in wins if o["act"] != "transfer_shared"]
        moves = [o for o in wins if o["act"] == "transfer_shared"]
        if edits:
            assert person.phone == edits[-1]["data"]["phone"]
        if moves:
            assert person.post_id == moves[-1]["data"]["post"]
        for action, moved, field in (("people.update", edits, "phone"), ("people.transfer", moves, "post")):
            trail = AuditLog.select().where((AuditLog.action == action) & (AuditLog.person_id == pid))
            assert sorted((a.after["version"], a.after[field]) for a in trail) == [
                (o["data"]["version"], o["data"][field]) for o in moved]
    assert set(shared) <= set(changes) and conflicts > 0  # the shared records were really fought over


def _check_attendance(outcomes: list[tuple[int, dict]]) -> None:
    """Exactly one keeper wins each sign-in and each sign-out; the row names her."""
    tries = collections.defaultdict(list)
    for op, o in outcomes:
        if o["act"] == "sign":
            tries[(o["data"]["person"], o["data"]["date"], o["data"]["kind"])].append((op, o.get("ok", False)))
    assert any(len({op for op, _ in v}) > 1 for v in tries.values())  # keepers did race for a day
    won = {}
    for key, attempts in tries.items():
        winners = [op for op, success in attempts if success]
        assert len(winners) == 1, (key, attempts)
        won[key] = winners[0]
    rows = {(r.person_id, r.date.isoformat()): r for r in AttendanceDay.select().where(
        AttendanceDay.person.in_({p for p, _, _ in won}) & (AttendanceDay.date < dt.date(2026, 3, 1)))}
    assert set(rows) == {(p, d) for p, d, kind in won if kind == "in"}
    for (person, day, kind), op in won.items():
        assert getattr(rows[(person, day)], f"{kind}_by_id") == op
    selfs = collections.Counter((op, o["data"]["kind"]) for op, o in outcomes
                                if o["act"] == "sign_self" and o.get("ok"))
    assert selfs and max(selfs.values()) == 1  # an assistant signs in and out once a day, however often she tries


def _check_leave(ok: list[tuple[int, dict]]) -> None:
    """Every filed slip is there once; every chain is whole and agrees with its slip."""
    applied = {o["data"]["reason"]: o["data"]["leave"] for _, o in ok if o["act"] == "apply"}
    leaves = {lv.reason: lv for lv in LeaveRequest.select()}
    assert {r: lv.id for r, lv in leaves.items()} == applied and applied
    chains = {c.subject_id: c for c in ApprovalChain.select().where(ApprovalChain.kind == "leave")}
    assert sorted(chains) == sorted(applied.values())
    decided = 0
    for leave in leaves.values():
        chain = chains[leave.id]
        marks = "".join({"approved": "a", "rejected": "r", None: "."}[s.decision] for s in
                        ApprovalStep.select().where(ApprovalStep.chain == chain).order_by(ApprovalStep.seq))
        shape = {"pending": r"a*\.+", "approved": r"a+", "rejected": r"a*r\.*", "withdrawn": r"a*\.+"}[chain.state]
        assert re.fullmatch(shape, marks), (chain.id, chain.state, marks)
        assert leave.state == chain.state and (chain.finished_at is None) == (chain.state == "pending")
        decided += len(marks.replace(".", ""))
    approvals = [(op, o) for op, o in ok if o["act"] == "approve"]
    assert decided == len(approvals) > 0
    for op, o in approvals:
        step = ApprovalStep.get(ApprovalStep.opinion == o["data"]["opinion"])
        assert (step.chain_id, step.decided_by_id, step.decision) == (
            o["data"]["chain"], op, "approved" if o["data"]["approve"] else "rejected")
    for _, o in ok:
        if o["act"] == "withdraw":
            assert chains[o["data"]["leave"]].state == "withdrawn"


def _check_audit(ok: list[tuple[int, dict]], audit_from: int) -> None:
    """One audit row per successful write, by its operator, and no other: a lost race is not a refused attempt."""
    expected = collections.Counter()
    for op, o in ok:
        actions = [f"attendance.sign_{o['data']['kind']}"] if o["act"].startswith("sign") else AUDITED[o["act"]]
        expected.update((op, action) for action in actions)
    rows = AuditLog.select().where(AuditLog.id > audit_from)
    assert collections.Counter((a.operator_id, a.action) for a in rows if a.allowed) == expected
    refused = collections.Counter((a.operator_id, a.action) for a in rows if not a.allowed)
    assert refused == collections.Counter()


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_transaction_that_reads_before_it_writes_cannot_be_overtaken(city, database_url):
    """SQLite refuses, without waiting, a write in a transaction whose snapshot another process has
    overtaken ("database is locked"). Transactions take the write lock as they begin, so a rival
    writer waits for them instead, and the read-then-write commits."""
    person = city.people["a"][1]
    rival = sqlite3.connect(database_url[len("sqlite:///"):], timeout=0, isolation_level=None)
    try:
        with database.atomic():
            seen = Person.get_by_id(person.id).version  # the read: a snapshot
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                rival.execute("UPDATE person SET phone = '13800000003' WHERE id = ?", (person.id,))
            Person.update(version=seen + 1).where(Person.id == person.id).execute()
        rival.execute("UPDATE person SET phone = '13800000003' WHERE id = ?", (person.id,))  # its turn now
    finally:
        rival.close()
    assert (Person.get_by_id(person.id).version, Person.get_by_id(person.id).phone) == (2, "13800000003")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_database_locked_too_long_is_busy_in_chinese_and_nothing_half_done(city, database_url):
    """Past the busy timeout the operator reads 系统繁忙, the record is as it was, and a retry works."""
    database.execute_sql("PRAGMA busy_timeout = 50")  # the default waits 10 s; the behaviour is the same
    person, clerk = city.people["a"][1], city.op("town_clerk", "a")
    holder = sqlite3.connect(database_url[len("sqlite:///"):], isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing for a long time
    try:
        with pytest.raises(Busy) as busy:
            people.update(clerk, person.id, {"phone": "13800000002"})
        assert str(busy.value) == "系统繁忙，请稍后重试"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert Person.get_by_id(person.id).version == 1
    assert people.update(clerk, person.id, {"phone": "13800000002"}).version == 2



def test_two_clerks_filing_the_same_days_for_one_person_at_once_file_one_leave(city, monkeypatch):
    """ATT-3: a person has one leave on a day. Clerk B files the same days while clerk A's slip
    is being written (not yet committed, so B's form check sees nothing): B's filing waits for
    A's and is then refused for the overlap — never two leaves for one day."""
    import threading

    from xinyi_core.errors import FormErrors
    from xinyi_leave import service

    person = city.people["a"][2]
    days = calendar.working_days(city.towns[0], dt.date(2026, 3, 2), dt.date(2026, 3, 6))
    data = {"category": "personal", "start_on": days[0].isoformat(), "end_on": days[2].isoformat(),
            "reason": "家中有事", "phone": "13900001111"}
    inside, release = threading.Event(), threading.Event()
    start_chain = service._start_chain

    def slow_start_chain(op, leave, total):  # clerk A, inside her transaction, pauses here
        if threading.current_thread().name == "clerk-a":
            inside.set()
            release.wait(10)
        return start_chain(op, leave, total)

    monkeypatch.setattr(service, "_start_chain", slow_start_chain)
    outcome: dict[str, object] = {}

    def file(name: str, op) -> None:
        try:
            outcome[name] = service.apply(op, Person.get_by_id(person.id), data)
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            outcome[name] = exc
        finally:
            database.close()

    a = threading.Thread(target=file, args=("a", city.op("town_clerk", "a")), name="clerk-a")
    a.start()
    assert inside.wait(10)
    b = threading.Thread(target=file, args=("b", city.op("town_head", "a")), name="clerk-b")
    b.start()
    b.join(0.5)  # B has passed her form check and now waits for A's transaction
    release.set()
    a.join(10)
    b.join(10)
    assert isinstance(outcome["a"], service.LeaveRequest)
    assert isinstance(outcome["b"], FormErrors) and "时间重叠" in outcome["b"].errors["start_on"]
    assert service.LeaveRequest.select().where(service.LeaveRequest.person == person.id).count() == 1


def test_two_failed_phone_checks_recorded_at_once_both_count(city, monkeypatch):
    """ATT-2: each failed spot check is evidence in the day's record. The head records one
    while the clerk's is being written: the second waits for the first and both count."""
    import threading

    from xinyi_attendance import service

    attendance.name_clerk(city.op("town_head", "a"), city.towns[0], city.op("town_clerk", "a"))
    person = city.people["a"][1]
    called = dt.datetime(2026, 3, 3, 10, 0)
    inside, release = threading.Event(), threading.Event()
    record = service.audit.record

    def slow_record(*args, **kwargs):  # the clerk, inside her transaction, pauses before committing
        if threading.current_thread().name == "clerk":
            inside.set()
            release.wait(10)
        return record(*args, **kwargs)

    monkeypatch.setattr(service.audit, "record", slow_record)
    errors: list[BaseException] = []

    def check(op) -> None:
        try:
            service.record_check(op, person.id, called, "村委会", at_post=False)
        except BaseException as exc:  # noqa: BLE001 - the test inspects it
            errors.append(exc)
        finally:
            database.close()

    a = threading.Thread(target=check, args=(city.op("town_clerk", "a"),), name="clerk")
    a.start()
    assert inside.wait(10)
    b = threading.Thread(target=check, args=(city.op("town_head", "a"),), name="head")
    b.start()
    b.join(0.5)
    release.set()
    a.join(10)
    b.join(10)
    assert errors == []
    row = AttendanceDay.get((AttendanceDay.person == person.id) & (AttendanceDay.date == called.date()))
    assert row.failed_checks == 2
