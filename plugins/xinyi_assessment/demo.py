"""Demo: a full annual assessment of the previous year for the demo city, and last month's routine results.

The demo's own operators act with the clock set to the days the real round
would happen on (scoring in mid-December, grading and opinions in January);
only ``rng`` chooses. The service opens each round (the facts other plugins
publish); what follows — deductions, summaries, grades, opinions, monthly
results — is computed with the plugin's rules and written in bulk, the same
rows and audit rows the service would write one at a time, so a city of
20,000 assistants builds in seconds rather than minutes. Most
towns have sent their package; the last two have not (one graded, one still
scoring), so the city view and the overdue alert have something to show. A
step whose day is still to come (a demo built in early January) is not taken.
"""
from __future__ import annotations

import datetime as dt
import random

from itertools import groupby

from xinyi_core import ApprovalChain, ApprovalStep, Operator, OrgUnit, audit, bulk, clock, facts, org

from . import rules, service
from .models import Assessment, ItemDeduction, MonthlyResult, Veto
from .service import monthly, routine

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
    """The service opens the round (facts from the other plugins, ASM-5); the assessor's entries,
    the panel's grades and the three opinions are written in bulk, the same rows and audit rows
    the service writes one at a time, computed with the plugin's rules."""
    clerk, head = _op(f"{town.code}_clerk"), _op(f"{town.code}_head")
    sch = service.scheme_for(town.code)
    items = {i.no: i for i in sch.items}
    bar = service.thresholds()
    scoring = _at(dt.date(year, 12, 18))
    with clock.frozen(scoring):
        sheets = service.open_round(clerk, town, year)
    if not sheets:
        return
    ids = [a.id for a in sheets]
    points: dict[int, dict[int, list[float]]] = {a.id: {} for a in sheets}
    for a_id, item, p in ItemDeduction.select(ItemDeduction.assessment, ItemDeduction.item, ItemDeduction.points) \
            .where(ItemDeduction.assessment.in_(ids)).tuples():
        points[a_id].setdefault(item, []).append(p)

    def total(a_id: int) -> float:
        return rules.total_score(rules.item_score(i, points[a_id].get(i.no, [])) for i in sch.items)

    deductions, vetoes, log = [], [], []
    for a in sheets:
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            (item_no, key), reasons = rng.choice(list(REASONS.items()))
            units, reason = float(rng.choice((1, 1, 2))), rng.choice(reasons)
            item = items[item_no]
            p = rules.deduction_points(item, item.deduction(key), units)
            before = a.total
            points[a.id].setdefault(item_no, []).append(p)
            a.total = total(a.id)
            deductions.append(dict(assessment=a.id, item=item_no, rule=key, units=units, points=p, reason=reason,
                                   entered_by_id=clerk.id))
            log.append(_audit(clerk, "assessment.deduct", "ItemDeduction", len(deductions) - 1, a.person_id, {"total": before},
                              {"item": item_no, "rule": key, "units": units, "points": p, "total": a.total,
                               "reason": reason}))
        if rng.random() < 0.7:
            log.append(_audit(clerk, "assessment.summary", "Assessment", a.id, a.person_id, {"summary": a.summary},
                              {"summary": SUMMARY}))
            a.summary = SUMMARY
    if rng.random() < 0.5:  # now and then a year fails
        a = rng.choice(sheets)
        code = rng.choice(service.veto_codes(sch))
        reason = "全年累计旷工6天（考勤记录）" if code == service.ATT5 else "经查实违反作风建设规定"
        if not Veto.select().where((Veto.assessment == a.id) & (Veto.code == code)).exists():
            vetoes.append(dict(assessment=a.id, code=code, reason=reason))
        log.append(_audit(clerk, "assessment.veto", "Veto", -1, a.person_id, None, {"code": code, "reason": reason}))
    failed = {a_id for (a_id,) in Veto.select(Veto.assessment).where(Veto.assessment.in_(ids)).tuples()}
    failed |= {v["assessment"] for v in vetoes}
    for a in sheets:  # service.recompute, once per sheet
        a.failed = a.id in failed
        a.earned = rules.grade_for(a.total, bar, failed=a.failed)
        a.updated_at = scoring
    with clock.frozen(scoring):
        _insert(ItemDeduction, deductions)
        _insert(Veto, vetoes)
        # the audit rows name the rows just written (their ids, in the order inserted)
        made = (ItemDeduction.select(ItemDeduction.id).where(ItemDeduction.assessment.in_(ids)
                                                             & (ItemDeduction.source == "assessor"))
                .order_by(ItemDeduction.id).tuples())
        made = [i for (i,) in made]
        for row in log:
            if row["action"] == "assessment.deduct":
                row["object_id"] = made[row["object_id"]]
            elif row["action"] == "assessment.veto":
                row["object_id"] = Veto.get((Veto.assessment.in_(ids)) & (Veto.code == code)).id
        _update(Assessment, sheets, ("total", "failed", "earned", "summary", "updated_at"))
        _trail(log)
    graded = _at(dt.date(year + 1, 1, 8))
    if stage == "scoring" or graded > now:
        return
    with clock.frozen(graded):
        ranked, cap, _ = service.panel(head, town, year)
        grades = rules.proposed_grades(ranked, cap)
        explanations = {pid: "一票否决或全年旷工五天以上，经镇考核小组评定为不合格" for pid, g in grades.items()
                        if g == "fail"}
        # what service.assign_grades checks
        rules.check_panel_grades(ranked, grades, cap, {a.person_id: explanations.get(a.person_id) or a.explanation
                                                       for a in sheets})
        log = []
        routines = routine.routine_years([a.person_id for a in sheets], year)
        for a in sheets:
            before = {"grade": a.grade}
            a.grade = grades[a.person_id]
            if a.person_id in explanations:
                a.explanation = explanations[a.person_id]
            log.append(_audit(head, "assessment.grade", "Assessment", a.id, a.person_id, before,
                              {"grade": a.grade, "explanation": a.explanation,
                               "routine": routines[a.person_id].summary()}))
        _update(Assessment, sheets, ("grade", "explanation"))
        pkg = service.package(town, year)
        pkg.state, pkg.graded_at = "graded", clock.now()
        pkg.save()
        chains = _registrations(clerk, town, sheets, log)
        _trail(log)
    if stage != "submitted":
        return
    submitted = _at(dt.date(year + 1, 1, rng.randint(12, 16)))
    if submitted > now:
        return
    with clock.frozen(submitted):
        _approve_all(chains, [op for op in (head, office, bureau)])
        service.submit_package(head, town, year)


