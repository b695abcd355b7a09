"""A year of realistic leave for the demo city, filed and decided through the real services.

Mostly short personal and sick leave approved by the town, some of 3+ days
through the city office (ATT-4): these are written directly (slip, chain,
signed steps, return) to keep ``xinyi demo`` fast. The stories worth showing —
a couple of refusals, an extension, oral reports (ATT-3), one still without its
slip, a few leaves nobody returned from (ATT-6), the slips still waiting for
approval — go through the real services with the clock set to the day they
happened, so their audit trail and alerts are the real thing.

Nothing happens after the moment the demo is built: a leave still to come is
approved or waiting, never returned (销假), and no slip, decision or return is
dated later than now.
"""
from __future__ import annotations

import bisect
import datetime as dt
import random
from typing import Any

from xinyi_core import (ApprovalChain, ApprovalStep, Operator, OrgUnit, Person, XinyiError, approvals, bulk, calendar, clock,
                        database)

from . import rules, service
from .models import LeaveRequest

CATEGORY_WEIGHTS = {"personal": 50, "sick": 30, "marriage": 3, "maternity": 2, "bereavement": 6, "other": 9}
# Days (counted as the category counts) → weight: most leave is a day or two.
LENGTHS = {"personal": {1: 45, 2: 30, 3: 15, 4: 7, 5: 3}, "sick": {1: 30, 2: 30, 3: 20, 5: 12, 7: 8},
           "marriage": {3: 5, 10: 3, 13: 2}, "maternity": {98: 1, 128: 2, 158: 1}, "bereavement": {3: 1},
           "other": {1: 3, 2: 1}}
REASONS = {
    "personal": ["孩子升学办理手续", "家中老人就医陪护", "回老家处理宅基地事宜", "办理房屋过户", "家中装修需要照看",
                 "陪同孩子参加考试"],
    "sick": ["感冒发烧，需休息", "腰椎间盘突出复查", "急性肠胃炎输液", "牙科手术", "住院检查"],
    "marriage": ["本人结婚"], "maternity": ["生育"], "bereavement": ["直系亲属去世，料理后事"],
    "other": ["参加职称考试", "参加市里组织的业务考试", "社区献血后休息"],
}
OTHER_KINDS = {"参加职称考试": "考试", "参加市里组织的业务考试": "考试", "社区献血后休息": "献血假"}
OPINIONS = ["情况属实，同意", "同意", "同意，请安排好工作交接", "同意，按时销假"]
REFUSALS = ["当前正值社保集中征缴期，请调整时间", "请假理由不充分，请补充说明"]


def _ops() -> dict[tuple[str, int], Operator]:
    return {(op.role, op.scope_id): op for op in Operator.select().where(Operator.active == True)}  # noqa: E712


class _Demo:
    """One run: the operators, who is away when, and the stories still to tell."""

    def __init__(self, rng: random.Random, now: dt.datetime) -> None:
        self.rng, self.now, self.today = rng, now, now.date()
        self.ops = _ops()
        self.city_op = next((op for (role, _), op in self.ops.items() if role == "city_office"), None)
        self.away: dict[int, list[tuple[dt.date, dt.date]]] = {}
        self.stories = iter(["reject", "extend", "oral", "reject", "oral_open", "overdue", "overdue"])
        self.written: list[tuple[Person, dict[str, Any], tuple]] = []  # ordinary past leave, written at the end
        self.lived = 0
        self.working: dict[int, list[dt.date]] = {}  # town → its working days, where the calendar covers them
        self.span: tuple[dt.date, dt.date] | None = None

    def load_calendars(self, town_ids: list[int]) -> None:
        """Every town's working days around the demo year, read once (not per leave)."""
        lo, hi = self.today - dt.timedelta(days=400), self.today + dt.timedelta(days=400)
        while lo <= hi and not calendar.covered(lo.year):
            lo = dt.date(lo.year + 1, 1, 1)
        while hi >= lo and not calendar.covered(hi.year):
            hi = dt.date(hi.year, 1, 1) - dt.timedelta(days=1)
        if lo <= hi:
            self.span = (lo, hi)
            self.working = calendar.working_days_by_town(town_ids, lo, hi)

    def working_days(self, town_id: int, start: dt.date, end: dt.date) -> list[dt.date]:
        if self.span is None or start < self.span[0] or end > self.span[1]:
            return calendar.working_days(town_id, start, end)
        days = self.working[town_id]
        return days[bisect.bisect_left(days, start):bisect.bisect_right(days, end)]

    def next_working_day(self, town_id: int, after: dt.date) -> dt.date | None:
        """``service.next_working_day`` from the loaded calendars."""
        if self.span is not None and self.span[0] <= after:
            days = self.working[town_id]
            i = bisect.bisect_right(days, after)
            if i < len(days):
                return days[i]
        return service.next_working_day(town_id, after)

    def count_days(self, town_id: int, category: str, start: dt.date, end: dt.date) -> tuple[int, str]:
        """``service.count_days`` from the loaded calendars."""
        counting = service.counting_for(category)
        if counting != "working" or self.span is None or start < self.span[0] or end > self.span[1]:
            return service.count_days(town_id, category, start, end)
        return rules.leave_days(start, end, counting, self.working_days(town_id, start, end)), counting

    def plan(self, person: Person, start: dt.date) -> dict[str, Any] | None:
        """A slip for ``person`` from about ``start``, or None when it would overlap her other leave."""
        rng = self.rng
        category = rng.choices(list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values()))[0]
        if category == "maternity" and person.sex != "F":
            category = "sick"
        length = rng.choices(list(LENGTHS[category]), list(LENGTHS[category].values()))[0]
        if service.counting_for(category) == "working":
            days = self.working_days(person.town_id, start, start + dt.timedelta(days=length * 2 + 14))[:length]
            start, end = days[0], days[-1]
        else:
            end = start + dt.timedelta(days=length - 1)
        if not calendar.covered(end.year):  # a maternity leave running into a year with no schedule yet
            return None
        if any(rules.overlaps(start, end, a, b) for a, b in self.away.get(person.id, ())):
            return None
        self.away.setdefault(person.id, []).append((start, end + dt.timedelta(days=3)))
        reason = rng.choice(REASONS[category])
        return {"category": category, "start_on": start, "end_on": end, "reason": reason, "phone": person.phone,
                "other_kind": OTHER_KINDS.get(reason, "")}

    def filer(self, person: Person) -> Operator:
        own = self.ops.get(("assistant", person.village_id))
        return own if own is not None and own.person_id == person.id else self.ops[("town_clerk", person.town_id)]

    def at(self, day: dt.date, hour: int) -> dt.datetime:
        """A time on ``day`` at about ``hour`` — never after the moment the demo is built."""
        return min(dt.datetime.combine(day, dt.time(hour, self.rng.randint(0, 59))), self.now)


