"""Keys have one owner (issue 17), and the core gives them (issue 18).

Every entry sits in a business group of the home menu and gets a letter there, first come in
registration order: ``3a`` opens the first 请假 screen, the same two keys on every visit. F3–F10 open
the first entry of groups 1–8 the operator may open. A plugin may ask for a letter; a letter an
earlier entry of the group holds, a letter every screen uses (n e d p s h j k q) or an F-key is not
given: the entry gets the group's next free letter, the refusal is logged at login and listed by
``xinyi plugins`` (:func:`nav.key_conflicts`), and the palette never shows empty brackets.
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


def _notice_plugin(key: str, group: str = "leave") -> types.ModuleType:
    """Written after the sample plugin (样例审批, the first 请假 entry), asking for ``key``."""
    module = types.ModuleType("notice")
    module.XINYI_API = "1"
    module.xinyi_messages = hookimpl(lambda: {"title": "村居公告", "perm": {"view": "查看村居公告"}})
    module.xinyi_permissions = hookimpl(lambda: {"notice.view": ["town_clerk", "town_head"]})
    module.xinyi_screens = hookimpl(lambda: [ScreenEntry(key, "notice.title", "notice.view", NoticeScreen, group)])
    return module


def notice(key: str, group: str = "leave") -> dict:
    return {"plugins": {"notice": _notice_plugin(key, group)}}


@pytest.mark.parametrize("tui_city", [notice("a")], indirect=True)
async def test_a_taken_letter_stays_with_its_first_owner_and_the_later_entry_gets_the_next_one(tui_city, caplog):
    app = XinyiApp(tui_city.op("town_clerk", "a"))
    with caplog.at_level(logging.WARNING, logger="xinyi_core.tui.nav"):
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, app)
            assert (app.nav["sample.title"].path, app.nav["sample.title"].key) == ("3a", "f5")
            assert (app.nav["notice.title"].path, app.nav["notice.title"].key) == ("3b", "")
            helps = {c.title: c.help for c in app.get_system_commands(app.screen)}
            assert helps["村居公告"] == "打开“村居公告”" and helps["样例审批"] == "打开“样例审批”（F5）"
            assert not any("（）" in text for text in helps.values())  # no empty brackets, core's 提醒 too
            assert "3b 村居公告" in screen_text(app)  # on the home menu with its two keys
            await pilot.press("3", "b")
            await settle(pilot, app)
            assert "村居公告页面" in screen_text(app)
            await pilot.press("f5")
            await settle(pilot, app)
            assert app.current_mode == "sample.title"
    assert "字母 a 在同组中已由“样例审批”占用：插件 notice 的“村居公告”改用组内下一个空闲字母" in caplog.messages


@pytest.mark.parametrize("tui_city", [notice("a")], indirect=True)
def test_key_conflicts_name_the_key_the_plugin_and_the_roles_that_meet_it(tui_city):
    [(conflict, roles)] = nav.key_conflicts(["a", "b"])
    assert (conflict.key, conflict.holder, conflict.title, conflict.plugin) == ("a", "sample.title", "notice.title",
                                                                              "notice")
    assert "town_clerk" in roles and "town_head" not in roles  # a town head sees no sample screen: 3a is hers


@pytest.mark.parametrize("tui_city", [notice("f6"), notice("n")], indirect=True)
def test_an_f_key_or_a_letter_every_screen_uses_is_not_a_plugins_to_take(tui_city):
    conflicts = nav.key_conflicts(["a", "b"])
    assert {(c.key, c.holder, c.title) for c, _ in conflicts} == {(c.key, "", "notice.title") for c, _ in conflicts}
    [message] = {c.message() for c, _ in conflicts}
    assert message in ("按键 F6 不能由插件指定（F1–F10 由系统分配，key 只能是组内字母）：插件 notice 的“村居公告”改用组内下一个空闲字母",
                       "字母 n 是各页面通用的按键：插件 notice 的“村居公告”改用组内下一个空闲字母")
    head = tui_city.op("town_head", "a")
    entries = {e.id: e for e in nav.entries(head, nav.auth.granted(head.role))[0]}
    assert entries["notice.title"].path == "3a"  # still on the menu, with the next free letter


@pytest.mark.parametrize("tui_city", [notice("", "duty")], indirect=True)
async def test_an_unknown_group_is_shown_under_0_other(tui_city):
    app = XinyiApp(tui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert app.nav["notice.title"].path == "0a" and app.nav["notice.title"].key == ""
        assert "0 其他" in screen_text(app) and "0a 村居公告" in screen_text(app)
        await pilot.press("0", "a")
        await settle(pilot, app)
        assert "村居公告页面" in screen_text(app)


def test_letters_go_in_order_skipping_the_global_ones_and_f_keys_to_each_groups_first(tui_city):
    def entry(title: str, group: str, key: str = "") -> tuple[str, ScreenEntry]:
        return "x", ScreenEntry(key, title, "", object, group)

    core = nav.NavEntry("tui.nav.people", "", "", object, "people")
    titles = ["tui.nav.org", "tui.nav.calendar", "tui.nav.jobs", "tui.nav.alerts", "tui.home.menu", "tui.help.title"]
    visible = [("core", core), *(entry(title, "attendance") for title in titles), entry("tui.home.todos", "reports"),
               entry("tui.nav.logout", "system", "b")]
    out, conflicts = nav.assign(visible)
    assert not conflicts
    assert [(e.id, e.path, e.key) for e in out] == [
        ("tui.nav.people", "1a", "f3"),
        ("tui.nav.org", "2a", "f4"), ("tui.nav.calendar", "2b", ""), ("tui.nav.jobs", "2c", ""),
        ("tui.nav.alerts", "2f", ""), ("tui.home.menu", "2g", ""), ("tui.help.title", "2i", ""),  # not d e h
        ("tui.home.todos", "8a", "f10"),
        ("tui.nav.logout", "9b", "")]  # its own wish; group 9 has no F-key
