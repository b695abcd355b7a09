"""The demo city (Xinyi's 16 towns/streets, ~300 villages, ~500 assistants; ``--assistants`` more): for a plugin's ``xinyi_demo_data``, :func:`history_start` — the first day of daily records.

Everything is drawn from one seeded :class:`random.Random`, so the same seed
gives the same city. Plugins add their records through ``xinyi_demo_data``.
"""
from __future__ import annotations

import datetime as dt
import logging
import math
import random
from dataclasses import dataclass, field

from . import auth, bulk, clock, org, people, validators
from .db import database
from .i18n import t
from .models import OrgUnit, Operator, Person, Post, PostAssignment
from .state import runtime

DEMO_PASSWORD = "xinyi123"
DEMO_TOWN = "xinan"  # the town the README walks through: three of its assistants can log in
ASSISTANT_ACCOUNTS = 3  # in the demo town; one in every other town
TOWNS = [  # (code, name) — Xinyi's towns and streets
    ("xinan", "新安街道"), ("beigou", "北沟街道"), ("mohe", "墨河街道"), ("tangdian", "唐店街道"),
    ("wayao", "瓦窑镇"), ("ganghou", "港头镇"), ("hegou", "合沟镇"), ("caoqiao", "草桥镇"),
    ("yaowan", "窑湾镇"), ("qipan", "棋盘镇"), ("malingshan", "马陵山镇"), ("xindian", "新店镇"),
    ("shaodian", "邵店镇"), ("shiji", "时集镇"), ("gaoliu", "高流镇"), ("ahu", "阿湖镇"),
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉海燕鹏飞宇晨浩然欣怡佳琪子涵雨轩梓萱思远志国"
VILLAGE_STEMS = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许沈彭吕苏卢蒋蔡丁魏薛叶"
VILLAGE_SUFFIXES = ("庄", "集", "圩", "湖", "楼", "营", "河", "岭", "桥", "店", "墩", "沟", "洼", "埠", "岗")
log = logging.getLogger(__name__)
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
                   "157", "158", "159", "177", "180", "181", "182", "183", "187", "188", "189", "199")


# Daily records (a work-log entry and an attendance day per assistant per working day) are most
# of a demo city: 5 million of each for a year at 20,000 assistants, more than ``xinyi demo`` can
# write in two minutes on a small machine. Up to FULL_HISTORY assistants the demo keeps a year of
# them; above, the same number of person-days (at least three months, so last month's checks,
# reports and monthly results have their month). Leave, training and the rest keep their year.
FULL_HISTORY = 5_000
MIN_HISTORY_DAYS = 92
_history = {"days": 365}  # of the build in progress, read by the plugins through history_start()


