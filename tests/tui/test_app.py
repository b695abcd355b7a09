"""The real app, driven by key presses at 80×24: login, search, add, edit, scope, navigation."""
from __future__ import annotations

import datetime as dt

import pytest
from textual.widgets._toast import Toast

from xinyi_core import clock, mask_id, mask_phone, people, testing
from xinyi_core.testing import open_entry
from xinyi_core.models import AuditLog, Operator, Person
from xinyi_core.tui.app import XinyiApp, os_login_name
from xinyi_core.tui.screens.home import HomeScreen
from xinyi_core.tui.screens.login import LoginScreen
from xinyi_core.tui.screens.person import PersonFormScreen, PersonScreen
from xinyi_core.tui.widgets import Form, RecordList

from . import broken_plugin
from .conftest import SIZE, screen_text, settle


async def login(pilot, username: str, password: str) -> None:
    await pilot.press(*username, "enter", *password, "enter")
    await settle(pilot, pilot.app)


async def type_search(pilot, text: str) -> RecordList:
    await pilot.press("f3")  # 人员
    await settle(pilot, pilot.app)
    await pilot.press(*text)
    await settle(pilot, pilot.app, 0.2)  # past the debounce
    return pilot.app.screen.query_one("#people", RecordList)


def rows(plist: RecordList) -> list[tuple]:
    return [plist.row_at(i) for i in range(plist.count)]


# --------------------------------------------------------------------------- login

async def test_login_shows_home_with_name_role_and_scope(tui_city):
    clerk = tui_city.op("town_clerk", "a")
    app = XinyiApp()
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, LoginScreen)
        await login(pilot, clerk.username, testing.PASSWORD)
        assert isinstance(app.screen, HomeScreen)
        assert f"{clerk.display_name}（镇考勤员·甲镇）" in screen_text(app)


async def test_a_login_typed_in_one_go_signs_in(tui_city):
    """User name, Enter, password, Enter arriving in one read (a slow SSH link): the password goes
    to the password field, not onto the end of the user name."""
    clerk = tui_city.op("town_clerk", "a")
    app = XinyiApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        testing.type_ahead(app, *clerk.username, "\r", *testing.PASSWORD, "\r")
        await settle(pilot, app)
        assert isinstance(app.screen, HomeScreen)


@pytest.mark.parametrize("tui_city", [{"max_failed_logins": 3}], indirect=True)
async def test_bad_passwords_slow_the_next_try_then_lock_the_account(tui_city):
    clerk = tui_city.op("town_clerk", "a")
    t0 = dt.datetime(2025, 3, 3, 9, 0)
    app = XinyiApp()
    async with app.run_test(size=SIZE) as pilot:
        with clock.frozen(t0):
            await login(pilot, clerk.username, "x")
            assert "用户名或密码错误" in screen_text(app)
            await pilot.press(*testing.PASSWORD, "enter")  # at once: she waits a second, nothing is locked
            await settle(pilot, app)
            assert "登录尝试过于频繁，请 1 秒后再试" in screen_text(app)
        for n in (1, 2):  # max_failed_logins = 3: the third failure locks
            with clock.frozen(t0 + dt.timedelta(minutes=n)):
                await pilot.press("x", "enter")
                await settle(pilot, app)
        assert "账户已锁定" in screen_text(app)
        with clock.frozen(t0 + dt.timedelta(minutes=5)):
            await pilot.press(*testing.PASSWORD, "enter")  # even the right password is refused now
            await settle(pilot, app)
        assert isinstance(app.screen, LoginScreen)
        assert "账户已锁定" in screen_text(app)


@pytest.mark.parametrize("tui_city", [{"auth_mode": "os_user"}], indirect=True)
async def test_trusted_os_user_skips_the_password_screen(tui_city):
    clerk = tui_city.op("town_clerk", "b")
    Operator.update(os_user=os_login_name()).where(Operator.id == clerk.id).execute()
    app = XinyiApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert isinstance(app.screen, HomeScreen)
        assert "乙镇" in screen_text(app)


