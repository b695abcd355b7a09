"""One operator in its own OS process, for test_concurrency.py and test_backup_restore.py.

The parent starts these with multiprocessing's ``spawn`` method. Each process
bootstraps the runtime on the parent's database URL as one operator, waits on
a barrier so that all of them start together, then for ``seconds`` repeats the
activities it was given, through the same service calls the screens make.
Every call's outcome is written to ``out`` as JSON: the parent decides which
outcomes are allowed and checks the database against the successful ones.

Tokens make each write recognisable: a phone number ``13PPNNNNNNN`` (process,
sequence) for an edit, a reason / opinion ``P07-0003`` for a leave or a
decision.
"""
from __future__ import annotations

import json
import random
import time
import traceback
from pathlib import Path
from typing import Any, Callable


def operator_process(spec: dict[str, Any], barrier: Any) -> None:
    """Entry point of a child process (must stay importable by name for ``spawn``)."""
    from xinyi_core import config as config_mod, lifecycle

    try:
        cfg = config_mod.load(spec["config"])
        cfg.database_url = spec["url"]
        lifecycle.bootstrap(cfg, migrate=False)
        worker = Worker(spec)
    except BaseException:
        barrier.abort()  # the others (and the parent) stop waiting at once
        raise
    try:
        barrier.wait(timeout=120)
        worker.run(spec["seconds"])
    finally:
        lifecycle.shutdown()
    Path(spec["out"]).write_text(json.dumps(worker.result(), ensure_ascii=False), "utf-8")


class Worker:
    def __init__(self, spec: dict[str, Any]) -> None:
        from xinyi_core.models import Operator

        self.spec = spec
        self.proc = spec["proc"]
        self.op = Operator.get_by_id(spec["operator"])
        self.rng = random.Random(1000 + self.proc)
        self.seq = 0
        self.outcomes: list[dict[str, Any]] = []
        self.sign_step = 0
        self.self_sign_step = 0
        self.slots = {int(pid): list(slots) for pid, slots in spec.get("leave_slots", {}).items()}
        self.started = self.ended = 0.0

    # ------------------------------------------------------------------ loop

    def run(self, seconds: float) -> None:
        acts: list[Callable[[], None]] = [getattr(self, name) for name in self.spec["activities"]]
        self.started = time.time()
        deadline = time.monotonic() + seconds
        stop = Path(self.spec["stop"]) if self.spec.get("stop") else None  # the parent ends the run early
        while time.monotonic() < deadline and not (stop and stop.exists()):
            self.rng.choice(acts)()
        self.ended = time.time()

    def result(self) -> dict[str, Any]:
        return {"proc": self.proc, "operator": self.op.id, "started": self.started, "ended": self.ended,
                "outcomes": self.outcomes}

    def token(self) -> str:
        self.seq += 1
        return f"P{self.proc:02d}-{self.seq:04d}"

    def phone(self) -> str:
        self.seq += 1
        return f"13{self.proc:02d}{self.seq:07d}"

    def attempt(self, act: str, call: Callable[[], Any], **data: Any) -> Any:
        """Run one service call and record how it ended."""
        from xinyi_core.errors import XinyiError

        outcome: dict[str, Any] = {"act": act, "data": data}
        try:
            value = call()
        except XinyiError as exc:
            outcome["error"] = {"type": type(exc).__name__, "key": exc.key, "message": str(exc)}
            value = None
        except Exception as exc:  # noqa: BLE001 - anything else is what the test is looking for
            outcome["error"] = {"type": "unexpected", "key": type(exc).__name__, "message": str(exc),
                                "traceback": traceback.format_exc()}
            value = None
        else:
            outcome["ok"] = True
        self.outcomes.append(outcome)
        return value

    # ------------------------------------------------------------------ activities

    def edit_own(self) -> None:
        self._edit(self.spec["own_person"], "edit_own")

    def edit_shared(self) -> None:
        self._edit(self.spec["shared_person"], "edit_shared", think=True)

    def _edit(self, person_id: int, act: str, think: bool = False) -> None:
        """As the person screen does: load (remember the version), type, save with that version."""
        from xinyi_core import people

        seen = people.get(self.op, person_id).version
        if think:
            time.sleep(self.rng.uniform(0, 0.02))  # the operator typing
        phone = self.phone()
        saved = self.attempt(act, lambda: people.update(self.op, person_id, {"phone": phone},
                                                         expected_version=seen),
                             person=person_id, phone=phone, seen=seen)
        if saved is not None:
            self.outcomes[-1]["data"]["version"] = saved.version

    def transfer_shared(self) -> None:
        """Move the shared person between two posts of her village while others edit her."""
        from xinyi_core import people
        from xinyi_core.models import Post

        pid, posts = self.spec["shared_person"], self.spec["transfer_posts"]
        current = people.get(self.op, pid).post_id
        target = Post.get_by_id(posts[1] if current == posts[0] else posts[0])
        moved = self.attempt("transfer_shared", lambda: people.transfer(self.op, pid, target), person=pid,
                             post=target.id)
        if moved is not None:
            self.outcomes[-1]["data"]["version"] = moved.version

    def sign(self) -> None:
        """The clerk (or head) records sign-in, then sign-out, down a schedule shared with rivals."""
        import datetime as dt

        from xinyi_attendance import service
        from xinyi_core import clock

        schedule = self.spec["sign_schedule"]
        if self.sign_step >= 2 * len(schedule):
            return
        person_id, day = schedule[self.sign_step // 2]
        kind = "in" if self.sign_step % 2 == 0 else "out"
        self.sign_step += 1
        hour = 8 if kind == "in" else 17
        at = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, self.proc))
        with clock.frozen(at.replace(hour=18)):  # ATT-2: the clerk records the day as it happens
            self.attempt("sign", lambda: service.sign(self.op, person_id, kind, at=at),
                         person=person_id, date=day, kind=kind)

    def sign_self(self) -> None:
        """The assistant at the village terminal, now (only the first in and out of the day succeed)."""
        from xinyi_attendance import service

        kind = "in" if self.self_sign_step % 2 == 0 else "out"
        self.self_sign_step += 1
        self.attempt("sign_self", lambda: service.sign(self.op, self.op.person_id, kind), kind=kind)

    def apply(self) -> None:
        from xinyi_core.models import Person
        from xinyi_leave import service

        open_targets = [pid for pid, slots in self.slots.items() if slots]
        if not open_targets:
            return
        pid = self.rng.choice(open_targets)
        start, end = self.slots[pid].pop(0)
        reason = self.token()
        data = {"category": "personal", "start_on": start, "end_on": end, "reason": reason,
                "phone": "13900001111"}
        leave = self.attempt("apply", lambda: service.apply(self.op, Person.get_by_id(pid), data),
                             person=pid, reason=reason)
        if leave is not None:
            self.outcomes[-1]["data"]["leave"] = leave.id

    def withdraw(self) -> None:
        from xinyi_leave import service
        from xinyi_leave.models import LeaveRequest

        mine = list(LeaveRequest.select(LeaveRequest.id).where(
            (LeaveRequest.created_by == self.op.id) & (LeaveRequest.state == "pending")))
        if not mine:
            return
        leave_id = self.rng.choice(mine).id
        reason = self.token()
        self.attempt("withdraw", lambda: service.withdraw(self.op, leave_id, reason), leave=leave_id,
                     reason=reason)

    def approve(self) -> None:
        """As the approvals list does: pick one of the oldest waiting slips and decide it."""
        from xinyi_core import approvals
        from xinyi_leave import service

        waiting = approvals.waiting_for(self.op, "leave")
        if not waiting:
            time.sleep(0.005)
            return
        chain = self.rng.choice(waiting[:3])  # rivals look at the same head of the queue
        approve = self.rng.random() < 0.85
        opinion = self.token()
        self.attempt("approve", lambda: service.decide(self.op, chain.subject_id, approve, opinion),
                     chain=chain.id, leave=chain.subject_id, approve=approve, opinion=opinion)


