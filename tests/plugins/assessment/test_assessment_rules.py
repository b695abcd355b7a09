"""Grades, the 20% cap on 优秀 and the annual round's dates — ASM-3, ASM-4, ATT-5 (pure rules)."""
from __future__ import annotations

import datetime as dt

import pytest
import xinyi_assessment  # noqa: F401  (registers the catalogue)
from xinyi_assessment import rules

from xinyi_core import ValidationError

T = rules.DEFAULT_THRESHOLDS


@pytest.mark.parametrize("full_time, cap", [(4, 0), (5, 1), (7, 1), (11, 2)])
def test_asm3_excellent_is_capped_at_20_percent_of_full_time_assistants_floor(full_time, cap):
    assert rules.excellent_cap(full_time) == cap


def test_asm3_cap_rounding_is_configurable():
    assert rules.excellent_cap(7, rounding="round") == 1 and rules.excellent_cap(8, rounding="round") == 2
    assert rules.excellent_cap(4, rounding="ceil") == 1 and rules.excellent_cap(5, rounding="ceil") == 1


def test_asm3_grades_from_thresholds_and_asm4_att5_fail_whatever_the_score():
    assert [rules.grade_for(s, T) for s in (100, 90, 89.9, 75, 74.5, 60, 59.9)] == [
        "excellent", "excellent", "pass", "pass", "basic", "basic", "fail"]
    assert rules.grade_for(100, T, failed=True) == "fail"
    assert rules.fails_att5(5) and not rules.fails_att5(4)  # ATT-5: five days or more


def _panel(n: int) -> list[rules.Ranked]:
    return rules.ranking([(i, f"人{i:02d}", 99 - i * 0.5, False) for i in range(n)], T)


@pytest.mark.parametrize("full_time, cap", [(4, 0), (5, 1), (7, 1), (11, 2)])
def test_asm3_the_panel_may_not_give_more_excellent_than_the_cap(full_time, cap):
    ranked = _panel(full_time)  # everyone scores 90+: everyone earns 优秀 before the cap
    proposal = rules.proposed_grades(ranked, cap)
    assert [pid for pid, g in proposal.items() if g == "excellent"] == list(range(cap))  # the best ranked
    rules.check_panel_grades(ranked, proposal, cap, {})
    too_many = {**proposal, cap: "excellent"}
    with pytest.raises(ValidationError) as err:
        rules.check_panel_grades(ranked, too_many, cap, {})
    assert f"超过本镇专职协理员总数20%的上限（{cap}人）" in str(err.value)


def test_the_ranking_puts_failed_years_last_and_ties_share_a_rank():
    ranked = rules.ranking([(1, "甲", 95, False), (2, "乙", 97, True), (3, "丙", 95, False), (4, "丁", 80, False)], T)
    assert [(r.person_id, r.rank, r.earned) for r in ranked] == [
        (3, 1, "excellent"), (1, 1, "excellent"), (4, 3, "pass"), (2, 4, "fail")]  # 丙 before 甲 by code point


def test_a_grade_above_the_score_and_a_fail_without_explanation_are_refused():
    ranked = rules.ranking([(1, "甲", 80, False), (2, "乙", 50, False)], T)
    with pytest.raises(ValidationError, match="只够“合格”"):
        rules.check_panel_grades(ranked, {1: "excellent", 2: "fail"}, 1, {2: "说明"})
    with pytest.raises(ValidationError, match="须填写文字说明"):  # ASM-7
        rules.check_panel_grades(ranked, {1: "pass", 2: "fail"}, 1, {2: "  "})
    rules.check_panel_grades(ranked, {1: "basic", 2: "fail"}, 1, {2: "全年工作未完成"})  # lower is allowed


def test_asm3_round_opens_mid_december_and_is_due_before_20_january():
    assert rules.round_phase(2025, dt.date(2025, 12, 14)) == "not_open"
    assert rules.round_phase(2025, dt.date(2025, 12, 15)) == "open"
    assert rules.package_due(2025) == dt.date(2026, 1, 19)
    assert rules.round_phase(2025, dt.date(2026, 1, 19)) == "open"
    assert rules.round_phase(2025, dt.date(2026, 1, 20)) == "overdue"
