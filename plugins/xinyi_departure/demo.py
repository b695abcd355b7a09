"""Demo departures: one in every state a town office meets, and an ATT-6 proposal to confirm.

Everything goes through the service (so the chain, audit trail, vacancy and
``xinyi_person_changed`` are real), acting as the demo's own operators on
past days with the clock fixed; only ``rng`` chooses.
"""
from __future__ import annotations

import datetime as dt
import random

from xinyi_core import OffPostAlert, OrgUnit, Operator, Person, alerts, clock, date_zh, org, t

from . import service
from .service import handover

REASONS = ("家庭原因，需照顾老人", "考取事业单位", "随配偶迁居外地", "身体原因无法坚持工作")
REQUESTS = ("请出具离职证明", "请协助办理社保关系转移", "")
RECEIVERS = ("王主任", "李站长", "张会计", "刘书记")


def _op(username: str) -> Operator | None:
    return Operator.get_or_none(Operator.username == username)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0))


def build(city: OrgUnit, rng: random.Random) -> None:
    """A departed, an approved, a pending, a rejected report and one proposal (in towns that have the
    village-head demo account, so every step can be decided)."""
    today = clock.today()
    towns = [t for t in org.towns() if _op(f"{t.code}_v1_head") is not None]
    rng.shuffle(towns)
    plans = iter(("departed", "approved", "pending", "rejected", "proposed"))
    for town in towns:
        village = OrgUnit.get(OrgUnit.code == f"{town.code}-001")
        candidates = list(Person.select().where((Person.village == village) & (Person.status == "on_duty"))
                          .order_by(Person.id))
        if not candidates:
            continue
        plan = next(plans, None)
        if plan is None:
            break
        person = rng.choice(candidates)
        if plan == "proposed":
            _proposal(person, rng, today)
            continue
        _report(plan, town, person, rng, today)
    service.apply_due(today)


def _report(plan: str, town: OrgUnit, person: Person, rng: random.Random, today: dt.date) -> None:
    clerk, head, vhead, office = (_op(f"{town.code}_clerk"), _op(f"{town.code}_head"),
                                  _op(f"{town.code}_v1_head"), _op("city"))
    planned = today + dt.timedelta(days=rng.randint(-40, -20) if plan == "departed" else rng.randint(10, 25))
    filed = min(today, planned) - dt.timedelta(days=rng.randint(8, 15))
    with clock.frozen(_at(filed, 9)):
        dep = service.report(clerk, person.id, {
            "category": rng.choice(("resigned", "ended", "other")), "planned_on": planned,
            "reason": rng.choice(REASONS), "requests": rng.choice(REQUESTS)})
    steps = [(vhead, True, "情况属实，同意"), (head, plan != "rejected", "同意上报" if plan != "rejected"
                                             else "该村暂无人接替，请做好工作后缓办"), (office, True, "同意离职")]
    if plan == "pending":
        steps = steps[:1]
    for day, (op, approve, opinion) in enumerate(steps, start=1):
        with clock.frozen(_at(filed + dt.timedelta(days=day), 10)):
            dep = service.decide(op, dep.id, approve, opinion)
        if dep.state != "pending":
            break
    if plan in ("departed", "approved"):
        with clock.frozen(_at(filed + dt.timedelta(days=5), 15)):
            items = service.handover_items(dep)
            for item in items if plan == "departed" else items[:1]:
                handover.confirm_item(clerk, item.id, rng.choice(RECEIVERS))


def _proposal(person: Person, rng: random.Random, today: dt.date) -> None:
    """The ATT-6 alert as attendance raises it; departure turns it into a proposal through the hook."""
    days = rng.randint(8, 12)
    start, end = today - dt.timedelta(days=days + 2), today - dt.timedelta(days=3)
    alerts.raise_alert(OffPostAlert.SOURCE, OffPostAlert.KIND, f"demo:off_post:{person.id}:{start}",
                       t("departure.demo.off_post", name=person.name, start=date_zh(start, year=False, pad=True), days=days),
                       audience=("town_head", "city_office"), rule=OffPostAlert.RULE, person=person,
                       data=OffPostAlert(days=days, start=start, end=end))
