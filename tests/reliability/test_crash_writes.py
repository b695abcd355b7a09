"""CRASHES (issue 11): the app killed with SIGKILL in the middle of its writes.

A real process (``_crash_driver.py writes``) edits people, files leave slips
and decides their approval chains step by step (ATT-4), and records
attendance sign-ins (ATT-2), printing each change once its commit returned. It
is killed at a random moment, several times, on SQLite and PostgreSQL; after
each kill the runtime starts again on the same database and every
acknowledged change must be there, and every change — acknowledged or not —
whole: the step, the chain's state, the leave's state and the audit row
together, or none of them.
"""
from __future__ import annotations

import random
import time
from collections import Counter

import pytest
from peewee import fn

from xinyi_core import lifecycle, testing
from xinyi_core.models import ApprovalChain, ApprovalStep, AuditLog, Person

from xinyi_attendance.models import AttendanceDay
from xinyi_leave.models import LeaveRequest

from _crash_driver import OPS
from _crash_helpers import Site, assert_database_sound, kill9, lines, wait_until

KILLS = {"sqlite": 3, "postgres": 2}


@pytest.fixture
def site(tmp_path, database_url):
    site = Site(tmp_path, database_url)
    site.start()
    testing.build_city()
    lifecycle.shutdown()  # the driver is the app now; the test only looks after each kill
    yield site
    lifecycle.shutdown()


def test_every_acknowledged_write_survives_a_kill_and_none_is_half_done(site, backend, tmp_path):
    rng = random.Random(1100)
    acked_total = Counter()
    for n in range(KILLS[backend]):
        site.start()
        floor = AuditLog.select(fn.COALESCE(fn.MAX(AuditLog.id), 0)).scalar()
        lifecycle.shutdown()
        out = tmp_path / f"acks-{n}.txt"
        app = site.spawn("writes", str(rng.randrange(10**6)), out=out)
        try:
            wait_until(lambda: len(lines(out)) > 4, what="the app's first writes", proc=app)
            time.sleep(rng.uniform(0, 0.4))
        finally:
            kill9(app)
        acks = [row for row in lines(out) if row != ["ready"]]
        acked_total.update(row[0] for row in acks)

        site.start()  # the app starts again: migrations run, the database opens
        assert_database_sound()
        assert_acknowledged_present(acks)
        # The stream is sequential: at most the one write whose commit was not yet acknowledged.
        committed = AuditLog.select().where((AuditLog.id > floor) & AuditLog.action.in_(OPS)
                                            & (AuditLog.allowed == True)).count()  # noqa: E712
        assert committed - len(acks) in (0, 1), (committed, len(acks))
        assert_all_or_nothing()
        lifecycle.shutdown()
    assert all(acked_total[kind] for kind in ("update", "apply", "decide", "sign")), acked_total


def assert_acknowledged_present(acks: list[list[str]]) -> None:
    for kind, *args in acks:
        if kind == "update":
            person_id, version, phone = int(args[0]), int(args[1]), args[2]
            edits = AuditLog.select().where((AuditLog.action == "people.update") & (AuditLog.person_id == person_id))
            assert [a.after["phone"] for a in edits if a.after["version"] == version] == [phone], args
            assert Person.get_by_id(person_id).version >= version
        elif kind == "apply":
            assert LeaveRequest.get_or_none(LeaveRequest.id == int(args[0])) is not None, args
        elif kind == "decide":
            leave_id, seq, decision = int(args[0]), int(args[1]), args[2]
            chain = ApprovalChain.get((ApprovalChain.kind == "leave") & (ApprovalChain.subject_id == leave_id))
            step = ApprovalStep.get((ApprovalStep.chain == chain) & (ApprovalStep.seq == seq))
            assert step.decision == decision, args
        else:
            person_id, day = int(args[0]), args[1]
            row = AttendanceDay.get_or_none((AttendanceDay.person == person_id) & (AttendanceDay.date == day))
            assert row is not None and row.sign_in is not None, args


def assert_all_or_nothing() -> None:
    """Every multi-row change is whole, whether or not its acknowledgement was printed."""
    audits = Counter()
    for a in AuditLog.select().where(AuditLog.allowed == True):  # noqa: E712
        key = (a.action, a.object_id)
        if a.action == "approval.decide":
            key += (a.after["step"], a.after["decision"])
        audits[key] += 1

    chains = {c.subject_id: c for c in ApprovalChain.select().where(ApprovalChain.kind == "leave")}
    leaves = list(LeaveRequest.select())
    assert set(chains) == {lv.id for lv in leaves}  # a slip never without its chain, nor a chain without its slip
    for lv in leaves:
        chain = chains[lv.id]
        assert audits[("leave.apply", lv.id)] == 1 and audits[("approval.start", chain.id)] == 1
        steps = list(ApprovalStep.select().where(ApprovalStep.chain == chain).order_by(ApprovalStep.seq))
        decided = [s.decision for s in steps if s.decision]
        assert [s.decision for s in steps[:len(decided)]] == decided  # decided strictly in order
        assert "rejected" not in decided[:-1]
        for s in steps:  # a decided step has its audit row, an open one none
            assert audits[("approval.decide", chain.id, s.seq, s.decision)] == (1 if s.decision else 0)
        if decided and decided[-1] == "rejected":
            expected = "rejected"
        elif len(decided) == len(steps):
            expected = "approved"
        else:
            expected = "pending"
        assert (chain.state, lv.state) == (expected, expected), lv.id  # the plugin's record moved with the chain
        assert (chain.finished_at is not None) == (expected != "pending")

    for person in Person.select():  # each edit bumped the version and left its audit row, together
        assert audits[("people.update", person.id)] == person.version - 1, person.id

    for row in AttendanceDay.select():
        assert row.sign_in is not None and audits[("attendance.sign_in", row.id)] == 1, row.id
    assert sum(n for (action, *_), n in audits.items() if action == "attendance.sign_in") == \
        AttendanceDay.select().count()
