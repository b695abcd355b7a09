"""Demo data: a year of Chinese work logs for the demo city, with gaps for some assistants.

About 500 assistants × 245 working days ≈ 120,000 entries (5 million at
20,000 assistants), so rows are tuples made from texts written once, streamed
to the database in chunks (:mod:`xinyi_core.bulk`) inside one transaction. Most assistants log every working day; some are
sloppy (a few missed days, thin entries) and a few miss whole weeks — the
monthly checks, the home-screen to-dos and item 4 have something to find.
Past months are checked by the towns (the previous month only in some towns,
so its check is still a to-do), and the city has made one spot check. Nothing
is dated after the moment the demo is built.
"""
from __future__ import annotations

import datetime as dt
import random
from typing import Any, Iterator

from xinyi_core import OrgUnit, Operator, Person, database
from xinyi_core import bulk, calendar, clock
from xinyi_core.demo import history_start

from . import rules
from .models import Consultation, LogEntry, MonthlyCheck, RegisterItem, SpotCheck, SpotCheckItem
from .service import duties, setting

N = "一二三四五六七八"
TASKS = {  # duty index → (task, progress templates)
    0: ("政策宣传", ["在村服务大厅发放就业创业政策宣传单{n}份，解答群众咨询", "利用村广播宣传城乡居民养老保险缴费政策",
                 "在村微信群转发灵活就业人员参保政策并解答疑问{n}人次"]),
    1: ("人力资源信息采集", ["入户走访{n}户，更新劳动力资源信息{n}条", "核对村劳动力台账，补录外出务工人员信息{n}条",
                     "走访就业困难高校毕业生{n}人，登记求职意向"]),
    2: ("企业用工调查", ["走访{company}，了解缺工岗位{n}个并登记", "电话回访辖区企业{n}家，更新用工需求台账"]),
    3: ("就业失业登记", ["为{n}名群众办理失业登记并在就业创业证上记载", "办理就业登记{n}人，资料已上报镇中心"]),
    4: ("就业信息发布", ["在公示栏张贴招聘信息{n}条，推荐{n}人到{company}面试", "为求职群众提供职业指导{n}人次"]),
    5: ("培训信息发布", ["发布创业培训报名通知，登记报名{n}人", "动员{n}名村民参加育婴员技能培训"]),
    6: ("创业担保贷款", ["受理创业担保贷款申请{n}份，完成资料初审", "协助镇中心催收逾期创业贷款，走访借款人{n}户"]),
    7: ("就业困难人员帮扶", ["上门走访就业困难人员{n}户，落实帮扶措施", "推荐就业困难人员{n}人到公益性岗位"]),
    8: ("城乡居民养老保险", ["办理城乡居民养老保险参保登记{n}人", "完成待遇领取资格认证{n}人，告知领取手续",
                      "受理丧葬费申领{n}件，资料已报镇中心"]),
    9: ("社会保障卡", ["采集社保卡照片和参保信息{n}人", "发放社会保障卡{n}张，办理挂失{n}张"]),
    10: ("全民参保登记", ["入户核查全民参保登记信息{n}户", "对未参保人员{n}人逐一登记并动员参保"]),
    11: ("被征地农民社保", ["核对被征地农民名单{n}人，协助办理社保手续"]),
    12: ("窗口服务建设", ["整理服务大厅台账资料，检查专网和设备运行正常", "更新服务窗口办事指南，打扫服务场所"]),
    13: ("问题反馈", ["向镇中心反映群众养老金到账延迟问题", "上报系统登录异常问题，已由镇中心联系处理"]),
    14: ("镇中心交办工作", ["完成镇中心交办的数据统计报表", "参加镇中心组织的业务例会并传达会议精神"]),
}
THIN = ["走访", "办理业务", "日常工作", "值班", "整理资料"]
PROBLEMS = ["部分群众对政策理解有偏差", "外出务工人员联系不上", "系统网络较慢", "企业不愿提供用工数据", "资料不全无法办理"]
SOLUTIONS = ["耐心解释并发放宣传资料", "通过亲属电话联系，约定再次上门", "已向镇中心报告", "多次上门沟通",
             "告知所需材料，约定补齐后办理"]