LIVE_MAX = 120  # leaves around today told through the real services (each ~30 ms of service calls)


def build(city: OrgUnit, rng: random.Random) -> None:
    """About 0.75 leave per assistant over the last year, decided as a town would.

    A city of 20,000 assistants has ~15,000 leaves: the ordinary past ones are
    written in bulk (between the lived ones, so ids follow the order of filing); at most :data:`LIVE_MAX` leaves around today go
    through the services (the 500-assistant city has ~30; in a bigger one the
    rest of the leaves around today are left out, so the queues stay a
    town's size).
    """
    demo = _Demo(rng, clock.now())
    today = demo.today
    people = list(Person.select().where((Person.status == "on_duty") & Person.town.is_null(False))
                  .order_by(Person.id))
    demo.load_calendars(sorted({p.town_id for p in people}))
    plans = [(today - dt.timedelta(days=rng.randint(-20, 340)), person)
             for person in people for _ in range(rng.choices((0, 1, 2, 3), (45, 33, 16, 6))[0])]
    plans.sort(key=lambda p: (p[0], p[1].id))
    with database.atomic():
        for start, person in plans:
            try:
                data = demo.plan(person, start)
            except (XinyiError, IndexError):  # beyond what the calendar covers
                continue
            if data is None:
                continue
            recent = today - dt.timedelta(days=90) <= data["start_on"] < today - dt.timedelta(days=20)
            story = next(demo.stories, "normal") if recent and rng.random() < 0.15 else "normal"
            back = demo.next_working_day(person.town_id, data["end_on"])
            if story == "normal" and not (data["end_on"] + dt.timedelta(days=7) < today and back is not None
                                          and back <= today):
                story = "live"  # around today or still to come: filed (maybe still waiting) through the services
            if story == "normal":
                _written(demo, person, data, back)
            elif story != "live" or demo.lived < LIVE_MAX:
                demo.lived += story == "live"
                _write(demo)  # what is written so far first: ids in the order the leaves were filed
                _lived(demo, person, data, story)
        _write(demo)
        service.raise_overdue(today)  # ATT-6: the leaves nobody returned from


