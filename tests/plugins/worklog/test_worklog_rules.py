"""The work log's rules on their own: no database, no UI (WORK-2, ASM-5 item 4)."""
from __future__ import annotations

import datetime as dt

from xinyi_worklog import rules

D = dt.date


def test_gaps_are_working_days_without_entry_excluding_excused_and_off_post_days():
    """WORK-2: only working days count; leave/training days and days before joining are not gaps."""
    working = [D(2026, 5, d) for d in (6, 7, 8, 9, 11, 12)]
    gaps = rules.gap_days(working, logged={D(2026, 5, 6)}, excused={D(2026, 5, 8)}, on_post_from=D(2026, 5, 7),
                          on_post_until=D(2026, 5, 11))
    assert gaps == [D(2026, 5, 7), D(2026, 5, 9), D(2026, 5, 11)]


def test_item4_follows_the_scoring_sheet_and_stays_within_its_points():
    """附件1 item 4: 未记载或记载不全不得分，记载不详实每一次扣0.5分 — within [0, 2]."""
    assert rules.item4(0, 0).score == 2.0
    assert (rules.item4(0, 3).deduction, rules.item4(0, 3).score) == (1.5, 0.5)
    assert rules.item4(0, 9).score == 0.0  # floor 0
    assert rules.item4(1, 0).score == 0.0  # a missing day: the item scores nothing (the original)
    per = rules.item4(2, 1, missing_rule="per_record")  # the configurable reading: −0.5 per record
    assert (per.deduction, per.score) == (1.5, 0.5)


def test_spot_check_pick_is_reproducible_with_a_seed():
    """WORK-2: the same seed over the same assistants picks the same people, in any input order."""
    pool = list(range(1, 101))
    first = rules.pick_for_spot_check(pool, 10, seed=2026)
    assert first == rules.pick_for_spot_check(reversed(pool), 10, seed=2026)
    assert len(first) == 10 and set(first) <= set(pool)
    assert any(rules.pick_for_spot_check(pool, 10, seed=s) != first for s in (1, 2, 3))
    assert rules.pick_for_spot_check(pool, None, seed=1) == pool  # a full check takes everyone


def test_thin_entry_is_measured_without_whitespace():
    assert rules.is_thin("走访 3 户", 10)
    assert not rules.is_thin("入户走访三户失业人员，登记就业意向", 10)


def test_dates_can_be_typed_short():
    today = D(2026, 6, 10)
    assert rules.parse_day("7", today) == D(2026, 6, 7)
    assert rules.parse_day("5-7", today) == D(2026, 5, 7)
    assert rules.parse_day("2026.5.7", today) == D(2026, 5, 7)
    assert rules.parse_day("五月", today) is None
