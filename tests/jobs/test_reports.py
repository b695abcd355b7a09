"""Reports: one result per (report, period, town), atomic replacement, and the files
themselves — opened with openpyxl / python-docx and checked where a town office would look."""
from __future__ import annotations

import os
import subprocess
import sys

import docx
import openpyxl
import pytest
from docx.oxml.ns import qn

from xinyi_core import export, jobs, mask_id, mask_phone, runtime
from xinyi_core.jobs import JobRecord
from xinyi_core.models import Person


def roster(unit: str, period: str = "2026年10月") -> list[str]:
    """The roster's two files of a unit, named for people (no town codes, no ids)."""
    return [f"{unit}_{period}_协理员花名册.docx", f"{unit}_{period}_协理员花名册.xlsx"]


def report_files(rt, period="2026-10"):
    folder = rt.config.report_dir / "core.roster" / period
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_same_report_enqueued_three_times_gives_one_result(jobs_city, wait_for):
    rt = runtime()
    clerk = jobs_city.op("town_clerk", "a")
    records = [jobs.submit(clerk, "core.roster", period="2026-10") for _ in range(3)]
    for r in records:
        wait_for(r.id, lambda x: x.state == "done")
    assert report_files(rt) == roster("甲镇")  # no second copy, no temporary file left
    done = JobRecord.get_by_id(records[-1].id)
    assert sorted(os.path.basename(p) for p in done.outputs) == roster("甲镇")


@pytest.mark.parametrize("queue", ["redis"])
def test_duplicates_queued_together_are_one_job(queue, tmp_path, database_url):
    """Submitted while no worker is running yet: the three requests are one job."""
    from jobhelpers import start_runtime
    from xinyi_core import lifecycle, testing
    from xinyi_core.jobs import broker

    start_runtime(tmp_path, database_url, redis_url=os.environ.get("XINYI_TEST_REDIS_URL",
                                                                   "redis://127.0.0.1:6379/15"))
    try:
        city = testing.build_city()
        clerk = city.op("town_clerk", "a")
        ids = {jobs.submit(clerk, "core.roster", period="2026-10").id for _ in range(3)}
        assert len(ids) == 1 and JobRecord.select().count() == 1
        broker.stop()
        broker.start(worker_threads=2)
        from jobhelpers import wait_for

        wait_for(ids.pop(), lambda r: r.state == "done")
        assert report_files(runtime()) == roster("甲镇")
    finally:
        lifecycle.shutdown()


@pytest.mark.parametrize("queue", ["inprocess"])
def test_a_rerun_replaces_the_file_atomically(jobs_city, wait_for):
    rt = runtime()
    city = jobs_city.op("city_office")
    first = wait_for(jobs.submit(city, "core.roster", period="2026-10", town="b").id, lambda r: r.state == "done")
    path = rt.config.report_dir / "core.roster" / "2026-10" / "乙镇_2026年10月_协理员花名册.xlsx"
    before = os.stat(path).st_ino
    second = jobs.retry(city, first.id)
    wait_for(second.id, lambda r: r.state == "done")
    assert os.stat(path).st_ino != before  # a new file renamed over the old one, not rewritten in place
    assert report_files(rt) == roster("乙镇")


def test_atomic_path_leaves_the_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "r" / "a.xlsx"
    target.parent.mkdir()
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with export.atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old" and os.listdir(target.parent) == ["a.xlsx"]


@pytest.mark.parametrize("queue", ["inprocess"])
def test_roster_xlsx_is_laid_out_for_printing(jobs_city, wait_for):
    record = wait_for(jobs.submit(jobs_city.op("town_head", "a"), "core.roster", period="2026-10").id,
                      lambda r: r.state == "done")
    xlsx = next(p for p in record.outputs if p.endswith(".xlsx"))
    ws = openpyxl.load_workbook(xlsx).active
    assert ws["A1"].value == "甲镇村（社区）人社基层服务平台协理员花名册"
    assert "A1:I1" in {str(r) for r in ws.merged_cells.ranges}
    assert "2026年10月" in ws["A2"].value and "4人" in ws["A2"].value
    assert [c.value for c in ws[3]] == ["序号", "姓名", "性别", "出生年月", "身份证号码", "联系电话",
                                        "所在村（社区）", "状态", "入职日期"]
    # a town's roster prints ID numbers and phones masked; only the city's has them in full
    people = {mask_id(p.id_number): p for p in Person.select().where(Person.town == jobs_city.towns[0].id)}
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_row=7)]
    assert {r[4] for r in rows} == set(people)
    for r in rows:
        p = people[r[4]]
        assert r[1] == p.name and r[2] == ("男" if p.sex == "M" else "女")
        assert r[3] == f"{p.birth_date:%Y.%m}" and r[5] == mask_phone(p.phone)
        assert r[7] == "在岗" and r[8] == "2020.01.01"
    assert ws["B4"].font.name == "宋体" and ws["A1"].font.name == "黑体"
    assert ws["B4"].border.left.style == "thin"
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$1:$3"
    assert ws.print_area.endswith("$A$1:$I$8")  # title, note, header, 4 people, date line
    assert "&P" in ws.oddFooter.center.text
    assert ws.column_dimensions["E"].width >= 20  # 18-digit ID numbers fit