# --------------------------------------------------------------------------- people

async def test_search_as_you_type_by_initials_id_and_phone(tui_city_db):
    target = tui_city_db.people["a"][1]
    app = XinyiApp(tui_city_db.op("city_office"))
    async with app.run_test(size=SIZE) as pilot:
        plist = await type_search(pilot, people.initials(target.name))
        assert target.id in [r[0] for r in rows(plist)]
        assert all(people.initials(r[1]).startswith(people.initials(target.name)) for r in rows(plist))
        for text in (target.id_number[-6:], target.phone[-5:]):
            await pilot.press("escape")
            plist = await type_search(pilot, text)
            assert [r[0] for r in rows(plist)] == [target.id]
        await pilot.press("enter")  # Enter in the search box opens the highlighted person
        await settle(pilot, app)
        assert isinstance(app.screen, PersonScreen)
        assert mask_id(target.id_number) in screen_text(app)  # masked until revealed with v


async def test_id_numbers_and_phones_are_masked_and_revealed_only_to_view_id_audited_each_time(tui_city_db):
    """Issue 20 item 2: lists and searches mask 身份证号 and phones; the person page shows them in
    full only to roles holding ``people.view_id`` (town head, city), after ``v``, audited each time."""
    target = tui_city_db.people["a"][1]
    reveals = AuditLog.select().where((AuditLog.action == "people.view_id") & (AuditLog.person_id == target.id))
    for role, may in (("town_clerk", False), ("town_head", True), ("city_office", True)):
        app = XinyiApp(tui_city_db.op(role, "a") if role != "city_office" else tui_city_db.op(role))
        async with app.run_test(size=SIZE) as pilot:
            plist = await type_search(pilot, target.id_number)  # the full number still finds her
            assert [r[0] for r in rows(plist)] == [target.id]
            listed = screen_text(app)
            assert mask_id(target.id_number) in listed and mask_phone(target.phone) in listed
            assert target.id_number not in listed.replace(target.id_number, "", 1)  # only in the search box
            assert target.phone not in listed
            await pilot.press("enter")
            await settle(pilot, app)
            page = screen_text(app)
            assert mask_id(target.id_number) in page and target.id_number not in page
            assert target.phone not in page
            assert ("显示证件号" in page) is may  # the key is offered only to those who may
            before = reveals.count()
            await pilot.press("v")
            await settle(pilot, app)
            page = screen_text(app)
            assert (target.id_number in page and target.phone in page) is may
            assert reveals.count() == before + may
            if may:
                await pilot.press("v")  # a second look is a second audit row
                await settle(pilot, app)
                assert reveals.count() == before + 2
    assert {r.operator_name for r in reveals} == {tui_city_db.op("town_head", "a").display_name,
                                                  tui_city_db.op("city_office").display_name}