def history_days(assistants: int) -> int:
    """Days of daily records before today in a demo city of ``assistants``."""
    if assistants <= FULL_HISTORY:
        return 365
    return max(MIN_HISTORY_DAYS, 365 * FULL_HISTORY // assistants)


def history_start(today: dt.date) -> dt.date:
    """The first day a plugin's ``xinyi_demo_data`` writes daily records for (work log, attendance):
    a year before ``today``, less in a city of more than :data:`FULL_HISTORY` assistants."""
    return today - dt.timedelta(days=_history["days"])


@dataclass
class DemoSummary:
    towns: int
    villages: int
    posts: int
    assistants: int
    operators: list[tuple[str, str, str]]  # username, role, scope name
    warnings: list[str] = field(default_factory=list)  # plugins whose demo data failed


def fake_id_number(rng: random.Random, region: str, birth: dt.date, male: bool) -> str:
    seq = rng.randrange(0, 100) * 10 + rng.choice((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + validators.id_check_digit(first17)


def fake_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _villages_for(rng: random.Random, town_name: str, n: int) -> list[str]:
    """``n`` distinct village names. Stems and suffixes make ~650 names; a town with more
    villages (a province-size demo) numbers them: 王庄二村, 王庄三村 …"""
    kind = "社区" if town_name.endswith("街道") else "村"
    capacity = len(set(VILLAGE_STEMS)) * len(set(VILLAGE_SUFFIXES))
    names: set[str] = set()
    while len(names) < min(n, capacity):
        names.add(rng.choice(VILLAGE_STEMS) + rng.choice(VILLAGE_SUFFIXES) + kind)
    base = sorted(names)
    ordinal = 2
    while len(names) < n:
        number = "一二三四五六七八九十"[ordinal - 1] if ordinal <= 10 else str(ordinal)
        names.update(name[:-len(kind)] + number + kind for name in base[:n - len(names)])
        ordinal += 1
    return sorted(names)


def build(seed: int = 7, assistants: int = 500, villages: int = 300, progress=None) -> DemoSummary:
    """Create the demo city in the current (empty) database."""
    rng = random.Random(seed)
    cfg = runtime().config
    password_hash = auth.hash_password(DEMO_PASSWORD)  # one hash: the demo's accounts share a password
    today = clock.today()
    used_ids: set[str] = set()
    operators: list[tuple[str, str, str]] = []

    def operator(username: str, name: str, role: str, scope: OrgUnit, person: Person | None = None) -> None:
        Operator.create(username=username, display_name=name, role=role, scope=scope, person=person,
                        password_hash=password_hash)
        operators.append((username, role, scope.name))

    with database.atomic():
        city = org.add_unit("city", cfg.city_code, cfg.city_name)
        operator("admin", "系统管理员", "admin", city)
        operator("bureau", "市人社局" + fake_name(rng), "bureau", city)
        operator("city", "市就业处" + fake_name(rng), "city_office", city)
        # Exactly the numbers asked for (at least one village per town): villages spread evenly,
        # one post per village, then more posts until every assistant has one plus ~5% vacant.
        n_villages = max(villages, len(TOWNS))
        per_town = [n_villages // len(TOWNS) + (i < n_villages % len(TOWNS)) for i in range(len(TOWNS))]
        rng.shuffle(per_town)
        # Towns, villages, posts, people and their post history are written in bulk with their ids given
        # (xinyi_core.bulk): a province-size demo has tens of thousands of each. Ids and random draws
        # come in the order of one unit made at a time, so a seed gives the same city as before.
        now = str(clock.now())
        unit_id = bulk.next_id(OrgUnit)
        unit_rows = []
        villages_of: list[tuple[int, int]] = []  # (village id, town id)
        town_ids: list[int] = []
        names: dict[int, tuple[str, str, str | None]] = {}  # town id → clerk's, head's, first village head's
        first_village: dict[int, int] = {}  # town id → its first village (whose head has an account)
        for (code, name), count in zip(TOWNS, per_town):
            town_id, town_path = unit_id, f"{city.path}{unit_id}/"
            unit_rows.append((town_id, "town", code, name, city.id, town_path))
            town_ids.append(town_id)
            unit_id += 1
            clerk, head = fake_name(rng), fake_name(rng)
            v1_head = None
            for i, vname in enumerate(_villages_for(rng, name, count)):
                unit_rows.append((unit_id, "village", f"{code}-{i + 1:03d}", vname, town_id, f"{town_path}{unit_id}/"))
                villages_of.append((unit_id, town_id))
                if i == 0:
                    v1_head = fake_name(rng)
                    first_village[town_id] = unit_id
                unit_id += 1
            names[town_id] = (clerk, head, v1_head)
        bulk.insert(OrgUnit, ("id", "kind", "code", "name", "parent", "path"), unit_rows)
        bulk.sync_ids(OrgUnit)
        units = {u.id: u for u in OrgUnit.select().where(OrgUnit.id.in_(town_ids + list(first_village.values())))}
        town_units = [units[i] for i in town_ids]
        for (code, _), town in zip(TOWNS, town_units):
            clerk, head, v1_head = names[town.id]
            operator(f"{code}_clerk", clerk, "town_clerk", town)
            operator(f"{code}_head", head, "town_head", town)
            if v1_head is not None:
                operator(f"{code}_v1_head", v1_head, "village_head", units[first_village[town.id]])
        n_posts = max(len(villages_of), math.ceil(assistants * 1.05))
        post_villages = villages_of + [rng.choice(villages_of) for _ in range(n_posts - len(villages_of))]
        first_post = bulk.next_id(Post)
        posts = [(first_post + k, village, town) for k, (village, town) in enumerate(post_villages)]
        rng.shuffle(posts)
        filled = posts[:assistants]
        vacant = posts[assistants:]
        staff: dict[int, list[tuple[int, str, int]]] = {}  # town id → its assistants as hired: (id, name, village)
        person_rows, assignment_rows = [], []
        person_id = bulk.next_id(Person)
        spelled: dict[str, str] = {}
        for k, (post_id, village, town) in enumerate(filled):
            male = rng.random() < 0.45
            birth = dt.date(rng.randint(1968, 2000), rng.randint(1, 12), rng.randint(1, 28))
            number = fake_id_number(rng, cfg.city_code, birth, male)
            while number in used_ids:
                number = fake_id_number(rng, cfg.city_code, birth, male)
            used_ids.add(number)
            joined = dt.date(rng.randint(2012, today.year - 1), rng.randint(1, 12), rng.randint(1, 28))
            name = fake_name(rng)
            if name not in spelled:
                spelled[name] = people.initials(name)
            person_rows.append((
                person_id, name, spelled[name], "M" if male else "F", birth.isoformat(), number,
                rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}",
                rng.choices(("party_member", "league_member", "masses"), (4, 2, 5))[0],
                rng.choices(("bachelor", "college", "high_school"), (5, 4, 1))[0],
                joined.isoformat(), "on_duty", town, village, post_id, now, now))
            assignment_rows.append((person_id, post_id, joined.isoformat(), "hire", None))
            staff.setdefault(town, []).append((person_id, name, village))
            person_id += 1
            if progress:
                progress(k + 1, len(filled))
        bulk.insert(Post, ("id", "village", "title", "vacant_since", "created_at"),
                    [(post_id, village, "协理员", None, now) for post_id, village, _ in filled]
                    + [(post_id, village, "协理员", str(today - dt.timedelta(days=rng.randint(10, 400))), now)
                       for post_id, village, _ in vacant])
        bulk.sync_ids(Post)
        bulk.insert(Person, ("id", "name", "name_initials", "sex", "birth_date", "id_number", "phone",
                             "political_status", "education", "joined_on", "status", "town", "village", "post",
                             "created_at", "updated_at"), person_rows)
        bulk.sync_ids(Person)
        bulk.insert(PostAssignment, ("person", "post", "start_on", "reason", "operator_id"), assignment_rows)
        # Some assistants log in themselves (their own log, leave, training): three in the demo town,
        # one in every other — those of the town's first village first, whose head has an account too,
        # so her leave can be approved step by step (village head → town head → city).
        for (code, _), town in zip(TOWNS, town_units):
            own = sorted(staff.get(town.id, []), key=lambda person: person[2] != first_village.get(town.id))
            for n, (pid, name, village) in enumerate(own[:ASSISTANT_ACCOUNTS if code == DEMO_TOWN else 1], start=1):
                operator(f"{code}_zl{n}", name, "assistant", OrgUnit.get_by_id(village), Person.get_by_id(pid))

    _history["days"] = history_days(assistants)
    try:
        warnings = _plugin_demo_data(city, rng)
    finally:
        _history["days"] = 365
    return DemoSummary(len(town_units), OrgUnit.select().where(OrgUnit.kind == "village").count(),
                       Post.select().count(), Person.select().count(), operators, warnings)


def _plugin_demo_data(city: OrgUnit, rng: random.Random) -> list[str]:
    """Each plugin adds its demo records in its own transaction; one that fails is rolled back
    and named, and the demo city stands without it (a broken plugin must not take the app down)."""
    warnings = []
    # pluggy's call order (last registered first, tryfirst/trylast honoured): a plugin whose demo
    # reads what other plugins made runs after them (see the xinyi_demo_data hookspec).
    for impl in reversed(runtime().plugins.hook.xinyi_demo_data.get_hookimpls()):
        try:
            with database.atomic():
                impl.function(**{k: {"city": city, "rng": rng}[k] for k in impl.argnames})
        except Exception as exc:
            log.info("plugin %s failed in xinyi_demo_data", impl.plugin_name, exc_info=True)
            warnings.append(t("plugins.demo_failed", name=impl.plugin_name, error=f"{type(exc).__name__}: {exc}"))
    return warnings


def is_empty() -> bool:
    return not OrgUnit.select().exists()

