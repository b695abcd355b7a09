"""Annual scoring through the service: facts pre-fill items, the assessor's deductions need a
reason, vetoes and ATT-5 fail the year, the panel grades under the cap — ASM-3..ASM-7, ATT-5."""
from __future__ import annotations

import pytest
from xinyi_assessment import service
from xinyi_assessment.models import Assessment, ItemDeduction

from xinyi_core import PermissionDenied, ValidationError, approvals, audit

from .conftest import YEAR, absent, late_early, training_absent, worklog


def sheet(person) -> Assessment:
    return Assessment.get((Assessment.person == person.id) & (Assessment.year == YEAR))


def test_asm5_facts_prefill_items_4_and_5_with_their_evidence(asm):
    p = asm.a[0]
    asm.facts[p.id] = [worklog(1.5), late_early(2), training_absent(1)]
    service.open_round(asm.clerk, asm.town_a, YEAR)
    a = sheet(p)
    deds = {(d.item, d.source): d for d in ItemDeduction.select().where(ItemDeduction.assessment == a)}
    assert deds[(4, "WORK-2")].points == 1.5 and deds[(4, "WORK-2")].evidence == ["2025-03 缺记3天"]
    assert deds[(5, "ASM-5")].points == 2  # 每一次扣1分
    assert a.total == 100 - 1.5 - 2 and a.earned == "excellent" and not a.failed
    assert {f["rule"] for f in a.facts} == {"WORK-2", "ASM-5", "TRN-2"}  # shown even without an item


def test_att5_five_days_of_absenteeism_fail_the_year_automatically(asm):
    p = asm.a[1]
    asm.facts[p.id] = [absent(5)]
    service.open_round(asm.clerk, asm.town_a, YEAR)
    a = sheet(p)
    assert a.failed and a.earned == "fail" and a.total == 96  # item 5 loses 4 (its whole), still 不合格
    asm.facts[p.id] = [absent(4)]  # corrected at the source: re-gathering lifts the fail
    service.open_round(asm.clerk, asm.town_a, YEAR)
    assert not sheet(p).failed and sheet(p).earned == "excellent"


def test_asm5_gathering_again_replaces_the_facts_and_keeps_the_assessors_entries(asm):
    """A round opened again (facts corrected at the source) rewrites only what the facts wrote: the
    assessor's deduction and veto stay, no fact row is doubled, and every sheet of the town is rescored."""
    p, q = asm.a[0], asm.a[1]
    asm.facts[p.id] = [worklog(1.5), absent(5)]
    asm.facts[q.id] = [late_early(1)]
    service.open_round(asm.clerk, asm.town_a, YEAR)
    a = sheet(p)
    service.deduct(asm.clerk, a.id, 9, "monitoring", 1, "监测数据不详实")  # 4 points on item 9
    service.add_veto(asm.clerk, sheet(q).id, service.veto_codes(service.scheme_for("a"))[0], "经查实违反作风建设规定")
    assert sheet(p).total == 100 - 1.5 - 4 - 4 and sheet(q).failed
    asm.facts[p.id] = [worklog(0.5), absent(1)]
    asm.facts[q.id] = []
    sheets = service.open_round(asm.clerk, asm.town_a, YEAR)
    assert len(sheets) == len({s.id for s in sheets}) == Assessment.select().where(
        (Assessment.town == asm.town_a) & (Assessment.year == YEAR)).count()
    rows = sorted((d.item, d.source, d.points) for d in ItemDeduction.select().where(ItemDeduction.assessment == a))
    assert rows == [(4, "WORK-2", 0.5), (5, "ATT-5", 1.0), (9, "assessor", 4.0)]
    assert sheet(p).total == 100 - 0.5 - 1 - 4 and not sheet(p).failed and sheet(p).earned == "excellent"
    assert sheet(q).total == 100 and sheet(q).failed and sheet(q).earned == "fail"  # the assessor's veto holds
    assert {f["rule"] for f in sheet(p).facts} == {"WORK-2", "ATT-5"} and sheet(q).facts == []


