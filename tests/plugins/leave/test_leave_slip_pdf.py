"""附件4 on paper: the leave slip with its stub, converted by LibreOffice and read back from the PDF —
one A4 page, both parts on it, no rule id, no line printed over another."""
from __future__ import annotations

import re

import pytest
from xinyi_core.testing_paper import RULE_ID, is_a4_portrait, need, overprinted, pages, text_of
from xinyi_leave import documents, service

from xinyi_core import printing

from .conftest import approve_all
from .conftest import slip as slip_data

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])  # paper does not depend on the database


def test_slip_and_stub_print_on_one_a4_page(city, today, tmp_path):
    need("soffice", "pdfinfo", "pdftotext")
    person = city.people["a"][0]
    leave = approve_all(city, service.apply(city.op("assistant", "a"), person,
                                            slip_data("2026-09-07", "2026-09-09", reason="参加亲属婚礼")).id)
    pdf = printing.to_pdf(documents.print_slip(city.op("town_clerk", "a"), leave.id, tmp_path))
    assert pages(pdf) == 1 and is_a4_portrait(pdf)
    text = re.sub(r"[ \t]+", "", text_of(pdf))
    assert "《新沂市人社基层平台协理员请假审批单》存根" in text and text.count(person.name) >= 2  # stub and slip
    assert "参加亲属婚礼" in text and not RULE_ID.search(text)
    assert not overprinted(pdf)
