"""The full annual assessment package (附件1–3) for the demo city and for a province.

    .venv/bin/python benchmarks/assessment_bench.py [--province 20000] [--towns 400] [--skip-province]

Two cities on SQLite, each with the assessment plugin and a stand-in facts
source (a work-log deduction and an attendance record for every assistant,
one in thirty with 5 days of 旷工 — ATT-5):

* demo city: ``xinyi demo`` (500 assistants, 16 towns) minus the plugin demos;
* province: ``--province`` assistants (default 20,000) over ``--towns`` towns,
  inserted in bulk (building it is not timed).

For each it times, town by town, what the annual round does:

* score: ``service.open_round`` (facts gathered through the hook, items pre-filled,
  scores and failed years computed) and ``service.assign_grades`` with the
  proposal under the 20% cap (ASM-3);
* forms data: ``documents.town_data`` — every sheet's values read from the database;
* write: ``documents.write_files`` — 附件1 and 附件2 with a sheet for every assistant and
  附件3 for the town, laid out and saved as .xlsx (openpyxl).

Writing files is shown apart from computing (score + forms data).
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import tempfile
import time
import types
from pathlib import Path

from xinyi_core import (
    AssessmentFact,
    OrgUnit,
    clock,
    db,
    demo,
    hookimpl,
    lifecycle,
    org,
    testing,
)
from xinyi_core.models import Operator, Person, Post

YEAR = 2025
WHEN = dt.datetime(2026, 1, 10, 10, 0)


def facts_module() -> types.ModuleType:
    """Facts shaped like the work-log and attendance plugins' (WORK-2 → 4, ASM-5/ATT-5 → 5)."""
    module = types.ModuleType("bench_facts")
    module.XINYI_API = "1"

    def xinyi_assessment_facts(person, year):
        k = person.id
        out = [AssessmentFact("WORK-2", "工作日志检查", (k % 5) * 0.5, item=4, evidence=("2025-03",)),
               AssessmentFact("ASM-5", "迟到早退", k % 3, item=5)]
        if k % 30 == 0:
            out.append(AssessmentFact("ATT-5", "全年旷工5天", 5, item=5, veto=True, evidence=("2025-06-02",)))
        return out

    module.xinyi_assessment_facts = hookimpl(xinyi_assessment_facts)
    return module


def start(folder: Path) -> None:
    import xinyi_assessment

    cfg = testing.make_config(folder, f"sqlite:///{folder / 'bench.db'}")
    testing.start(cfg, plugin_modules={"assessment": xinyi_assessment, "bench_facts": facts_module()},
                  entry_points=False)


def build_demo(folder: Path) -> None:
    start(folder)
    import xinyi_core.demo as core_demo

    core_demo._plugin_demo_data = lambda city, rng: []  # the round itself is what we time
    demo.build(seed=7)


def build_province(folder: Path, assistants: int, towns: int) -> None:
    """Towns, 10 villages each, the assistants spread evenly; operators per town; bulk inserts."""
    start(folder)
    rng = random.Random(7)
    root = org.add_unit("city", "320000", "某省")
    pw_hash = testing._password_hash()
    Operator.create(username="city", display_name="市就业处", role="city_office", scope=root, password_hash=pw_hash)
    per_town = assistants // towns
    ids = iter(range(10**9))
    with db.database.atomic():
        for t in range(towns):
            town = org.add_unit("town", f"t{t:04d}", f"第{t + 1}镇", root)
            for role in ("town_clerk", "town_head"):
                Operator.create(username=f"t{t:04d}_{role}", display_name=f"{role}{t}", role=role, scope=town,
                                password_hash=pw_hash)
            villages = [org.add_unit("village", f"t{t:04d}-{v:02d}", f"第{t + 1}镇{v + 1}村", town) for v in range(10)]
            n = per_town + (1 if t < assistants % towns else 0)
            posts = [Post.create(village=villages[i % 10]) for i in range(n)]
            rows = []
            for post in posts:
                birth = dt.date(rng.randint(1970, 2000), rng.randint(1, 12), rng.randint(1, 28))
                rows.append(dict(name=f"协理员{next(ids)}", name_initials="xly", sex=rng.choice("MF"),
                                 birth_date=birth, id_number=f"{next(ids):018d}", phone="13900000000",
                                 status="on_duty", town=town, village=post.village_id, post=post,
                                 joined_on=dt.date(2020, 1, 1)))
            for i in range(0, len(rows), 200):
                Person.insert_many(rows[i:i + 200]).execute()


def annual_round(out: Path) -> dict[str, float]:
    """Score, grade and write every town's package; seconds per phase."""
    from xinyi_assessment import documents, rules, service

    spent = {"score": 0.0, "forms data": 0.0, "write": 0.0, "files": 0, "sheets": 0, "towns": 0}
    with clock.frozen(WHEN):
        for town in org.towns().order_by(OrgUnit.code):
            clerk = Operator.get((Operator.scope == town) & (Operator.role == "town_clerk"))
            head = Operator.get((Operator.scope == town) & (Operator.role == "town_head"))
            t0 = time.perf_counter()
            service.open_round(clerk, town, YEAR)
            ranked, cap, _ = service.panel(head, town, YEAR)
            grades = rules.proposed_grades(ranked, cap)
            service.assign_grades(head, town, YEAR, grades,
                                  {pid: "全年旷工五天以上（ATT-5）" for pid, g in grades.items() if g == "fail"})
            t1 = time.perf_counter()
            data = documents.town_data(town, YEAR)
            t2 = time.perf_counter()
            paths = documents.write_files(town.code, YEAR, out, *data)
            t3 = time.perf_counter()
            spent["score"] += t1 - t0
            spent["forms data"] += t2 - t1
            spent["write"] += t3 - t2
            spent["files"] += len(paths)
            spent["sheets"] += 2 * len(data[1]) + 1
            spent["towns"] += 1
    return spent


def measure(label: str, build) -> tuple[str, int, dict[str, float]]:
    folder = Path(tempfile.mkdtemp(prefix="asm-bench-"))
    try:
        build(folder)
        n = Person.select().count()
        spent = annual_round(folder / "package")
        size = sum(p.stat().st_size for p in (folder / "package").iterdir())
        spent["MB"] = size / 2**20
        return label, n, spent
    finally:
        lifecycle.shutdown()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--province", type=int, default=20000, help="assistants in the province")
    parser.add_argument("--towns", type=int, default=400, help="towns in the province")
    parser.add_argument("--skip-province", action="store_true")
    args = parser.parse_args()
    results = [measure("demo city", build_demo)]
    if not args.skip_province:
        results.append(measure(f"province ({args.towns} towns)",
                               lambda f: build_province(f, args.province, args.towns)))
    print("| city | assistants | towns | score s | forms data s | compute total s | write files s | sheets | "
          "files | MB | per assistant ms |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for label, n, s in results:
        compute = s["score"] + s["forms data"]
        print(f"| {label} | {n} | {s['towns']} | {s['score']:.2f} | {s['forms data']:.2f} | {compute:.2f} | "
              f"{s['write']:.2f} | {s['sheets']} | {s['files']} | {s['MB']:.1f} | "
              f"{1000 * (compute + s['write']) / max(1, n):.1f} |")


if __name__ == "__main__":
    main()