COMPANIES = ["新沂市恒达纺织有限公司", "新沂市华源食品有限公司", "新沂市宏远机械厂", "新沂市锦程玻璃制品有限公司"]
QUESTIONS = [("灵活就业人员怎样参加养老保险", "可按年选择缴费档次，在村服务点或手机上办理"),
             ("失业登记需要带什么材料", "身份证和解除劳动合同证明，到村服务点即可办理"),
             ("城乡居民养老金什么时候发放", "每月下旬发放到社保卡，可在手机上查询"),
             ("社保卡丢了怎么补办", "先电话挂失，再到社保卡经办点补卡"),
             ("创业担保贷款需要什么条件", "符合条件的创业人员可申请，需提供营业执照和身份证明")]
MATTERS = [("citizen", "咨询养老保险补缴政策"), ("citizen", "办理社保卡挂失"), ("citizen", "询问失业金申领"),
           ("employer", "登记招工需求"), ("citizen", "反映养老金未到账"), ("employer", "咨询稳岗补贴")]


def _profiles(rng: random.Random, people: list[Any]) -> dict[int, tuple[float, float, set[int]]]:
    """Person id → (chance of a missed day, chance of a thin entry, ISO weeks missed entirely)."""
    out = {}
    for p in people:
        roll = rng.random()
        if roll < 0.80:
            out[p.id] = (0.005, 0.01, set())
        elif roll < 0.93:
            out[p.id] = (0.06, 0.15, set())
        else:
            out[p.id] = (0.08, 0.2, {rng.randint(1, 52) for _ in range(rng.randint(1, 3))})
    return out


def _texts(names: list[str], min_chars: int) -> list[tuple[str, str, list[str], list[tuple[str, bool]]]]:
    """Per duty index: (category, task, its progress templates, every text they make with whether it is
    thin), written once: the text of template ``i`` with ``N[n]`` and ``COMPANIES[c]`` is at
    ``(i * len(N) + n) * len(COMPANIES) + c``."""
    out = []
    for k, name in enumerate(names):
        task, progress = TASKS.get(k, TASKS[14])
        texts = [template.format(n=n, company=company) for template in progress for n in N for company in COMPANIES]
        out.append((name, task, progress, [(text, rules.is_thin(text, min_chars)) for text in texts]))
    return out


class _Day:
    """A working day as the rows store it, computed once per town (not once per person)."""

    __slots__ = ("date", "iso", "period", "week", "stamps")

    def __init__(self, day: dt.date) -> None:
        self.date, self.iso, self.period, self.week = day, day.isoformat(), rules.period_of(day), day.isocalendar()[1]
        self.stamps = [f"{self.iso} 17:{m:02d}:00" for m in range(41)]  # entries are saved 17:00–17:40


ENTRY_COLUMNS = ("id", "person", "town", "day", "category", "task", "progress", "problems", "solutions", "state",
                 "created_at", "updated_at")


