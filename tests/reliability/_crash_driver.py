"""The process the crash tests kill with SIGKILL: the app, a worker or the scheduler.

Run as ``python _crash_driver.py MODE [ARGS]`` with ``XINYI_CONFIG`` (and
``XINYI_DATABASE_URL`` / ``XINYI_REDIS_URL``) in the environment. It prints one
line per committed change, flushed right after the commit returned, so that
what the test reads back after the kill is exactly what the process had been
told was saved. Modes:

``writes SEED``        the app at work: people edits, leave slips going up their approval
                       chain step by step, attendance sign-ins — until killed.
``decide-crash ID first|last``  decides the current step of approval chain ``ID`` as its approver,
                       with a plugin that kills this process (SIGKILL) inside ``xinyi_approval_finished``.
``report PERIOD [NAME]``  submits the ``crashtest.big`` (or NAME) report to the in-process queue and waits.
``report-commit-crash PERIOD``  the same for ``crashtest.pair``, dying between the renames of its two files.
``worker`` / ``scheduler``  the real ``xinyi worker`` / ``xinyi scheduler`` commands.
``scheduler-crash``    ``xinyi scheduler``, killing itself (SIGKILL) as it inserts its first job's record.

``XINYI_CRASHTEST_PLUGINS=crashtest`` loads only the crash-test plugin (fast start);
otherwise the built-in plugins are loaded too.
"""
from __future__ import annotations

import datetime as dt
import os
import random
import signal
import sys
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import _crash_plugin  # noqa: E402
from xinyi_core import hookimpl, lifecycle  # noqa: E402

ONLY_TEST_PLUGIN = os.environ.get("XINYI_CRASHTEST_PLUGINS") == "crashtest"
DAY0 = dt.date(2026, 1, 5)  # a Monday: leave slips take whole weeks from here, sign-ins days
OPS = ("people.update", "leave.apply", "approval.decide", "attendance.sign_in")  # one audit row per write


def ack(*parts: object) -> None:
    sys.stdout.write(" ".join(str(p) for p in parts) + "\n")
    sys.stdout.flush()


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _with_test_plugin(extra: dict[str, types.ModuleType] | None = None) -> None:
    """Make every bootstrap in this process (the CLI's too) load the crash-test plugin."""
    real = lifecycle.bootstrap
    modules = {"crashtest": _crash_plugin, **(extra or {})}

    def bootstrap(*args, **kwargs):
        kwargs.setdefault("entry_points", not ONLY_TEST_PLUGIN)
        return real(*args, plugin_modules=modules, **kwargs)

    lifecycle.bootstrap = bootstrap


# --------------------------------------------------------------------------- the app writing

def writes(seed: int) -> None:
    from xinyi_core import approvals, clock, people
    from xinyi_core.models import Operator, Person

    from xinyi_attendance import service as attendance
    from xinyi_attendance.models import AttendanceDay
    from xinyi_leave import service as leave
    from xinyi_leave.models import LeaveRequest

    lifecycle.bootstrap()
    rng = random.Random(seed)
    ops = {o.username: o for o in Operator.select()}
    persons = list(Person.select().order_by(Person.id))
    town_of = {p.id: p.town.code for p in persons}
    # Carry on where the killed run stopped: the next free week and day of each person.
    next_week = {p.id: DAY0 for p in persons}
    for lv in LeaveRequest.select():
        next_week[lv.person_id] = max(next_week[lv.person_id], lv.end_on + dt.timedelta(days=3))
    next_day = {p.id: DAY0 for p in persons}
    for row in AttendanceDay.select():
        next_day[row.person_id] = max(next_day[row.person_id], row.date + dt.timedelta(days=1))
    ack("ready")
    first = [0.1, 0.5, 0.5, 0.9]  # an edit, a slip, a decision on it, a sign-in; then at random
    with clock.frozen(dt.datetime(2026, 1, 2, 9, 0)):
        while True:
            roll = first.pop(0) if first else rng.random()
            pending = None
            if 0.35 <= roll < 0.75:
                pending = (LeaveRequest.select().where(LeaveRequest.state == "pending")
                           .order_by(LeaveRequest.id).first())
            if roll < 0.2:
                p = rng.choice(persons)
                phone = f"139{rng.randrange(10**8):08d}"
                done = people.update(ops[f"town_clerk_{town_of[p.id]}"], p.id, {"phone": phone})
                ack("update", p.id, done.version, phone)
            elif pending is not None:
                step = approvals.current_step(leave.chain_of(pending))
                town = town_of[pending.person_id]
                op = ops["city_office" if step.role == "city_office" else f"{step.role}_{town}"]
                approve = rng.random() < 0.9
                leave.decide(op, pending.id, approve, "同意" if approve else "不符合规定")
                ack("decide", pending.id, step.seq, "approved" if approve else "rejected")
            elif roll < 0.75:
                p = rng.choice(persons)
                start = next_week[p.id]
                if start.year > 2026:
                    continue
                data = {"category": "personal", "start_on": start, "end_on": start + dt.timedelta(days=4),
                        "reason": "家中有事", "phone": "13900001111"}
                lv = leave.apply(ops[f"town_clerk_{town_of[p.id]}"], p, data)
                next_week[p.id] = start + dt.timedelta(days=7)
                ack("apply", lv.id)
            else:
                p = rng.choice(persons)
                day = next_day[p.id]
                with clock.frozen(dt.datetime.combine(day, dt.time(9, 0))):  # ATT-2: recorded on the day itself
                    attendance.sign(ops[f"town_head_{town_of[p.id]}"], p.id, "in",
                                    dt.datetime.combine(day, dt.time(8, 25)))
                next_day[p.id] = day + dt.timedelta(days=1)
                ack("sign", p.id, day)