@pytest.mark.parametrize("queue", ["inprocess"])
def test_roster_for_the_whole_city_is_one_word_roster_per_town_and_the_complete_xlsx(jobs_city, wait_for):
    """Issue 21: a city prints its roster town by town — a city-wide run writes each town's Word
    roster (the same file that town's own run writes) and one .xlsx of every person."""
    record = wait_for(jobs.submit(jobs_city.op("city_office"), "core.roster", period="2026-10").id,
                      lambda r: r.state == "done")
    assert record.title == "协理员花名册（新沂市，2026-10）"
    folder = runtime().config.report_dir / "core.roster" / "2026-10"
    names = sorted(os.path.basename(p) for p in record.outputs)
    towns = {t.code: t.name for t in jobs_city.towns}
    assert names == sorted([f"{name}_2026年10月_协理员花名册.docx" for name in towns.values()]
                           + ["新沂市_2026年10月_协理员花名册.xlsx"])  # the city's name, not its code
    assert sorted(p.name for p in folder.iterdir()) == names  # nothing else, no temporary file left
    for town in jobs_city.towns:
        doc = docx.Document(str(folder / f"{town.name}_2026年10月_协理员花名册.docx"))
        assert doc.paragraphs[0].text == f"{town.name}村（社区）人社基层服务平台协理员花名册"
        table = doc.tables[0]
        assert [c.text for c in table.rows[0].cells][:3] == ["序号", "姓名", "性别"]
        assert "镇（街道）" not in [c.text for c in table.rows[0].cells]  # one town's table
        theirs = Person.select().where(Person.town == town.id)
        assert sorted(r.cells[1].text for r in table.rows[1:]) == sorted(p.name for p in theirs)
        # the town's own file: masked as that town's run prints it
        assert {r.cells[4].text for r in table.rows[1:]} == {mask_id(p.id_number) for p in theirs}
        section = doc.sections[0]
        assert round(section.page_width.mm) == 297 and round(section.page_height.mm) == 210  # A4 landscape
        assert doc.styles["Normal"].element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋"
    ws = openpyxl.load_workbook(folder / "新沂市_2026年10月_协理员花名册.xlsx").active
    assert ws["A1"].value == "新沂市村（社区）人社基层服务平台协理员花名册"
    header = [c.value for c in ws[3]]
    assert "镇（街道）" in header  # city-wide lists the town
    body = [[c.value for c in row] for row in ws.iter_rows(min_row=4) if isinstance(row[0].value, int)]
    assert [r[0] for r in body] == list(range(1, Person.select().count() + 1))
    by_name = {p.id_number: p for p in Person.select()}
    assert {r[4] for r in body} == set(by_name)  # every person, numbers in full
    town_col = header.index("镇（街道）")
    assert all(r[town_col] == by_name[r[4]].town.name for r in body)


@pytest.mark.parametrize("queue", ["inprocess"])
def test_full_numbers_only_where_the_form_needs_them_and_as_configured(jobs_city, wait_for):
    """Issue 20 item 2: the city's roster keeps full 身份证号 and phones (the form needs them), a town's
    roster masks them; ``[privacy] full_numbers`` changes it per report."""
    def numbers(op, town=None):
        record = wait_for(jobs.submit(op, "core.roster", period="2026-10", town=town).id,
                          lambda r: r.state == "done")
        ws = openpyxl.load_workbook(next(p for p in record.outputs if p.endswith(".xlsx"))).active
        return {(r[4].value, r[5].value) for r in ws.iter_rows(min_row=4) if r[4].value}

    everyone = {(p.id_number, p.phone) for p in Person.select()}
    town_a = {(p.id_number, p.phone) for p in Person.select().where(Person.town == jobs_city.towns[0].id)}
    city, head = jobs_city.op("city_office"), jobs_city.op("town_head", "a")
    assert numbers(city) == everyone
    masked = {(mask_id(i), mask_phone(p)) for i, p in town_a}
    assert numbers(head) == masked and all("********" in i and "****" in p for i, p in masked)
    assert numbers(city, "a") == masked  # the city asking for one town's roster: that form masks them too
    runtime().config.full_numbers["core.roster"] = "all"
    try:
        assert numbers(head) == town_a
        runtime().config.full_numbers["core.roster"] = "none"
        assert numbers(city) == {(mask_id(i), mask_phone(p)) for i, p in everyone}
    finally:
        runtime().config.full_numbers.pop("core.roster")