def build(city: OrgUnit, rng: random.Random) -> None:
    """Write the demo year (only dates the national calendar covers).

    A city of 20,000 assistants has millions of entries: they are made as tuples from
    texts written once and streamed to the database in chunks, ids given (their
    consultations follow), never held all at once. The random draws are those of
    one entry made at a time (``rng.choice``, ``rng.randint``), so a seed gives
    the same city as before.
    """
    today = clock.today()
    start, end = history_start(today), today - dt.timedelta(days=1)  # a year (less in a province-size city)
    while not calendar.covered(start.year):
        start = dt.date(start.year + 1, 1, 1)
    if start > end or not calendar.covered(end.year):
        return
    people = list(Person.select().where(Person.status == "on_duty").order_by(Person.id))
    working = calendar.working_days_by_town({p.town_id for p in people}, start, end)
    days = {t: [_Day(d) for d in ds] for t, ds in working.items()}
    names = duties()
    min_chars = int(setting("thin_min_chars"))
    texts = _texts(names, min_chars)
    thin_texts = [(text, rules.is_thin(text, min_chars)) for text in THIN]
    profiles = _profiles(rng, people)
    missing: dict[tuple[int, str], list[str]] = {}
    thin_count: dict[tuple[int, str], int] = {}
    publicity = bytearray()  # per entry, in id order: is it a publicity-and-consultation entry
    first_id = bulk.next_id(LogEntry)

    def entries():
        r, below = rng.random, rng._randbelow  # what rng.choice / rng.randint draw with
        entry_id = first_id
        n_texts, n_n, n_c = len(texts), len(N), len(COMPANIES)
        for p in people:
            gap, thin, weeks = profiles[p.id]
            joined = p.joined_on
            person_id, town_id = p.id, p.town_id
            for day in days[town_id]:
                if joined and day.date < joined:
                    continue
                if (weeks and day.week in weeks) or r() < gap:
                    missing.setdefault((person_id, day.period), []).append(day.iso)
                    continue
                is_thin = r() < thin
                k = below(n_texts)
                category, task, progress, made = texts[k]
                if is_thin:
                    text, short = thin_texts[below(len(THIN))]
                else:
                    i = below(len(progress))
                    n = below(n_n)
                    text, short = made[(i * n_n + n) * n_c + below(n_c)]
                if short:
                    key = (person_id, day.period)
                    thin_count[key] = thin_count.get(key, 0) + 1
                trouble = r() < 0.2
                at = day.stamps[below(41)]
                if trouble:
                    problem = PROBLEMS[below(len(PROBLEMS))]
                    solution = SOLUTIONS[below(len(SOLUTIONS))]
                else:
                    problem = solution = ""
                publicity.append(k == 0)
                yield (entry_id, person_id, town_id, day.iso, category, task, text, problem, solution, "submitted",
                       at, at)
                entry_id += 1

    with database.atomic(), bulk.big_cache(), bulk.indexes_after(LogEntry, Consultation):
        bulk.insert(LogEntry, ENTRY_COLUMNS, entries())
        bulk.sync_ids(LogEntry)
        bulk.insert(Consultation, ("entry", "served", "question", "answer"), _consultations(rng, first_id, publicity))
        open_by = _register(rng, people, start, end)
        _checks(rng, people, working, missing, thin_count, open_by, today)
        _spot_check(rng, people, today)


def _consultations(rng: random.Random, first_id: int, publicity: bytearray) -> Iterator[tuple[Any, ...]]:
    """Policy consultations on the publicity-and-consultation entries (and a few others)."""
    for i, flag in enumerate(publicity):
        if flag or rng.random() < 0.05:
            question, answer = rng.choice(QUESTIONS)
            served = rng.choice("王李张刘陈杨赵黄周吴") + rng.choice(("某", "大爷", "大姐", "师傅"))
            yield (first_id + i, served, question, answer)


REGISTER_COLUMNS = ("person", "town", "at", "channel", "party_kind", "party", "matter", "handling", "referred",
                    "state", "closed_at")


def _register(rng: random.Random, people: list[Any], start: dt.date, end: dt.date) -> dict[int, list[dt.datetime]]:
    """About three visits/calls a month each; a few recent ones still open. Returns open times per person."""
    open_by: dict[int, list[dt.datetime]] = {}
    span = (end - start).days

    def rows():
        for p in people:
            for _ in range(rng.randint(24, 48)):
                at = dt.datetime.combine(start + dt.timedelta(days=rng.randrange(span)),
                                         dt.time(rng.randint(8, 16), rng.randint(0, 59)))
                kind, matter = rng.choice(MATTERS)
                still_open = (end - at.date()).days < 40 and rng.random() < 0.3
                party = rng.choice(COMPANIES) if kind == "employer" else rng.choice("王李张刘陈杨赵黄") + "某"
                if still_open:
                    open_by.setdefault(p.id, []).append(at)
                yield (p.id, p.town_id, str(at), rng.choice(("visit", "call")), kind, party, matter,
                       "" if still_open else "当场解答并办理", rng.random() < 0.1, "open" if still_open else "closed",
                       None if still_open else str(at + dt.timedelta(hours=2)))

    bulk.insert(RegisterItem, REGISTER_COLUMNS, rows())
    return open_by


