"""The training screens at 80×24, driven by key presses: sessions, attendance taking (TRN-1, TRN-2),
quotas by town and quarter and the assistant's own record (TRN-3)."""
from __future__ import annotations

import datetime as dt

from xinyi_core import clock
from xinyi_core.models import Person
from xinyi_core.tui.app import XinyiApp
from xinyi_core.tui.widgets import Form, RecordList
from xinyi_training import service
from xinyi_training.service import quota
from xinyi_training.models import Article, Invitation, TrainingSession

SIZE = (80, 24)
TODAY = dt.date(2026, 11, 26)


async def test_town_clerk_adds_a_session_invites_a_village_and_takes_attendance(ui_city, screen_text, settle):
    clerk = ui_city.op("town_clerk", "a")
    app = XinyiApp(clerk)
    with clock.frozen(TODAY):
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f11")
            await settle(pilot)
            assert "培训管理" in screen_text(app) and "岗前培训" in screen_text(app)  # only the city's exam so far
            await pilot.press("a")
            await settle(pilot)
            form = app.screen.query_one(Form)
            assert form.value("organiser") == ui_city.towns[0].id  # her own town, the only choice
            await pilot.press("tab", *"社保卡业务培训", "ctrl+s")
            await settle(pilot)
            session = TrainingSession.get(TrainingSession.kind == "in_service")
            assert (session.title, session.organiser_id, session.start_on) == ("社保卡业务培训", ui_city.towns[0].id, TODAY)
            assert "社保卡业务培训" in screen_text(app)

            await pilot.press("i")
            await settle(pilot)
            app.screen.query_one(Form).widget("unit").value = ui_city.villages["a"][0].id
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert Invitation.select().where(Invitation.session == session.id).count() == 2  # the two on duty in a-1
            assert service.awaiting_attendance(clerk) == 1  # a to-do on her home screen

            await pilot.press("enter")
            await settle(pilot)
            text = screen_text(app)
            assert "培训出勤登记" in text and "邀请 2 人" in text and "未登记" in text
            await pilot.press("p")  # present, cursor moves on
            await pilot.press("x")  # excused: asks for the reason
            await settle(pilot)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert "必填" in screen_text(app)  # the reason is required, shown beside the field
            await pilot.press(*"病假", "ctrl+s")
            await settle(pilot)
            invited = Invitation.select().where(Invitation.session == session.id)
            got = {i.person.name: (i.attendance, i.reason) for i in invited}
            names = [p.name for p in ui_city.people["a"][:2]]
            assert sorted(got.values()) == [("excused", "病假"), ("present", "")]
            assert set(got) == set(names)
            assert service.awaiting_attendance(clerk) == 0
            text = screen_text(app)
            assert "出勤" in text and "请假缺席" in text and "病假" in text
            assert "无故缺席" in text.splitlines()[-1]  # the footer offers every outcome's key


async def test_city_records_a_pre_job_score_and_the_gate_result_shows(ui_city, hire_candidate, screen_text, settle):
    office = ui_city.op("city_office")
    person = hire_candidate()
    with clock.frozen(TODAY):
        session = service.create_session(office, kind="pre_job", title="岗前培训及考核", organiser=ui_city.city,
                                         start_on=TODAY)
        service.invite(office, session.id, [person])
        app = XinyiApp(office)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f11")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press("s")
            await settle(pilot)
            form = app.screen.query_one(Form)
            await pilot.press(*"120", "ctrl+s")
            await settle(pilot)
            assert "0–100" in form.error("score")
            await pilot.press(*["backspace"] * 3, *"86", "ctrl+s")
            await settle(pilot)
            assert "86 分（合格）" in screen_text(app)
    assert service.exam_scores(person.id) == [(86.0, 60.0)]


async def test_quota_screen_by_town_and_quarter(ui_city, screen_text, settle):
    a0 = ui_city.people["a"][0]
    with clock.frozen(TODAY):
        quota.submit_article(ui_city.op("town_clerk", "a"), a0.id, title="x", published_on="2026-10-09", outlet="y")
        app = XinyiApp(ui_city.op("city_office"))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f10")
            await settle(pilot)
            text = screen_text(app)
            assert "2026年第四季度" in text and "应报 8 人，缺报 7 人" in text
            await pilot.press("t")  # town a
            await settle(pilot)
            assert "甲镇　应报 4 人，缺报 3 人" in screen_text(app)
            await pilot.press("o")  # only those short
            await settle(pilot)
            rows = app.screen.query_one("#quota", RecordList)
            assert rows.count == 3 and a0.id not in {rows.row_at(i)[0] for i in range(rows.count)}
            await pilot.press("right_square_bracket")
            await settle(pilot)
            assert "2027年第一季度" in screen_text(app)
            await pilot.press("left_square_bracket", "left_square_bracket")
            await settle(pilot)
            assert "2026年第三季度　甲镇　应报 4 人，缺报 4 人" in screen_text(app)
            first = rows.current_id
            await pilot.press("enter")  # her training record
            await settle(pilot)
            assert f"{Person.get_by_id(first).name}　岗前培训考核：已合格" in screen_text(app)  # on duty: passed (TRN-1)
            await pilot.press("escape")
            await settle(pilot)
            assert "宣传信息完成情况" in screen_text(app)


async def test_assistant_sees_her_record_and_reports_an_article(ui_city, screen_text, settle):
    me = ui_city.op("assistant", "a")
    with clock.frozen(TODAY):
        app = XinyiApp(me)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert "2026年第四季度宣传信息待上报" in screen_text(app)  # a to-do on her home screen
            await pilot.press("f11")
            await settle(pilot)
            text = screen_text(app)
            assert "岗前培训考核：已合格" in text and "Q4 0/1" in text and "本年尚未上报宣传信息" in text
            await pilot.press("a")
            await settle(pilot)
            await pilot.press(*"我村开展社保卡宣传", "tab", "tab", *"新沂人社微信公众号", "ctrl+s")
            await settle(pilot)
            assert Article.get().person_id == me.person_id
            text = screen_text(app)
            assert "Q4 1/1" in text and "我村开展社保卡宣传" in text and "新沂人社微信公众号" in text
