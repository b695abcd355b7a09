"""附件1, 附件2 and 附件3 written through xinyi_core.export and read back cell by cell — ASM-5..ASM-7."""
from __future__ import annotations

import datetime as dt

import openpyxl
from xinyi_assessment import documents, service
from xinyi_assessment.models import Assessment

from xinyi_core import approvals, clock

from .conftest import YEAR, absent, worklog


def graded_town(asm):
    """Town a: one with a work-log deduction and a veto, one failed by ATT-5, graded and signed."""
    asm.facts[asm.a[0].id] = [worklog(1.5)]
    asm.facts[asm.a[3].id] = [absent(5)]
    with clock.frozen(dt.date(2025, 12, 20)):
        service.open_round(asm.clerk, asm.town_a, YEAR)
        a1 = Assessment.get(Assessment.person == asm.a[1].id)
        service.add_veto(asm.clerk, a1.id, "veto-1", "违反作风建设规定")
        a0 = Assessment.get(Assessment.person == asm.a[0].id)
        service.deduct(asm.clerk, a0.id, 9, "ledger_error", 2, "台账缺登记两次")
        service.set_summary(asm.clerk, a0.id, "德：遵纪守法。能：业务熟练。勤：全勤。绩：完成任务。廉：廉洁自律。")
        ranked, _, _ = service.panel(asm.head, asm.town_a, YEAR)
        grades = {r.person_id: r.earned if r.earned != "excellent" else "pass" for r in ranked}
        service.assign_grades(asm.head, asm.town_a, YEAR, grades,
                              {asm.a[1].id: "违反作风建设规定，一票否决", asm.a[3].id: "全年旷工5天"})
        chain = service.start_registration(asm.clerk, a0.id)
        approvals.decide(asm.head, chain, True, "情况属实")
    return a0


