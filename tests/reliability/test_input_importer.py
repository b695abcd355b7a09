"""Bad input (issue 11): the roster importer with malformed .xlsx/.csv — a clear error, nothing half-imported.

Importers in the project (grep read_rows / load_workbook / csv): only
``xinyi_core.importer`` (``xinyi import people`` and ``importer.import_people``); the
plugins export documents but import none.

Every file here is a real file written to disk and imported into a real database — SQLite
and PostgreSQL through the ``backend`` parametrisation of a module-scoped city (built once
per backend: these tests only compare counts before and after). "Nothing imported" is
checked on every table an import writes: person, post, post_assignment, audit_log.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from _input_helpers import DB, chinese, clear_error
from xinyi_core import db, importer, lifecycle, testing, validators
from xinyi_core.errors import XinyiError
from xinyi_core.models import AuditLog, Person, Post, PostAssignment

HEADER = ["序号", "姓名", "性别", "身份证号码", "手机号码", "镇（街道）", "村（社区）", "政治面貌", "学历", "上岗时间"]
XINYI = str(Path(sys.executable).with_name("xinyi"))
rng = random.Random(11)
_seq = iter(range(10**6))


def new_id(birth: dt.date = dt.date(1990, 4, 12), male: bool = True) -> str:
    """A valid ID number never used before in this module (its sequence number is unique)."""
    n = next(_seq)
    first17 = f"32038{n // 500 % 10}{birth:%Y%m%d}{(2 * (n % 500) + male) % 1000:03d}"
    return first17 + validators.id_check_digit(first17)


def row(name: str = "钱多多", town: str = "甲镇", village: str = "甲镇1村", *, id_number: str | None = None,
        phone: object = "13905161234", joined: object = "2021-03-01") -> list:
    return [0, name, "男", id_number or new_id(), phone, town, village, "群众", "大专", joined]


def write_xlsx(path: Path, rows: list[list], header: list | None = HEADER, *, title: str | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    if title:  # a merged title row above the header, as town offices print them
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADER))
    if header is not None:
        ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list], encoding: str = "gbk", header: list = HEADER) -> Path:
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(header)
    w.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


# --------------------------------------------------------------------------- one city per backend

@pytest.fixture(scope="module", params=["sqlite", "postgres"] if os.environ.get(testing.PG_ENV) else ["sqlite"])
def roster_city(request, tmp_path_factory):
    """The test city of ``xinyi_core.testing`` with every plugin, once per backend for the module."""
    folder = tmp_path_factory.mktemp(f"roster-{request.param}")
    admin = schema = None
    url = f"sqlite:///{folder / 'xinyi.db'}"
    if request.param == "postgres":
        url, schema = testing.postgres_url(os.environ[testing.PG_ENV])
        admin = db.make_database(os.environ[testing.PG_ENV])
        admin.execute_sql(f"CREATE SCHEMA {schema}")
    testing.start(testing.make_config(folder, url))
    try:
        city = testing.build_city()
        city.folder, city.url = folder, url
        yield city
    finally:
        lifecycle.shutdown()
        if admin is not None:
            admin.execute_sql(f"DROP SCHEMA {schema} CASCADE")
            admin.close()


@pytest.fixture
def city(roster_city):
    """The module's city (this module's tests compare counts, so they can share it)."""
    return roster_city


def counts() -> dict[str, int]:
    return {m.__name__: m.select().count() for m in (Person, Post, PostAssignment, AuditLog)}


def refused(city, path: Path, *quoted: object) -> XinyiError:
    """Import ``path`` as the city office: a clear Chinese error, and not one row written anywhere."""
    before = counts()
    with pytest.raises(XinyiError) as exc:
        importer.import_people(path, city.op("city_office"))
    clear_error(exc.value, path, *quoted)
    for line in getattr(exc.value, "errors", []):
        clear_error_line(str(line), *quoted)
    assert counts() == before, f"{path.name}: something was written"
    return exc.value


def clear_error_line(line: str, *quoted: object) -> None:
    assert line.startswith("第 ") and " 行 " in line, line  # "第 3 行 身份证号：…"
    chinese(line, *quoted)


def imported(city, path: Path, n: int) -> None:
    before = counts()
    result = importer.import_people(path, city.op("city_office"))
    assert result.imported == n
    after = counts()
    assert after["Person"] == before["Person"] + n and after["PostAssignment"] == before["PostAssignment"] + n


def row_errors(exc: XinyiError) -> set[tuple[int, str]]:
    assert isinstance(exc, importer.ImportFailed), exc
    return {(e.row, e.field) for e in exc.errors}


# --------------------------------------------------------------------------- columns and duplicates

def test_missing_columns_are_named_and_nothing_is_imported(city, tmp_path):
    header = [h for h in HEADER if h not in ("身份证号码", "村（社区）")]
    exc = refused(city, write_xlsx(tmp_path / "r.xlsx", [["张三"] * len(header)], header))
    assert exc.key == "import.missing_columns" and "身份证号" in str(exc) and "村（社区）" in str(exc)


def test_a_column_named_twice_is_refused_naming_the_header_row_and_both_columns(city, tmp_path):
    header = HEADER + ["身份证号码"]  # which of D and K holds the real number? Neither is guessed
    exc = refused(city, write_csv(tmp_path / "r.csv", [row() + [new_id()]], "utf-8", header), "身份证号码")
    assert exc.key == "import.duplicate_column"
    assert "第 1 行" in str(exc) and "D、K" in str(exc)


def test_extra_and_reordered_columns_and_spaced_headers_import(city, tmp_path):
    header = ["备注", "村（社区）", "镇(街道)", "手机号码", "身份证号码", "姓 名", "家庭住址"]
    rows = [["", "甲镇2村", "甲镇", "13905160001", new_id(), "钱一一", "新沂市"],
            ["调入", "乙镇1村", "乙镇", "13905160002", new_id(), "钱二二", ""]]
    imported(city, write_xlsx(tmp_path / "r.xlsx", rows, header), 2)


def test_the_same_person_twice_in_the_file_or_already_registered_imports_nobody(city, tmp_path):
    twice = new_id()
    rows = [row("郑一", id_number=twice), row("郑二"), row("郑三", id_number=twice.lower()),  # rows 2, 3, 4
            row("郑四", id_number=city.people["a"][0].id_number)]  # row 5: already in the database
    exc = refused(city, write_xlsx(tmp_path / "r.xlsx", rows))
    assert row_errors(exc) == {(4, "id_number"), (5, "id_number")}
    lines = [str(e) for e in exc.errors]
    assert any(s.startswith("第 4 行 身份证号") and "第 2 行" in s for s in lines)
    assert any(s.startswith("第 5 行 身份证号") and "已登记" in s for s in lines)
    assert not Person.select().where(Person.name == "郑二").exists()


# --------------------------------------------------------------------------- encodings

@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8", "utf-16"])
def test_csv_in_every_encoding_excel_writes_imports(city, tmp_path, encoding):
    rows = [row("䶮明" if encoding in ("gb18030", "utf-8", "utf-16") else "周明"), row("吴敏", "乙镇", "乙镇2村")]
    imported(city, write_csv(tmp_path / "r.csv", rows, encoding), 2)


def test_excel_unicode_text_tab_separated_utf16_imports(city, tmp_path):
    lines = ["\t".join(HEADER), "\t".join(str(v) for v in row("吕方"))]
    path = tmp_path / "r.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-16"))
    imported(city, path, 1)


@pytest.mark.parametrize("raw", [
    random.Random(3).randbytes(4000),  # garbage
    "\r\n".join([",".join(HEADER), ",".join(map(str, row()))]).encode("utf-16-le"),  # UTF-16 without BOM
    b"\x00\x01\x02" * 100 + ",".join(HEADER).encode("gbk"),
], ids=["garbage", "utf16-no-bom", "binary-prefix"])
def test_bytes_that_are_no_text_are_a_clear_encoding_error(city, tmp_path, raw):
    assert refused(city, _write(tmp_path / "r.csv", raw)).key == "import.bad_encoding"


def _write(path: Path, raw: bytes) -> Path:
    path.write_bytes(raw)
    return path


@pytest.mark.parametrize("tail", [
    '2,"钱多多,男\n' + "x\n" * 3,  # a quote never closed swallows the file …
    "3," + '"' + "x" * 200_000 + '"\n',  # … or a cell of 200 KB (csv's limit is 128 KB)
], ids=["unclosed-quote", "huge-cell"])
def test_a_csv_that_cannot_be_parsed_names_the_row(city, tmp_path, tail):
    body = ",".join(HEADER) + "\n" + ",".join(map(str, row())) + "\n" + tail
    exc = refused(city, _write(tmp_path / "r.csv", body.encode("utf-8")))
    assert exc.key == "import.bad_csv" and "第 3 行" in str(exc)  # the row where the damage starts


# --------------------------------------------------------------------------- damaged workbooks

def _good_xlsx(tmp_path: Path) -> bytes:
    return write_xlsx(tmp_path / "good.xlsx", [row("钱多多")]).read_bytes()


def _rezip(raw: bytes, change: dict[str, bytes | None]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            data = change.get(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info, data)
    return out.getvalue()


DAMAGE = {
    "random-bytes": lambda good: random.Random(5).randbytes(5000),
    "truncated": lambda good: good[: len(good) // 2],
    "zip-not-xlsx": lambda good: _rezip(good, {n: None for n in zipfile.ZipFile(io.BytesIO(good)).namelist()
                                              if n != "xl/worksheets/sheet1.xml"}),
    "broken-sheet-xml": lambda good: _rezip(good, {"xl/worksheets/sheet1.xml": zipfile.ZipFile(
        io.BytesIO(good)).read("xl/worksheets/sheet1.xml")[:300]}),
    "broken-workbook-xml": lambda good: _rezip(good, {"xl/workbook.xml": b"<<<not xml"}),
    "broken-content-types": lambda good: _rezip(good, {"[Content_Types].xml": b"<Types"}),
    "empty-file": lambda good: b"",
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_xlsx_is_a_clear_error_never_a_traceback(city, tmp_path, damage):
    path = _write(tmp_path / "花名册.xlsx", DAMAGE[damage](_good_xlsx(tmp_path)))
    assert refused(city, path).key in ("import.bad_xlsx", "import.empty")


def test_an_id_excel_stored_as_a_number_is_refused_not_imported_with_wrong_digits(city, tmp_path):
    number = next(n for n in iter(new_id, None) if not n.endswith("X"))
    as_float = float(number)  # what Excel keeps: 15 significant digits, e.g. 3.20381199004121E+17
    rows = [row("钱多多"), row("钱少少", id_number=as_float), row("钱正好", id_number=int(new_id().rstrip("X") + "0")),
            row("钱文本", id_number=number)]  # row 5: the same number as text is fine
    exc = refused(city, write_xlsx(tmp_path / "r.xlsx", rows))
    assert row_errors(exc) == {(3, "id_number"), (4, "id_number")}  # openpyxl, like Excel, keeps a float
    assert all("文本" in str(e) for e in exc.errors)
    sci = write_csv(tmp_path / "r.csv", [row("钱多多", id_number=f"{as_float:.14E}")])  # as Excel saves CSV
    assert row_errors(refused(city, sci)) == {(2, "id_number")}


def test_formulas_without_values_and_date_serials_are_row_errors(city, tmp_path):
    rows = [row("钱多多"), row("=B2&\"二\""), row("钱三", joined=44256), row("钱四", joined=dt.datetime(2021, 3, 1))]
    exc = refused(city, write_xlsx(tmp_path / "r.xlsx", rows))
    assert row_errors(exc) == {(3, "name"), (4, "joined_on")}  # a formula Excel never computed; a bare serial
    assert any(str(e).startswith("第 3 行 姓名：必填") for e in exc.errors)


def test_title_row_merged_cells_blank_and_numbered_rows_import(city, tmp_path):
    rows = [row("钱甲"), [None] * 10, [3] + [None] * 9, row("钱乙", phone=13905161111), [None] * 10, [5], [6]]
    imported(city, write_xlsx(tmp_path / "r.xlsx", rows, title="新沂市协理员花名册（2026年）"), 2)


def test_several_roster_sheets_are_refused_one_among_notes_imports(city, tmp_path):
    path = tmp_path / "r.xlsx"
    wb = Workbook()
    wb.active.title = "填表说明"
    wb.active.append(["请按模板填写，身份证号列设为文本格式"])
    for name in ("甲镇", "乙镇"):
        ws = wb.create_sheet(name)
        ws.append(HEADER)
        ws.append(row(f"{name}钱", name, f"{name}1村"))
    for i in range(20):
        wb.create_sheet(f"空表{i}")
    wb.create_sheet("模板").append(HEADER)  # a header and no rows: a blank template, not a roster
    wb.save(path)
    exc = refused(city, path, "甲镇", "乙镇")
    assert exc.key == "import.many_sheets" and "甲镇、乙镇" in str(exc)
    del wb["乙镇"]
    wb.save(path)
    imported(city, path, 1)


# --------------------------------------------------------------------------- size limits and wrong files

@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_file_over_max_bytes_is_refused_before_it_is_read(city, tmp_path, suffix):
    path = tmp_path / f"big{suffix}"
    with open(path, "wb") as f:  # a sparse file: no 20 MB actually written
        f.write(b"\xff" * 16)
        f.truncate(importer.MAX_BYTES + 1)
    exc = refused(city, path)
    assert exc.key == "import.too_large" and str(importer.MAX_BYTES // 2**20) in str(exc)


def test_a_file_over_max_rows_is_refused_without_checking_every_row(city, tmp_path):
    line = ",".join(map(str, row())) + "\n"  # the same row 50,001 times: ~4 MB, under MAX_BYTES
    path = _write(tmp_path / "r.csv", (",".join(HEADER) + "\n" + line * (importer.MAX_ROWS + 1)).encode("utf-8"))
    exc = refused(city, path)
    assert exc.key == "import.too_many_rows" and "50000" in str(exc)


def test_a_template_with_only_numbered_blank_rows_is_empty_not_a_silent_success(city, tmp_path):
    exc = refused(city, write_xlsx(tmp_path / "r.xlsx", [[i] for i in range(1, 30)], title="花名册"))
    assert exc.key == "import.empty"


def test_wrong_type_missing_file_and_folder(city, tmp_path):
    assert refused(city, _write(tmp_path / "r.xls", b"\xd0\xcf\x11\xe0"), ".xls").key == "import.bad_type"
    assert refused(city, tmp_path / "nope.csv").key == "import.no_file"
    (tmp_path / "dir.csv").mkdir()
    assert refused(city, tmp_path / "dir.csv").key == "import.no_file"


# --------------------------------------------------------------------------- properties

any_bytes = st.one_of(st.binary(max_size=2000), st.text(max_size=200).map(lambda s: s.encode("utf-8")),
                      st.text(max_size=200).map(lambda s: s.encode("gb18030")))


@DB
@given(any_bytes, st.sampled_from([".csv", ".xlsx"]))
def test_any_bytes_are_refused_clearly_and_write_nothing(city, tmp_path, raw, suffix):
    refused(city, _write(tmp_path / f"any{suffix}", raw))


cell = st.one_of(st.none(), st.text(max_size=12), st.integers(-10**18, 10**18), st.floats(allow_nan=False),
                 st.sampled_from(["甲镇", "乙镇1村", "群众", "男", "#N/A", "=1/0", "  ", "\t"]))
MUTATIONS = ("cell", "dup_row", "drop_col", "dup_col", "blank_row", "swap_cols")


@st.composite
def rosters(draw):
    """A good roster with up to three random faults; returns (header, rows)."""
    n = draw(st.integers(1, 6))
    rows = []
    for _ in range(n):
        town = draw(st.sampled_from(["甲镇", "乙镇"]))
        rows.append(row(draw(st.sampled_from(["钱多多", "欧阳娜娜", "孙丽", "阿依古丽·买买提"])), town,
                        f"{town}{draw(st.integers(1, 2))}村", phone=f"139{draw(st.integers(0, 10**8 - 1)):08d}"))
    header = list(HEADER)
    for fault in draw(st.lists(st.sampled_from(MUTATIONS), max_size=3)):
        width = len(header)
        if fault == "cell":
            rows[draw(st.integers(0, len(rows) - 1))][draw(st.integers(0, width - 1))] = draw(cell)
        elif fault == "dup_row":
            rows.append(list(rows[draw(st.integers(0, len(rows) - 1))]))
        elif fault == "blank_row":
            rows.insert(draw(st.integers(0, len(rows))), [None] * width)
        elif width > 1:
            i = draw(st.integers(0, width - 1))
            if fault == "drop_col":
                header.pop(i)
                for r in rows:
                    r.pop(i)
            elif fault == "dup_col":
                header.append(header[i])
                for r in rows:
                    r.append(r[i])
            else:
                j = draw(st.integers(0, width - 1))
                for r in [header, *rows]:
                    r[i], r[j] = r[j], r[i]
    return header, rows


def _blank(value: object, xlsx: bool) -> bool:
    """What the importer sees as an empty cell: nothing, spaces, or (xlsx) a formula Excel never computed."""
    return value is None or not str(value).strip() or xlsx and isinstance(value, str) and value.startswith("=")


@DB
@given(rosters(), st.sampled_from(["xlsx", "utf-8", "utf-8-sig", "gb18030", "utf-16"]))
def test_any_roster_imports_all_its_rows_or_none_with_every_error_in_chinese(city, tmp_path, roster, form):
    header, rows = roster
    xlsx = form == "xlsx"
    if xlsx:  # characters a worksheet cannot hold at all (openpyxl refuses to write them)
        rows = [[ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in r] for r in rows]
        path = write_xlsx(tmp_path / "p.xlsx", rows, header)
    else:
        rows = [["" if v is None else str(v) for v in r] for r in rows]
        path = write_csv(tmp_path / "p.csv", rows, form, header)
    quoted = [v for r in rows for v in r if v is not None] + header
    before = counts()
    try:
        result = importer.import_people(path, city.op("city_office"))
    except XinyiError as exc:
        clear_error(exc, path, *quoted)
        assert counts() == before  # nothing half-imported
        for e in getattr(exc, "errors", []):
            assert 2 <= e.row <= len(rows) + 1
            clear_error_line(str(e), *quoted)
        return
    after = counts()
    data_cols = [i for i, h in enumerate(header) if h != "序号"]
    assert result.imported == sum(1 for r in rows if not all(_blank(r[i], xlsx) for i in data_cols)) >= 1
    assert after["Person"] == before["Person"] + result.imported


# --------------------------------------------------------------------------- the command line

def test_the_cli_says_what_is_wrong_in_chinese_exits_1_and_imports_nothing(city, tmp_path):
    """``xinyi import people`` in a real process, on this backend's database: no traceback."""
    config = city.folder / "xinyi.toml"
    env = {k: v for k, v in os.environ.items() if not k.startswith("XINYI_")}
    env.update(XINYI_CONFIG=str(config), XINYI_DATABASE_URL=city.url)
    bad_rows = write_csv(tmp_path / "花名册.csv", [row("郑好"), row("李外", "丙镇", "丙镇1村")], "gbk")
    broken = _write(tmp_path / "花名册.xlsx", DAMAGE["broken-sheet-xml"](_good_xlsx(tmp_path)))
    before = counts()
    for path, expected in ((bad_rows, ["导入失败：1 处错误，未导入任何数据", "第 3 行 镇（街道）：没有名为“丙镇”的镇（街道）"]),
                           (broken, ["无法读取该 Excel 文件"])):
        proc = subprocess.run([XINYI, "import", "people", str(path), "--operator", "city_office"], env=env,
                              capture_output=True, text=True, timeout=60, cwd=tmp_path)
        assert proc.returncode == 1, proc.stderr
        assert "Traceback" not in proc.stderr and "Error" not in proc.stderr, proc.stderr
        for text in expected:
            assert text in proc.stderr, proc.stderr
    assert counts() == before
