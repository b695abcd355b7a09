"""Issue 19: a document a screen writes is offered by its name — p 打印, d 下载, f PDF — and lands in
the operator's outbox, which the job panel lists (o 我的文件) and copies to her own folder for SFTP.

Headless (Textual's pilot): what the operator reads, which jobs the keys queue, what is refused and
why. Printing to a real CUPS and ZMODEM through a real terminal are in tests/tui/test_documents_journey.py.
"""
from __future__ import annotations

import stat
from pathlib import Path

import pytest

from xinyi_core import outbox, runtime, testing
from xinyi_core.testing import open_entry
from xinyi_core.tui.app import XinyiApp
from xinyi_core.tui.screens.base import XinyiScreen
from xinyi_core.tui.screens.document import DocumentDialog
from xinyi_core.tui.screens.jobs import JobsScreen

from .conftest import SIZE, screen_text, settle

jobs = pytest.importorskip("xinyi_core.jobs")


def a_document(name: str = "请假单_张三_2026-12-07.docx", folder: str = "leave.slip/2026") -> Path:
    path = Path(runtime().config.report_dir) / folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"PK\x03\x04 a slip")
    return path


async def _offered(pilot, path: Path) -> DocumentDialog:
    """A screen of the app wrote ``path`` and offers it, as a plugin screen's ``done=self.offer_document``."""
    screen: XinyiScreen = pilot.app.screen
    assert screen.attempt(lambda: path, done=screen.offer_document, reload=False) == path
    await settle(pilot, pilot.app)
    assert isinstance(pilot.app.screen, DocumentDialog)
    return pilot.app.screen