# --------------------------------------------------------------------------- the parent's side

def new_person(rng: random.Random, village: Any) -> Any:
    """One more assistant on a new post of ``village`` (in the parent, before the run)."""
    import datetime as dt

    from xinyi_core import org, people, testing
    from xinyi_core.demo import fake_id_number, fake_name

    birth = dt.date(rng.randint(1970, 1999), rng.randint(1, 12), rng.randint(1, 28))
    data = {"name": fake_name(rng), "id_number": fake_id_number(rng, "320381", birth, rng.random() < 0.5),
            "phone": f"139{rng.randrange(10**8):08d}"}
    person = people.insert(people.clean(data), org.add_post(village), status="on_duty", joined_on=dt.date(2020, 1, 1),
                           operator=None)
    testing.seed_on_duty([person])  # on duty like the test city's: with a passed pre-job exam (TRN-1)
    return person


def new_operator(username: str, role: str, scope: Any) -> Any:
    from xinyi_core import testing
    from xinyi_core.models import Operator

    return Operator.create(username=username, display_name=username, role=role, scope=scope,
                           password_hash=testing._password_hash())


def leave_slots(rng: random.Random, town: Any) -> list[tuple[str, str]]:
    """Disjoint leaves of 1–4 working days through 2026 (3 or more go up to the city office)."""
    import datetime as dt

    from xinyi_core import calendar

    days = calendar.working_days(town, dt.date(2026, 3, 2), dt.date(2026, 12, 31))
    slots, i = [], 0
    while i + 4 < len(days):
        n = rng.randint(1, 4)
        slots.append((days[i].isoformat(), days[i + n - 1].isoformat()))
        i += n + 1
    return slots


def run_operators(specs: list[dict[str, Any]], while_running: Callable[[], Any] | None = None,
                  timeout: float = 120) -> tuple[list[dict[str, Any]], Any]:
    """Start one spawned process per spec, release them together, wait, return their results.

    ``while_running`` runs in the parent right after the release (the backup test takes its
    copies there); its return value is returned beside the results.
    """
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(specs) + 1)
    procs = [ctx.Process(target=operator_process, args=(spec, barrier), daemon=True) for spec in specs]
    for p in procs:
        p.start()
    extra = None
    try:
        barrier.wait(timeout=timeout)
        if while_running is not None:
            extra = while_running()
        for p in procs:
            p.join(timeout=timeout)
    finally:
        for p in procs:
            if p.is_alive():  # only our own children, by handle
                p.kill()
                p.join()
    codes = [p.exitcode for p in procs]
    assert codes == [0] * len(procs), f"operator processes ended with {codes}"
    return [json.loads(Path(spec["out"]).read_text("utf-8")) for spec in specs], extra