CHECK_COLUMNS = ("person", "town", "period", "working_days", "missing_days", "thin_entries", "open_items",
                 "evidence", "remarks", "checked_by", "checked_at")


def _checks(rng: random.Random, people: list[Any], working: dict[int, list[dt.date]],
            missing: dict[tuple[int, str], list[str]], thin: dict[tuple[int, str], int],
            open_by: dict[int, list[dt.datetime]], today: dt.date) -> None:
    """The towns' checks of past months; some towns have not yet checked the month just ended.

    A check is made a few days into the next month, and never later than now.
    """
    now = clock.now()
    clerks = {op.scope_id: op.id for op in Operator.select().where(Operator.role == "town_clerk")}
    last_month = rules.period_of(today.replace(day=1) - dt.timedelta(days=1))
    late_towns = set(rng.sample(sorted(clerks), k=max(1, len(clerks) // 4)))
    periods = sorted({rules.period_of(d) for days in working.values() for d in days if rules.period_of(d)
                      != rules.period_of(today)})
    per_month: dict[int, dict[str, int]] = {}  # town → period → working days
    for town_id, days in working.items():
        counts = per_month.setdefault(town_id, {})
        for d in days:
            counts[rules.period_of(d)] = counts.get(rules.period_of(d), 0) + 1
    bounds = {period: rules.month_bounds(period) for period in periods}
    evidence = EVIDENCE.db_value

    def rows():
        for p in people:
            if p.town_id not in clerks:
                continue
            for period in periods:
                if period == last_month and p.town_id in late_towns:
                    continue
                first, last = bounds[period]
                if p.joined_on and p.joined_on > last:
                    continue
                gaps = missing.get((p.id, period), [])
                open_items = sum(1 for at in open_by.get(p.id, ()) if at.date() <= last)
                n_thin = thin.get((p.id, period), 0)
                remarks = "记载完整" if not gaps and not n_thin else "请按要求逐日详实记载"
                checked = min(dt.datetime.combine(last + dt.timedelta(days=rng.randint(2, 8)), dt.time(10)), now)
                yield (p.id, p.town_id, period, per_month.get(p.town_id, {}).get(period, 0), len(gaps), n_thin,
                       open_items, evidence({"missing": gaps, "thin": [], "open": [], "excused": []}), remarks,
                       clerks[p.town_id], str(checked))

    bulk.insert(MonthlyCheck, CHECK_COLUMNS, rows())


EVIDENCE = MonthlyCheck.evidence


def _spot_check(rng: random.Random, people: list[Any], today: dt.date) -> None:
    city_op = Operator.select().where(Operator.role == "city_office").first()
    if city_op is None or not people:
        return
    period = rules.period_of((today.replace(day=1) - dt.timedelta(days=1)).replace(day=1) - dt.timedelta(days=1))
    seed = rng.randrange(10**6)
    picked = rules.pick_for_spot_check([p.id for p in people], 20, seed)
    spot = SpotCheck.create(period=period, mode="random", seed=seed, size=len(picked), town=None, made_by=city_op,
                            made_at=dt.datetime.combine(today - dt.timedelta(days=10), dt.time(9)))
    rows = []
    for i, pid in enumerate(picked):
        reviewed = i < len(picked) * 2 // 3
        problem = reviewed and rng.random() < 0.2
        rows.append({"spot": spot.id, "person": pid, "result": ("problem" if problem else "ok") if reviewed else None,
                     "findings": "部分日志记载过于简单，未写明问题和解决办法" if problem else "",
                     "reviewed_by_id": city_op.id if reviewed else None,
                     "reviewed_at": spot.made_at + dt.timedelta(days=1) if reviewed else None})
    SpotCheckItem.insert_many(rows).execute()
