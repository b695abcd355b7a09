"""Issue 22: the same app in a browser (``xinyi serve``), used in headless Chromium as people do.

On the demo city (60 assistants, the clock at 08:40 on Monday 30 November 2026), through a real
browser: an assistant logs in, writes today's work-log entry in Chinese through the input method,
files a leave and downloads its slip — then what she saved is read from the database and the
downloaded file is opened. Twenty browser tabs then sign twenty assistants in at once. The cap on
sessions, closing a tab (its process ends) and the 80×24 / larger window are checked on the way.

Screenshots of the home screen (80×24 and a larger window) are kept under ``artifacts/browser/``
(git-ignored; ``XINYI_TEST_ARTIFACTS`` moves it).

``scripts/test.sh`` installs Debian's ``chromium`` when missing and sets
``XINYI_TEST_REQUIRE_BROWSER=1``: a browser test that cannot run then fails instead of skipping.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest
from rich.cells import cell_len

from . import journeys
from .browser import REQUIRED, Serve, Tab, chromium, login, missing, type_login

WHY = missing()
pytestmark = [pytest.mark.slow, pytest.mark.browser,
              pytest.mark.skipif(WHY is not None and not REQUIRED, reason=WHY or "")]

CLOCK = "2026-11-30T08:40"
ARTIFACTS = Path(os.environ.get("XINYI_TEST_ARTIFACTS") or Path(__file__).resolve().parents[2] / "artifacts")
LOG_TEXT = "走访五户，登记就业信息"
REASON = "照顾住院的母亲"
SERVED, QUESTION, ANSWER = "王秀英", "灵活就业人员怎样参加养老保险", "持身份证到镇人社服务中心登记"
SESSIONS = 20

# Seventeen more assistants with a login of their own (the demo city gives 18: xinan_zl1–3 and one
# per other town), so that twenty can sign in at once.
ACCOUNTS = r"""
import datetime as dt, sys
from xinyi_core import auth, lifecycle
from xinyi_core.db import database as db
from xinyi_core.models import Operator, Person
from xinyi_core.people import duty_refusals
lifecycle.bootstrap()
day = dt.date(2026, 11, 30)
with db.atomic():
    have = {o.person_id for o in Operator.select() if o.person_id}
    people = [p for p in Person.select().where(Person.status == "on_duty").order_by(Person.id)
              if p.id not in have and not duty_refusals(p, day)][:int(sys.argv[1])]
    for n, person in enumerate(people, start=1):
        auth.create_operator(f"web_zl{n:02d}", person.name, "assistant", person.village, person=person,
                             password="xinyi123")