def _audit(op: Operator, action: str, object_type: str, object_id: int | None, person_id: int | None,
           before: dict | None, after: dict | None) -> dict:
    """One audit row as :func:`xinyi_core.audit.record` writes it; :func:`_trail` writes them."""
    return dict(op=op, action=action, object_type=object_type, object_id=object_id, person_id=person_id,
                before=before, after=after)


def _trail(log: list[dict]) -> None:
    """The audit rows, in order, through ``audit.record_many`` (a run of one operator's action at a time)."""
    for (_, action, object_type), run in groupby(log, key=lambda r: (r["op"].id, r["action"], r["object_type"])):
        run = list(run)
        audit.record_many(run[0]["op"], action, object_type,
                          [(r["object_id"], r["person_id"], r["before"], r["after"]) for r in run])


def _insert(model, rows: list[dict], batch: int = 500) -> None:
    for k in range(0, len(rows), batch):
        model.insert_many(rows[k:k + batch]).execute()


def _update(model, objs: list, fields: tuple[str, ...]) -> None:
    """``UPDATE … WHERE id = ?`` for each object (``bulk.update``)."""
    cols = [model._meta.fields[f] for f in fields]
    bulk.update(model, fields, [[c.db_value(getattr(o, c.name)) for c in cols] + [o.id] for o in objs])