def test_docx_form_spans_and_opinion_rows(tmp_path):
    doc = export.document()
    export.docx_title(doc, "协理员请假条")
    layout = [
        [export.FormCell("姓名", bold=True), export.FormCell("张三"), export.FormCell("工作单位", bold=True),
         export.FormCell("甲镇1村")],
        [export.FormCell("请假事由", bold=True, rows=2), export.FormCell("家中有事", span=3, left=True)],
        [export.FormCell("（续）", span=3)],
        export.opinion_cells("镇中心意见", 4),
    ]
    export.docx_form(doc, layout, ncols=4)
    path = export.save_docx(doc, tmp_path / "slip.docx")
    table = docx.Document(path).tables[0]
    assert table.cell(0, 1).text == "张三"
    assert table.cell(1, 0).text == table.cell(2, 0).text == "请假事由"  # merged downwards
    assert table.cell(1, 1).text == table.cell(1, 3).text == "家中有事"  # merged across
    assert table.cell(3, 0).text == "镇中心意见" and "年" in table.cell(3, 2).text


def test_xlsx_opinion_block_and_cjk_widths(tmp_path):
    wb, ws = export.workbook()
    export.title_row(ws, 1, "协理员离职登记表", 6)
    nxt = export.opinion_block(ws, 2, "村（社区）意见", 6, seal=True)
    widths = export.fit_widths(ws, [["新沂市新安街道"], ["abc"]])
    export.page_setup(ws)
    path = export.save_xlsx(wb, tmp_path / "f.xlsx")
    ws2 = openpyxl.load_workbook(path).active
    assert nxt == 3 and ws2["A2"].value == "村（社区）意见" and "盖章" in ws2["C2"].value
    assert widths == [16, 6] and ws2.page_setup.orientation == "portrait"


