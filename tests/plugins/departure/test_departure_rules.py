"""The departure rules as plain functions: no database, no UI, no queue (ORG-2, ORG-3, ATT-6)."""
from __future__ import annotations

import datetime as dt

import pytest

import xinyi_departure
from xinyi_core import i18n
from xinyi_departure import rules


@pytest.fixture(autouse=True, scope="module")
def messages():
    i18n.register(xinyi_departure.xinyi_messages(), prefix="departure")


def test_org2_the_five_categories_of_the_form_by_code_or_label():
    assert [rules.category_label(c) for c in rules.CATEGORIES] == ["解除合同", "终止合同", "辞职", "辞退", "其他"]
    assert rules.category_from("解除合同") == "rescinded" and rules.category_from("other") == "other"
    assert rules.category_from("退休") is None and rules.category_from(None) is None


def test_org2_other_needs_a_reason_and_dates_are_checked():
    ok = {"category": "resigned", "planned_on": "2026-12-01"}
    assert rules.report_errors(ok) == {}
    assert rules.report_errors({**ok, "category": "其他"}) == {"reason": "离职类别为“其他”的，应在离职原因中具体说明"}
    assert rules.report_errors({**ok, "category": "其他", "reason": "考取公务员"}) == {}
    assert set(rules.report_errors({"category": "", "planned_on": "2026-02-30"})) == {"category", "planned_on"}
    assert rules.report_errors({"planned_on": "2026.12.1"}, partial=True) == {}  # one field at a time (the form)
    assert rules.parse_date("2026/12/01") == dt.date(2026, 12, 1)


def test_org2_chain_and_when_an_approval_takes_effect():
    assert rules.chain_roles() == ("village_head", "town_head", "city_office")
    assert rules.chain_roles(village_online=False) == ("town_head", "city_office")
    day = dt.date(2026, 12, 1)
    assert [rules.is_due("approved", day, day + dt.timedelta(days=d)) for d in (-1, 0, 1)] == [False, True, True]
    assert not rules.is_due("pending", day, day)
    assert rules.state_after_chain("withdrawn") == "withdrawn"


def test_att6_only_the_attendance_off_post_alert_proposes_a_rescission():
    assert rules.is_off_post_alert("attendance", "off_post", "ATT-6")
    assert rules.is_off_post_alert("attendance", "off_post", "")
    assert not rules.is_off_post_alert("attendance", "absent", "ATT-5")
    assert not rules.is_off_post_alert("training", "off_post", "ATT-6")
    today = dt.date(2026, 11, 16)
    fill = rules.proposal({"proposed_category": "解除合同", "days": 8, "from": "2026-11-09", "to": "2026-11-16"}, today)
    assert fill["category"] == "rescinded" and fill["planned_on"] == today
    assert fill["reason"].startswith("自 2026-11-09 至 2026-11-16 脱岗 8 天")
    assert rules.proposal(None, today)["category"] == "rescinded"


def test_org3_days_vacant_and_the_handover_setting():
    assert rules.days_vacant(dt.date(2026, 11, 1), dt.date(2026, 11, 21)) == 20
    assert rules.days_vacant(None, dt.date(2026, 11, 21)) is None
    assert rules.valid_handover_defaults(["工作文件", "办公设备"])
    assert not rules.valid_handover_defaults([]) and not rules.valid_handover_defaults(["", "x"])
    assert not rules.valid_handover_defaults("工作文件")
