"""Issue 18, navigation: a clerk finds every function from the home screen in two keys, reads every
key in Chinese in an 80-column footer (the rest on F1), goes one step back with Esc from anywhere,
switches user without quitting and is asked before typed input is lost.
"""
from __future__ import annotations

import re
import types

import pytest
from rich.cells import cell_len
from textual.binding import Binding
from textual.widgets import Static

from xinyi_core import ScreenEntry, hookimpl, testing
from xinyi_core.models import AuditLog
from xinyi_core.testing import open_entry
from xinyi_core.tui.app import XinyiApp
from xinyi_core.tui.screens.confirm import ConfirmScreen
from xinyi_core.tui.screens.dashboard import DashboardScreen
from xinyi_core.tui.screens.help import HelpScreen
from xinyi_core.tui.screens.home import HomeScreen
from xinyi_core.tui.screens.login import LoginScreen
from xinyi_core.tui.screens import XinyiScreen
from xinyi_core.tui.screens.people import FilterScreen
from xinyi_core.tui.screens.person import PersonFormScreen, PersonScreen
from xinyi_core.tui.widgets import Form, RecordList

from .conftest import SIZE, screen_text, settle

CJK = re.compile(r"[\u4e00-\u9fff]")


def footer(app: XinyiApp) -> str:
    return screen_text(app).splitlines()[-1]


def assert_footer_fits(app: XinyiApp, *, back: bool = True) -> None:
    line = footer(app)
    where = type(app.screen).__name__
    assert cell_len(line) <= 80 and line.endswith("F1 帮助"), (where, line)
    assert not re.search(r"\^[a-z]|\b(escape|space|pgup|pgdn|pageup|pagedown|enter)\b", line), (where, line)
    assert ("Esc " in line) == back, (where, line)


