"""The departure screens driven by keys at 80×24: proposals, reports, opinions, handover, vacancies."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Iterator

import pytest
import xinyi_departure
from rich.console import Console
from xinyi_departure import service
from xinyi_departure.models import Departure, HandoverItem

from xinyi_core import clock, lifecycle, testing
from xinyi_core.models import Person
from xinyi_core.testing import settle
from xinyi_core.tui.app import XinyiApp
from xinyi_core.tui.widgets import Form, RecordList

from .conftest import TODAY

SIZE = (80, 24)


@pytest.fixture
def ui_city(tmp_path: Path) -> Iterator[testing.City]:
    """SQLite, the departure plugin alone (other plugins' screens can't shift these)."""
    cfg = testing.make_config(tmp_path, f"sqlite:///{tmp_path / 'xinyi.db'}")
    testing.start(cfg, plugin_modules={"departure": xinyi_departure}, entry_points=False)
    try:
        with clock.frozen(TODAY):
            yield testing.build_city()
    finally:
        lifecycle.shutdown()


def text(app: XinyiApp) -> str:
    """What the terminal shows, as text (CJK characters take two cells)."""
    console = Console(width=SIZE[0], height=SIZE[1], file=io.StringIO(), force_terminal=True, color_system=None,
                      record=True, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens,
                                                        simplify=True))
    return "\n".join(line.rstrip() for line in console.export_text().splitlines())


def detail(app: XinyiApp) -> str:
    """The departure list's detail panel (a notification toast may cover part of the screen)."""
    return str(app.screen.query_one("#dep-detail").render())


def propose(city, person):
    from xinyi_core import alerts

    alerts.raise_alert("attendance", "off_post", f"off_post:{person.id}", "脱岗", audience=("town_head",),
                       rule="ATT-6", person=person, data={"days": 8, "from": "2026-10-21", "to": "2026-10-28"})
    return Departure.get(Departure.person == person.id)


async def test_town_head_confirms_a_proposal_from_the_home_screen(ui_city):
    dep = propose(ui_city, ui_city.people["a"][1])
    app = XinyiApp(ui_city.op("town_head", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "系统拟定离职待确认（1）" in text(app)
        await pilot.press("enter")  # the first to-do opens the list on the proposals
        await settle(pilot)
        screen = text(app)
        assert "状态：待镇确认" in screen and ui_city.people["a"][1].name in screen and "考勤预警" in screen
        assert "确认拟定" in screen and "补员" not in screen  # footer: her actions only (ORG-3: no hiring)
        await pilot.press("c")
        await settle(pilot)
        form = app.screen.query_one(Form)
        assert form.value("category") == "rescinded" and form.value("planned_on") == TODAY.isoformat()
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert Departure.get_by_id(dep.id).state == "pending"
        await pilot.press("f")  # next filter: 审批中
        await settle(pilot)
        assert "状态：审批中" in text(app)
        assert "村居负责人（甲镇1村）：待审批" in detail(app)


async def test_clerk_files_a_report_with_errors_beside_the_fields(ui_city):
    person = ui_city.people["a"][0]
    app = XinyiApp(ui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f8")  # 离职
        await settle(pilot)
        assert "暂无离职呈报" in text(app) and "确认拟定" not in text(app)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen.query_one(Form)
        form.widget("person").value = person.id
        form.widget("category").value = "other"
        form.widget("planned_on").focus()
        await pilot.press(*"2026-12-01", "ctrl+s")
        await settle(pilot)
        assert form.error("reason") == "离职类别为“其他”的，应在离职原因中具体说明"
        assert "离职类别为“其他”的" in text(app)
        form.widget("reason").focus()
        await pilot.press(*"kaogong", "ctrl+s")
        await settle(pilot)
        screen = text(app)
        assert person.name in screen and "审批中" in screen and "镇中心填报" in screen
    dep = Departure.get(Departure.person == person.id)
    assert (dep.category, dep.reason, dep.state) == ("other", "kaogong", "pending")


async def test_village_head_gives_an_opinion_and_clerk_confirms_a_handover(ui_city):
    person = ui_city.people["a"][0]
    dep = service.report(ui_city.op("town_clerk", "a"), person.id, {"category": "resigned", "planned_on": "2026-12-01"})
    app = XinyiApp(ui_city.op("village_head", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "离职呈报待审批（1）" in text(app)
        await pilot.press("f8")  # 离职
        await settle(pilot)
        assert "n 呈报" not in text(app).splitlines()[-1]  # no filing for a village head
        await pilot.press("r", "ctrl+s")  # disagreeing needs an opinion
        await settle(pilot)
        assert app.screen.query_one(Form).error("text") == "必填"
        await pilot.press("escape", "a", *"tongyi", "ctrl+s")
        await settle(pilot)
        assert "村居负责人（甲镇1村）：已批准 tongyi" in detail(app)
    for op in (ui_city.op("town_head", "a"), ui_city.op("city_office")):
        service.decide(op, dep.id, True, "同意")  # approved: the handover is now due
    app = XinyiApp(ui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "离职工作移交未完成（1）" in text(app)
        await pilot.press("f8")  # 离职
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        assert "工作文件" in text(app) and "办公设备" in text(app)
        await pilot.press("c", *"liming", "ctrl+s")
        await settle(pilot)
        assert "liming" in text(app)
        await pilot.press("escape")
        await settle(pilot)
        assert "工作移交：1/3 项已确认" in detail(app)
        await pilot.press("p")
        await settle(pilot)
    assert HandoverItem.get(HandoverItem.received_by == "liming").departure_id == dep.id
    form = lifecycle.runtime().config.report_dir / "departure" / "form"  # named for people, no internal id
    assert [p.name for p in form.iterdir()] == [f"离职呈报单_{dep.person.name}_{dep.planned_on.isoformat()}.docx"]


async def test_vacancies_for_the_city_office_and_not_for_a_town(ui_city):
    app = XinyiApp(ui_city.op("town_head", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "空岗" not in text(app)  # ORG-3: the list and its hiring are the city's
    app = XinyiApp(ui_city.op("city_office"))
    async with app.run_test(size=SIZE) as pilot:
        await testing.open_entry(pilot, "departure.screen.vacancies")
        await settle(pilot)
        screen = text(app)
        days = (TODAY - ui_city.vacant["a"].vacant_since).days
        assert f"{days} 天" in screen and "甲镇1村" in screen and "补员" in screen
        await pilot.press("h")
        await settle(pilot)
        form = app.screen.query_one(Form)
        form.widget("name").focus()
        await pilot.press(*"周新", "tab", *"320381199001011239", "tab", *"13912345678", "ctrl+s")
        await settle(pilot)
        vacant = app.screen.query_one("#vacancies", RecordList)
        assert [vacant.row_at(i)[0] for i in range(vacant.count)] == [ui_city.vacant["b"].id]
    assert Person.get(Person.name == "周新").post_id == ui_city.vacant["a"].id


async def test_f1_on_the_departure_list_does_not_promise_enter(ui_city):
    """The list shows the highlighted report's detail below it, so Enter does nothing there: F1 lists
    no 回车 打开 (it does on the people list, where Enter opens the person)."""
    app = XinyiApp(ui_city.op("town_clerk", "a"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f8")  # 离职
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert "离职管理" in text(app) and "打开 / 确认" not in text(app)
        await pilot.press("escape", "f3", "f1")  # the people list
        await settle(pilot)
        assert "打开 / 确认" in text(app)
