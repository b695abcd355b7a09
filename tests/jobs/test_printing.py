"""Documents reach paper: LibreOffice converts real forms to PDF, a real CUPS with the
cups-pdf virtual printer receives the print, and the PDF it writes is read back.

``scripts/test.sh`` installs LibreOffice, CUPS, cups-pdf, the CJK fonts and poppler and
sets ``XINYI_TEST_REQUIRE_PRINT=1``, so in CI a missing part fails instead of skipping.
"""
from __future__ import annotations

import os
import subprocess
import threading
import time
import uuid
from pathlib import Path

import docx
import openpyxl
import pytest

from xinyi_core import jobs, printing, runtime
from xinyi_core.jobs import JobRecord
from xinyi_core.testing_paper import fonts_of, ink, need, pages, printed, text_of


def a_form(folder: Path, name: str = "请假单_郭伟志_2026-12-07") -> Path:
    """A small form as the plugins write them: a 宋体 title and a table."""
    folder.mkdir(parents=True, exist_ok=True)
    d = docx.Document()
    run = d.add_paragraph().add_run("协理员请假审批单")
    run.font.name = "宋体"
    run.element.rPr.rFonts.set("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia", "宋体")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "姓名", "郭伟志"
    table.cell(1, 0).text, table.cell(1, 1).text = "请假天数", "3 天"
    path = folder / f"{name}.docx"
    d.save(path)
    return path


def a_sheet(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["姓名", "出勤天数", "旷工天数"])
    for i in range(30):
        ws.append([f"协理员{i}", 21, 0])
    path = folder / "新安街道_2026年11月_月度考勤汇总.xlsx"
    wb.save(path)
    return path


@pytest.fixture
def docs(xinyi) -> Path:
    return Path(runtime().config.report_dir) / "test"


# --------------------------------------------------------------------------- converting

@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_form_becomes_a_pdf_beside_it_in_the_office_font(docs):
    need("soffice", "pdfinfo", "pdffonts")
    pdf = printing.to_pdf(a_form(docs))
    assert pdf == docs / "请假单_郭伟志_2026-12-07.pdf" and pages(pdf) == 1
    assert "协理员请假审批单" in text_of(pdf) and "郭伟志" in text_of(pdf)
    # 宋体 is not on a Linux server: the alias puts the Noto CJK serif on the page, not a fallback box font
    assert "NotoSerifCJK" in fonts_of(pdf).replace(" ", "")


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_sheet_becomes_a_pdf(docs):
    need("soffice", "pdfinfo")
    pdf = printing.to_pdf(a_sheet(docs))
    assert pages(pdf) >= 1 and "协理员29" in text_of(pdf)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_two_conversions_at_once_both_come_out(docs):
    """The converter's profile is private and one conversion runs at a time: neither job is lost."""
    need("soffice", "pdfinfo")
    made: list[Path] = []
    errors: list[BaseException] = []

    def convert(path: Path) -> None:
        try:
            made.append(printing.to_pdf(path))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    sources = [a_form(docs, "甲"), a_form(docs, "乙")]
    threads = [threading.Thread(target=convert, args=(p,)) for p in sources]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    assert not errors and sorted(p.name for p in made) == ["乙.pdf", "甲.pdf"]
    assert all(pages(p) == 1 for p in made)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_hung_conversion_is_killed_and_reported(docs, tmp_path, monkeypatch):
    """A converter that never finishes is stopped after the bound: the clerk reads why, nothing hangs."""
    fake = tmp_path / "bin"
    fake.mkdir()
    marker = tmp_path / "still-running"
    (fake / "soffice").write_text(f"#!/bin/sh\nsleep 30 && touch {marker}\n")
    (fake / "soffice").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}:{os.environ['PATH']}")
    src = a_form(docs)
    started = time.monotonic()
    with pytest.raises(printing.PrintError) as err:
        printing.to_pdf(src, timeout_s=1)
    assert time.monotonic() - started < 10
    assert "超过 1 秒" in str(err.value) and src.name in str(err.value)
    assert not printing.pdf_path(src).exists()
    time.sleep(0.5)
    # the whole process group went: its child `sleep` does not finish later
    assert subprocess.run(["pgrep", "-f", f"touch {marker}"], capture_output=True).returncode != 0


