"""Roster import (.xlsx / .csv, UTF-8 or GBK): all rows or none, every bad row named."""
from __future__ import annotations

import csv
import datetime as dt
import random

import pytest
from openpyxl import Workbook

from xinyi_core import importer
from xinyi_core.demo import fake_id_number
from xinyi_core.errors import PermissionDenied, XinyiError
from xinyi_core.models import AuditLog, Person, Post

HEADER = ["序号", "姓名", "性别", "身份证号码", "手机号码", "镇（街道）", "村（社区）", "政治面貌", "学历", "上岗时间"]
rng = random.Random(42)


def row(name: str, town: str = "甲镇", village: str = "甲镇1村", *, id_number: str | None = None,
        phone: str = "13905161234", sex: str = "男", joined: object = "2021-03-01") -> list:
    number = id_number or fake_id_number(rng, "320381", dt.date(1990, 4, 12), sex == "男")
    return [0, name, sex, number, phone, town, village, "群众", "大专", joined]


def write_xlsx(path, rows: list[list], header: list[str] = HEADER):
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def write_csv(path, rows: list[list], encoding: str, header: list[str] = HEADER):
    with open(path, "w", encoding=encoding, newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_good_xlsx_imports_every_row(city, tmp_path):
    before = Person.select().count()
    rows = [row("钱多多", joined=dt.datetime(2021, 3, 1)),  # a real date cell
            row("孙丽", "乙镇", "乙镇2村", sex="女", phone=13905160000),  # phone typed as a number
            row("欧阳娜娜", "乙镇", "乙镇2村", sex="女", phone="+86 139 0516 0001")]
    result = importer.import_people(write_xlsx(tmp_path / "花名册.xlsx", rows), city.op("city_office"))
    assert result.imported == 3 and Person.select().count() == before + 3
    qian = Person.get(Person.name == "钱多多")
    assert (qian.village_id, qian.joined_on, qian.status, qian.sex) == (city.villages["a"][0].id, dt.date(2021, 3, 1),
                                                                      "on_duty", "M")
    assert qian.post_id == city.vacant["a"].id  # the existing vacancy is filled first
    assert Post.get_by_id(city.vacant["a"].id).vacant_since is None
    assert Person.get(Person.name == "孙丽").phone == "13905160000"
    assert Person.get(Person.name == "欧阳娜娜").phone == "13905160001"
    assert AuditLog.select().where((AuditLog.action == "people.import") & (AuditLog.person_id == qian.id)).exists()


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_good_csv_imports_in_gbk_and_utf8(city, tmp_path, encoding):
    rows = [row("周杰", "乙镇", "乙镇1村"), row("吴敏", sex="女")]
    result = importer.import_people(write_csv(tmp_path / "roster.csv", rows, encoding))
    assert result.imported == 2
    assert {p.name for p in Person.select().where(Person.name << ["周杰", "吴敏"])} == {"周杰", "吴敏"}


def test_bad_rows_are_all_reported_and_nothing_is_imported(city, tmp_path):
    good = row("郑好")
    wrong_check = row("王错")
    wrong_check[3] = wrong_check[3][:-1] + ("1" if wrong_check[3][-1] != "1" else "2")
    rows = [
        good,  # row 2
        wrong_check,  # row 3
        row("李外", "丙镇", "丙镇1村"),  # row 4: unknown town
        row("张村", "甲镇", "乙镇1村"),  # row 5: village of another town
        row("郑好", id_number=good[3]),  # row 6: same ID as row 2
        row("老员工", id_number=city.people["b"][0].id_number),  # row 7: already in the database
        row("座机", phone="0516-88881234"),  # row 8: a landline
        row("性别错", sex="女", id_number=fake_id_number(rng, "320381", dt.date(1991, 1, 1), True)),  # row 9
    ]
    path = write_csv(tmp_path / "roster.csv", rows, "gbk")
    before = Person.select().count()
    with pytest.raises(importer.ImportFailed) as exc:
        importer.import_people(path, city.op("city_office"))
    found = {(e.row, e.field) for e in exc.value.errors}
    assert found == {(3, "id_number"), (4, "town"), (5, "village"), (6, "id_number"), (7, "id_number"),
                     (8, "phone"), (9, "sex")}
    lines = [str(e) for e in exc.value.errors]
    assert "第 3 行 身份证号：身份证号校验位不对，请核对" in lines
    assert any("第 4 行" in s and "丙镇" in s for s in lines)
    assert any("第 6 行" in s and "第 2 行" in s for s in lines)
    assert any("第 7 行" in s and "已登记" in s for s in lines)
    assert "未导入任何数据" in str(exc.value)
    assert Person.select().count() == before  # not even the good row 2
    assert not Person.select().where(Person.name == "郑好").exists()


def test_same_bad_file_as_xlsx(city, tmp_path):
    rows = [row("郑好"), row("李外", "丙镇", "丙镇1村")]
    with pytest.raises(importer.ImportFailed) as exc:
        importer.import_people(write_xlsx(tmp_path / "r.xlsx", rows))
    assert [(e.row, e.field) for e in exc.value.errors] == [(3, "town")]
    assert not Person.select().where(Person.name == "郑好").exists()


def test_missing_columns_and_unreadable_files(city, tmp_path):
    header = [h for h in HEADER if h not in ("身份证号码", "村（社区）")]
    with pytest.raises(XinyiError) as exc:
        importer.import_people(write_xlsx(tmp_path / "r.xlsx", [["张三"] * len(header)], header))
    assert "缺少必需的列" in str(exc.value) and "身份证号" in str(exc.value) and "村（社区）" in str(exc.value)
    (tmp_path / "fake.xlsx").write_bytes(b"not a zip")
    with pytest.raises(XinyiError) as exc:
        importer.import_people(tmp_path / "fake.xlsx")
    assert "Excel" in str(exc.value)
    (tmp_path / "r.txt").write_text("x")
    with pytest.raises(XinyiError):
        importer.import_people(tmp_path / "r.txt")


def test_only_the_city_imports(city, tmp_path):
    path = write_csv(tmp_path / "roster.csv", [row("周杰")], "gbk")
    with pytest.raises(PermissionDenied):
        importer.import_people(path, city.op("town_head", "a"))  # ORG-3: hiring is the city's
    assert not Person.select().where(Person.name == "周杰").exists()