def test_the_three_forms_read_back_cell_by_cell(asm, tmp_path):
    a0 = graded_town(asm)
    paths = documents.write_package(asm.town_a, YEAR, tmp_path)
    assert [p.name for p in paths] == [f"甲镇_{YEAR}年_附件1_年度考核评分表.xlsx", f"甲镇_{YEAR}年_附件2_年度考核登记表.xlsx",
                                       f"甲镇_{YEAR}年_附件3_年度考核汇总表.xlsx"]  # named for people
    p0 = asm.a[0]

    # 附件1 (ASM-5): one sheet per assistant
    wb = openpyxl.load_workbook(paths[0])
    assert len(wb.sheetnames) == 4
    ws = wb[documents.sheet_title(a0)]
    assert ws["A1"].value == "新沂市人社基层平台协理员年度考核评分表"
    assert ws["A2"].value == f"（{YEAR}）年度"
    assert ws["A3"].value == f"甲镇社会事业服务中心    被考核协理员姓名：{p0.name}    考评时间：2025年12月20日"
    assert [c.value for c in ws[4]] == ["考核项目", "序号", "考  核  内  容", "分值", "考  评  标  准", "得分"]
    assert ws["A5"].value == "一、一票否决项" and [ws.cell(r, 2).value for r in (5, 6, 7)] == [1, 2, 3]
    assert [ws.cell(r, 6).value for r in (5, 6, 7)] == ["—", "—", "—"]
    assert ws["A8"].value == "二、基础工作（39分）"  # the items' total; the stated 28 is noted below
    rows = {ws.cell(r, 2).value: r for r in range(8, 29)}
    assert ws.cell(rows[4], 3).value.startswith("工作日志及政策咨询：")
    assert (ws.cell(rows[4], 4).value, ws.cell(rows[4], 6).value) == (2, 0.5)  # 2 − 1.5
    assert (ws.cell(rows[9], 4).value, ws.cell(rows[9], 6).value) == (11, 10)  # 11 − 2 × 0.5
    assert ws.cell(rows[24], 6).value == 3
    assert ws["A14"].value == "三、就业服务管理工作（25分）"
    total = rows[24] + 1
    assert (ws.cell(total, 1).value, ws.cell(total, 4).value, ws.cell(total, 6).value) == ("合计", 100, 97.5)
    assert ws.cell(total, 5).value == "按得分：优秀"
    assert ws.cell(total + 1, 2).value == "第4项：工作日志检查：扣1.5分，扣1.5分\n第9项：台账缺登记两次，扣1分"
    assert ws.cell(total + 2, 1).value.startswith("注：“二、基础工作”表头写 28 分，但其各项合计 39 分")
    first = wb.worksheets[0]  # laid out cell by cell; the others are copies with their own values
    for other in wb.worksheets[1:]:
        assert sorted(map(str, other.merged_cells.ranges)) == sorted(map(str, first.merged_cells.ranges))
        assert other.print_area.split("!")[1] == first.print_area.split("!")[1] and other.oddFooter.center.text == "第 &P 页，共 &N 页"
        assert other["A3"].value != first["A3"].value and other["A1"].font.name == "黑体"
    vetoed = wb[documents.sheet_title(Assessment.get(Assessment.person == asm.a[1].id))]
    assert vetoed["F5"].value == "否决" and vetoed["F6"].value == "—"

    # 附件2 (ASM-6)
    ws = openpyxl.load_workbook(paths[1])[documents.sheet_title(a0)]
    assert ws["A1"].value == "新沂市人社基层平台协理员年度考核登记表"
    assert [c.value for c in ws[3]] == ["姓  名", p0.name, "性  别", "男" if p0.sex == "M" else "女", "出生年月",
                                        f"{p0.birth_date:%Y.%m}"]
    assert [ws.cell(4, c).value for c in (1, 3, 5)] == ["政治面貌", "文化程度", "工作单位"]
    assert ws["F4"].value == "甲镇甲镇1村"
    assert (ws["A5"].value, ws["B5"].value) == ("考核等次", "合格")
    assert ws["A6"].value == "个人总结（德、能、勤、绩、廉）" and ws["B6"].value.startswith("德：遵纪守法")
    assert ws["A7"].value == "镇（街道）社会事业服务中心意见"
    assert ws["B7"].value == f"同意。情况属实\n负责人签名：{asm.head.display_name}    2025年12月20日"
    assert ws["A8"].value == "市就业处意见" and "负责人签名：" in ws["B8"].value  # not yet decided: blank
    assert ws["A9"].value == "人社局审核意见" and "（盖章）" in ws["B9"].value

    # 附件3 (ASM-7)
    ws = openpyxl.load_workbook(paths[2]).active
    assert ws["A1"].value == "新沂市人社基层平台协理员年度考核汇总表" and ws["A2"].value == f"（{YEAR}年度）"
    assert [c.value for c in ws[3]] == ["单位名称（盖章）", "甲镇", "现有协理员人数", 4, "实有参加考核人数", 4]
    assert (ws["A4"].value, ws["B4"].value, ws["C4"].value, ws["D4"].value) == ("考核结果", "考核等次", "人数", "姓名")
    grades = {ws.cell(r, 2).value: (ws.cell(r, 3).value, ws.cell(r, 4).value) for r in range(5, 9)}
    failed = sorted([asm.a[1].name, asm.a[3].name])
    assert grades["优秀"] == (0, None) and grades["合格"][0] == 2 and grades["基本合格"] == (0, None)
    assert grades["不合格"][0] == 2 and sorted(grades["不合格"][1].split("、")) == failed
    assert [ws.cell(9, c).value for c in (1, 3, 5)] == ["镇（街道）社会事业服务中心意见", "市就业处意见", "人社局审核意见"]
    assert ws["A10"].value.startswith("说明：此表一式三份")
    notes = {ws.cell(r, 1).value for r in (11, 12)}
    assert notes == {f"不合格说明 — {asm.a[1].name}：违反作风建设规定，一票否决", f"不合格说明 — {asm.a[3].name}：全年旷工5天"}
    assert ws["A13"].value.startswith("单位负责人：")
