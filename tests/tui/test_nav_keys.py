"""Issue 17: keys need an owner.

A new plugin (村居公告) asked for a key another entry already held: its key was dropped silently and
the palette read ``打开“村居公告”（）``. Now the first claim keeps the key, the conflict is logged at
login and listed by ``xinyi plugins`` (:func:`nav.key_conflicts`), and an entry without a key is
offered in the menu and the palette with no empty brackets.
"""
from __future__ import annotations

import logging
import types

import pytest
from textual.widgets import Static

from xinyi_core import ScreenEntry, hookimpl
from xinyi_core.tui import nav
from xinyi_core.tui.app import XinyiApp
from xinyi_core.tui.screens import XinyiScreen

from .conftest import SIZE, screen_text, settle


class NoticeScreen(XinyiScreen):
    TITLE_KEY = "notice.title"

    def compose_body(self):
        yield Static("村居公告页面", id="notice-body")


def _notice_plugin() -> types.ModuleType:
    """Written after the sample plugin, wanting the sample's F6."""
    module = types.ModuleType("notice")
    module.XINYI_API = "1"
    module.xinyi_messages = hookimpl(lambda: {"title": "村居公告", "perm": {"view": "查看村居公告"}})
    module.xinyi_permissions = hookimpl(lambda: {"notice.view": ["town_clerk", "town_head"]})
    module.xinyi_screens = hookimpl(lambda: [ScreenEntry("f6", "notice.title", "notice.view", NoticeScreen)])
    return module


NOTICE = {"plugins": {"notice": _notice_plugin()}}


@pytest.mark.parametrize("tui_city", [NOTICE], indirect=True)
async def test_a_contested_key_stays_with_its_first_owner_and_the_loser_is_still_reachable(tui_city, caplog):
    app = XinyiApp(tui_city.op("town_clerk", "a"))
    with caplog.at_level(logging.WARNING, logger="xinyi_core.tui.nav"):
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            assert app.nav["sample.title"].key == "f6" and app.nav["notice.title"].key == ""
            helps = {c.title: c.help for c in app.get_system_commands(app.screen)}
            assert helps["村居公告"] == "打开“村居公告”" and helps["样例审批"] == "打开“样例审批”（F6）"
            assert not any("（）" in text for text in helps.values())  # no empty brackets, core's 提醒 too
            assert "    村居公告" in screen_text(app)  # the home menu lists it, without a key
            await pilot.press("f6")
            await settle(pilot, app)
            assert app.current_mode == "sample.title"
            app.action_open("notice.title")  # as the menu and the palette do
            await settle(pilot, app)
            assert "村居公告页面" in screen_text(app)
    assert "按键 F6 已由“样例审批”占用：插件 notice 的“村居公告”没有快捷键（可从首页菜单或 Ctrl+P 打开）" in caplog.messages


@pytest.mark.parametrize("tui_city", [NOTICE], indirect=True)
def test_key_conflicts_name_the_key_the_plugin_and_the_roles_that_meet_it(tui_city):
    [(conflict, roles)] = nav.key_conflicts(["a", "b"])
    assert (conflict.key, conflict.holder, conflict.title, conflict.plugin) == ("f6", "sample.title", "notice.title",
                                                                              "notice")
    assert "town_clerk" in roles and "town_head" not in roles  # a town head sees no sample screen


def test_assign_keys_is_first_come_and_never_contests_an_empty_key():
    keys, conflicts = nav.assign_keys([("core", "a", "f1"), ("x", "b", ""), ("y", "c", ""), ("y", "d", "f1")])
    assert keys == {"a": "f1", "b": "", "c": "", "d": ""}
    assert [(c.key, c.holder, c.title, c.plugin) for c in conflicts] == [("f1", "a", "d", "y")]