async def test_the_home_menu_lists_every_entry_with_its_two_keys_and_the_keys_open_them(tui_city):
    app = XinyiApp(tui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        text = screen_text(app)
        assert "Tab 切换到功能菜单 · 数字键选组" in text
        for entry in app.nav.values():
            if entry.id != "tui.nav.home":
                assert f"{entry.path} {entry.title}" in text, entry.id
        for entry in [e for e in app.nav.values() if e.factory is not None and e.id != "tui.nav.home"]:
            await pilot.press("f2", *entry.path)  # from any screen: home, then the two keys
            await settle(pilot, app)
            assert app.current_mode == entry.id, entry.path
        await pilot.press("f2", "9")  # a digit jumps to its group and focuses the menu
        menu = app.screen.query_one("#menu")
        assert menu.has_focus and menu.current.id == "tui.nav.org"
        await pilot.press("f")  # in group 9 the letter f: 提醒 (d and e are every screen's)
        await settle(pilot, app)
        assert app.current_mode == "tui.nav.alerts"


async def test_f_keys_are_the_same_on_every_screen(tui_city):
    app = XinyiApp(tui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        for start in ("tui.nav.org", "tui.nav.calendar", "sample.title"):
            app.action_open(start)
            await settle(pilot, app)
            await pilot.press("f3")
            await settle(pilot, app)
            assert app.current_mode == "tui.nav.people"
            app.action_open(start)
            await settle(pilot, app)
            await pilot.press("f5")  # the sample plugin's screen is the first of 3 请假
            await settle(pilot, app)
            assert app.current_mode == "sample.title"
            await pilot.press("f4")  # 考勤: nothing of it for her here — the key does nothing
            await settle(pilot, app)
            assert app.current_mode == "sample.title"
            await pilot.press("f2")
            await settle(pilot, app)
            assert isinstance(app.screen, HomeScreen)


async def test_a_menu_taller_than_its_room_scrolls_and_the_digits_still_reach_every_group(tui_city):
    app = XinyiApp(tui_city.op("town_clerk", "a"))
    async with app.run_test(size=(40, 14)) as pilot:  # one column of menu, and little room for it
        await settle(pilot, app)
        menu = app.screen.query_one("#menu")
        assert menu.clipped and "未全部显示" in screen_text(app)
        await pilot.press("9")
        await settle(pilot, app)
        assert "9a 组织架构" in screen_text(app)
        await pilot.press("1")
        await settle(pilot, app)
        assert "1a 协理员" in screen_text(app)
        await pilot.press("a")
        await settle(pilot, app)
        assert app.current_mode == "tui.nav.people"


async def test_every_core_footer_fits_80_columns_with_chinese_key_names_and_f1_last(tui_city):
    app = XinyiApp(tui_city.op("city_office"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert_footer_fits(app)  # 数据看板, where the city office starts
        assert "F2 首页" in footer(app)  # her way home is on show
        await pilot.press("f2")
        await settle(pilot, app)
        assert_footer_fits(app, back=False)  # home stays home: no Esc offered
        for name in ("people", "org", "calendar", "jobs", "alerts"):
            await open_entry(pilot, f"tui.nav.{name}")
            assert_footer_fits(app)
        await open_entry(pilot, "tui.nav.org")
        assert "空格 展开" in footer(app)
        await open_entry(pilot, "tui.nav.calendar")
        assert "上页 上月" in footer(app) and "下页 下月" in footer(app)
        await pilot.press("f3", "down")
        await settle(pilot, app)
        assert_footer_fits(app)
        for key, screen in (("enter", PersonScreen), ("escape", None), ("f", FilterScreen), ("escape", None),
                            ("a", PersonFormScreen)):
            await pilot.press(key)
            await settle(pilot, app)
            if screen is not None:
                assert isinstance(app.screen, screen)
                assert_footer_fits(app)
        assert footer(app).endswith("Esc 取消  F1 帮助")
        await pilot.press("f1")
        await settle(pilot, app)
        assert isinstance(app.screen, HelpScreen)
        assert_footer_fits(app)


async def test_f1_lists_every_key_of_the_screen_and_the_global_ones_in_chinese(tui_city):
    app = XinyiApp(tui_city.op("city_office"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")  # the search box has the focus: its letters are typed, yet all are listed
        await settle(pilot, app)
        await pilot.press("f1")
        await settle(pilot, app)
        assert isinstance(app.screen, HelpScreen)
        rows = app.screen.query_one("#help-keys", RecordList)
        keys: dict[str, str] = {}
        for i in range(rows.count):  # this screen's keys first: Esc here is 返回
            keys.setdefault(rows.row_at(i)[1], rows.row_at(i)[2])
        for key, what in (("/", "搜索"), ("f", "筛选"), ("s", "排序"), ("a", "新增"), ("e", "修改"), ("Esc", "返回"),
                          ("F2", "首页"), ("F3", "人员：协理员"), ("Ctrl+P", "命令面板：输入功能或操作名称"),
                          ("Ctrl+L", "注销/切换用户"), ("Ctrl+Q", "退出")):
            assert keys.get(key) == what, (key, keys.get(key))
        assert all(CJK.search(what) for key, what in keys.items() if what), keys
        assert "帮助 › 协理员" in screen_text(app).splitlines()[0]
        await pilot.press("f1")  # F1 again closes it
        await settle(pilot, app)
        assert app.current_mode == "tui.nav.people" and not isinstance(app.screen, HelpScreen)
        await pilot.press("f1", "escape")  # and so does Esc
        await settle(pilot, app)
        assert not isinstance(app.screen, HelpScreen)


async def test_the_palette_is_chinese_only_and_lists_every_entry_and_the_screens_actions(tui_city):
    app = XinyiApp(tui_city.op("city_office"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")  # the search box's own (English) bindings are active here
        await settle(pilot, app)
        commands = list(app.get_system_commands(app.screen))
        assert all(CJK.search(c.title) and CJK.search(c.help) for c in commands), [c.title for c in commands]
        titles = {c.title for c in commands}
        assert {e.title for e in app.nav.values()} <= titles and {"筛选", "排序", "新增"} <= titles
        assert not any("（）" in c.help for c in commands)
        await pilot.press("ctrl+p")
        await settle(pilot, app, 0.2)
        text = screen_text(app)
        for english in ("Copy selected text", "Focus Next", "Focus Previous", "Quit", "Keys", "Theme"):
            assert english not in text
        assert "打开“协理员”（F3）" in text or "打开“" in text
        await pilot.press(*"zzzq")
        await settle(pilot, app, 0.8)
        assert "没有匹配的功能或操作" in screen_text(app) and "No matches" not in screen_text(app)
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.current_mode == "tui.nav.people"


async def test_esc_from_the_org_tree_to_a_villages_people_clears_the_filter_then_goes_back(tui_city):
    village = tui_city.villages["a"][0]
    app = XinyiApp(tui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await open_entry(pilot, "tui.nav.org")
        await pilot.press("down", "enter")  # the town is unfolded: its first village, open its list
        await settle(pilot, app)
        plist = app.screen.query_one("#people", RecordList)
        assert app.current_mode == "tui.nav.people" and plist.count == 2
        assert f"筛选：{village.name}" in screen_text(app) and footer(app).endswith("Esc 清除筛选  F1 帮助")
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.current_mode == "tui.nav.people" and plist.count == 4 and "筛选" not in screen_text(app)
        assert footer(app).endswith("Esc 返回  F1 帮助")
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.current_mode == "tui.nav.org"  # back where she came from
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("escape")  # home stays home
        await settle(pilot, app)
        assert isinstance(app.screen, HomeScreen) and len(app.screen_stack) == 1


async def test_esc_is_one_step_back_everywhere(tui_city):
    person = tui_city.people["a"][0]
    app = XinyiApp(tui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3", *person.id_number)
        await settle(pilot, app, 0.2)
        await pilot.press("enter")  # the person's page
        await settle(pilot, app)
        assert isinstance(app.screen, PersonScreen)
        await pilot.press("c")  # her calendar, over her page
        await settle(pilot, app)
        for back_to in (PersonScreen, None):
            await pilot.press("escape")
            await settle(pilot, app)
            if back_to is not None:
                assert isinstance(app.screen, back_to)
        assert app.current_mode == "tui.nav.people" and app.screen.query_one("#search").value == person.id_number
        await pilot.press("escape")  # the search text goes first
        await settle(pilot, app)
        assert app.screen.query_one("#search").value == "" and app.current_mode == "tui.nav.people"
        await pilot.press("down", "f")  # in the list, a dialog: Esc closes it
        await settle(pilot, app)
        assert isinstance(app.screen, FilterScreen)
        await pilot.press("escape")
        await settle(pilot, app)
        assert app.current_mode == "tui.nav.people" and not isinstance(app.screen, FilterScreen)
        await pilot.press("escape")
        await settle(pilot, app)
        assert isinstance(app.screen, HomeScreen)
        for entry in ("tui.nav.calendar", "tui.nav.jobs", "tui.nav.alerts", "sample.title"):
            await open_entry(pilot, entry)
            assert app.current_mode == entry
            await pilot.press("escape")
            await settle(pilot, app)
            assert isinstance(app.screen, HomeScreen), entry


async def test_ctrl_l_logs_out_to_the_login_screen_and_another_operator_logs_in(tui_city):
    clerk, office = tui_city.op("town_clerk", "a"), tui_city.op("city_office")
    app = XinyiApp(clerk)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await settle(pilot, app)
        app.notify("已确认移交")  # a notice of hers, still showing when she leaves
        await pilot.press("ctrl+l")
        await settle(pilot, app, 0.2)
        assert isinstance(app.screen, LoginScreen) and app.operator is None and app.return_code is None
        assert f"{clerk.display_name} 已注销" in screen_text(app)
        assert testing.notifications(app) == []  # the next one to log in does not read her notices
        await pilot.press("f3", "f2")  # nothing of hers is left to open
        await settle(pilot, app)
        assert isinstance(app.screen, LoginScreen)
        await pilot.press(*office.username, "enter", *testing.PASSWORD, "enter")
        await settle(pilot, app, 0.2)
        # the city office starts on 数据看板 (issue 23), as she would have from a fresh start
        assert isinstance(app.screen, DashboardScreen) and app.operator.id == office.id
        assert "（市就业处·新沂市）" in screen_text(app)
        await pilot.press("f3")
        await settle(pilot, app)
        assert app.screen.query_one("#people", RecordList).count == 8  # the city's people, not her town's
        await pilot.press("f2", "9")
        await settle(pilot, app)
        menu = app.screen.query_one("#menu")
        last = [e for e in menu.entries if e.group == "system"][-1]
        assert last.title == "注销/切换用户"
        await pilot.press(last.letter)  # the same from the menu
        await settle(pilot, app, 0.2)
        assert isinstance(app.screen, LoginScreen)
    logouts = AuditLog.select().where(AuditLog.action == "auth.logout").order_by(AuditLog.id)
    assert [row.operator_id for row in logouts] == [clerk.id, office.id]


async def test_ctrl_q_asks_first_when_a_form_holds_unsaved_input(tui_city):
    app = XinyiApp(tui_city.op("city_office"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3", "down", "a")
        await settle(pilot, app)
        assert isinstance(app.screen, PersonFormScreen)
        await pilot.press("ctrl+q")  # an untouched form loses nothing: quits at once
        await pilot.pause()
        assert app._exit
    app = XinyiApp(tui_city.op("city_office"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3", "down", "a")
        await settle(pilot, app)
        app.screen.query_one(Form).widget("name").value = "王小明"
        await pilot.press("f2")  # the form waits on its own screen while she is elsewhere
        await settle(pilot, app)
        await pilot.press("ctrl+q")
        await settle(pilot, app)
        assert isinstance(app.screen, ConfirmScreen) and "确认退出？" in screen_text(app)
        assert "有尚未保存的输入" in screen_text(app)
        await pilot.press("escape")  # no: back where she was, nothing lost
        await settle(pilot, app)
        assert isinstance(app.screen, HomeScreen) and not app._exit
        await pilot.press("f3")
        await settle(pilot, app)
        assert app.screen.query_one(Form).widget("name").value == "王小明"
        await pilot.press("ctrl+q")
        await settle(pilot, app)
        await pilot.press("enter")  # yes
        await pilot.pause()
        assert app._exit


class ChainScreen(XinyiScreen):
    """A plugin screen that offers a key by the operator's role, as the departure list does."""

    TITLE_KEY = "chain.title"
    BINDINGS = [Binding("a", "approve", "同意")]

    def compose_body(self):
        yield Static("审批页面")

    def check_action(self, action, parameters):
        if action == "approve":
            return self.operator.role == "town_clerk"
        return super().check_action(action, parameters)

    def action_approve(self) -> None:
        pass


def _chain_plugin() -> types.ModuleType:
    module = types.ModuleType("chain")
    module.XINYI_API = "1"
    module.xinyi_messages = hookimpl(lambda: {"title": "审批页面"})
    module.xinyi_permissions = hookimpl(lambda: {"chain.view": ["town_clerk"]})
    module.xinyi_screens = hookimpl(lambda: [ScreenEntry("", "chain.title", "chain.view", ChainScreen, "departure")])
    return module


@pytest.mark.parametrize("tui_city", [{"plugins": {"chain": _chain_plugin()}}], indirect=True)
async def test_ctrl_l_on_a_screen_whose_keys_depend_on_the_operator_logs_out_without_a_crash(tui_city):
    """Found in the departure journey: Ctrl+L on 离职管理 ended the program (AttributeError) — the key bar
    asked the screen being left which keys it offers, after the operator was gone."""
    app = XinyiApp(tui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await open_entry(pilot, "chain.title")
        assert "a 同意" in footer(app)
        await pilot.press("ctrl+l")
        await settle(pilot, app, 0.2)
        assert isinstance(app.screen, LoginScreen) and app.return_code is None


@pytest.mark.parametrize("tui_city", [{"auth_mode": "os_user"}], indirect=True)
async def test_ctrl_l_where_the_os_account_is_the_identity_says_how_to_switch(tui_city):
    app = XinyiApp(tui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+l")
        await settle(pilot, app)
        assert isinstance(app.screen, HomeScreen) and app.operator is not None
        assert any("切换用户请退出后用其他账户登录" in n for n in testing.notifications(app))
