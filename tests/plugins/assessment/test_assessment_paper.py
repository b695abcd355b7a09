"""附件2 and 附件3 on paper (issue 19): printed by the real LibreOffice, one registration sheet per
assistant, the town's summary across the page's width, no word over another and no internal code."""
from __future__ import annotations

import subprocess

import openpyxl
import pytest
from xinyi_core.testing_paper import RULE_ID, need, overprinted, pages, text_of
from xinyi_assessment import documents

from xinyi_core import printing

from .conftest import YEAR
from .test_assessment_forms import graded_town

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])  # paper does not depend on the database


def first_page(pdf) -> str:
    return subprocess.run(["pdftotext", "-layout", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def test_registration_and_summary_print_whole_and_plain(asm, tmp_path):
    need("soffice", "pdfinfo", "pdftotext")
    graded_town(asm)
    _, registration, summary = documents.write_package(asm.town_a, YEAR, tmp_path)
    sheets = len(openpyxl.load_workbook(registration).worksheets)
    reg_pdf, sum_pdf = printing.to_pdf(registration), printing.to_pdf(summary)
    # 附件2: the official form is one page per assistant
    assert pages(reg_pdf) == sheets and "年度考核登记表" in text_of(reg_pdf)
    # 附件3: every column of the summary on the first page (fit to the page's width), its last heading too
    ws = openpyxl.load_workbook(summary).worksheets[0]
    headings = [str(c.value) for row in ws.iter_rows(min_row=1, max_row=6) for c in row if c.value]
    page_one = first_page(sum_pdf).replace(" ", "")
    assert "年度考核汇总表" in page_one and headings and headings[-1].replace(" ", "") in page_one
    for pdf in (reg_pdf, sum_pdf):
        assert not RULE_ID.search(text_of(pdf))
        assert overprinted(pdf) == []
