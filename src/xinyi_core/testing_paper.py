"""Test helpers for documents on paper: what LibreOffice made of a form, and what a printer received.

For the core's tests and for a plugin's (``pytest_plugins = ["xinyi_core.testing"]`` makes the
``cups_queue`` fixture available)::

    from xinyi_core.testing_paper import need, pages, text_of, overprinted

    def test_my_form_is_one_page(tmp_path):
        need("soffice", "pdfinfo")
        pdf = printing.to_pdf(my_form(tmp_path))
        assert pages(pdf) == 1 and not overprinted(pdf) and "签字" in text_of(pdf)

The PDFs are read with poppler (``pdfinfo``, ``pdftotext``, ``pdffonts``, ``pdftoppm``). Without a
program a test skips, unless ``XINYI_TEST_REQUIRE_PRINT=1`` (``scripts/test.sh`` sets it) makes a
missing part a failure, so CI never passes by skipping.
"""
from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import time
import uuid
from pathlib import Path
from typing import Iterator

import pytest

REQUIRE_ENV = "XINYI_TEST_REQUIRE_PRINT"
RULE_ID = re.compile(r"[A-Z]{2,5}-\d")  # ATT-6, ORG-3 …: never on an operator's paper
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')
_CUPS_PDF_PPD = "/usr/share/ppd/cups-pdf/CUPS-PDF_opt.ppd"


def required() -> bool:
    """Whether a missing printing part fails the test (CI) rather than skipping it."""
    return os.environ.get(REQUIRE_ENV) == "1"


def missing(reason: str) -> None:
    """Fail (CI) or skip (a developer's machine without the part) for ``reason``."""
    if required():
        pytest.fail(f"{reason} (scripts/test.sh installs and starts it)")
    pytest.skip(reason)


def need(*programs: str) -> None:
    """Every program in ``programs`` is on PATH, or the test fails/skips naming the missing ones."""
    absent = [p for p in programs if not shutil.which(p)]
    if absent:
        missing(f"not installed: {', '.join(absent)}")


def _info(pdf: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def pages(pdf: Path) -> int:
    """The number of pages of ``pdf``."""
    return int(_info(pdf)["Pages"])


def is_a4_portrait(pdf: Path) -> bool:
    width, _, height = _info(pdf)["Page size"].partition(" x ")
    return round(float(width)) == 595 and round(float(height.split()[0])) == 842


def text_of(pdf: Path) -> str:
    """The text as laid out on the page: a cell's line stays one line."""
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def fonts_of(pdf: Path) -> str:
    """``pdffonts``' table of the fonts embedded in ``pdf``."""
    return subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout


def ink(pdf: Path) -> int:
    """Dark pixels on the first page at 30 dpi: a page that printed is not blank."""
    pgm = subprocess.run(["pdftoppm", "-gray", "-r", "30", "-f", "1", "-l", "1", str(pdf)], capture_output=True,
                         check=True).stdout
    header_end = 0
    for _ in range(4):  # P5, width, height, maxval: whitespace-separated, then the pixels
        while pgm[header_end:header_end + 1].isspace():
            header_end += 1
        while not pgm[header_end:header_end + 1].isspace():
            header_end += 1
    return sum(1 for b in pgm[header_end + 1:] if b < 128)


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


@pytest.fixture
def cups_queue() -> Iterator[str]:
    """A cups-pdf queue of this test on the machine's running CUPS, removed afterwards.

    What it prints lands as a PDF in cups-pdf's folder (``~/PDF``): see :func:`printed`.
    """
    need("lp", "lpstat", "lpadmin", "pdfinfo")
    if "is running" not in subprocess.run(["lpstat", "-r"], capture_output=True, text=True).stdout:
        missing("CUPS is not running")
    name = f"xinyi-test-{uuid.uuid4().hex[:8]}"
    made = subprocess.run(["lpadmin", "-p", name, "-v", "cups-pdf:/", "-E", "-P", _CUPS_PDF_PPD],
                          capture_output=True, text=True)
    if made.returncode != 0:
        missing(f"cannot add a cups-pdf queue: {made.stderr.strip()}")
    try:
        yield name
    finally:
        subprocess.run(["lpadmin", "-x", name], capture_output=True)


def printed(token: str, timeout: float = 60) -> Path:
    """The PDF cups-pdf wrote for the job whose name holds the ASCII ``token`` (in its ``Out``
    folder, ~/PDF; it spells a title's Chinese characters as octal codes), once written."""
    out = Path.home() / "PDF"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [p for p in out.glob(f"*{token}*.pdf") if p.stat().st_size > 0] if out.exists() else []
        if found:
            time.sleep(0.3)  # let cups-pdf finish writing
            return found[0]
        time.sleep(0.3)
    raise AssertionError(f"cups-pdf wrote nothing for {token} in {out}")
