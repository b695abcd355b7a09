"""ACCESS (issue 11): what the terminal UI offers each role, and what happens when a hidden thing is asked for.

Navigation entries (menu, F-keys, command palette) come from the core and every
plugin's ``xinyi_screens``, filtered by permission. The expected table below is
reviewed by hand; a hidden key does nothing; a hidden screen or action asked for
anyway (a to-do, a palette command, a direct call, its form pushed and saved)
is refused in Chinese, audited, and not carried out. Real plugins, at 80×24.
"""
from __future__ import annotations

import pytest

from _access_helpers import ROLES, World, chinese, refusals, writes
from xinyi_core import auth, org
from xinyi_core.i18n import t
from xinyi_core.models import Person
from xinyi_core.testing import notifications, run_app, screen_text, settle
from xinyi_core.tui import nav

# Read "2b F4" as: on the home menu under group 2 (考勤), letter b; and F4 from any screen.
_STAFF_CORE = {"tui.nav.home": " F2", "tui.nav.people": "1a F3", "tui.nav.org": "9a", "tui.nav.calendar": "9b"}
_SYSTEM = {"tui.nav.jobs": "9c", "tui.nav.alerts": "9f", "tui.nav.logout": "9g"}
_ATT_TOWN = {"attendance.screen.sheet": "2a F4", "attendance.screen.sign": "2b", "attendance.screen.queue": "2c",
             "attendance.screen.check": "2f", "attendance.screen.person": "2g", "attendance.screen.summary": "8a F10"}
_ATT_CITY = {"attendance.screen.sheet": "2a F4", "attendance.screen.queue": "2b", "attendance.screen.check": "2c",
             "attendance.screen.person": "2f", "attendance.screen.summary": "8a F10"}
_CITY = {**_STAFF_CORE, **_SYSTEM, **_ATT_CITY, "assessment.screen.city": "7a F9", "departure.screen.list": "6a F8",
         "departure.screen.vacancies": "6b", "leave.nav.manage": "3a F5", "training.nav.sessions": "5a F7",
         "training.nav.quotas": "5b", "worklog.nav.spot": "4a F6", "worklog.nav.search": "4b"}
_DASH = {"tui.nav.dashboard": "8b F12"}  # issue 23: 数据看板, after the reports, F12 from anywhere
_TOWN = {**_STAFF_CORE, **_SYSTEM, **_ATT_TOWN, "assessment.screen.scoring": "7a F9", "departure.screen.list": "6a F8",
         "leave.nav.manage": "3a F5", "training.nav.sessions": "5a F7", "training.nav.quotas": "5b",
         "worklog.nav.check": "4a F6", "worklog.nav.register": "4b", "worklog.nav.search": "4c"}

# role → navigation entry → its keys (issue 18: every entry has a two-key path from home; F3–F10 open the
# first entry of groups 1–8 she may open, so one F-key is one business in every role)
NAV: dict[str, dict[str, str]] = {
    "assistant": {"tui.nav.home": " F2", "tui.nav.people": "1a F3", "tui.nav.calendar": "9a", "tui.nav.jobs": "9b",
                  "tui.nav.alerts": "9c", "tui.nav.logout": "9f", "attendance.screen.sign": "2a F4",
                  "attendance.screen.person": "2b",
                  "leave.nav.mine": "3a F5", "leave.nav.calendar": "3b", "training.nav.mine": "5a F7",
                  "worklog.nav.mine": "4a F6", "worklog.nav.register": "4b", "worklog.nav.search": "4c"},
    "village_head": {**_STAFF_CORE, **_SYSTEM, "attendance.screen.sheet": "2a F4",
                     "attendance.screen.person": "2b", "attendance.screen.summary": "8a F10",
                     "departure.screen.list": "6a F8", "leave.nav.manage": "3a F5", "leave.nav.queue": "3b",
                     "leave.nav.calendar": "3c", "training.nav.sessions": "5a F7", "training.nav.quotas": "5b",
                     "worklog.nav.search": "4a F6"},
    "town_clerk": {**_TOWN, "assessment.screen.monthly": "7b", "leave.nav.calendar": "3b"},
    "town_head": {**_TOWN, **_DASH, "assessment.screen.panel": "7b", "assessment.screen.monthly": "7c",  # ASM-3
                  "leave.nav.queue": "3b", "leave.nav.calendar": "3c"},  # ATT-4
    "city_office": {**_CITY, **_DASH, "leave.nav.queue": "3b", "leave.nav.calendar": "3c"},  # ATT-4: 3 days or more
    "bureau": {**_CITY, **_DASH, "leave.nav.calendar": "3b"},
    "admin": {**_CITY, **_ATT_TOWN, **_DASH, "assessment.screen.scoring": "7a F9", "assessment.screen.panel": "7b",
              "assessment.screen.city": "7c", "assessment.screen.monthly": "7f", "leave.nav.mine": "3b",
              "leave.nav.queue": "3c", "leave.nav.calendar": "3f", "training.nav.mine": "5c",
              "worklog.nav.check": "4a F6", "worklog.nav.spot": "4b", "worklog.nav.mine": "4c",
              "worklog.nav.register": "4f", "worklog.nav.search": "4g"},
}
PERSONAL = ("leave.nav.mine", "training.nav.mine", "worklog.nav.mine", "worklog.nav.register")