# --------------------------------------------------------------------------- crash points

def decide_crash(chain_id: int, order: str) -> None:
    """Decide the current step; the process dies inside ``xinyi_approval_finished``,
    before (``first``) or after (``last``) the other plugins' implementations ran."""
    killer = types.ModuleType("killer")
    killer.XINYI_API = "1"
    killer.xinyi_approval_finished = hookimpl(tryfirst=order == "first", trylast=order == "last")(
        lambda chain: die())
    _with_test_plugin({"killer": killer})
    from xinyi_core import approvals
    from xinyi_core.models import ApprovalChain, Operator

    lifecycle.bootstrap()
    chain = ApprovalChain.get_by_id(chain_id)
    step = approvals.current_step(chain)
    op = next(o for o in Operator.select().where(Operator.role == step.role) if approvals.may_decide(o, step))
    ack("deciding", step.seq)
    approvals.decide(op, chain, True, "同意")
    ack("decided")  # never reached: the hook killed us


def report(period: str, name: str = "crashtest.big") -> None:
    _with_test_plugin()
    from xinyi_core import jobs
    from xinyi_core.models import Operator

    lifecycle.bootstrap()
    job = jobs.submit(Operator.get(Operator.role == "city_office"), name, period=period)
    ack("submitted", job.id)
    while True:
        time.sleep(1)


def report_commit_crash(period: str) -> None:
    """``crashtest.pair`` to the end, dying (SIGKILL) as its files are put in place: right after
    the first of its renames — the worst moment, one new file in place, the other not yet."""
    real = os.replace

    def replace(src, dst):
        real(src, dst)
        if str(dst).endswith(".xlsx"):
            die()

    os.replace = replace  # for the whole process, which dies at the first rename of a report anyway
    report(period, "crashtest.pair")


def cli(*argv: str) -> None:
    _with_test_plugin()
    from xinyi_core.cli import main

    sys.argv = ["xinyi", *argv]
    main()


def scheduler_crash() -> None:
    """The scheduler dies (SIGKILL) in ``fire``, as it writes its first job's record."""
    from xinyi_core import jobs

    jobs._insert = lambda fields: die()  # the one statement that inserts a job's record
    cli("scheduler")


if __name__ == "__main__":
    mode, *args = sys.argv[1:]
    if mode == "writes":
        _with_test_plugin()
        writes(int(args[0]))
    elif mode == "decide-crash":
        decide_crash(int(args[0]), args[1])
    elif mode == "report":
        report(*args)
    elif mode == "report-commit-crash":
        report_commit_crash(args[0])
    elif mode in ("worker", "scheduler"):
        cli(mode, *(["--threads", "2"] if mode == "worker" else []))
    elif mode == "scheduler-crash":
        scheduler_crash()
    else:
        raise SystemExit(f"unknown mode {mode}")