def _registrations(clerk: Operator, town: OrgUnit, sheets: list, log: list[dict]) -> list[int]:
    """ASM-6: each sheet's chain of opinions (service.start_registration → approvals.start), in bulk."""
    city = org.city()
    specs = [("town_head", town), ("city_office", city), ("bureau", city)]
    now = clock.now()
    _insert(ApprovalChain, [dict(kind=service.REG_KIND, subject_type="Assessment", subject_id=a.id,
                                 person=a.person_id, town=a.town_id, created_by=clerk.id, created_at=now,
                                 state="pending") for a in sheets])
    chain_of = dict(ApprovalChain.select(ApprovalChain.subject_id, ApprovalChain.id).where(
        (ApprovalChain.kind == service.REG_KIND) & ApprovalChain.subject_id.in_([a.id for a in sheets])).tuples())
    _insert(ApprovalStep, [dict(chain=chain_of[a.id], seq=i, role=role, unit=unit.id)
                           for a in sheets for i, (role, unit) in enumerate(specs)])
    steps = [f"{role}@{unit.code}" for role, unit in specs]
    log.extend(_audit(clerk, "approval.start", "ApprovalChain", chain_of[a.id], a.person_id, None,
                      {"kind": service.REG_KIND, "steps": steps}) for a in sheets)
    return [chain_of[a.id] for a in sheets]


def _approve_all(chains: list[int], ops: list[Operator | None]) -> None:
    """Each step approved 「同意」 by its operator in turn (approvals.decide), in bulk."""
    now = clock.now()
    persons = dict(ApprovalChain.select(ApprovalChain.id, ApprovalChain.person).where(
        ApprovalChain.id.in_(chains)).tuples())
    log = []
    last = max((seq for seq, op in enumerate(ops) if op is not None), default=-1)
    for seq, op in enumerate(ops):
        if op is None:
            continue
        ApprovalStep.update(decision="approved", opinion="同意", decided_by=op.id, decided_at=now).where(
            ApprovalStep.chain.in_(chains) & (ApprovalStep.seq == seq)).execute()
        state = "approved" if seq == len(ops) - 1 else "pending"
        log.extend(_audit(op, "approval.decide", "ApprovalChain", c, persons[c], None,
                          {"step": seq, "decision": "approved", "opinion": "同意", "state": state}) for c in chains)
    if last == len(ops) - 1:
        ApprovalChain.update(state="approved", finished_at=now).where(ApprovalChain.id.in_(chains)).execute()
    _trail(log)


def _monthly(town: OrgUnit, today: dt.date, rng: random.Random) -> None:
    """Last month's routine results, reviewed by the town clerk on the last working days
    (what monthly.review writes for each, in bulk)."""
    clerk = _op(f"{town.code}_clerk")
    period = monthly.last_period(today)
    first, _ = monthly.period_bounds(period)
    with clock.frozen(_at(today.replace(day=1) - dt.timedelta(days=1), 16)):
        now = clock.now()
        rows, log = [], []
        roll = monthly.on_roll(town, period)
        month_facts = facts.month_facts(roll, first.year, first.month)  # the whole roll at once (bulk hooks)
        for p in roll:
            result = rng.choices(monthly.RESULTS, (6, 3, 1))[0]
            # no note: the clerk confirms the attendance counts as they are (ASM-2, xinyi_month_facts)
            counted = monthly.facts_text(month_facts[p.id])
            rows.append(dict(person=p.id, town=p.town_id, period=period, attendance="", work=rng.choice(WORK),
                             result=result, reviewed_by_id=clerk.id, reviewed_at=now))
            log.append((p.id, {"period": period, "result": result, "counted": counted}))
        _insert(MonthlyResult, rows)
        ids = dict(MonthlyResult.select(MonthlyResult.person, MonthlyResult.id).where(
            (MonthlyResult.town == town) & (MonthlyResult.period == period)).tuples())
        _trail([_audit(clerk, "assessment.monthly", "MonthlyResult", ids[pid], pid, None, after)
                           for pid, after in log])
