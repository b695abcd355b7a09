"""附件1's rows are as tall as their wrapped 考核内容 and 考评标准 (ASM-5): read back from the .xlsx,
and printed by LibreOffice with no line over another."""
from __future__ import annotations

import math

import openpyxl
import pytest
from xinyi_core.testing_paper import need, overprinted, pages, text_of
from xinyi_assessment import documents

from xinyi_core import export, printing

from .conftest import YEAR
from .test_assessment_forms import graded_town

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])  # paper does not depend on the database
SIZE = 9  # the items' font (points)
# At most this many half-width characters fit a line of a 40-unit column at 9 pt (40 × 7 + 5 pixels,
# a half-width character at least 6 pixels): a generous bound, so a row shorter than it allows is too short.
MOST_PER_LINE = (40 * 7 + 5) // 6


def least_lines(text: str) -> int:
    return sum(max(1, math.ceil(export.display_width(part) / MOST_PER_LINE)) for part in str(text).split("\n"))


def test_each_item_row_is_as_tall_as_its_wrapped_text(asm, tmp_path):
    graded_town(asm)
    ws = openpyxl.load_workbook(documents.write_package(asm.town_a, YEAR, tmp_path)[0]).worksheets[0]
    item_rows = [r for r in range(5, ws.max_row + 1) if isinstance(ws.cell(r, 2).value, int)]
    assert len(item_rows) == 24  # the three veto items and items 4–24
    heights = {}
    for r in item_rows:
        content, standard = ws.cell(r, 3).value, ws.cell(r, 5).value
        lines = max(least_lines(content), least_lines(standard))
        height = ws.row_dimensions[r].height
        assert height is not None and height >= lines * SIZE * 1.2, (r, lines, height)
        heights[r] = height
    assert len(set(heights.values())) > 3  # sized row by row, not one height for all


def test_the_scoring_sheet_prints_without_a_line_over_another(asm, tmp_path):
    need("soffice", "pdfinfo", "pdftotext")
    graded_town(asm)
    pdf = printing.to_pdf(documents.write_package(asm.town_a, YEAR, tmp_path)[0])
    assert pages(pdf) >= 4 and "新沂市人社基层平台协理员年度考核评分表" in text_of(pdf)
    assert overprinted(pdf) == []
