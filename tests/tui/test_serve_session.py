"""Issue 22, the parts of ``xinyi serve`` that need no browser: a browser session's app (login always,
logged out when idle, d 下载 to the browser), the download's header, the [serve] settings, and the
hidden ``xinyi web-session`` refusing to run outside ``xinyi serve``."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual.screen import Screen
from textual.widgets import Input

from xinyi_core import auth, testing
from xinyi_core.models import AuditLog, Operator
from xinyi_core.serve import content_disposition
from xinyi_core.tui.app import XinyiApp, os_login_name
from xinyi_core.tui.screens.home import HomeScreen
from xinyi_core.tui.screens.login import LoginScreen

from .conftest import SIZE, screen_text, settle


async def _login(pilot, username: str) -> None:
    await pilot.press(*username, "enter", *testing.PASSWORD, "enter")
    await settle(pilot, pilot.app)


async def test_an_idle_browser_session_is_logged_out_and_audited_then_ended(tui_city):
    clerk = tui_city.op("town_clerk", "a")
    now = [1000.0]  # the idle watch's clock, moved by hand: no test of real waiting
    app = XinyiApp(browser=True, idle_seconds=60.0)
    app._clock = lambda: now[0]
    async with app.run_test(size=SIZE) as pilot:
        await _login(pilot, clerk.username)
        assert isinstance(app.screen, HomeScreen), screen_text(app)
        for _ in range(3):  # she works: each key keeps the session alive past the idle time
            now[0] += 50
            await pilot.press("down")
            app._check_idle()
        await settle(pilot, app)
        assert app.operator is not None
        now[0] += 59  # then nothing: not yet …
        app._check_idle()
        assert app.operator is not None
        now[0] += 2  # … now
        app._check_idle()
        await settle(pilot, app)
        assert app.operator is None and isinstance(app.screen, LoginScreen)
        shown = "".join(screen_text(app).replace("│", "").split())  # the message wraps inside the box
        assert f"{clerk.display_name}已1分钟没有操作，已自动注销。请重新登录" in shown
        row = AuditLog.get((AuditLog.action == "auth.logout") & (AuditLog.operator_id == clerk.id))
        assert row.note == "idle:1min"
        now[0] += 61  # left on the login screen as long: the session ends, freeing its place
        app._check_idle()
        await pilot.pause(0.2)
        assert app._exit or not app.is_running


@pytest.mark.parametrize("tui_city", [{"auth_mode": "os_user"}], indirect=True)
async def test_a_browser_session_always_asks_for_the_password(tui_city):
    """The OS account running xinyi serve is the service account, never the person at the browser."""
    clerk = tui_city.op("town_clerk", "b")
    Operator.update(os_user=os_login_name()).where(Operator.id == clerk.id).execute()
    app = XinyiApp(browser=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, pilot.app)
        assert isinstance(app.screen, LoginScreen)
        await _login(pilot, clerk.username)
        assert isinstance(app.screen, HomeScreen)


def test_the_login_source_of_a_browser_session_is_the_browser(monkeypatch):
    monkeypatch.setenv("XINYI_WEB_CLIENT", "192.0.2.7")
    monkeypatch.setenv("SSH_CONNECTION", "198.51.100.1 5000 10.0.0.1 22")
    monkeypatch.delenv("TEXTUAL_DRIVER", raising=False)
    assert auth.login_source() == "ssh:198.51.100.1"  # outside xinyi serve the variable means nothing
    monkeypatch.setenv("TEXTUAL_DRIVER", "textual.drivers.web_driver:WebDriver")
    assert auth.login_source() == "web:192.0.2.7"


def test_a_download_header_carries_the_chinese_name_in_ascii():
    header = content_disposition("请假单_林鹏超_2026-12-01.docx")
    assert header.isascii()
    assert header == ('attachment; filename="________2026-12-01.docx"; '
                      "filename*=UTF-8''%E8%AF%B7%E5%81%87%E5%8D%95_%E6%9E%97%E9%B9%8F%E8%B6%85_2026-12-01.docx")
    assert content_disposition('a"b;c.pdf', inline=True) == \
        "inline; filename=\"a_b_c.pdf\"; filename*=UTF-8''a%22b%3Bc.pdf"


def test_web_session_runs_only_under_xinyi_serve(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XINYI_", "TEXTUAL"))}
    (tmp_path / "xinyi.toml").write_text('[paths]\ndata_dir = "data"\n', "utf-8")
    env["XINYI_CONFIG"] = str(tmp_path / "xinyi.toml")
    done = subprocess.run([sys.executable, "-m", "xinyi_core.cli", "web-session"], env=env, capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    assert "只供 xinyi serve 启动" in done.stderr
    listed = subprocess.run([sys.executable, "-m", "xinyi_core.cli", "--help"], env=env, capture_output=True,
                            text=True, timeout=60)
    assert "serve" in listed.stdout and "web-session" not in listed.stdout


async def test_a_password_typed_ahead_lands_in_the_password_field(tui_city):
    """A browser sends what was typed in one go: the keys after Tab/Enter must reach the password
    field, not the username (Textual passes a key to a field only after the field's earlier keys)."""
    clerk = tui_city.op("town_clerk", "a")
    for move in ("tab", "enter"):
        app = XinyiApp(browser=True)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            testing.type_ahead(app, *clerk.username, move, *testing.PASSWORD, "enter")
            await settle(pilot, app)
            await pilot.pause(0.3)
            assert isinstance(app.screen, HomeScreen), screen_text(app)


async def test_text_typed_after_tab_lands_in_the_next_field_in_a_browser(tui_city):
    """The same for every form: Tab and the text after it, queued together, in a browser session."""
    clerk = tui_city.op("town_clerk", "a")
    app = XinyiApp(browser=True)
    async with app.run_test(size=SIZE) as pilot:
        await _login(pilot, clerk.username)
        app.push_screen(_TwoFields())
        await settle(pilot, app)
        testing.type_ahead(app, "a", "tab", "b", "tab", "c", "shift+tab", "d")
        await settle(pilot, app)
        # (Shift+Tab back selects the field's text, as focusing a field does: d replaces b)
        assert [field.value for field in app.screen.query(Input)] == ["a", "d", "c"]


class _TwoFields(Screen):
    def compose(self):
        yield Input(id="one")
        yield Input(id="two")
        yield Input(id="three")