def every_entry() -> set[str]:
    return set().union(*(set(n) for n in NAV.values()))


@pytest.mark.parametrize("role", ROLES)
def test_each_role_is_offered_exactly_its_screens_and_keys(world: World, role: str):
    op = world.op(role)
    entries, failures = nav.entries(op, auth.granted(op.role))
    assert not failures
    assert {e.id: f"{e.path} {nav.key_label(e.key)}".rstrip() for e in entries} == NAV[role]


@pytest.mark.parametrize("role", ["assistant", "village_head", "town_head", "city_office"])
async def test_menu_palette_and_keys_offer_nothing_else_and_a_hidden_screen_is_refused(world: World, role: str):
    op = world.op(role)
    hidden = sorted(every_entry() - set(NAV[role]))
    written = len(writes(op))  # the template city's own (the town head named her clerk)
    async with run_app(op) as pilot:
        app = pilot.app
        await pilot.press("f2")  # home, her menu (the city office starts on 数据看板)
        await settle(pilot)
        menu = app.screen.query_one("#menu")
        assert {e.id for e in menu.entries} == set(NAV[role]) - {"tui.nav.home"}
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {e.title for e in app.nav.values()} <= titles
        assert not titles & {t(e) for e in hidden}
        own = {keys.split()[-1].lower() for keys in NAV[role].values() if " F" in keys}
        for key in sorted({f"f{i}" for i in range(3, 13)} - own):  # F-keys of groups she has nothing in
            await pilot.press(key)
            await settle(pilot)
            assert app.current_mode == "tui.nav.home" and len(app.screen_stack) == 1, key
        assert not refusals(op)  # a key in an empty slot is no attempt
        for entry in hidden:  # asked for anyway: by a to-do, the palette, a crafted call
            app.action_open(entry)
            await settle(pilot)
            assert app.current_mode == "tui.nav.home", entry
        assert notifications(app).count("该功能未启用或无权限") == len(hidden)
        assert [(r.action, r.note) for r in refusals(op)] == [("tui.open", e) for e in hidden]
        assert len(writes(op)) == written


async def test_screens_of_her_own_open_for_an_operator_without_a_person(world: World):
    """The administrator holds every action, "my leave", "my training" and "my log" too, with no
    assistant of her own: each opens, says so or shows nothing, and the session goes on."""
    admin = world.op("admin")
    async with run_app(admin) as pilot:
        for entry in PERSONAL:
            pilot.app.action_open(entry)
            await settle(pilot)
            assert pilot.app.current_mode == entry and chinese(screen_text(pilot.app))
        pilot.app.action_open("training.nav.mine")
        await settle(pilot)
        assert "该账户未关联协理员，没有个人培训记录" in screen_text(pilot.app)
        assert pilot.app.return_code is None