@pytest.mark.parametrize("queue", ["inprocess"])
def test_cli_report_now_writes_to_out(jobs_city, tmp_path):
    rt = runtime()
    cfg = tmp_path / "cli.toml"
    cfg.write_text(f'[paths]\ndata_dir = "data"\n[database]\nurl = "{rt.config.database_url}"\n', "utf-8")
    if not rt.config.database_url.startswith("sqlite"):
        pytest.skip("the CLI test reads the SQLite file")
    out = tmp_path / "out"
    env = {**os.environ, "XINYI_CONFIG": str(cfg), "XINYI_REDIS_URL": ""}
    run = subprocess.run([sys.executable, "-m", "xinyi_core.cli", "report", "core.roster", "--period", "2026-09",
                          "--town", "b", "--out", str(out), "--operator", "city_office"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "已生成" in run.stdout
    assert sorted(p.name for p in (out / "core.roster" / "2026-09").iterdir()) == roster("乙镇", "2026年9月")
    bad = subprocess.run([sys.executable, "-m", "xinyi_core.cli", "report", "core.roster", "--period", "2026-13",
                          "--operator", "city_office"], env=env, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1 and "格式不正确" in bad.stderr


def test_a_word_table_keeps_every_row_its_text_and_its_font(tmp_path):
    """docx_table writes the body as copies of one formatted row: every value in its cell, in 宋体,
    the header repeated on each page, widths kept — also for empty, space-padded and markup-like values."""
    doc = docx.Document()
    rows = [[i, f"协理员{i}", None if i == 2 else "<甲&乙>" if i == 3 else " 村 "] for i in range(1, 301)]
    export.docx_table(doc, ["序号", "姓名", "村（社区）"], rows, widths_cm=[1.2, 3, 4])
    doc.save(tmp_path / "t.docx")
    table = docx.Document(tmp_path / "t.docx").tables[0]
    got = [[c.text for c in r.cells] for r in table.rows]
    assert got[0] == ["序号", "姓名", "村（社区）"] and len(got) == 301
    assert got[1] == ["1", "协理员1", " 村 "] and got[2] == ["2", "协理员2", ""] and got[300][1] == "协理员300"
    assert got[3][2] == "<甲&乙>"
    last = table.rows[300]
    assert last.cells[1].paragraphs[0].runs[-1]._element.rPr.rFonts.get(qn("w:eastAsia")) == "宋体"
    assert abs(last.cells[2].width.cm - 4) < 0.01
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None


def test_files_are_named_for_people_and_kept_unique(tmp_path):
    """Issue 18: 新安街道_2026年11月_月度考勤汇总.xlsx; another record's file of that name gets _2."""
    assert export.file_name("新安街道", "2026年11月", "月度考勤汇总", suffix="xlsx") == "新安街道_2026年11月_月度考勤汇总.xlsx"
    assert export.file_name("请假单", "郭 伟志", "", "a/b:c", suffix=".docx") == "请假单_郭伟志_abc.docx"  # PC-safe
    first = export.named_path(tmp_path, "请假单", "郭伟志", "2026-12-07", suffix="docx", key="leave:1")
    assert first == tmp_path / "请假单_郭伟志_2026-12-07.docx"
    doc = export.document()
    export.docx_title(doc, "第一份")
    export.save_docx(doc, first, key="leave:1")
    assert export.named_path(tmp_path, "请假单", "郭伟志", "2026-12-07", suffix="docx", key="leave:1") == first
    second = export.named_path(tmp_path, "请假单", "郭伟志", "2026-12-07", suffix="docx", key="leave:2")
    assert second.name == "请假单_郭伟志_2026-12-07_2.docx"
    wb, _ = export.workbook()
    export.save_xlsx(wb, tmp_path / "表.xlsx", key="sheet:9")
    assert export.file_key(tmp_path / "表.xlsx") == "sheet:9" and export.file_key(first) == "leave:1"
    assert export.named_path(tmp_path, "表", suffix="xlsx") == tmp_path / "表_2.xlsx"  # no key: never overwrite
    assert docx.Document(str(first)).paragraphs[0].text == "第一份"


def test_a_report_or_job_looked_up_by_name_is_exactly_the_registrys(jobs_city):
    """``xinyi report NAME`` asks only the plugin its name begins with (no other plugin's report code
    is imported for it); what it finds is what the whole registry holds, for every name — the core's,
    each plugin's and a name under another prefix alike — and an unknown name is still unknown."""
    from xinyi_core.jobs import specs

    reg = specs.registry()
    names = [*reg.reports, *reg.actors]
    assert any(reg.plugin_of(n) for n in names) and any(not reg.plugin_of(n) for n in names)
    for name in names:
        specs._cache = None  # as a freshly started command finds it
        assert specs.lookup(name) == (reg.reports.get(name) or reg.actors.get(name)), name
    specs._cache = None
    assert specs.lookup("attendance.no_such_report") is None and specs.lookup("nonsense") is None
    with pytest.raises(jobs.NotFound):
        jobs.submit(jobs_city.op("town_clerk", "a"), "attendance.no_such_report")


def test_a_streamed_lists_rows_are_the_cells_openpyxl_itself_writes(tmp_path, monkeypatch):
    """export._RowWriter makes a list's body rows at once: what Excel or WPS opens must be what openpyxl's
    own cells make of the same values, byte for byte — texts kept as texts (one that looks like a formula or
    an error code too), numbers as numbers, spaces kept, empty cells styled — and what it must not write
    (a character openpyxl refuses) refused the same way."""
    import zipfile

    rows = [[1, "张三", None, "", " 前有空格", 3.5, 320381, "=1+2", "#N/A", "x"],
            [2, "李四", "后有空格 ", 0, -1.25, None, "", "a\tb", "两行\n文本", 7],
            [3, "王五", float("nan"), "好", 1e300, 2, 3, 4, 5, 6, 7, 8]] * 40
    columns = [export.Column(f"列{i}", 8, left=i % 2 == 0) for i in range(10)]
    written = {}
    for fast in (True, False):
        monkeypatch.setattr(export, "FAST_ROWS", fast)
        wb, ws = export.workbook(write_only=True)
        ws.title = "名单"
        export.table_sheet(ws, title="标题", note="说明", columns=columns, rows=rows, footer_note="制表")
        path = tmp_path / f"{fast}.xlsx"
        wb.save(path)
        with zipfile.ZipFile(path) as z:
            written[fast] = (z.read("xl/worksheets/sheet1.xml"), z.read("xl/styles.xml"))
    assert written[True] == written[False]
    cells = list(openpyxl.load_workbook(tmp_path / "True.xlsx")["名单"].iter_rows(min_row=4, max_row=6, values_only=True))
    assert cells[0][:9] == (1, "张三", None, None, " 前有空格", 3.5, 320381, "=1+2", "#N/A")
    assert cells[1][2] == "后有空格 " and cells[1][8] == "两行\n文本"
    wb, ws = export.workbook(write_only=True)
    with pytest.raises(openpyxl.utils.exceptions.IllegalCharacterError):
        export.table_sheet(ws, title="标题", note="说明", columns=columns[:2], rows=[[1, "坏\x01字"]])
