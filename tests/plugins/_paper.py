"""Reading a printed form back from its PDF: pages, page size, text, and words printed over each other.

The forms are converted by the real LibreOffice (``xinyi_core.printing.to_pdf``) and read with
poppler's ``pdfinfo``/``pdftotext``. Without them a test skips, unless
``XINYI_TEST_REQUIRE_PRINT=1`` (``scripts/test.sh``) makes a missing part a failure, as in
``tests/jobs/test_printing.py``.
"""
from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

RULE_ID = re.compile(r"[A-Z]{2,5}-\d")  # ATT-6, ORG-3 …: never on an operator's paper
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def need(*programs: str) -> None:
    missing = [p for p in programs if not shutil.which(p)]
    if missing:
        if os.environ.get("XINYI_TEST_REQUIRE_PRINT") == "1":
            pytest.fail(f"not installed: {', '.join(missing)} (scripts/test.sh installs them)")
        pytest.skip(f"not installed: {', '.join(missing)}")


def _info(pdf: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def pages(pdf: Path) -> int:
    return int(_info(pdf)["Pages"])


def is_a4_portrait(pdf: Path) -> bool:
    width, _, height = _info(pdf)["Page size"].partition(" x ")
    return round(float(width)) == 595 and round(float(height.split()[0])) == 842


def text_of(pdf: Path) -> str:
    """The text as laid out on the page: a cell's line stays one line."""
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def overprinted(pdf: Path, tolerance: float = 0.5) -> list[tuple[str, str]]:
    """Pairs of words printed over each other on some page: text taller than the box it is in."""
    found = []
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for page in out.split("<page ")[1:]:
        words = sorted(((float(a), float(b), float(c), float(d), html.unescape(w))
                        for a, b, c, d, w in _WORD.findall(page)), key=lambda w: w[1])
        for i, a in enumerate(words):
            for b in words[i + 1:]:
                if b[1] >= a[3] - tolerance:
                    break
                if (min(a[2], b[2]) - max(a[0], b[0]) > tolerance
                        and min(a[3], b[3]) - max(a[1], b[1]) > tolerance):
                    found.append((a[4], b[4]))
    return found