def test_a_town_without_facts_sources_scores_every_item_by_hand(asm):
    p = asm.b[0]
    asm.facts[p.id] = [worklog(2)]  # town b has not enabled the stand-in: nobody hears it
    service.open_round(asm.city.op("town_clerk", "b"), asm.town_b, YEAR)
    a = sheet(p)
    assert a.total == 100 and a.facts == []
    service.deduct(asm.city.op("town_clerk", "b"), a.id, 4, "thin", 2, "三月日志记载不详实两次")
    assert sheet(p).total == 99


def test_asm5_assessor_deductions_need_a_reason_and_stay_within_the_item(asm):
    service.open_round(asm.clerk, asm.town_a, YEAR)
    a = sheet(asm.a[2])
    with pytest.raises(ValidationError, match="须写明理由"):
        service.deduct(asm.clerk, a.id, 9, "monitoring", 1, " ")
    service.deduct(asm.clerk, a.id, 9, "monitoring", 2, "监测数据不详实")  # 2 × 4
    service.deduct(asm.clerk, a.id, 9, "monitoring", 2, "又有两次")  # another 8, but item 9 is worth 11
    assert sheet(asm.a[2]).total == 89
    reasons = [row.after["reason"] for row in audit.query(action="assessment.deduct")]
    assert sorted(reasons) == ["又有两次", "监测数据不详实"]  # audited with the reason


def test_asm4_a_veto_fails_the_year_whatever_the_score(asm):
    service.open_round(asm.clerk, asm.town_a, YEAR)
    a = sheet(asm.a[3])
    with pytest.raises(ValidationError):
        service.add_veto(asm.clerk, a.id, "veto-9", "不存在的否决项")
    service.add_veto(asm.clerk, a.id, "veto-3", "私自将专网与互联网连接")
    a = sheet(asm.a[3])
    assert a.total == 100 and a.failed and a.earned == "fail"


def test_another_towns_clerk_cannot_score_here(asm):
    service.open_round(asm.clerk, asm.town_a, YEAR)
    with pytest.raises(PermissionDenied):
        service.deduct(asm.city.op("town_clerk", "b"), sheet(asm.a[0]).id, 4, "thin", 1, "越权")
    with pytest.raises(PermissionDenied):
        service.open_round(asm.city.op("town_clerk", "b"), asm.town_a, YEAR)


def test_the_screens_reads_stay_in_the_operators_scope(asm):
    """What the scoring, panel, routine and city screens show is read through the operator's scope:
    another town's clerk gets none of town a's vetoes, details, routine year, scheme or registration
    form — each attempt refused and audited — and the city view shows her own town only."""
    asm.facts[asm.a[1].id] = [absent(5)]
    service.open_round(asm.clerk, asm.town_a, YEAR)
    a1 = sheet(asm.a[1])
    service.deduct(asm.clerk, a1.id, 4, "thin", 1, "三月日志记载不详实")
    other = asm.city.op("town_clerk", "b")
    assert service.vetoed(asm.clerk, YEAR, asm.town_a) == {a1.id}  # ATT-5: the scoring list's mark
    assert service.vetoed(other, YEAR, asm.town_a) == set()
    detail = service.sheet_detail(asm.clerk, a1.id)
    assert detail.sheet == a1 and [v.code for v in detail.vetoes] == ["ATT-5"]
    assert ("assessor", "三月日志记载不详实") in {(d.source, d.reason) for d in detail.deductions}
    assert detail.routine.year == YEAR and len(detail.routine.months) == 12
    assert service.routine_of(asm.clerk, a1.id)[0] == a1 and service.scheme_of(asm.clerk, a1.id).items
    assert service.registration(asm.clerk, a1.id) is None  # not started yet
    for read in (service.sheet_detail, service.routine_of, service.scheme_of, service.registration):
        with pytest.raises(PermissionDenied):
            read(other, a1.id)
    refused = [r for r in audit.query(action="assessment.view") if not r.allowed]
    assert len(refused) == 4 and {r.object_id for r in refused} == {a1.id}
    assert [r["town"].code for r in service.overview(other, YEAR)] == ["b"]
    assert [r["town"].code for r in service.overview(asm.city.op("city_office"), YEAR)] == ["a", "b"]
    with pytest.raises(PermissionDenied):  # a village head reads no assessment
        service.overview(asm.city.op("village_head", "a"), YEAR)