def _written(demo: _Demo, person: Person, data: dict[str, Any], back: dt.date) -> None:
    """An ordinary past leave, approved and returned: slip, chain and signed steps, kept to be written
    in bulk (:func:`_write`). Only for a leave whose return day (the first working day after it) is past.
    """
    rng = demo.rng
    start = data["start_on"]
    days, counting = demo.count_days(person.town_id, data["category"], start, data["end_on"])
    applied = start - dt.timedelta(days=rng.randint(1, 5))
    filer = demo.filer(person)
    created = str(demo.at(applied, 9))
    village = ("village_head", person.village_id) in demo.ops
    steps = []
    for seq, role in enumerate(rules.approval_roles(days, village_opinion=village)):
        op = demo.city_op if role == "city_office" else demo.ops[(role, person.village_id if role ==
                                                                  "village_head" else person.town_id)]
        steps.append((seq, role, op.scope_id, "approved", rng.choice(OPINIONS), op.id,
                      str(demo.at(applied + dt.timedelta(days=seq // 2), 10 + seq * 2))))
    leave = (days, counting, applied, filer.id, created, back,
             demo.ops[("town_clerk", person.town_id)].id)
    demo.written.append((person, data, (leave, steps)))


LEAVE_COLUMNS = ("id", "person", "town", "village", "category", "other_kind", "start_on", "end_on", "days",
                 "counting", "reason", "phone", "applied_on", "state", "returned_on", "returned_recorded_by",
                 "created_by", "created_at")
CHAIN_COLUMNS = ("id", "kind", "subject_type", "subject_id", "person", "town", "state", "created_by", "created_at",
                 "finished_at")
STEP_COLUMNS = ("chain", "seq", "role", "unit", "decision", "opinion", "decided_by", "decided_at")


def _write(demo: _Demo) -> None:
    """The ordinary past leaves kept so far with their approved chains, in bulk, ids given."""
    leave_id, chain_id = bulk.next_id(LeaveRequest), bulk.next_id(ApprovalChain)
    leaves, chains, steps = [], [], []
    for person, data, ((days, counting, applied, filer, created, back, clerk), signed) in demo.written:
        leaves.append((leave_id, person.id, person.town_id, person.village_id, data["category"], data["other_kind"],
                       data["start_on"].isoformat(), data["end_on"].isoformat(), days, counting, data["reason"],
                       data["phone"], applied.isoformat(), "approved", back.isoformat(), clerk, filer, created))
        chains.append((chain_id, service.KIND, "LeaveRequest", leave_id, person.id, person.town_id, "approved", filer,
                       created, signed[-1][-1]))
        steps += [(chain_id, *step) for step in signed]
        leave_id += 1
        chain_id += 1
    bulk.insert(LeaveRequest, LEAVE_COLUMNS, leaves)
    bulk.insert(ApprovalChain, CHAIN_COLUMNS, chains)
    bulk.insert(ApprovalStep, STEP_COLUMNS, steps)
    bulk.sync_ids(LeaveRequest)
    bulk.sync_ids(ApprovalChain)
    demo.written.clear()


def _lived(demo: _Demo, person: Person, data: dict[str, Any], story: str) -> None:
    """A leave worth showing, through the real services on the days it happened."""
    rng, today = demo.rng, demo.today
    start, end = data["start_on"], data["end_on"]
    filer, clerk = demo.filer(person), demo.ops[("town_clerk", person.town_id)]
    if story.startswith("oral"):
        with clock.frozen(demo.at(start, 8)):
            leave = service.report_oral(clerk, person, {**data, "oral_reporter": person.name + "之母",
                                                        "oral_by_relative": True})
        if story == "oral_open":
            return
        decided = end + dt.timedelta(days=3)
        if decided >= today:
            return  # not back long enough to have completed the slip (补办): it is still missing
        with clock.frozen(demo.at(decided, 9)):
            service.complete_slip(filer, leave.id, {"reason": data["reason"], "phone": person.phone})
    else:  # filed a few days ahead — a leave still to come was filed by today at the latest
        decided = min(start - dt.timedelta(days=rng.randint(1, 5)), today - dt.timedelta(days=rng.randint(0, 6)))
        with clock.frozen(demo.at(decided, 9)):
            leave = service.apply(filer, person, {**data, "applied_on": decided})
    if story == "live" and decided >= today - dt.timedelta(days=1):
        return  # still waiting: the demo's approval queues are not empty
    _decide(demo, leave.id, refuse=story == "reject", day=decided)
    if LeaveRequest.get_by_id(leave.id).state != "approved":
        return
    if story == "extend" and end < today:
        with clock.frozen(demo.at(end, 10)):
            ext = service.extend(filer, leave.id, {"end_on": end + dt.timedelta(days=2), "reason": "病情未愈，续假"})
        _decide(demo, ext.id, refuse=False, day=end)
        end = end + dt.timedelta(days=2)
    back = service.next_working_day(person.town_id, end)
    if story != "overdue" and back is not None and back <= today:  # a leave still to come is not returned
        with clock.frozen(demo.at(back, 8)):
            service.record_return(clerk, leave.id, back)


def _decide(demo: _Demo, leave_id: int, *, refuse: bool, day: dt.date) -> None:
    """Each step decides on ``day``, as the role's operator; a refusing town head says why."""
    leave = LeaveRequest.get_by_id(leave_id)
    for hour in (10, 14, 16):
        step = approvals.current_step(service.chain_of(leave))
        if step is None:
            return
        op = demo.city_op if step.role == "city_office" else demo.ops.get((step.role, step.unit_id))
        no = refuse and step.role == "town_head"
        with clock.frozen(demo.at(day, hour)):
            approvals.decide(op, service.chain_of(leave), not no,
                             demo.rng.choice(REFUSALS) if no else demo.rng.choice(OPINIONS))