async def test_town_clerk_sees_only_her_town(tui_city_db):
    other = tui_city_db.people["b"][0]
    app = XinyiApp(tui_city_db.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        plist = await type_search(pilot, "")
        assert {r[0] for r in rows(plist)} == {p.id for p in tui_city_db.people["a"]}
        assert {r[3] for r in rows(plist)} == {"甲镇"}
        plist = await type_search(pilot, other.id_number)
        assert plist.count == 0
        assert "没有符合条件的协理员" in screen_text(app)


async def test_add_with_bad_id_shows_the_error_beside_the_field_and_saves_nothing(tui_city):
    before = Person.select().count()
    app = XinyiApp(tui_city.op("city_office"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3", "down", "a")
        await settle(pilot, app)
        assert isinstance(app.screen, PersonFormScreen)
        form = app.screen.query_one(Form)
        form.widget("name").value = "王小明"
        await pilot.press("tab", *"320381199001011235", "tab")  # wrong check digit
        await settle(pilot, app)
        assert form.error("id_number") == "身份证号校验位不对，请核对"  # shown on leaving the field
        form.widget("phone").value = "13912345678"
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, PersonFormScreen)
        text = screen_text(app)
        id_line = next(line for line in text.splitlines() if "身份证号" in line)
        assert "校验位不对" in id_line  # beside the field, on its line
        assert form.error("name") == ""
    assert Person.select().count() == before


async def test_add_on_a_vacant_post_hires(tui_city):
    app = XinyiApp(tui_city.op("city_office"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3", "down", "a")
        await settle(pilot, app)
        form = app.screen.query_one(Form)
        for name, value in (("name", "王小明"), ("id_number", "320381199001011239"), ("phone", "13912345678"),
                            ("post", tui_city.vacant["b"].id)):
            form.widget(name).value = value
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert not isinstance(app.screen, PersonFormScreen), form.query_one("#form-message").render()
    hired = Person.get(Person.id_number == "320381199001011239")
    assert hired.post_id == tui_city.vacant["b"].id and hired.status == "candidate"


async def test_edit_saves_and_a_bad_phone_is_refused_field_by_field(tui_city_db):
    person = tui_city_db.people["a"][0]
    app = XinyiApp(tui_city_db.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await type_search(pilot, person.id_number)
        await pilot.press("enter", "e")
        await settle(pilot, app)
        form = app.screen.query_one(Form)
        form.widget("phone").focus()
        form.widget("phone").value = "1234"
        await pilot.press("tab")
        await settle(pilot, app)
        assert form.error("phone") == "手机号应为 11 位，以 13–19 开头"
        form.widget("phone").value = "13800001111"  # the error goes as soon as the value is right
        await settle(pilot, app)
        assert form.error("phone") == ""
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, PersonScreen)
        assert "138****1111" in screen_text(app)
    assert Person.get_by_id(person.id).phone == "13800001111"
    assert AuditLog.select().where((AuditLog.action == "people.update") & (AuditLog.person_id == person.id)).exists()


async def test_hire_and_transfer_are_not_offered_to_a_town(tui_city):  # ORG-3
    app = XinyiApp(tui_city.op("town_head", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3", "down")
        await settle(pilot, app)
        footer = screen_text(app).splitlines()[-1]
        assert "e 修改" in footer and "新增" not in footer
        await pilot.press("a")
        await settle(pilot, app)
        assert not isinstance(app.screen, PersonFormScreen)
        await pilot.press("enter")
        await settle(pilot, app)
        footer = screen_text(app).splitlines()[-1]
        assert isinstance(app.screen, PersonScreen) and "调岗" not in footer
    city_app = XinyiApp(tui_city.op("city_office"))
    async with city_app.run_test(size=SIZE) as pilot:
        await pilot.press("f3", "down")
        await settle(pilot, city_app)
        assert "a 新增" in screen_text(city_app).splitlines()[-1]


# --------------------------------------------------------------------------- navigation

async def test_dashboard_item_and_key_open_the_plugin_screen(tui_city):
    app = XinyiApp(tui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert "【急】请假待审批（3）" in screen_text(app)
        await pilot.press("enter")  # the to-do opens the screen it names
        await settle(pilot, app)
        assert app.screen.query_one("#sample-body") is not None
        assert "样例审批" in screen_text(app).splitlines()[0]
        await pilot.press("f2")
        await settle(pilot, app)
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("f5")  # the first screen of group 3 请假, where the sample plugin put it
        await settle(pilot, app)
        assert app.current_mode == "sample.title"


async def test_screens_are_filtered_by_permission_and_town_enablement(tui_city):
    app = XinyiApp(tui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert "sample.title" in app.nav and "sample.secret" not in app.nav  # needs sample.secret
        assert "机密页面" not in screen_text(app)  # not on the home menu
        await pilot.press("3", "b")  # where it would be, after 样例审批 (3a)
        await settle(pilot, app)
        assert isinstance(app.screen, HomeScreen)


@pytest.mark.parametrize("tui_city", [{"default_plugins": ()}], indirect=True)
async def test_a_plugin_the_town_did_not_enable_is_not_offered_to_it(tui_city):
    town = XinyiApp(tui_city.op("town_clerk", "a"))
    async with town.run_test(size=SIZE) as pilot:
        await settle(pilot, town)
        assert "sample.title" not in town.nav and "请假待审批" not in screen_text(town)
    city = XinyiApp(tui_city.op("city_office"))  # the city level sees every plugin
    async with city.run_test(size=SIZE) as pilot:
        await pilot.press("f2")  # from 数据看板, where she starts, to her to-dos
        await settle(pilot, city)
        assert "sample.title" in city.nav and "请假待审批" in screen_text(city)


async def test_command_palette_reaches_screens_and_actions(tui_city):
    app = XinyiApp(tui_city.op("city_office"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("ctrl+p", *"组织架构")
        await settle(pilot, app, 0.15)
        await pilot.press("enter")
        await settle(pilot, app, 0.1)
        assert app.current_mode == "tui.nav.org"
        await pilot.press("f3", "down", "ctrl+p", *"新增")
        await settle(pilot, app, 0.15)
        await pilot.press("enter")
        await settle(pilot, app, 0.1)
        assert isinstance(app.screen, PersonFormScreen)


async def test_org_tree_opens_the_list_of_a_village(tui_city):
    village = tui_city.villages["a"][0]
    app = XinyiApp(tui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await open_entry(pilot, "tui.nav.org")
        text = screen_text(app)
        assert "乙镇" not in text
        line = next(line for line in text.splitlines() if village.name in line)
        assert "2 人" in line and "空岗 1" in line
        await pilot.press("down", "enter")  # the town is unfolded: its first village, open its list
        await settle(pilot, app)
        assert app.current_mode == "tui.nav.people"
        plist = app.screen.query_one("#people", RecordList)
        assert {r[4] for r in rows(plist)} == {village.name}


async def test_a_16_colour_terminal_gets_only_ansi_colours_and_a_visible_cursor(tui_city, monkeypatch):
    monkeypatch.setenv("TEXTUAL_COLOR_SYSTEM", "standard")
    app = XinyiApp(tui_city.op("city_office"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3", "down")
        await settle(pilot, app)
        strips = app.screen._compositor.render_strips()
        colours = {c.type.name for s in strips for seg in s if seg.style
                   for c in (seg.style.color, seg.style.bgcolor) if c}
        assert colours <= {"STANDARD", "DEFAULT"}
        backgrounds = [{seg.style.bgcolor for seg in strips[y] if seg.text.strip()} for y in (4, 5)]
        assert backgrounds[0] != backgrounds[1]  # the cursor row (first person) stands out


@pytest.mark.parametrize("tui_city", [{"plugins": {"broken": broken_plugin}}], indirect=True)
async def test_a_broken_plugin_is_reported_and_the_others_still_work(tui_city):
    app = XinyiApp(tui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        assert isinstance(app.screen, HomeScreen)
        text = screen_text(app)
        assert "sample.title" in app.nav and "【急】请假待审批（3）" in text
        assert "插件 broken 出错，已跳过：RuntimeError: screens exploded" in text
        assert "插件 broken 出错，已跳过：RuntimeError: dashboard exploded" in text
        await pilot.press("enter")  # the cursor is on the first real to-do, not on an error line
        await settle(pilot, app)
        assert app.current_mode == "sample.title"


async def test_filter_by_village_and_status_and_sort(tui_city):
    village = tui_city.villages["b"][1]
    departed = tui_city.people["b"][3]
    people.set_status(tui_city.op("city_office"), departed.id, "departed", reason="辞职")
    app = XinyiApp(tui_city.op("city_office"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3", "down", "f")
        await settle(pilot, app)
        form = app.screen.query_one(Form)
        form.widget("village_id").value = village.id
        form.widget("status").value = "on_duty"
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        plist = app.screen.query_one("#people", RecordList)
        assert {r[0] for r in rows(plist)} == {p.id for p in tui_city.people["b"][2:3]}
        assert "筛选：乙镇2村、在岗" in screen_text(app)
        await pilot.press("s")  # sort: name → joined → town
        await settle(pilot, app)
        assert "排序：入职日期" in screen_text(app)


async def test_city_transfers_a_person_to_a_vacant_post(tui_city):  # ORG-3: the city's act
    person = tui_city.people["a"][0]
    post = tui_city.vacant["b"]
    app = XinyiApp(tui_city.op("city_office"))
    async with app.run_test(size=SIZE) as pilot:
        await type_search(pilot, person.id_number)
        await pilot.press("enter", "t")
        await settle(pilot, app)
        app.screen.query_one(Form).widget("post").value = post.id
        await pilot.press("ctrl+s")
        await settle(pilot, app)
        assert isinstance(app.screen, PersonScreen)
        assert "乙镇" in screen_text(app)
    assert Person.get_by_id(person.id).post_id == post.id


async def test_job_panel_shows_progress_outputs_and_errors(tui_city):
    jobs = pytest.importorskip("xinyi_core.jobs")
    clerk = tui_city.op("town_clerk", "a")
    jobs.JobRecord.create(kind="attendance.monthly", title="甲镇考勤月报", requested_by_id=clerk.id, town_code="a",
                          state="running", progress=0.5, message="正在汇总")
    jobs.JobRecord.create(kind="leave.stub", title="请假存根", requested_by_id=clerk.id, town_code="a",
                          state="failed", error="模板缺失", outputs=["/srv/xinyi/reports/stub.xlsx"])
    jobs.JobRecord.create(kind="x", title="乙镇报表", town_code="b", state="done", progress=1.0)
    app = XinyiApp(clerk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await open_entry(pilot, "tui.nav.jobs")
        text = screen_text(app)
        assert "请假存根" in text and "失败" in text and "乙镇报表" not in text  # her town's jobs only
        running = next(line for line in text.splitlines() if "甲镇考勤月报" in line)
        assert "█████░░░░░  50%" in running
        assert "输出文件：" in text and "  stub.xlsx" in text and "/srv" not in text  # the name, no server path
        assert "错误：模板缺失" in text
        assert "r 重试" in text.splitlines()[-1]  # offered for the failed job under the cursor
        await pilot.press("down")
        await settle(pilot, app)
        assert "重试" not in screen_text(app).splitlines()[-1] and "正在汇总" in screen_text(app)


@pytest.mark.parametrize("tui_city", [{"redis_url": "redis://127.0.0.1:1/0"}], indirect=True)  # nothing listens
async def test_with_redis_down_the_app_works_and_a_kept_job_says_so(tui_city):
    jobs = pytest.importorskip("xinyi_core.jobs")
    clerk = tui_city.op("town_clerk", "a")
    with pytest.raises(jobs.QueueUnavailable):
        jobs.submit(clerk, "core.roster", period="2026-11")
    app = XinyiApp(clerk)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await open_entry(pilot, "tui.nav.jobs")
        text = screen_text(app)
        assert "花名册" in text and "待发送" in text and "队列恢复后自动发送" in text
        await pilot.press("r")  # try the queue now: still down, told plainly, the job is still kept
        await settle(pilot, app)
        assert any("已保存" in n and "恢复后自动发送" in n for n in testing.notifications(app))
        assert jobs.JobRecord.get(jobs.JobRecord.requested_by_id == clerk.id).state == "unsent"
        plist = await type_search(pilot, "")  # everything not needing the queue still works
        assert plist.count == 4 and "共 4 人" in screen_text(app)


async def test_a_notice_shows_square_brackets_as_written(tui_city):
    """Found by the leave journey in tmux: 本镇尚未设置打印机：请管理员在 xinyi.toml 的 [print] printer …
    lost its ``[print]`` — Textual read it as markup. Notices are plain text, and so are names in them."""
    app = XinyiApp(tui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot, app)
        app.screen.notify("请管理员在 xinyi.toml 的 [print] printer 中设置；[b]王[/b]小明")
        await settle(pilot, app)
        shown = str(app.screen.query_one(Toast).render())
        assert "[print] printer" in shown and "[b]王[/b]小明" in shown
