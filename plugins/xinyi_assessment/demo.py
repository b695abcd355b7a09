"""Demo: a full annual assessment of the previous year for the demo city, and last month's routine results.

Everything goes through the service, acting as the demo's own operators with
the clock set to the days the real round would happen on (scoring in
mid-December, grading and opinions in January); only ``rng`` chooses. Most
towns have sent their package; the last two have not (one graded, one still
scoring), so the city view and the overdue alert have something to show. A
step whose day is still to come (a demo built in early January) is not taken.
"""
from __future__ import annotations

import datetime as dt
import random

from xinyi_core import Operator, OrgUnit, approvals, clock, org

from . import rules, service
from .models import Assessment
from .service import monthly

REASONS = {  # (item, deduction key) → reasons an assessor writes
    (7, "accuracy"): ("抽查准确率97%", "抽查准确率98%"),
    (9, "ledger_error"): ("就业台账缺登记", "失业登记台账错登"),
    (10, "late_card"): ("《就业创业证》逾期办理",),
    (17, "missed"): ("资格认证漏查1人",),
    (20, "entry"): ("参保登记缺联系电话",),
    (23, "late"): ("补卡未及时办理",),
}
SUMMARY = ("德：拥护党的路线方针政策，遵纪守法。能：熟悉就业社保业务。勤：按时到岗，全年出勤良好。"
           "绩：完成入户调查、信息维护等各项任务。廉：廉洁自律，不谋私利。")
WORK = ("按时完成入户调查", "完成信息维护和台账更新", "协助完成社保卡发放", "完成城乡居民养老保险认证")


def _op(username: str) -> Operator | None:
    return Operator.get_or_none(Operator.username == username)


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0))


def build(city: OrgUnit, rng: random.Random) -> None:
    now = clock.now()
    today, year = now.date(), now.year - 1
    office, bureau = _op("city"), _op("bureau")
    towns = [t for t in org.towns().order_by(OrgUnit.code) if _op(f"{t.code}_clerk") and _op(f"{t.code}_head")]
    for i, town in enumerate(towns):
        stage = "submitted" if i < len(towns) - 2 else ("graded" if i == len(towns) - 2 else "scoring")
        _annual(town, year, stage, rng, office, bureau, now)
        _monthly(town, today, rng)


def _annual(town: OrgUnit, year: int, stage: str, rng: random.Random, office: Operator | None,
            bureau: Operator | None, now: dt.datetime) -> None:
    clerk, head = _op(f"{town.code}_clerk"), _op(f"{town.code}_head")
    sch = service.scheme_for(town.code)
    with clock.frozen(_at(dt.date(year, 12, 18))):
        sheets = service.open_round(clerk, town, year)
        for a in sheets:
            for _ in range(rng.choice((0, 1, 1, 2, 3))):
                (item, key), reasons = rng.choice(list(REASONS.items()))
                service.deduct(clerk, a.id, item, key, rng.choice((1, 1, 2)), rng.choice(reasons))
            if rng.random() < 0.7:
                service.set_summary(clerk, a.id, SUMMARY)
        if sheets and rng.random() < 0.5:  # now and then a year fails
            a = rng.choice(sheets)
            code = rng.choice(service.veto_codes(sch))
            service.add_veto(clerk, a.id, code, "全年累计旷工6天（考勤记录）" if code == service.ATT5
                             else "经查实违反作风建设规定")
    graded = _at(dt.date(year + 1, 1, 8))
    if stage == "scoring" or not sheets or graded > now:
        return
    with clock.frozen(graded):
        ranked, cap, _ = service.panel(head, town, year)
        grades = rules.proposed_grades(ranked, cap)
        explanations = {pid: "一票否决或全年旷工五天以上，经镇考核小组评定为不合格" for pid, g in grades.items()
                        if g == "fail"}
        service.assign_grades(head, town, year, grades, explanations)
        chains = [service.start_registration(clerk, a.id) for a in Assessment.select().where(
            (Assessment.town == town) & (Assessment.year == year))]
    if stage != "submitted":
        return
    submitted = _at(dt.date(year + 1, 1, rng.randint(12, 16)))
    if submitted > now:
        return
    with clock.frozen(submitted):
        for chain in chains:
            for op in (head, office, bureau):
                if op is not None:
                    approvals.decide(op, chain, True, "同意")
        service.submit_package(head, town, year)


def _monthly(town: OrgUnit, today: dt.date, rng: random.Random) -> None:
    """Last month's routine results, reviewed by the town clerk on the last working days."""
    clerk = _op(f"{town.code}_clerk")
    period = monthly.last_period(today)
    with clock.frozen(_at(today.replace(day=1) - dt.timedelta(days=1), 16)):
        for p in monthly.on_roll(town, period):
            result = rng.choices(monthly.RESULTS, (6, 3, 1))[0]
            # no note: the clerk confirms the attendance counts as they are (ASM-2, xinyi_month_facts)
            monthly.review(clerk, p.id, period, attendance="", work=rng.choice(WORK), result=result)