async def test_hire_and_transfer_forms_pushed_for_a_town_are_refused_when_saved(world: World):
    """ORG-3: the town head is not offered "add" or "transfer"; the forms opened anyway save nothing."""
    from xinyi_core.tui.screens.person import PersonFormScreen, PersonScreen, TransferScreen
    from xinyi_core.tui.widgets import Form

    head = world.op("town_head")
    post = org.add_post(world.village("a", 1))  # a vacancy in her town's other village
    before = Person.select().count()
    async with run_app(head) as pilot:
        app = pilot.app
        await pilot.press("f3", "down")
        await settle(pilot)
        people_screen = app.screen
        assert "新增" not in screen_text(app).splitlines()[-1]
        assert "新增" not in {c.title for c in app.get_system_commands(app.screen)}
        await pilot.press("a")  # the key she has not: nothing opens
        await settle(pilot)
        assert app.screen is people_screen
        people_screen.action_add()  # called anyway
        await settle(pilot)
        assert isinstance(app.screen, PersonFormScreen)
        form = app.screen.query_one(Form)
        for name, value in (("name", "周新"), ("id_number", "320381199001011239"), ("phone", "13912345678"),
                            ("post", world.vacant("a").id)):
            form.widget(name).value = value
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PersonFormScreen)
        assert "没有权限执行此操作" in str(form.query_one("#form-message").render())
        app.screen.dismiss(False)
        await settle(pilot)
        app.push_screen(PersonScreen(world.mine.id))
        await settle(pilot)
        assert "调岗" not in screen_text(app).splitlines()[-1]
        app.screen.action_transfer()  # called anyway: to her town's other village
        await settle(pilot)
        assert isinstance(app.screen, TransferScreen)
        app.screen.query_one(Form).widget("post").value = post.id
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TransferScreen) and "没有权限执行此操作" in screen_text(app)
    assert Person.select().count() == before and Person.get_by_id(world.mine.id).post_id == world.mine.post_id
    assert [r.action for r in refusals(head)] == ["people.hire", "people.transfer"]


async def test_a_hidden_departure_decision_called_anyway_is_refused_on_its_form(world: World):
    """ATT-6: only the town head decides a proposed departure; her clerk's screen does not offer it."""
    from _access_cases import _proposed
    from xinyi_departure.models import Departure

    from xinyi_core.tui.widgets import Form

    dep_id = _proposed(world)
    clerk = world.op("town_clerk")
    async with run_app(clerk) as pilot:
        app = pilot.app
        await pilot.press("f8")  # 离职
        await settle(pilot)
        offered = {c.title for c in app.get_system_commands(app.screen)}
        assert "呈报" in offered and not offered & {"确认拟定", "驳回拟定"}  # palette = the screen's live keys
        await pilot.press("x")  # the decline key she has not
        await settle(pilot)
        assert len(app.screen_stack) == 1
        app.screen.action_decline()  # called anyway
        await settle(pilot)
        app.screen.query_one(Form).widget("text").value = "已按时返岗"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "没有权限执行此操作" in screen_text(app)
    assert Departure.get_by_id(dep_id).state == "proposed"
    assert [(r.action, r.allowed) for r in refusals(clerk)] == [("departure.confirm", False)]


async def test_screen_parameters_naming_another_town_show_nothing_of_it(world: World):
    """A to-do's parameters are data too: a filter or a person of town b, handed to town a's screens."""
    from xinyi_core.tui.widgets import RecordList

    clerk = world.op("town_clerk")
    other = world.person("b", 0)
    async with run_app(clerk) as pilot:
        app = pilot.app
        app.action_open("tui.nav.people", {"town_id": world.town("b").id})
        await settle(pilot)
        assert app.current_mode == "tui.nav.people" and app.return_code is None
        assert app.screen.query_one("#people", RecordList).count == 4  # still her town's four
        assert any("不在您的管辖范围内" in n for n in notifications(app))
        app.action_open("attendance.screen.person", {"person_id": other.id})
        await settle(pilot)
        assert other.name not in screen_text(app)
    assert [(r.action, r.note) for r in refusals(clerk)] == [("people.view", "auth.out_of_scope")]
