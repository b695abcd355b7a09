"""Fixtures for the assessment tests: the small test city with the assessment plugin and a
stand-in that publishes facts shaped like the other plugins' (worklog WORK-2 → item 4,
attendance ASM-5 / ATT-5 → item 5, training TRN-2 with no item).

Town "a" enables every installed plugin, so it hears the facts; town "b" enables the
assessment alone — no facts source: the assessor enters every item by hand.
"""
from __future__ import annotations

import types
from collections.abc import Iterator
from pathlib import Path

import pytest
import xinyi_assessment

from xinyi_core import AssessmentFact, hookimpl, lifecycle, testing
from xinyi_core.config import TownConfig

YEAR = 2025


def facts_module() -> types.ModuleType:
    module = types.ModuleType("facts_standin")
    module.XINYI_API = "1"
    module.FACTS = {}  # person id → list of facts

    def xinyi_assessment_facts(person, year):
        return list(module.FACTS.get(person.id, [])) if year == YEAR else []

    module.xinyi_assessment_facts = hookimpl(xinyi_assessment_facts)
    return module


def worklog(deduction: float) -> AssessmentFact:
    return AssessmentFact("WORK-2", f"工作日志检查：扣{deduction:g}分", deduction, item=4, evidence=("2025-03 缺记3天",))


def absent(days: int) -> AssessmentFact:
    return AssessmentFact("ATT-5", f"全年旷工{days}天", days, item=5, veto=days >= 5,
                          evidence=tuple(f"2025-06-{d + 1:02d}" for d in range(days)))


def late_early(count: int) -> AssessmentFact:
    return AssessmentFact("ASM-5", f"迟到早退{count}次", count, item=5)


def training_absent(n: int) -> AssessmentFact:
    return AssessmentFact("TRN-2", f"无故缺席在职培训{n}次", n, item=None, evidence=("2025-05-10 政策培训",))


class AsmCity:
    def __init__(self, city: testing.City, facts: types.ModuleType) -> None:
        self.city = city
        self.facts = facts.FACTS
        self.clerk = city.op("town_clerk", "a")
        self.head = city.op("town_head", "a")
        self.town_a, self.town_b = city.towns
        self.a = city.people["a"]
        self.b = city.people["b"]


def _start(tmp_path: Path, url: str) -> Iterator[AsmCity]:
    facts = facts_module()
    cfg = testing.make_config(tmp_path, url)
    cfg.towns = {"b": TownConfig(plugins=("assessment",))}
    testing.start(cfg, plugin_modules={"assessment": xinyi_assessment, "facts_standin": facts}, entry_points=False)
    try:
        yield AsmCity(testing.build_city(), facts)
    finally:
        lifecycle.shutdown()


@pytest.fixture
def asm(tmp_path: Path, database_url: str) -> Iterator[AsmCity]:
    """SQLite, and PostgreSQL too when XINYI_TEST_POSTGRES_URL is set."""
    yield from _start(tmp_path, database_url)


@pytest.fixture
def asm_ui(tmp_path: Path) -> Iterator[AsmCity]:
    """SQLite only, for the screens (they drive the same service)."""
    yield from _start(tmp_path, f"sqlite:///{tmp_path / 'xinyi.db'}")
