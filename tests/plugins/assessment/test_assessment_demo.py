"""Demo data: a full annual assessment of the previous year for the demo city (ASM-3..ASM-7)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import xinyi_assessment
from xinyi_assessment import rules, service
from xinyi_assessment.models import Assessment, ItemDeduction, MonthlyResult, TownPackage

from xinyi_core import ApprovalChain, clock, demo, lifecycle, org, testing
from xinyi_core.models import AuditLog


def test_demo_gives_every_town_a_sheet_per_assistant_graded_under_the_cap(tmp_path: Path, database_url: str):
    # on PostgreSQL too: the demo writes in bulk (insert_many, executemany)
    cfg = testing.make_config(tmp_path, database_url)
    testing.start(cfg, plugin_modules={"assessment": xinyi_assessment}, entry_points=False)
    try:
        with clock.frozen(dt.date(2026, 11, 26)):
            demo.build(seed=7, assistants=80, villages=16)
        states = {p.town.code: p.state for p in TownPackage.select().where(TownPackage.year == 2025)}
        towns = org.town_codes()
        assert len(states) == len(towns)
        assert sorted(states.values()).count("submitted") == len(towns) - 2
        assert {"graded", "open"} <= set(states.values())
        for row in service.progress(2025):
            assert row["assessed"] == row["on_roll"]  # every full-time assistant has a sheet
            if row["state"] != "open":
                assert row["graded"] == row["assessed"]
                assert row["grades"]["excellent"] <= rules.excellent_cap(row["on_roll"])  # ASM-3
        fails = Assessment.select().where(Assessment.grade == "fail")
        assert all(a.explanation for a in fails)  # ASM-7
        assert ApprovalChain.select().where(ApprovalChain.state == "approved").exists()  # ASM-6 opinions
        assert MonthlyResult.select().where(MonthlyResult.period == "2026-10").count() == 80  # ASM-2
        # the trail names what the demo's assessors did, as the service records it (written in bulk)
        entered = {d.id: d for d in ItemDeduction.select().where(ItemDeduction.source == "assessor")}
        trail = list(AuditLog.select().where(AuditLog.action == "assessment.deduct"))
        assert entered and len(trail) == len(entered)
        for row in trail:
            d = entered[row.object_id]
            assert (row.person_id, row.after["item"], row.after["points"]) == (d.assessment.person_id, d.item,
                                                                               d.points)
        assert AuditLog.select().where(AuditLog.action == "assessment.monthly").count() == 80
    finally:
        lifecycle.shutdown()