@pytest.mark.parametrize("backend", ["sqlite"])
def test_without_libreoffice_the_message_names_what_to_install(docs, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice on the PATH
    src = a_form(docs)
    with pytest.raises(printing.PrintError) as err:
        printing.to_pdf(src)
    assert "LibreOffice" in str(err.value) and "libreoffice-writer-nogui" in str(err.value)
    assert src.exists()  # the document stays


# --------------------------------------------------------------------------- printing

def test_a_form_printed_comes_out_of_the_printer(docs, cups_queue):
    need("soffice")
    title = f"slip-{uuid.uuid4().hex[:8]}"
    request = printing.print_file(a_form(docs), cups_queue, title=title)
    assert request.startswith(cups_queue)
    out = printed(title)
    # cups-pdf re-renders the page (its text layer is not searchable): the page count, the CJK
    # font on it and ink on the paper show what came out, as much as the converted form has
    source = printing.pdf_path(docs / "请假单_郭伟志_2026-12-07.docx")
    assert pages(out) == 1 and "NotoSerifCJK" in fonts_of(out).replace(" ", "")
    assert ink(out) > 0.5 * ink(source) > 0


@pytest.mark.parametrize("backend", ["sqlite"])
def test_an_unknown_printer_names_what_to_configure(docs, cups_queue):
    with pytest.raises(printing.PrintError) as err:
        printing.print_file(a_form(docs), "no-such-printer")
    assert "no-such-printer" in str(err.value) and "lpadmin" in str(err.value)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_stopped_cups_is_said_in_chinese(docs, cups_queue, monkeypatch):
    monkeypatch.setenv("CUPS_SERVER", "127.0.0.1:9")  # a CUPS that does not answer
    with pytest.raises(printing.PrintError) as err:
        printing.print_file(a_form(docs), cups_queue)
    assert "CUPS" in str(err.value) and "未运行" in str(err.value)


@pytest.mark.parametrize("backend", ["sqlite"])
def test_no_printer_configured_offers_the_pdf(docs):
    with pytest.raises(printing.PrintError) as err:
        printing.print_file(a_form(docs), printing.printer_for("a"))
    assert "尚未设置打印机" in str(err.value) and "PDF" in str(err.value)


# --------------------------------------------------------------------------- as jobs

@pytest.mark.parametrize("queue", ["inprocess"])
@pytest.mark.parametrize("backend", ["sqlite"])
def test_two_print_jobs_at_once_both_come_out(jobs_city, wait_for, cups_queue):
    """The clerk presses p on two documents: both reach the town's printer, each with progress."""
    need("soffice")
    runtime().config.towns["a"] = runtime().config.towns.get("a") or _town()
    object.__setattr__(runtime().config.towns["a"], "printer", cups_queue)
    base = Path(runtime().config.report_dir) / "test"
    tokens = [uuid.uuid4().hex[:8] for _ in range(2)]
    titles = [a_form(base, f"甲-{tokens[0]}"), a_form(base, f"乙-{tokens[1]}")]
    clerk = jobs_city.op("town_clerk", "a")
    records = [jobs.submit(clerk, "core.print", path=str(p)) for p in titles]
    for r in records:
        done = wait_for(r.id, lambda x: x.state in ("done", "failed"), timeout=120)
        assert done.state == "done", done.message
        assert cups_queue in done.message
    for token in tokens:
        out = printed(token)
        assert pages(out) == 1 and ink(out) > 0


def _town():
    from xinyi_core.config import TownConfig

    return TownConfig(plugins=None)


@pytest.mark.parametrize("queue", ["inprocess"])
@pytest.mark.parametrize("backend", ["sqlite"])
def test_nothing_outside_the_documents_is_converted(jobs_city, wait_for, tmp_path):
    secret = tmp_path / "secret.docx"
    a_form(tmp_path, "secret")
    record = jobs.submit(jobs_city.op("town_clerk", "a"), "core.pdf", path=str(secret))
    done = wait_for(record.id, lambda x: x.state in ("done", "failed"))
    assert done.state == "failed" and "已不存在" in done.error
    assert not (tmp_path / "secret.pdf").exists()


@pytest.mark.parametrize("queue", ["inprocess"])
@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_report_comes_with_its_pdf(jobs_city, wait_for):
    """With [print] pdf_beside (the shipped setting) every report file has its PDF beside it."""
    need("soffice", "pdfinfo")
    runtime().config.pdf_beside = True
    record = jobs.submit(jobs_city.op("town_clerk", "a"), "core.roster", period="2026-10")
    done = wait_for(record.id, lambda x: x.state in ("done", "failed"), timeout=120)
    assert done.state == "done", done.message
    names = sorted(Path(p).name for p in JobRecord.get_by_id(record.id).outputs)
    assert names == [f"甲镇_2026年10月_协理员花名册.{ext}" for ext in ("docx", "pdf", "xlsx")]  # named for people
    pdf = next(Path(p) for p in JobRecord.get_by_id(record.id).outputs if p.endswith(".pdf"))
    assert pages(pdf) >= 1