async def test_a_written_document_is_offered_by_its_name_and_kept_in_her_outbox(tui_city):
    clerk = tui_city.op("town_clerk", "a")
    doc = a_document()
    app = XinyiApp(clerk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await _offered(pilot, doc)
        text = screen_text(app)
        assert "请假单_张三_2026-12-07.docx" in text and str(doc.parent) not in text  # the name, never a path
        assert "reports" not in text
        footer = text.splitlines()[-1]
        assert "p 打印" in footer and "d 下载" in footer and "f PDF" in footer and "Esc 关闭" in footer
        await pilot.press("escape")
        await settle(pilot, app)
        assert not isinstance(app.screen, DocumentDialog)
    # in her outbox: a finished record, and a copy only she can read in her own folder
    record = jobs.JobRecord.get(jobs.JobRecord.kind == outbox.KIND)
    assert (record.requested_by_id, record.state, record.outputs) == (clerk.id, "done", [str(doc)])
    copy = outbox.root() / clerk.username / "files" / doc.name
    assert copy.read_bytes() == doc.read_bytes()
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert stat.S_IMODE(copy.parent.stat().st_mode) == 0o700
    assert [f.name for f in outbox.files(clerk)] == [doc.name]


async def test_the_same_document_written_again_is_one_file_in_her_outbox(tui_city):
    clerk = tui_city.op("town_clerk", "a")
    doc = a_document()
    app = XinyiApp(clerk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        for _ in range(2):
            await _offered(pilot, doc)
            await pilot.press("escape")
            await settle(pilot, app)
    assert jobs.JobRecord.select().where(jobs.JobRecord.kind == outbox.KIND).count() == 1


async def test_print_without_a_printer_says_what_to_configure_and_the_document_stays(tui_city):
    clerk = tui_city.op("town_clerk", "a")
    doc = a_document()
    app = XinyiApp(clerk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await _offered(pilot, doc)
        await pilot.press("p")
        await settle(pilot, app)
        said = testing.notifications(app)
        assert any("本镇尚未设置打印机" in n and "PDF" in n for n in said), said
        assert isinstance(app.screen, DocumentDialog)  # still offered: she may download it instead
    assert doc.exists()
    assert not jobs.JobRecord.select().where(jobs.JobRecord.kind == "core.print").exists()  # nothing queued


async def test_without_cups_print_says_what_to_install(tui_city, monkeypatch, tmp_path):
    """scripts/demo.sh on a machine without CUPS: p says what the administrator installs."""
    clerk = tui_city.op("town_clerk", "a")
    doc = a_document()
    monkeypatch.setenv("PATH", str(tmp_path))  # no lp, no lpstat
    app = XinyiApp(clerk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await _offered(pilot, doc)
        await pilot.press("p")
        await settle(pilot, app)
        assert any("cups" in n and "下载" in n for n in testing.notifications(app))
    assert doc.exists() and not jobs.JobRecord.select().where(jobs.JobRecord.kind == "core.print").exists()


async def test_without_libreoffice_pdf_says_what_to_install(tui_city, monkeypatch, tmp_path):
    clerk = tui_city.op("town_clerk", "a")
    doc = a_document()
    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice
    app = XinyiApp(clerk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await _offered(pilot, doc)
        await pilot.press("f")
        await settle(pilot, app)
        assert any("LibreOffice" in n and "libreoffice-writer-nogui" in n for n in testing.notifications(app))
    assert doc.exists() and not jobs.JobRecord.select().where(jobs.JobRecord.kind == "core.pdf").exists()


async def test_an_assistant_is_not_offered_print(tui_city):
    """Printing on the town's printer is for the town's staff (documents.print); her PDF and download stay."""
    me = tui_city.op("assistant", "a")
    doc = a_document("工作日志_张三_2026年6月.docx", "worklog/2026-06")
    app = XinyiApp(me)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await _offered(pilot, doc)
        footer = screen_text(app).splitlines()[-1]
        assert "打印" not in footer and "d 下载" in footer and "f PDF" in footer
        await pilot.press("p")
        await settle(pilot, app)
    assert not jobs.JobRecord.select().where(jobs.JobRecord.kind == "core.print").exists()


async def test_download_outside_a_terminal_says_so(tui_city):
    """The pilot has no terminal to hand over: d says so instead of failing (a real terminal: the journey)."""
    clerk = tui_city.op("town_clerk", "a")
    app = XinyiApp(clerk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await _offered(pilot, a_document())
        await pilot.press("d")
        await settle(pilot, app)
        assert any("不在终端中" in n for n in testing.notifications(app))


async def test_her_outbox_in_the_job_panel_lists_her_files_by_name(tui_city):
    clerk = tui_city.op("town_clerk", "a")
    other = tui_city.op("town_head", "a")
    sheet = a_document("甲镇_2026年11月_月度考勤汇总.xlsx", "attendance.monthly/2026-11")
    pdf = a_document("甲镇_2026年11月_月度考勤汇总.pdf", "attendance.monthly/2026-11")
    theirs = a_document("甲镇_2026年11月_协理员花名册.xlsx", "core.roster/2026-11")
    jobs.JobRecord.create(kind="attendance.monthly", title="月度考勤汇总（甲镇，2026-11）", requested_by_id=clerk.id,
                          town_code="a", state="done", progress=1.0, outputs=[str(sheet), str(pdf)])
    jobs.JobRecord.create(kind="core.roster", title="协理员花名册（甲镇，2026-11）", requested_by_id=other.id,
                          town_code="a", state="done", progress=1.0, outputs=[str(theirs)])
    app = XinyiApp(clerk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await open_entry(pilot, "tui.nav.jobs")
        assert isinstance(app.screen, JobsScreen)
        text = screen_text(app)
        assert "协理员花名册" in text  # the town's jobs, as before
        await pilot.press("o")
        await settle(pilot, app)
        text = screen_text(app)
        assert "我的文件（2 个）" in text
        assert "甲镇_2026年11月_月度考勤汇总.xlsx" in text and "甲镇_2026年11月_月度考勤汇总.pdf" in text
        assert "花名册" not in text.split("\n", 2)[2].rsplit("\n", 3)[0]  # the head's file is not hers
        assert "reports" not in text
        footer = text.splitlines()[-1]
        assert "p 打印" in footer and "d 下载" in footer and "Esc 全部任务" in footer
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, JobsScreen) and "我的文件（" not in screen_text(app)
    # the panel brought her folder up to date: the copies SFTP serves
    folder = outbox.root() / clerk.username / "files"
    assert sorted(p.name for p in folder.iterdir()) == [pdf.name, sheet.name]
    assert not (outbox.root() / other.username).exists()  # nothing made for the head by the clerk's session


async def test_a_job_with_several_files_asks_which_to_print(tui_city):
    clerk = tui_city.op("town_clerk", "a")
    sheet = a_document("甲镇_2026年11月_月度考勤汇总.xlsx", "attendance.monthly/2026-11")
    pdf = a_document("甲镇_2026年11月_月度考勤汇总.pdf", "attendance.monthly/2026-11")
    jobs.JobRecord.create(kind="attendance.monthly", title="月度考勤汇总（甲镇，2026-11）", requested_by_id=clerk.id,
                          town_code="a", state="done", progress=1.0, outputs=[str(sheet), str(pdf)])
    app = XinyiApp(clerk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await open_entry(pilot, "tui.nav.jobs")
        assert "p 打印" in screen_text(app).splitlines()[-1]
        await pilot.press("d")
        await settle(pilot, app)
        assert isinstance(app.screen, DocumentDialog)
        text = screen_text(app)
        assert "月度考勤汇总（甲镇，2026-11）" in text and sheet.name in text and pdf.name in text
        await pilot.press("down")  # the PDF: no f, it is one already
        await settle(pilot, app)
        assert "f PDF" not in screen_text(app).splitlines()[-1]


async def test_an_assistant_finds_her_own_files_in_the_job_panel(tui_city):
    """Every operator has the panel now: an assistant sees her own jobs and files, not the town's."""
    me = tui_city.op("assistant", "a")
    clerk = tui_city.op("town_clerk", "a")
    book = a_document("工作日志_张三_2026年6月.docx", "worklog/2026-06")
    sheet = a_document("甲镇_2026年11月_月度考勤汇总.xlsx", "attendance.monthly/2026-11")
    jobs.JobRecord.create(kind="attendance.monthly", title="月度考勤汇总（甲镇，2026-11）", requested_by_id=clerk.id,
                          town_code="a", state="done", progress=1.0, outputs=[str(sheet)])
    app = XinyiApp(me)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await _offered(pilot, book)
        await pilot.press("escape")
        await open_entry(pilot, "tui.nav.jobs")
        text = screen_text(app)
        assert "工作日志_张三_2026年6月.docx" in text and "月度考勤汇总" not in text
        await pilot.press("o")
        await settle(pilot, app)
        assert "我的文件（1 个）" in screen_text(app) and book.name in screen_text(app)