def test_the_deduction_form_checks_its_units_as_saving_does(asm):
    """ASM-5: the form's units are a number of occurrences, never below zero; said as she types."""
    assert service.clean_deduction({"rule": "9:monitoring", "units": "2"}) == (9, "monitoring", 2.0)
    for units, message in (("两次", "应为数字"), ("", "应为数字"), ("nan", "应为数字"), ("-1", "不能为负")):
        with pytest.raises(ValidationError, match=message) as exc:
            service.clean_deduction({"rule": "9:monitoring", "units": units})
        assert exc.value.field == "units"


def test_asm3_panel_grades_under_the_cap_and_fail_needs_an_explanation(asm):
    asm.facts[asm.a[3].id] = [absent(6)]
    service.open_round(asm.clerk, asm.town_a, YEAR)
    ranked, cap, n = service.panel(asm.head, asm.town_a, YEAR)
    assert (n, cap) == (4, 0)  # 4 full-time assistants: 20% floor is 0
    assert ranked[-1].person_id == asm.a[3].id and ranked[-1].earned == "fail"
    grades = {r.person_id: ("fail" if r.failed else "pass") for r in ranked}
    with pytest.raises(ValidationError, match="超过"):
        service.assign_grades(asm.head, asm.town_a, YEAR, {**grades, asm.a[0].id: "excellent"},
                              {asm.a[3].id: "全年旷工6天"})
    with pytest.raises(ValidationError, match="文字说明"):
        service.assign_grades(asm.head, asm.town_a, YEAR, grades)
    with pytest.raises(PermissionDenied):  # ASM-3: the town head's panel grades, not the clerk
        service.assign_grades(asm.clerk, asm.town_a, YEAR, grades, {asm.a[3].id: "全年旷工6天"})
    service.assign_grades(asm.head, asm.town_a, YEAR, grades, {asm.a[3].id: "全年旷工6天"})
    assert sheet(asm.a[3]).grade == "fail" and sheet(asm.a[3]).explanation == "全年旷工6天"
    service.submit_package(asm.head, asm.town_a, YEAR)
    with pytest.raises(ValidationError, match="已报送"):
        service.deduct(asm.clerk, sheet(asm.a[0]).id, 4, "thin", 1, "报送后不能改")


def test_asm6_registration_opinions_go_town_office_bureau(asm):
    service.open_round(asm.clerk, asm.town_a, YEAR)
    ranked, _, _ = service.panel(asm.head, asm.town_a, YEAR)
    service.assign_grades(asm.head, asm.town_a, YEAR, {r.person_id: "pass" for r in ranked})
    a = sheet(asm.a[0])
    chain = service.start_registration(asm.clerk, a.id)
    assert [(s.role, s.unit.kind) for s in approvals.steps(chain)] == [
        ("town_head", "town"), ("city_office", "city"), ("bureau", "city")]
    for op in (asm.head, asm.city.op("city_office"), asm.city.op("bureau")):
        chain = approvals.decide(op, chain, True, "同意")
    assert chain.state == "approved"


def test_asm3_the_cap_follows_the_towns_full_time_assistants(asm):
    import datetime as dt
    import random

    from xinyi_core import org, people
    from xinyi_core.demo import fake_id_number

    service.open_round(asm.clerk, asm.town_a, YEAR)
    assert service.panel(asm.head, asm.town_a, YEAR)[1:] == (0, 4)
    data = people.clean({"name": "新来人", "id_number": fake_id_number(random.Random(3), "320381", dt.date(1990, 1, 1), True), "phone": "13900000001"})
    people.insert(data, org.add_post(asm.city.villages["a"][1]), status="on_duty", joined_on=None, operator=None)
    service.open_round(asm.clerk, asm.town_a, YEAR)
    ranked, cap, n = service.panel(asm.head, asm.town_a, YEAR)
    assert (cap, n, len(ranked)) == (1, 5, 5)  # five full-time assistants: one 优秀
    best = ranked[0].person_id
    service.assign_grades(asm.head, asm.town_a, YEAR, {r.person_id: "excellent" if r.person_id == best else "pass"
                                                       for r in ranked})
    assert Assessment.select().where(Assessment.grade == "excellent").count() == 1
