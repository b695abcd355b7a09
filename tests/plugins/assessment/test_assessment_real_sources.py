"""The facts the built-in plugins actually publish reach the sheet (ASM-5, ATT-5)."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from xinyi_assessment import service
from xinyi_assessment.models import Assessment

from xinyi_core import clock, lifecycle, testing


def test_the_built_in_plugins_facts_are_gathered_and_mapped(tmp_path: Path):
    cfg = testing.make_config(tmp_path, f"sqlite:///{tmp_path / 'xinyi.db'}")
    testing.start(cfg, entry_points=["assessment", "attendance", "worklog", "training", "leave"])
    try:
        city = testing.build_city()
        with clock.frozen(dt.date(2025, 12, 20)):
            service.open_round(city.op("town_clerk", "a"), city.towns[0], 2025)
        a = Assessment.get(Assessment.person == city.people["a"][0].id)
        rules_seen = {f["rule"] for f in a.facts}
        assert {"ATT-5", "ASM-5", "WORK-2"} <= rules_seen  # attendance and the work log speak
        items = {f["rule"]: f["item"] for f in a.facts}
        assert items["WORK-2"] == 4 and items["ATT-5"] == 5 and items["ASM-5"] == 5
        assert not a.failed and a.total == 100  # no 旷工, no check recorded: nothing deducted yet
    finally:
        lifecycle.shutdown()
