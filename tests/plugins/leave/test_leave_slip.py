"""The printed leave slip with its stub (附件4) and the year-end stub archive, read back from the files."""
from __future__ import annotations


import docx
import openpyxl
import pytest

from xinyi_core import jobs, reports
from xinyi_core.jobs.specs import JobContext
from xinyi_leave import documents, service

from .conftest import approve_all
from .conftest import slip as slip_data

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])  # documents don't depend on the database


def texts(table) -> list[list[str]]:
    """Cell texts row by row, merged cells once."""
    out = []
    for row in table.rows:
        seen, cells = set(), []
        for cell in row.cells:
            if id(cell._tc) not in seen:
                seen.add(id(cell._tc))
                cells.append(cell.text)
        out.append(cells)
    return out


def test_slip_and_stub_on_one_a4_page_as_the_town_prints_it(city, today, tmp_path):
    person = city.people["a"][0]
    leave = approve_all(city, service.apply(city.op("assistant", "a"), person,
                                            slip_data("2026-09-07", "2026-09-09", reason="参加亲属婚礼")).id)
    path = documents.print_slip(city.op("town_clerk", "a"), leave.id, tmp_path)
    doc = docx.Document(str(path))
    section = doc.sections[0]
    assert len(doc.sections) == 1 and (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert 'w:br w:type="page"' not in doc.element.xml  # stub and slip share the page
    paras = [p.text for p in doc.paragraphs if p.text.strip()]
    assert paras[0] == "《新沂市人社基层平台协理员请假审批单》存根"
    assert "新沂市人社基层平台协理员请假审批单" in paras and "由镇（街道）社会事业服务中心存档" in paras[1]
    assert len(doc.tables) == 2
    for table in doc.tables:  # the stub and the slip carry the same entries
        rows = texts(table)
        assert rows[0] == ["姓名", person.name, "工作地点", person.village.name, "申请日期", "2026 年 9 月 1 日"]
        assert rows[1] == ["请假类别", "☑事假", "□病假", "□婚假", "□产假", "□丧假", "□其他"]
        assert rows[2] == ["请假时间", "自 2026 年 9 月 7 日至 2026 年 9 月 9 日  共 3 天"]
        assert rows[3] == ["请假理由", "参加亲属婚礼"]
        assert rows[4] == ["请假期间联系电话", "13900001111"]
        village, town = rows[5][1], rows[5][3]
        assert rows[5][0].startswith("村（社区）负责人") and "社会事业服务中心负责人" in rows[5][2]
        assert f"姓名：{city.op('village_head', 'a').display_name}" in village and "2026 年 9 月 1 日" in village
        assert f"姓名：{city.op('town_head', 'a').display_name}" in town
        assert rows[6][0].startswith("市劳动就业管理处")  # 3 days: the city's box (ATT-4)
        assert city.op("city_office").display_name in rows[6][1]


def test_the_slip_file_is_named_for_her_and_printing_again_replaces_it(city, today, tmp_path):
    """Issue 18: 请假单_郭伟志_2026-12-07.docx, not 393.docx; a namesake's slip of that day gets _2."""
    clerk = city.op("town_clerk", "a")
    first, namesake = city.people["a"][0], city.people["a"][1]
    namesake.name = first.name  # two 郭伟志 in one town
    namesake.save()
    mine = service.apply(clerk, first, slip_data("2026-09-07", "2026-09-08", reason="家中有事")).id
    path = documents.print_slip(clerk, mine, tmp_path)
    assert path == tmp_path / "leave.slip" / "2026" / f"请假单_{first.name}_2026-09-07.docx"
    approve_all(city, mine)
    assert documents.print_slip(clerk, mine, tmp_path) == path  # printed again once signed: the same file
    theirs = service.apply(clerk, namesake, slip_data("2026-09-07", "2026-09-07", reason="看病")).id
    other = documents.print_slip(clerk, theirs, tmp_path)
    assert other.name == f"请假单_{first.name}_2026-09-07_2.docx"
    assert documents.print_slip(clerk, mine, tmp_path) == path  # each slip keeps its own file
    assert sorted(p.name for p in path.parent.iterdir()) == sorted([path.name, other.name])
    assert texts(docx.Document(str(path)).tables[1])[3] == ["请假理由", "家中有事"]  # read back: hers
    assert texts(docx.Document(str(other)).tables[1])[3] == ["请假理由", "看病"]


def test_a_two_day_slip_has_no_city_box_and_blank_boxes_until_signed(city, today, tmp_path):
    leave = service.apply(city.op("assistant", "a"), city.people["a"][0], slip_data("2026-09-03", "2026-09-04"))
    doc = docx.Document(str(documents.print_slip(city.op("assistant", "a"), leave.id, tmp_path)))
    rows = texts(doc.tables[1])
    assert len(rows) == 6 and "姓名：\n" in rows[5][1] and "年    月    日" in rows[5][3]


def test_year_end_stub_archive_per_town(city, today, tmp_path):
    clerk = city.op("town_clerk", "a")
    ids = [approve_all(city, service.apply(clerk, p, slip_data(s, e)).id).id
           for p, (s, e) in zip(city.people["a"], [("2026-09-03", "2026-09-04"), ("2026-09-07", "2026-09-09"),
                                                   ("2026-09-10", "2026-09-10")])]
    service.apply(city.op("town_clerk", "b"), city.people["b"][0], slip_data("2026-09-03", "2026-09-04"))
    spec = jobs.registry().reports["leave.stubs"]
    paths = reports.run(spec, {"period": "2026", "town": "a"}, JobContext(None), out_dir=tmp_path)
    stem = tmp_path / "leave.stubs" / "2026" / "甲镇_2026年_请假审批单存根（年度归档）"
    assert sorted(paths) == [stem.with_suffix(".docx"), stem.with_suffix(".xlsx")]
    doc = docx.Document(str(stem.with_suffix(".docx")))
    assert doc.paragraphs[0].text == "甲镇协理员请假审批单存根（2026年）"
    assert len(doc.tables) == 3  # town b's slip is not in town a's archive
    assert [texts(t)[0][1] for t in doc.tables] == [p.name for p in city.people["a"][:3]]
    ws = openpyxl.load_workbook(stem.with_suffix(".xlsx")).active
    assert ws["A1"].value == "甲镇协理员请假登记表（2026年）" and "合计 6 天" in ws["A2"].value
    assert [ws.cell(r, 7).value for r in (4, 5, 6)] == [2, 3, 1] and len(ids) == 3


def test_a_city_run_writes_each_towns_stubs_and_the_citys_register(city, today, tmp_path):
    """Issue 21: a city prints stubs town by town; the city keeps the register of every slip."""
    clerk_a, clerk_b = city.op("town_clerk", "a"), city.op("town_clerk", "b")
    signed = approve_all(city, service.apply(clerk_a, city.people["a"][0], slip_data("2026-09-07", "2026-09-09")).id)
    service.apply(clerk_b, city.people["b"][0], slip_data("2026-09-03", "2026-09-04"))
    spec = jobs.registry().reports["leave.stubs"]
    paths = reports.run(spec, {"period": "2026", "town": None}, JobContext(None), out_dir=tmp_path)
    folder = tmp_path / "leave.stubs" / "2026"
    names = sorted(p.name for p in paths)
    assert names == sorted([f"{town}_2026年_请假审批单存根（年度归档）.{fmt}" for town in ("甲镇", "乙镇")
                            for fmt in ("docx", "xlsx")] + ["新沂市_2026年_请假审批单存根（年度归档）.xlsx"])
    town_a = docx.Document(str(folder / "甲镇_2026年_请假审批单存根（年度归档）.docx"))
    assert [texts(t)[0][1] for t in town_a.tables] == [city.people["a"][0].name]
    # the stub in the town's archive shows who signed, as the slip printed alone does
    alone = docx.Document(str(documents.print_slip(clerk_a, signed.id, tmp_path / "alone")))
    assert texts(town_a.tables[0]) == texts(alone.tables[0])
    ws = openpyxl.load_workbook(folder / "新沂市_2026年_请假审批单存根（年度归档）.xlsx").active
    assert ws["A3"].value == "序号" and ws["C3"].value == "镇（街道）"
    assert [(ws.cell(r, 2).value, ws.cell(r, 3).value) for r in (4, 5)] == [
        (city.people["a"][0].name, "甲镇"), (city.people["b"][0].name, "乙镇")]