lifecycle.shutdown()
"""


def _fail_if_required() -> None:
    if WHY is not None:
        pytest.fail(f"XINYI_TEST_REQUIRE_BROWSER=1 but {WHY}")


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _fail_if_required()
    folder = journeys.build_city(tmp_path_factory.mktemp("browser") / "demo")
    with (folder / "xinyi.toml").open("a", encoding="utf-8") as config:
        config.write(f"\n[serve]\nmax_sessions = {SESSIONS + 5}\n")
    extra = SESSIONS - len(_assistant_accounts(folder))
    subprocess.run([sys.executable, "-c", ACCOUNTS, str(extra)], env=journeys.app_env(folder, journeys.DEMO_CLOCK),
                   check=True, capture_output=True, timeout=120)
    return folder


def _assistant_accounts(city: Path) -> list[str]:
    """The assistants with a login whose person is on duty on 30 November (not gone, not a candidate)."""
    with journeys.database(city) as db:
        return [row[0] for row in db.execute(
            "SELECT o.username FROM operator o JOIN person p ON p.id = o.person_id WHERE o.role = 'assistant' "
            "AND p.status = 'on_duty' AND (p.departed_on IS NULL OR p.departed_on > '2026-11-30') "
            "ORDER BY o.username").fetchall()]


@pytest.fixture(scope="module")
def server(city: Path) -> Iterator[Serve]:
    serve = Serve(journeys.app_env(city, CLOCK))
    try:
        yield serve
    finally:
        serve.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # No GPU here: WebGL would be emulated on the CPU; xterm.js then draws with its 2D canvas.
        chrome = playwright.chromium.launch(executable_path=chromium(),
                                            args=["--no-sandbox", "--disable-gpu", "--disable-3d-apis"])
        try:
            yield chrome
        finally:
            chrome.close()


def _artifact(tab: Tab, name: str) -> Path:
    folder = ARTIFACTS / "browser"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    tab.page.screenshot(path=str(path))
    return path


def _ended(server: Serve, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while server.sessions():
        assert time.monotonic() < deadline, f"session processes still running: {server.sessions()}"
        time.sleep(0.1)


def _row(screen: str, start: str) -> str:
    return next((line for line in screen.splitlines() if line.lstrip().startswith(start)), "")


def test_an_assistant_writes_her_log_in_chinese_and_downloads_her_leave_slip(server: Serve, browser: Any,
                                                                            city: Path, tmp_path: Path):
    tab = Tab(browser, server.url)
    try:
        tab.wait_for("用户名", "密码")
        assert tab.fit(80, 24) == (80, 24)
        assert "请按 Ctrl+Q" not in tab.text()
        home = login(tab, "xinan_zl1")
        assert "林鹏超（协理员·吕店社区）" in home
        assert "4a 我的工作日志" in home and "3a 我的请假" in home
        assert _artifact(tab, "home-80x24.png").stat().st_size > 0

        # Today's log, in Chinese through the input method
        tab.press("4", "a")
        narrow = tab.wait_title("我的工作日志", "2026-11：已提交 20 天")
        tab.press("n")
        tab.wait_title("新建工作日志", "2026-11-30  （周一）")
        tab.press("Tab", "Tab", "Tab")
        tab.type(LOG_TEXT)
        tab.press("Tab", "Tab", "Tab")  # a policy consultation: whom (a name), what, the answer
        tab.type(SERVED)
        tab.press("Tab")
        tab.type(QUESTION)
        tab.press("Tab")
        tab.type(ANSWER)
        tab.wait_for(f"工作进展 {LOG_TEXT}", f"咨询人 {SERVED}", f"咨询问题 {QUESTION}", f"解答内容 {ANSWER}")
        tab.press("Control+s")
        tab.wait_for("日志已保存（已提交）", "2026-11：已提交 21 天", f"已提交 {LOG_TEXT}")

        # A larger window uses the room: the same list, wider, the log text no longer cut
        assert tab.fit(120, 36) == (120, 36)
        wide = tab.wait(lambda s: cell_len(_row(s, "2026-11-27")) > cell_len(_row(narrow, "2026-11-27")),
                        "the 27 November row shown wider")
        assert len([line for line in wide.splitlines() if line.lstrip().startswith("2026-11-")]) > \
            len([line for line in narrow.splitlines() if line.lstrip().startswith("2026-11-")])  # and more rows
        tab.press("Escape")
        tab.wait_title("首页", "待办事项")
        _artifact(tab, "home-120x36.png")
        assert tab.fit(80, 24) == (80, 24)

        # A leave, its reason in Chinese; then its slip, downloaded by the browser under its name
        tab.press("3", "a")
        tab.wait_title("我的请假")
        tab.press("n")
        tab.wait_title("填写请假审批单")
        tab.press("Tab", "Tab")
        tab.type("12-1")
        tab.press("Tab")
        tab.type("12-3")
        tab.press("Tab")
        tab.type(REASON)
        tab.wait_for("2026-12-01  （周二）", "2026-12-03  （周四）", f"请假事由 {REASON}")
        tab.press("Control+s")
        tab.wait_for("林鹏超   事假     2026-12-01~12-03      3    审批中")
        tab.press("p")
        dialog = tab.wait_for("文件已生成", "请假单_林鹏超_2026-12-01.docx", "由浏览器保存到您的电脑")
        assert "reports" not in dialog and str(city) not in dialog  # her file's name, never a server path
        before = len(tab.downloads)
        tab.press("d")
        download = tab.download(before)
        tab.wait_for("已交给浏览器下载")
        assert download.suggested_filename == "请假单_林鹏超_2026-12-01.docx"
        saved = tmp_path / download.suggested_filename
        download.save_as(saved)
    finally:
        tab.close()

    _ended(server)  # the tab is closed: its app process has ended (and its database connection with it)

    # What she saved, read back
    lin = journeys.person_id(city, "林鹏超")
    assert journeys.one(city, "SELECT state, progress FROM log_entry WHERE person_id = ? AND day = '2026-11-30'",
                        lin) == ("submitted", LOG_TEXT)
    assert journeys.one(city, "SELECT c.served, c.question, c.answer FROM consultation c JOIN log_entry e "
                              "ON e.id = c.entry_id WHERE e.person_id = ? AND e.day = '2026-11-30'",
                        lin) == (SERVED, QUESTION, ANSWER)
    assert journeys.one(city, "SELECT state, reason, start_on, end_on FROM leave_request WHERE person_id = ? "
                              "AND reason = ?", lin, REASON) == ("pending", REASON, "2026-12-01", "2026-12-03")
    from docx import Document

    text = "\n".join(cell.text for table in Document(str(saved)).tables for row in table.rows for cell in row.cells)
    assert "林鹏超" in text and REASON in text
    assert (city / "data" / "reports" / "leave.slip" / "2026" / saved.name).read_bytes() == saved.read_bytes()
    with journeys.database(city) as db:
        audited = db.execute("SELECT a.note FROM audit_log a JOIN operator o ON o.id = a.operator_id "
                             "WHERE a.action = 'documents.download' AND o.username = 'xinan_zl1'").fetchall()
    assert audited == [(f"下载到浏览器：{saved.name}",)]


def test_the_city_office_starts_on_the_dashboard_in_a_browser_too(server: Serve, browser: Any):
    """Issue 23: the same first screen as over SSH — 数据看板, its first chart drawn — and F2 goes home."""
    tab = Tab(browser, server.url)
    try:
        tab.wait_for("用户名", "密码")
        assert tab.fit(80, 24) == (80, 24)
        login(tab, "city", then="月份：")
        screen = tab.wait(lambda s: "┤" in s and "F2 首页" in s.splitlines()[-1], "the first chart and F2 首页")
        assert screen.lstrip().startswith("数据看板") and screen.splitlines()[-1].endswith("F1 帮助")
        tab.press("F2")
        assert tab.wait_for("待办事项").lstrip().startswith("首页")
    finally:
        tab.close()
    _ended(server)


def test_twenty_browser_sessions_sign_in_at_once(server: Serve, browser: Any, city: Path):
    users = _assistant_accounts(city)[:SESSIONS]
    assert len(users) == SESSIONS
    context = browser.new_context(viewport={"width": 800, "height": 480})  # twenty tabs of one browser
    tabs = [Tab(browser, server.url, context=context) for _ in users]
    try:
        for tab in tabs:
            tab.wait_for("用户名", "密码", timeout=60)
        for tab, user in zip(tabs, users):  # everyone types at once: each step in every tab, then the wait
            type_login(tab, user)
        for tab in tabs:
            tab.wait_for("待办事项", timeout=60)
        for tab in tabs:
            tab.press("2", "a")
        for tab in tabs:
            tab.wait_for("签到签退", "按回车签到", timeout=30)
            tab.press("Enter")
        for tab in tabs:
            tab.wait_for("确认", timeout=30)
            tab.press("Enter")
        for tab in tabs:
            screen = tab.wait(lambda s: "已签到：08:40" in s or "出错" in s or "失败" in s, "已签到：08:40",
                              timeout=30)
            assert "已签到：08:40" in screen, screen
    finally:
        context.close()
    _ended(server, timeout=40)

    with journeys.database(city) as db:
        rows = db.execute("SELECT o.username, d.sign_in FROM attendance_day d JOIN operator o ON o.id = d.in_by_id "
                          "WHERE d.date = '2026-11-30' AND d.sign_in IS NOT NULL AND o.person_id = d.person_id"
                          ).fetchall()
    assert sorted(user for user, _ in rows) == sorted(users)
    assert {stamp[:5] for _, stamp in rows} == {"08:40"}
    log = "".join(server.output)
    assert "Traceback" not in log and "failed" not in log, log


def test_past_the_cap_the_page_says_so_in_chinese(city: Path, browser: Any, tmp_path: Path):
    config = tmp_path / "one.toml"
    config.write_text((city / "xinyi.toml").read_text("utf-8").replace(f"max_sessions = {SESSIONS + 5}",
                                                                       "max_sessions = 1"), "utf-8")
    env = {**journeys.app_env(city, CLOCK), "XINYI_CONFIG": str(config)}
    (tmp_path / "data").symlink_to(city / "data")  # the same city: data_dir is relative to the config
    serve = Serve(env)
    try:
        first = Tab(browser, serve.url)
        first.wait_for("用户名")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(serve.url, timeout=10)
        assert refused.value.code == 503
        page = refused.value.read().decode("utf-8")
        assert "当前同时使用的人数已满（1 人），请稍后再试。" in page and 'lang="zh-CN"' in page
        second = Tab(browser, serve.url)
        assert "请稍后再试" in second.page.inner_text("#busy")
        second.close()
        first.close()
        _ended(serve)
        third = Tab(browser, serve.url)  # the place is free again
        third.wait_for("用户名")
        third.close()
    finally:
        serve.close()

