"""The departure form (附件5) written through xinyi_core.export and read back as a town office would."""
from __future__ import annotations

import datetime as dt

import docx
import pytest
from .conftest import TODAY

from xinyi_core import PermissionDenied, clock
from xinyi_departure import documents, service
from xinyi_departure.service import handover


def cells(path) -> list[list[str]]:
    """The form's grid as text, merged cells once per row."""
    table = docx.Document(str(path)).tables[0]
    out = []
    for row in table.rows:
        texts = []
        for cell in row.cells:
            if not texts or cell.text != texts[-1]:
                texts.append(cell.text)
        out.append(texts)
    return out


def test_form_read_back_has_every_field_opinion_and_the_stop_of_wages(world, tmp_path):
    person = world.people["a"][0]
    clerk = world.op("town_clerk", "a")
    with clock.frozen(dt.datetime(2026, 11, 2, 10, 0)):
        dep = service.report(clerk, person.id, {"category": "other", "planned_on": "2026-11-02",
                                                "reason": "考取事业单位", "requests": "请协助转移社保关系"})
        handover.confirm_item(clerk, service.handover_items(dep)[0].id, "王主任")
        for op, opinion in ((world.op("village_head", "a"), "情况属实"), (world.op("town_head", "a"), "同意上报"),
                            (world.op("city_office"), "同意离职")):
            service.decide(op, dep.id, True, opinion)
        path = documents.write(world.op("town_head", "a"), dep.id, tmp_path / "f.docx")

    document = docx.Document(str(path))
    assert document.paragraphs[0].text == "新沂市人社基层平台协理员离职呈报单"
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4 portrait
    grid = cells(path)
    assert len(grid) == 10 and len(document.tables) == 1  # one table: one page
    sex = "男" if person.sex == "M" else "女"
    assert grid[0] == ["拟离职人姓名", person.name, "性别", sex, "出生年月", f"{person.birth_date:%Y.%m}",
                       "政治面貌", "群众"]
    assert grid[1] == ["进本系统时间", "2020年01月01日", "离职前所在单位", "甲镇甲镇1村", "工作岗位", "协理员"]
    assert grid[2] == ["拟离职时间", "2026年11月02日", "离职类别", "□解除合同  □终止合同  □辞职  □辞退  ■其他"]
    assert grid[3][0] == "离职原因" and grid[3][1].startswith("考取事业单位") and "本人签名" in grid[3][1]
    assert grid[4] == ["个人需说明的事项或要求", "请协助转移社保关系"]
    signers = [world.op(r, "a").display_name for r in ("village_head", "town_head")] + [
        world.op("city_office").display_name]
    for row, label, opinion, signer in zip(grid[5:8], ("村（社区）意见", "镇（街道）社会事业服务中心负责人意见", "市就业处意见"),
                                           ("情况属实", "同意上报", "同意离职"), signers):
        assert row[0] == label
        assert row[1] == f"同意。{opinion}\n负责人签名：{signer}    2026年11月02日"
    assert grid[8][1].startswith("工作文件：已移交，接收人 王主任（2026年11月02日）；业务资料：未移交")
    assert grid[9] == ["停发工资、停缴社会保险", "自 2026年11月02日 起停发工资、停止缴纳社会保险"]
    notes = [p.text for p in document.paragraphs[1:]]
    assert any(n.startswith("说明：1、离职类别填写“其他”") for n in notes)


def test_form_before_any_opinion_has_blank_signature_lines(world, tmp_path):
    with clock.frozen(TODAY):
        dep = service.report(world.op("town_clerk", "a"), world.people["a"][0].id,
                             {"category": "rescinded", "planned_on": "2026-11-20"})
    path = documents.write(world.op("city_office"), dep.id, tmp_path / "f.docx")
    grid = cells(path)
    assert grid[2][3].startswith("■解除合同  □终止合同")
    assert [r[1] for r in grid[5:8]] == ["负责人签名：            年    月    日"] * 3
    assert grid[9][1] == "离职生效之日起停发工资、停止缴纳社会保险"
    with pytest.raises(PermissionDenied):  # another town cannot print it
        documents.write(world.op("town_head", "b"), dep.id, tmp_path / "g.docx")
    assert not (tmp_path / "g.docx").exists()
