"""附件5 on paper: the departure form of an ATT-6 proposal, approved, converted by LibreOffice and read
back from the PDF — one A4 page, every date on one line, the reason in words (no rule id)."""
from __future__ import annotations

import datetime as dt
import re

import docx
import pytest
from xinyi_core.testing_paper import RULE_ID, is_a4_portrait, need, overprinted, pages, text_of
from docx.shared import Length

from xinyi_core import clock, printing
from xinyi_departure import documents, service
from xinyi_departure.models import Departure

from .conftest import TODAY
from .test_departure_att6 import raise_off_post

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])  # paper does not depend on the database


def one_line(day: dt.date) -> re.Pattern[str]:
    """``2026年11月02日`` as the PDF's text has it (a space may stand between digits and 年), on one line."""
    return re.compile(r" ?".join([f"{day:%Y}", "年", f"{day:%m}", "月", f"{day:%d}", "日"]))


def approved_proposal(world):
    """An ATT-6 proposal for a person of town a, confirmed by the head and approved along the chain."""
    person = world.people["a"][1]
    with clock.frozen(TODAY):
        raise_off_post(person)
        dep = Departure.get(Departure.person == person.id)
        service.confirm(world.op("town_head", "a"), dep.id)
        for op in (world.op("village_head", "a"), world.op("town_head", "a"), world.op("city_office")):
            service.decide(op, dep.id, True, "同意")
    return Departure.get_by_id(dep.id)


def test_the_grid_gives_the_date_columns_room(world, tmp_path):
    dep = approved_proposal(world)
    path = documents.write(world.op("town_head", "a"), dep.id, tmp_path / "附件5.docx")
    table = docx.Document(str(path)).tables[0]
    widths = [round(Length(int(col.w)).cm, 2) for col in table._tbl.tblGrid.gridCol_lst]
    assert widths == list(documents.WIDTHS_CM) and round(sum(widths), 1) == 17.0  # A4 less 2 × 2 cm
    for row in table.rows:  # every cell as wide as the grid columns it spans
        assert round(sum(Length(int(tc.width)).cm for tc in row._tr.tc_lst), 1) == 17.0
    assert "ATT-6" not in dep.reason and "依法解除合同" in dep.reason


def test_the_departure_form_prints_on_one_a4_page_with_every_date_on_one_line(world, tmp_path):
    need("soffice", "pdfinfo", "pdftotext")
    dep = approved_proposal(world)
    pdf = printing.to_pdf(documents.write(world.op("town_head", "a"), dep.id, tmp_path / "附件5.docx"))
    assert pages(pdf) == 1 and is_a4_portrait(pdf)
    text = text_of(pdf)
    assert "新沂市人社基层平台协理员离职呈报单" in text and dep.person.name in text
    for day in (dep.person.joined_on, dep.planned_on, TODAY):  # joined, planned, the signers' date
        assert one_line(day).search(text), f"{day} is broken over lines"
    assert not RULE_ID.search(text)
    assert "依法解除合同" in re.sub(r"\s", "", text)
    assert not overprinted(pdf)
