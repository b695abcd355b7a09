"""The person page at 80×24 with every built-in plugin (issue 18): what each plugin knows about her
is said in words — `全年事假 2 天` — with no rule ID (ATT-5, ASM-5, WORK-2) and no bare number
after it; the post choices name places and dates, not database ids."""
from __future__ import annotations

import datetime as dt
import re

from xinyi_core import clock
from xinyi_core.testing import screen_text, settle
from xinyi_core.tui.screens.person import PersonScreen, TransferScreen
from xinyi_core.tui.widgets import Form

RULE_ID = re.compile(r"[A-Z]{2,5}-\d")


def _approved_leave(city, person, start: str, end: str) -> None:
    from xinyi_core import approvals
    from xinyi_leave import service

    leave = service.apply(city.op("town_clerk", "a"), person, {"category": "personal", "start_on": start,
                                                               "end_on": end, "reason": "家中有事",
                                                               "phone": "13900001111"})
    while (step := approvals.current_step(service.chain_of(service.LeaveRequest.get_by_id(leave.id)))) is not None:
        op = city.op(step.role) if step.role == "city_office" else city.op(step.role, "a")
        service.decide(op, leave.id, True, "同意")


async def test_the_person_page_says_each_fact_in_words(city, pilot_app):
    person = city.people["a"][0]
    with clock.frozen(dt.date(2026, 9, 1)):
        _approved_leave(city, person, "2026-09-02", "2026-09-03")
    with clock.frozen(dt.date(2026, 9, 10)):
        async with pilot_app(city.op("town_clerk", "a")) as pilot:
            pilot.app.push_screen(PersonScreen(person.id))
            await settle(pilot)
            text = screen_text(pilot.app)
    facts = text.split("各业务模块信息", 1)[1].splitlines()[1:]
    facts = [line.strip() for line in facts if line.strip() and "返回" not in line]
    assert "全年事假 2 天" in facts  # leave: the label carries its count
    assert any(line.startswith("全年旷工 0 天") for line in facts)  # attendance
    assert any(line.startswith("工作日志") for line in facts)  # the work log's item-4 fact
    assert not RULE_ID.search(text)
    assert not any(re.search(r"[：:]\s*\d+(\.\d+)?$", line) for line in facts), facts  # no bare `：16` after a line


async def test_the_transfer_choices_name_the_post_not_its_id(city, pilot_app):
    person = city.people["a"][1]
    async with pilot_app(city.op("city_office")) as pilot:
        pilot.app.push_screen(TransferScreen(person.id))
        await settle(pilot)
        choices = [label for label, _ in pilot.app.screen.query_one(Form).fields["post"].choices]
    village = city.vacant["a"].village
    assert f"甲镇·{village.name}·协理员（2025-01-01 起空缺）" in choices
    assert not any("#" in label or re.search(r"\d+$", label) for label in choices)
